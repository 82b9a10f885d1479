//! Posts (AB岗) on the wire. Inbound, text is trimmed and blank B clerks are dropped; whether the
//! post fits the catalogue is checked by `staff::check_post`.

use lianban_orchestrator::engine::AssignerRole;
use lianban_orchestrator::staffing::Post;
use lianban_proto::v1 as pb;

use super::fields::timestamp;
use crate::error::Error;
use crate::store::AbsenceRecord;

/// A post to declare, from the wire.
pub fn post_from_wire(post: Option<pb::Post>) -> Result<Post, Error> {
    let post = post.ok_or_else(|| Error::invalid("post", "required"))?;
    Ok(Post {
        department: post.department_code.trim().to_owned(),
        code: post.code.trim().to_owned(),
        matters: post
            .matter_codes
            .iter()
            .map(|m| m.trim().to_owned())
            .collect(),
        a: post.a.trim().to_owned(),
        b: post
            .b
            .iter()
            .map(|b| b.trim().to_owned())
            .filter(|b| !b.is_empty())
            .collect(),
    })
}

/// A post on the wire, with whether each of its clerks (A, then the Bs) is among `absences`.
pub fn post_to_wire(post: &Post, absences: &[AbsenceRecord]) -> pb::Post {
    let availability = std::iter::once(&post.a)
        .chain(post.b.iter())
        .map(|clerk| {
            let absence = absences
                .iter()
                .find(|a| a.department_code == post.department && a.clerk_id == *clerk);
            pb::ClerkAvailability {
                clerk_id: clerk.clone(),
                away: absence.is_some(),
                since: absence.map(|a| timestamp(a.since)),
                reason: absence.map(|a| a.reason.clone()).unwrap_or_default(),
            }
        })
        .collect();
    pb::Post {
        department_code: post.department.clone(),
        code: post.code.clone(),
        matter_codes: post.matters.clone(),
        a: post.a.clone(),
        b: post.b.clone(),
        availability,
    }
}

/// The role of whoever directs a hand-over: a department head (with the department, already
/// checked against the catalogue by the caller) or a supervisor.
pub fn assigner_role(role: i32, department_code: Option<String>) -> Result<AssignerRole, Error> {
    match pb::AssignerRole::try_from(role) {
        Ok(pb::AssignerRole::DepartmentHead) => Ok(AssignerRole::DepartmentHead {
            department_code: department_code.ok_or_else(|| {
                Error::invalid("department_code", "required for a department head")
            })?,
        }),
        Ok(pb::AssignerRole::Supervisor) => Ok(AssignerRole::Supervisor),
        _ => Err(Error::invalid(
            "role",
            "must be a department head or a supervisor",
        )),
    }
}
