//! What a caller sees of what it may read: an application as a department sees it (its own
//! branches and the materials they use, refused when it has no branch there), a facilitator only
//! the applications of projects it follows, and personal data masked for whoever does not need
//! it (everyone but the front desk and the department deciding; raters for everyone but the
//! front desk, which took the rating).

use lianban_orchestrator::application::Application;
use lianban_proto::v1 as pb;

use crate::convert::{self, View};
use crate::error::Error;
use crate::identity::{Caller, Role};
use crate::runtime::Runtime;

/// `application` on the wire as `caller` may see it, or why it may not.
pub(crate) async fn application_for(
    runtime: &Runtime,
    caller: &Caller,
    application: &Application,
    view: &View<'_>,
) -> Result<pb::Application, Error> {
    let mut wire = convert::application_to_wire(application, view);
    // A department is no party to the front desk's ratings, so it sees their raters masked too.
    if !caller.sees_personal_data() {
        convert::mask_raters(&mut wire.ratings);
    }
    if let Some(department) = caller.confined_department() {
        let own: Vec<_> = application
            .branches
            .iter()
            .filter(|b| b.department_code == department)
            .collect();
        if own.is_empty() {
            return Err(caller.out_of_scope(
                "application_id",
                format!("the application has no branch of department {department}"),
            ));
        }
        let materials: Vec<String> = own
            .iter()
            .flat_map(|b| b.material_codes.iter().cloned())
            .collect();
        convert::department_view(&mut wire, department, &materials);
        return Ok(wire);
    }
    if caller.confined_to_projects() {
        check_follows(runtime, caller, application.key_project_code.as_deref()).await?;
    }
    if !caller.sees_personal_data() {
        convert::mask_applicant(&mut wire.applicant);
    }
    Ok(wire)
}

/// Refuses an application outside the projects a facilitator follows.
async fn check_follows(
    runtime: &Runtime,
    caller: &Caller,
    project: Option<&str>,
) -> Result<(), Error> {
    let Some(code) = project else {
        return Err(caller.out_of_scope(
            "application_id",
            "the application belongs to no key project this facilitator follows".to_owned(),
        ));
    };
    let facilitator = runtime
        .store()
        .project(code)
        .await?
        .map(|p| p.facilitator)
        .unwrap_or_default();
    caller.require_project(code, &facilitator)
}

/// Applications of a list as `caller` may see them: personal data masked unless it needs it.
pub(crate) fn applications_for(caller: &Caller, applications: &mut [pb::Application]) {
    if !caller.sees_personal_data() {
        for application in applications {
            convert::mask_applicant(&mut application.applicant);
            convert::mask_raters(&mut application.ratings);
        }
    }
}

/// Tasks as `caller` may see them: the department deciding a task sees its applicant in clear,
/// readers see personal data masked.
pub(crate) fn tasks_for(caller: &Caller, tasks: &mut [pb::Task]) {
    if caller.sees_personal_data() {
        return;
    }
    let own = caller.own_department();
    for task in tasks {
        let department = task.branch.as_ref().map(|b| b.department_code.as_str());
        if own.is_none() || own != department {
            convert::mask_applicant(&mut task.applicant);
        }
    }
}

/// The audience and department a caller may read notices of: a department its own department's
/// notices, the front desk the applicants', supervisors and auditors any. What the request asks
/// for must fit; what it leaves open is filled in.
pub(crate) fn notice_scope(
    caller: &Caller,
    audience: Option<&'static str>,
    department: Option<String>,
) -> Result<(Option<&'static str>, Option<String>), Error> {
    let principal = caller.principal();
    let forced = if principal.is_open() || principal.has_any(&[Role::Supervisor, Role::Auditor]) {
        return Ok((audience, department));
    } else if let Some(own) = caller.own_department() {
        ("department", Some(own.to_owned()))
    } else {
        ("applicant", None)
    };
    if audience.is_some_and(|a| a != forced.0) {
        return Err(caller.out_of_scope(
            "audience",
            format!("this caller reads the {} audience only", forced.0),
        ));
    }
    if let (Some(own), Some(asked)) = (&forced.1, &department)
        && own != asked
    {
        return Err(caller.out_of_scope(
            "department_code",
            format!("this caller reads department {own}'s notices only"),
        ));
    }
    Ok((Some(forced.0), forced.1.or(department)))
}
