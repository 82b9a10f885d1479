//! How branches start, end and unlock one another, and when the application is done.
//!
//! A branch starts when every predecessor succeeded and is cancelled when one failed, with the
//! reason passed down the chain; once every branch has ended the application waits for dispatch.
//! Deciding, deemed consent, sessions and withdrawal all end branches through here.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::assignment::assign_branch;
use super::transitions::{apply_branch_trigger, move_application};
use crate::application::{Application, Branch, Outcome};
use crate::error::EngineError;
use crate::machine::{ApplicationTrigger, BranchState, BranchTrigger};
use crate::vocabulary::{Event, Rules};

/// Starts a branch: actionable from now, with its deadline counted in working days from now.
pub(super) fn start_branch(
    rules: Rules<'_>,
    branch: &mut Branch,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    apply_branch_trigger(branch, BranchTrigger::Start);
    branch.started_at = Some(now);
    branch.deadline = Some(rules.calendar.deadline(now, branch.limit_days));
    events.push(Event::BranchStarted {
        branch_id: branch.id,
    });
    assign_branch(rules.staffing, branch, now, "started", events);
}

/// Starts the dependants a decided branch lets start, or cancels those it blocks.
pub(super) fn after_decision(
    rules: Rules<'_>,
    application: &mut Application,
    index: usize,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    let branch = &application.branches[index];
    if branch.state.lets_dependants_start() {
        start_ready_dependants(rules, application, now, events);
    } else {
        let matter = branch.matter_code.clone();
        let reason = branch
            .outcome
            .as_ref()
            .map(|o| o.reason.clone())
            .unwrap_or_default();
        let why = format!("predecessor {matter} was {}: {reason}", branch.state.name());
        cancel_dependants(application, &matter, &why, now, events);
    }
}

/// Starts every waiting branch whose predecessors have all succeeded.
pub(super) fn start_ready_dependants(
    rules: Rules<'_>,
    application: &mut Application,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    let succeeded: BTreeSet<String> = application
        .branches
        .iter()
        .filter(|branch| branch.state.lets_dependants_start())
        .map(|branch| branch.matter_code.clone())
        .collect();
    for branch in &mut application.branches {
        let ready = branch.depends_on.iter().all(|p| succeeded.contains(p));
        if branch.state == BranchState::Waiting && ready {
            start_branch(rules, branch, now, events);
        }
    }
}

/// Cancels every unfinished branch that depends, directly or through others, on `matter`.
fn cancel_dependants(
    application: &mut Application,
    matter: &str,
    why: &str,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    let mut failed: BTreeSet<String> = BTreeSet::from([matter.to_owned()]);
    loop {
        let next = application.branches.iter().position(|branch| {
            !branch.state.is_final() && branch.depends_on.iter().any(|p| failed.contains(p))
        });
        let Some(index) = next else { break };
        failed.insert(application.branches[index].matter_code.clone());
        cancel_branch(application, index, why, now, events);
    }
}

/// Cancels one branch for `why`, closing its clock for good.
pub(super) fn cancel_branch(
    application: &mut Application,
    index: usize,
    why: &str,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    let branch = &mut application.branches[index];
    apply_branch_trigger(branch, BranchTrigger::Cancel);
    // A cancelled branch's clock stops for good: close an open pause.
    if let Some(pause) = branch
        .pauses
        .last_mut()
        .filter(|pause| pause.ended_at.is_none())
    {
        pause.ended_at = Some(now);
    }
    branch.outcome = Some(Outcome {
        state: BranchState::Cancelled,
        result_reference: String::new(),
        reason: why.to_owned(),
        decided_by: None,
        rule: String::new(),
        session_id: None,
        decided_at: now,
    });
    events.push(Event::BranchCancelled {
        branch_id: branch.id,
        reason: why.to_owned(),
    });
}

/// Moves the application to ready for dispatch once every branch has ended.
pub(super) fn finish_if_all_ended(
    application: &mut Application,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    if application
        .branches
        .iter()
        .all(|branch| branch.state.is_final())
    {
        move_application(application, ApplicationTrigger::AllBranchesEnded)?;
        application.ready_at = Some(now);
        events.push(Event::ReadyForDispatch);
    }
    Ok(())
}
