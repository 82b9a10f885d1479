//! Scheduling a session: the lead department convenes the departments of joint-review branches
//! still to decide — of one application, or of several of one key project — and each invitation
//! records whether it came early enough for absence to count as consent.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::commands::{ScheduleSession, SessionDecision, SessionEvent};
use super::model::{Invitation, Session, SessionItem};
use super::policy::SessionPolicy;
use super::rules::{check_times, is_late, known_department};
use super::state::SessionState;
use crate::application::{Application, Branch};
use crate::catalogue::{Catalogue, Role};
use crate::error::EngineError;
use crate::machine::ApplicationState;
use crate::vocabulary::{Rules, require_text};

/// Schedules a session over `applications` (every application one of its branches belongs to).
pub fn schedule(
    rules: Rules<'_>,
    policy: SessionPolicy,
    applications: &[Application],
    command: ScheduleSession,
    now: DateTime<Utc>,
) -> Result<SessionDecision, EngineError> {
    check_command(&rules, &command, now)?;
    let key_project_code = common_project(applications)?;
    check_in_progress(applications)?;
    let items = session_items(applications, &command.branch_ids)?;
    let invited = invited_departments(rules.catalogue, &items, &command.invited_department_codes)?;
    let late = is_late(rules.calendar, policy, now, command.starts_at);
    let invitations = invited
        .into_iter()
        .map(|department_code| Invitation {
            department_code,
            invited_at: now,
            notified_at: now,
            late,
            acknowledgement: None,
        })
        .collect();
    let session = Session {
        id: command.session_id,
        kind: command.kind,
        state: SessionState::Scheduled,
        lead_department_code: command.lead_department_code,
        scheduled_by: command.clerk_id,
        key_project_code,
        starts_at: command.starts_at,
        ends_at: command.ends_at,
        place: command.place,
        items,
        invitations,
        opinions: Vec::new(),
        reschedules: Vec::new(),
        closing: None,
        cancellation: None,
        created_at: now,
        version: 1,
    };
    Ok(SessionDecision {
        session,
        events: vec![SessionEvent::Scheduled],
    })
}

/// The clerk, the place, a known lead department, and sensible times.
fn check_command(
    rules: &Rules<'_>,
    command: &ScheduleSession,
    now: DateTime<Utc>,
) -> Result<(), EngineError> {
    let catalogue = rules.catalogue;
    require_text("clerk_id", &command.clerk_id)?;
    require_text("place", &command.place)?;
    known_department(
        catalogue,
        "lead_department_code",
        &command.lead_department_code,
    )?;
    check_times(rules.calendar, now, command.starts_at, command.ends_at)
}

/// Only applications in progress have branches to review.
fn check_in_progress(applications: &[Application]) -> Result<(), EngineError> {
    for application in applications {
        if application.state != ApplicationState::InProgress {
            return Err(EngineError::InvalidTransition {
                entity: "application",
                id: application.id.to_string(),
                state: application.state.name(),
                command: "schedule a joint review session",
            });
        }
    }
    Ok(())
}

/// The key project shared by every application, or `None` for a session over one application.
fn common_project(applications: &[Application]) -> Result<Option<String>, EngineError> {
    let Some(first) = applications.first() else {
        return Err(EngineError::invalid(
            "application_ids",
            "name at least one application",
        ));
    };
    if applications.len() == 1 {
        return Ok(first.key_project_code.clone());
    }
    let project = first.key_project_code.clone().ok_or_else(|| {
        EngineError::invalid(
            "application_ids",
            "a session over several applications must review applications of one key project; the first has none",
        )
    })?;
    for (index, application) in applications.iter().enumerate() {
        if application.key_project_code.as_deref() != Some(project.as_str()) {
            return Err(EngineError::invalid(
                format!("application_ids[{index}]"),
                format!(
                    "application {} is not of key project {project}",
                    application.id
                ),
            ));
        }
    }
    Ok(Some(project))
}

/// The branches to review: those listed, or else every joint-review branch still to decide.
fn session_items(
    applications: &[Application],
    branch_ids: &[Uuid],
) -> Result<Vec<SessionItem>, EngineError> {
    if branch_ids.is_empty() {
        return open_joint_reviews(applications);
    }
    let mut items = Vec::new();
    for (index, branch_id) in branch_ids.iter().enumerate() {
        let field = format!("branch_ids[{index}]");
        if branch_ids[..index].contains(branch_id) {
            return Err(EngineError::invalid(field, "listed twice"));
        }
        items.push(listed_item(applications, *branch_id, field)?);
    }
    Ok(items)
}

/// Every joint-review branch of the applications still to decide; refused when there is none.
fn open_joint_reviews(applications: &[Application]) -> Result<Vec<SessionItem>, EngineError> {
    let mut items = Vec::new();
    for application in applications {
        for branch in &application.branches {
            if branch.role == Role::JointReview && !branch.state.is_final() {
                items.push(item(application, branch));
            }
        }
    }
    if items.is_empty() {
        return Err(EngineError::invalid(
            "branch_ids",
            "the applications have no joint-review branch still to decide",
        ));
    }
    Ok(items)
}

/// A listed branch, refused unless it is a joint review of one of the applications still to decide.
fn listed_item(
    applications: &[Application],
    branch_id: Uuid,
    field: String,
) -> Result<SessionItem, EngineError> {
    let (application, branch) = applications
        .iter()
        .find_map(|a| a.branch(branch_id).map(|b| (a, b)))
        .ok_or_else(|| {
            EngineError::invalid(
                field.clone(),
                format!("branch {branch_id} belongs to none of the applications"),
            )
        })?;
    if branch.role != Role::JointReview {
        return Err(EngineError::invalid(
            field,
            format!(
                "branch {branch_id} ({}) is an approval: only joint-review opinions can be given at a session",
                branch.matter_code
            ),
        ));
    }
    if branch.state.is_final() {
        return Err(EngineError::InvalidTransition {
            entity: "branch",
            id: branch_id.to_string(),
            state: branch.state.name(),
            command: "be reviewed at a session",
        });
    }
    Ok(item(application, branch))
}

/// The session's record of one branch.
fn item(application: &Application, branch: &Branch) -> SessionItem {
    SessionItem {
        application_id: application.id,
        receipt_number: application
            .receipt_number
            .clone()
            .unwrap_or_else(|| application.id.to_string()),
        branch_id: branch.id,
        matter_code: branch.matter_code.clone(),
        department_code: branch.department_code.clone(),
    }
}

/// The departments to invite: those listed (known, each once), or else those of the branches.
fn invited_departments(
    catalogue: &Catalogue,
    items: &[SessionItem],
    given: &[String],
) -> Result<Vec<String>, EngineError> {
    if given.is_empty() {
        let mut codes: Vec<String> = Vec::new();
        for item in items {
            if !codes.contains(&item.department_code) {
                codes.push(item.department_code.clone());
            }
        }
        return Ok(codes);
    }
    for (index, code) in given.iter().enumerate() {
        let field = format!("invited_department_codes[{index}]");
        known_department(catalogue, &field, code)?;
        if given[..index].contains(code) {
            return Err(EngineError::invalid(field, "listed twice"));
        }
    }
    Ok(given.to_vec())
}
