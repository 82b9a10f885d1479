//! Pauses: a department stops a branch's clock for a supplement request or a special procedure,
//! and restarts it; the working days the pause took move the deadline.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::change::Change;
use super::deadlines::move_deadline;
use super::transitions::{move_branch, owned_branch};
use crate::application::{Branch, Decider, Pause, PauseKind};
use crate::calendar::Calendar;
use crate::catalogue::Catalogue;
use crate::error::EngineError;
use crate::machine::BranchTrigger;

/// The longest expected duration of a special procedure, in working days (about a year and a
/// half): a longer one is a mistake, not a plan.
pub const MAX_EXPECTED_DAYS: u32 = 365;
use crate::vocabulary::{Event, require_text};

/// A department stops a branch's clock: a supplement request names the materials it needs, a
/// special procedure its expected working days.
pub(super) fn pause(
    change: &mut Change<'_>,
    branch_id: Uuid,
    requested_by: Decider,
    kind: PauseKind,
    reason: String,
    expected_days: u32,
    material_codes: Vec<String>,
) -> Result<(), EngineError> {
    let (rules, application, now, events) = change.parts();
    let pause = Pause {
        kind,
        reason,
        expected_days,
        material_codes,
        requested_by,
        started_at: now,
        ended_at: None,
        counted_days: 0,
    };
    require_text("clerk_id", &pause.requested_by.clerk_id)?;
    require_text("reason", &pause.reason)?;
    let index = owned_branch(application, branch_id, &pause.requested_by.department_code)?;
    check_pause_kind(rules.catalogue, &pause)?;
    let branch = &mut application.branches[index];
    branch.state = move_branch(branch, BranchTrigger::Pause)?;
    branch.version += 1;
    events.push(Event::BranchPaused {
        branch_id,
        pause: pause.kind,
    });
    branch.pauses.push(pause);
    Ok(())
}

/// A supplement request names known materials; a special procedure states how long it takes.
fn check_pause_kind(catalogue: &Catalogue, pause: &Pause) -> Result<(), EngineError> {
    match pause.kind {
        PauseKind::Supplement => {
            if pause.material_codes.is_empty() {
                return Err(EngineError::invalid(
                    "material_codes",
                    "a supplement request names at least one material",
                ));
            }
            for (i, code) in pause.material_codes.iter().enumerate() {
                if catalogue.material(code).is_none() {
                    return Err(EngineError::invalid(
                        format!("material_codes[{i}]"),
                        format!("no material with code {code:?}"),
                    ));
                }
            }
        }
        _ if pause.expected_days == 0 || pause.expected_days > MAX_EXPECTED_DAYS => {
            return Err(EngineError::invalid(
                "expected_days",
                format!(
                    "a special procedure states its expected duration: 1 to {MAX_EXPECTED_DAYS} working days"
                ),
            ));
        }
        _ => {}
    }
    Ok(())
}

/// A department restarts a paused branch's clock.
pub(super) fn resume(
    change: &mut Change<'_>,
    branch_id: Uuid,
    department_code: &str,
    clerk_id: String,
) -> Result<(), EngineError> {
    let (rules, application, now, events) = change.parts();
    require_text("clerk_id", &clerk_id)?;
    let index = owned_branch(application, branch_id, department_code)?;
    resume_branch(
        rules.calendar,
        &mut application.branches[index],
        now,
        events,
    )
}

/// Ends the open pause: the working days whose closing fell inside it move the deadline.
pub(super) fn resume_branch(
    calendar: &Calendar,
    branch: &mut Branch,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    let trigger = if branch.claimed_by.is_some() {
        BranchTrigger::ResumeClaimed
    } else {
        BranchTrigger::Resume
    };
    let next = move_branch(branch, trigger)?;
    let Some(pause) = branch
        .pauses
        .last_mut()
        .filter(|pause| pause.ended_at.is_none())
    else {
        return Err(EngineError::invalid(
            "branch_id",
            "the branch has no open pause",
        ));
    };
    pause.ended_at = Some(now);
    pause.counted_days = calendar.closings_between(pause.started_at, now);
    let counted_days = pause.counted_days;
    let reason = format!("{} took {counted_days} working days", pause.kind.name());
    branch.state = next;
    branch.paused_days = branch.paused_days.saturating_add(counted_days);
    branch.version += 1;
    events.push(Event::BranchResumed {
        branch_id: branch.id,
        counted_days,
    });
    move_deadline(calendar, branch, now, &reason, events);
    Ok(())
}
