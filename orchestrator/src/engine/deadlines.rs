//! Deadlines: what a branch's deadline is, moving it when its working days change, and acting
//! when it passes — deemed consent or escalation, as the catalogue says.
//!
//! A deadline counts working days from the branch's start: its limit plus the days it was paused
//! and the extension days granted. Pauses, extensions and calendar changes all move it here.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::change::Change;
use super::progress::{finish_if_all_ended, start_ready_dependants};
use super::transitions::{branch_index, move_branch};
use crate::application::{Application, Branch, DeadlineMove, Outcome};
use crate::calendar::{Calendar, Deadline};
use crate::catalogue::DeadlineAction;
use crate::error::EngineError;
use crate::machine::BranchTrigger;
use crate::vocabulary::{Decision, Event, Rules};

/// Acts in one change on the passed deadlines of `branch_ids`, in that order, and then on those of
/// every other branch of the application that are due by `now`: what
/// [`Command::DeadlinePassed`] does for each branch in turn, as one new version. A sweep that
/// finds one of an application's deadlines due reads, decides, writes and commits the application
/// once for all that are due, however far apart the store's index holds them. Also answers how
/// many branches changed. A refusal for any of `branch_ids` refuses the whole.
///
/// [`Command::DeadlinePassed`]: crate::vocabulary::Command::DeadlinePassed
pub fn deadlines_passed(
    rules: Rules<'_>,
    current: &Application,
    branch_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(Decision, usize), EngineError> {
    let others = current
        .branches
        .iter()
        .map(|branch| branch.id)
        .filter(|id| !branch_ids.contains(id));
    let all: Vec<Uuid> = branch_ids.iter().copied().chain(others).collect();
    let mut change = Change::of(rules, current, now);
    let mut changed = 0;
    for branch_id in all {
        let before = change.events_so_far();
        deadline_passed(&mut change, branch_id)?;
        changed += usize::from(change.events_so_far() > before);
    }
    Ok((change.into_decision(), changed))
}

/// Acts on a branch whose deadline has passed. Acting twice, or on a branch that is not due,
/// changes nothing.
pub(super) fn deadline_passed(change: &mut Change<'_>, branch_id: Uuid) -> Result<(), EngineError> {
    let (rules, application, now, events) = change.parts();
    let index = branch_index(application, branch_id)?;
    let branch = &mut application.branches[index];
    let Some(deadline) = branch
        .deadline
        .filter(|d| d.at <= now && branch.state.is_actionable())
    else {
        return Ok(());
    };
    match branch.on_deadline {
        DeadlineAction::DeemedConsent => {
            deem_consent(rules, application, index, deadline.at, now, events)
        }
        DeadlineAction::Escalate if branch.escalated_at.is_none() => {
            escalate(branch, deadline.at, now, events)
        }
        DeadlineAction::Escalate => Ok(()),
    }
}

/// The silent department consents under the bundle's rule, and the dependants it unblocks start.
fn deem_consent(
    rules: Rules<'_>,
    application: &mut Application,
    index: usize,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    let rule = rules
        .catalogue
        .bundle(&application.bundle_code)
        .map(|bundle| bundle.deemed_consent_rule.clone())
        .unwrap_or_default();
    let branch = &mut application.branches[index];
    let next = move_branch(branch, BranchTrigger::DeemConsent)?;
    let local = deadline
        .with_timezone(&rules.calendar.zone())
        .format("%Y-%m-%d %H:%M");
    branch.state = next;
    branch.version += 1;
    branch.outcome = Some(Outcome {
        state: next,
        result_reference: String::new(),
        reason: format!("no opinion by the deadline {local}: deemed to consent"),
        decided_by: None,
        rule: rule.clone(),
        session_id: None,
        decided_at: now,
    });
    events.push(Event::BranchDeemedConsent {
        branch_id: branch.id,
        deadline,
        rule,
    });
    start_ready_dependants(rules, application, now, events);
    finish_if_all_ended(application, now, events)
}

/// The overdue branch turns red for supervision; it stays open for its department.
fn escalate(
    branch: &mut Branch,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    let next = move_branch(branch, BranchTrigger::Escalate)?;
    branch.state = next;
    branch.escalated_at = Some(now);
    branch.version += 1;
    events.push(Event::BranchEscalated {
        branch_id: branch.id,
        deadline,
    });
    Ok(())
}

/// Recounts a running branch's provisional deadline after the calendar changed.
pub(super) fn recount_deadline(
    change: &mut Change<'_>,
    branch_id: Uuid,
) -> Result<(), EngineError> {
    let (rules, application, now, events) = change.parts();
    let index = branch_index(application, branch_id)?;
    let branch = &mut application.branches[index];
    if branch.state.is_running() && branch.deadline.is_some_and(|d| d.provisional) {
        move_deadline(
            rules.calendar,
            branch,
            now,
            "the calendar was updated",
            events,
        );
    }
    Ok(())
}

/// The deadline a running branch has now: its limit plus paused and extension days, from its start.
fn current_deadline(calendar: &Calendar, branch: &Branch) -> Option<Deadline> {
    let start = branch.started_at?;
    Some(calendar.deadline(
        start,
        branch.limit_days + branch.paused_days + branch.extension_days,
    ))
}

/// Recomputes the deadline and records the move when it changed.
pub(super) fn move_deadline(
    calendar: &Calendar,
    branch: &mut Branch,
    now: DateTime<Utc>,
    reason: &str,
    events: &mut Vec<Event>,
) {
    let (Some(from), Some(to)) = (branch.deadline, current_deadline(calendar, branch)) else {
        return;
    };
    if from == to {
        return;
    }
    branch.deadline = Some(to);
    branch.deadline_moves.push(DeadlineMove {
        at: now,
        from,
        to,
        reason: reason.to_owned(),
    });
    // A deadline that moved into the future may pass again: escalate again then.
    if branch.escalated_at.is_some() && to.at > now {
        branch.escalated_at = None;
    }
    branch.version += 1;
    events.push(Event::DeadlineMoved {
        branch_id: branch.id,
        reason: reason.to_owned(),
    });
}
