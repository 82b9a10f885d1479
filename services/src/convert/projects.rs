//! Key projects on the wire, and each application of a project's board with what every branch of
//! it waits for, so that a facilitator knows whom to chase.

use chrono::{DateTime, Utc};
use lianban_orchestrator::application::{Application, WaitingFor};
use lianban_proto::v1 as pb;

use super::applications::application_to_wire;
use super::fields::{required_text, timestamp};
use super::view::View;
use crate::error::Error;
use crate::store::ProjectRecord;

/// A project to register, from the wire, as registered at `registered_at`.
pub fn project_record(
    project: Option<pb::Project>,
    registered_at: DateTime<Utc>,
) -> Result<ProjectRecord, Error> {
    let project = project.ok_or_else(|| Error::invalid("project", "required"))?;
    if project.investment_wan < 0 {
        return Err(Error::invalid("project.investment_wan", "not negative"));
    }
    Ok(ProjectRecord {
        code: required_text("project.code", &project.code)?,
        name: required_text("project.name", &project.name)?,
        investor: required_text("project.investor", &project.investor)?,
        investment_wan: project.investment_wan,
        facilitator: required_text("project.facilitator", &project.facilitator)?,
        registered_at,
    })
}

/// A registered project on the wire.
pub fn project_to_wire(record: &ProjectRecord) -> pb::Project {
    pb::Project {
        code: record.code.clone(),
        name: record.name.clone(),
        investor: record.investor.clone(),
        investment_wan: record.investment_wan,
        facilitator: record.facilitator.clone(),
        registered_at: Some(timestamp(record.registered_at)),
    }
}

/// An application with what each of its branches waits for.
pub fn project_application(application: &Application, view: &View<'_>) -> pb::ProjectApplication {
    let progress = application
        .branches
        .iter()
        .map(|branch| {
            let (waiting_for, detail) = match application.waiting_for(branch) {
                WaitingFor::Nothing => (pb::WaitingFor::Unspecified, String::new()),
                WaitingFor::Applicant(materials) => {
                    (pb::WaitingFor::Applicant, materials.join(", "))
                }
                WaitingFor::Department(code) => (pb::WaitingFor::Department, code),
                WaitingFor::Predecessors(matters) => {
                    (pb::WaitingFor::Predecessor, matters.join(", "))
                }
                WaitingFor::SpecialProcedure(kind) => {
                    (pb::WaitingFor::SpecialProcedure, kind.name().to_owned())
                }
            };
            pb::BranchProgress {
                branch_id: branch.id.to_string(),
                waiting_for: waiting_for as i32,
                detail,
            }
        })
        .collect();
    pb::ProjectApplication {
        application: Some(application_to_wire(application, view)),
        progress,
    }
}
