//! Who works on a branch: the first available clerk of its post, a hand-over when it passes from
//! one clerk to another, and escalation when nobody of the post is available.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::change::Change;
use super::transitions::branch_index;
use crate::application::{Branch, Handover};
use crate::error::EngineError;
use crate::machine::BranchTrigger;
use crate::staffing::{Assignment, Staffing};
use crate::vocabulary::Event;

/// Assigns a running branch again after a clerk went away or came back; others are left alone.
pub(super) fn reassign(
    change: &mut Change<'_>,
    branch_id: Uuid,
    reason: String,
) -> Result<(), EngineError> {
    let (rules, application, now, events) = change.parts();
    let index = branch_index(application, branch_id)?;
    let branch = &mut application.branches[index];
    if branch.state.is_running() {
        assign_branch(rules.staffing, branch, now, &reason, events);
    }
    Ok(())
}

/// Gives a running branch to the first available clerk of its post, recording a hand-over when
/// it passes from one clerk to another, and escalating it when nobody is available.
pub(super) fn assign_branch(
    staffing: &Staffing,
    branch: &mut Branch,
    now: DateTime<Utc>,
    reason: &str,
    events: &mut Vec<Event>,
) {
    match staffing.assign(&branch.department_code, &branch.matter_code) {
        Assignment::NoPost => {}
        Assignment::Clerk { post, clerk } => {
            hand_to_clerk(branch, post, clerk, now, reason, events)
        }
        Assignment::Nobody { post } => leave_unstaffed(branch, post, now, reason, events),
    }
}

/// Gives the branch to `clerk` unless it holds it already; the claim of another clerk is
/// released, and a hand-over recorded when it comes from someone or from nobody.
pub(super) fn hand_to_clerk(
    branch: &mut Branch,
    post: String,
    clerk: String,
    now: DateTime<Utc>,
    reason: &str,
    events: &mut Vec<Event>,
) {
    if branch.assignee.as_deref() == Some(clerk.as_str()) {
        return;
    }
    let from = branch.assignee.replace(clerk.clone());
    if branch
        .claimed_by
        .as_deref()
        .is_some_and(|holder| holder != clerk)
    {
        release_claim(branch);
    }
    if from.is_some() || branch.unstaffed_since.is_some() {
        branch.handovers.push(Handover {
            at: now,
            from: from.clone(),
            to: Some(clerk.clone()),
            reason: reason.to_owned(),
        });
    }
    branch.post = Some(post);
    branch.unstaffed_since = None;
    branch.version += 1;
    events.push(Event::BranchAssigned {
        branch_id: branch.id,
        from,
        to: clerk,
        reason: reason.to_owned(),
    });
}

/// Nobody of the post is available: the branch leaves its clerk and waits for supervision, once.
fn leave_unstaffed(
    branch: &mut Branch,
    post: String,
    now: DateTime<Utc>,
    reason: &str,
    events: &mut Vec<Event>,
) {
    if branch.unstaffed_since.is_some() {
        return;
    }
    let from = branch.assignee.take();
    if from.is_some() {
        release_claim(branch);
        branch.handovers.push(Handover {
            at: now,
            from,
            to: None,
            reason: reason.to_owned(),
        });
    }
    branch.post = Some(post.clone());
    branch.unstaffed_since = Some(now);
    branch.version += 1;
    events.push(Event::BranchUnstaffed {
        branch_id: branch.id,
        post,
    });
}

/// Releases a branch's claim: a clerk who is away cannot keep a branch.
pub(super) fn release_claim(branch: &mut Branch) {
    branch.claimed_by = None;
    if let Some(next) = branch.state.next(BranchTrigger::Release) {
        branch.state = next;
    }
}
