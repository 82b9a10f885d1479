//! Extensions: a department asks for more working days, within the legal limit, and a supervisor
//! other than the clerk who asked approves or refuses; an approval moves the deadline.

use uuid::Uuid;

use super::change::Change;
use super::deadlines::move_deadline;
use super::transitions::{branch_index, move_branch, owned_branch};
use crate::application::{Branch, Decider, Extension, ExtensionDecision};
use crate::error::EngineError;
use crate::machine::BranchTrigger;
use crate::vocabulary::{Event, require_text};

/// A department asks for `days` more working days on a branch; `requested_by` is the clerk and
/// the authenticated identity asking.
pub(super) fn request_extension(
    change: &mut Change<'_>,
    branch_id: Uuid,
    (requested_by, requester_identity): (Decider, String),
    days: u32,
    reason: String,
) -> Result<(), EngineError> {
    let (_, application, now, events) = change.parts();
    require_text("clerk_id", &requested_by.clerk_id)?;
    require_text("reason", &reason)?;
    if days == 0 {
        return Err(EngineError::invalid("days", "at least one working day"));
    }
    let index = owned_branch(application, branch_id, &requested_by.department_code)?;
    let branch = &mut application.branches[index];
    let next = move_branch(branch, BranchTrigger::RequestExtension)?;
    check_extension_fits(branch, days)?;
    let number = branch.extensions.len() as u32 + 1;
    branch.state = next;
    branch.extensions.push(Extension {
        number,
        requested_by,
        requester_identity,
        reason,
        days,
        requested_at: now,
        decision: None,
    });
    branch.version += 1;
    events.push(Event::ExtensionRequested {
        branch_id,
        number,
        days,
    });
    Ok(())
}

/// One request at a time, and never beyond the legal limit.
fn check_extension_fits(branch: &Branch, days: u32) -> Result<(), EngineError> {
    if branch.extensions.iter().any(|e| e.decision.is_none()) {
        return Err(EngineError::InvalidTransition {
            entity: "branch",
            id: branch.id.to_string(),
            state: "awaiting a supervisor's decision on its extension request",
            command: "request another extension",
        });
    }
    // Checked: `days` comes from the caller, and a wrapped sum would slip under the legal limit.
    let total = branch
        .limit_days
        .checked_add(branch.extension_days)
        .and_then(|granted| granted.checked_add(days));
    match total {
        Some(total) if total <= branch.legal_limit_days => Ok(()),
        _ => Err(EngineError::invalid(
            "days",
            format!(
                "{days} more working days would take the limit beyond the legal limit of {} working days",
                branch.legal_limit_days
            ),
        )),
    }
}

/// A supervisor approves or refuses extension request `number`; an approval moves the deadline.
/// `decision` is the supervisor, the authenticated identity deciding, approve, and the note.
pub(super) fn decide_extension(
    change: &mut Change<'_>,
    branch_id: Uuid,
    number: u32,
    (supervisor_id, identity, approve, note): (String, String, bool, String),
) -> Result<(), EngineError> {
    let (rules, application, now, events) = change.parts();
    let decision = ExtensionDecision {
        approved: approve,
        supervisor_id,
        note,
        decided_at: now,
    };
    require_text("supervisor_id", &decision.supervisor_id)?;
    let index = branch_index(application, branch_id)?;
    let branch = &mut application.branches[index];
    let position = undecided_request(branch, number, &decision.supervisor_id, &identity)?;
    let approved = decision.approved;
    let days = branch.extensions[position].days;
    branch.extensions[position].decision = Some(decision);
    branch.version += 1;
    events.push(Event::ExtensionDecided {
        branch_id,
        number,
        approved,
    });
    if approved {
        branch.extension_days = branch.extension_days.saturating_add(days);
        let reason = format!("extension {number} of {days} working days approved");
        move_deadline(rules.calendar, branch, now, &reason, events);
    }
    Ok(())
}

/// The position of request `number`, refused when it is decided already, when the branch no
/// longer runs, or when the supervisor is the clerk who asked or the same authenticated identity.
fn undecided_request(
    branch: &Branch,
    number: u32,
    supervisor_id: &str,
    identity: &str,
) -> Result<usize, EngineError> {
    let branch_id = branch.id;
    let Some(position) = branch.extensions.iter().position(|e| e.number == number) else {
        return Err(EngineError::NotFound {
            entity: "extension request",
            id: format!("{branch_id}/{number}"),
        });
    };
    if branch.extensions[position].decision.is_some() {
        return Err(EngineError::InvalidTransition {
            entity: "extension request",
            id: format!("{branch_id}/{number}"),
            state: "decided",
            command: "decide it again",
        });
    }
    if !branch.state.is_running() {
        return Err(EngineError::InvalidTransition {
            entity: "branch",
            id: branch_id.to_string(),
            state: branch.state.name(),
            command: "extend its deadline",
        });
    }
    if branch.extensions[position].requested_by.clerk_id == supervisor_id {
        return Err(EngineError::SamePerson {
            who: supervisor_id.to_owned(),
        });
    }
    let asked_by = branch.extensions[position].requester_identity.as_str();
    if !identity.is_empty() && identity == asked_by {
        return Err(EngineError::SamePerson {
            who: identity.to_owned(),
        });
    }
    Ok(position)
}
