//! A department's work on a branch: a clerk claims it, and the department decides it — approve
//! or reject an approval, consent or object on a joint review.

use uuid::Uuid;

use super::change::Change;
use super::progress::{after_decision, finish_if_all_ended};
use super::transitions::{move_branch, owned_branch};
use crate::application::{Branch, Decider, Outcome};
use crate::catalogue::Role;
use crate::error::EngineError;
use crate::machine::BranchTrigger;
use crate::vocabulary::{Event, Verdict, limit_text, require_text};

/// A clerk claims a branch. Claiming it again changes nothing; a branch another clerk holds is
/// refused.
pub(super) fn claim(
    change: &mut Change<'_>,
    branch_id: Uuid,
    department_code: &str,
    clerk_id: String,
) -> Result<(), EngineError> {
    let (_, application, _, events) = change.parts();
    require_text("clerk_id", &clerk_id)?;
    let index = owned_branch(application, branch_id, department_code)?;
    let branch = &mut application.branches[index];
    let next = move_branch(branch, BranchTrigger::Claim)?;
    match &branch.claimed_by {
        Some(holder) if *holder == clerk_id => return Ok(()),
        Some(holder) => {
            return Err(EngineError::ClaimedByOther {
                branch_id: branch_id.to_string(),
                holder: holder.clone(),
            });
        }
        None => {}
    }
    branch.state = next;
    branch.claimed_by = Some(clerk_id.clone());
    branch.version += 1;
    events.push(Event::BranchClaimed {
        branch_id,
        clerk_id,
    });
    Ok(())
}

/// The department decides a branch; what it unblocks starts and what it blocks is cancelled.
pub(super) fn decide(
    change: &mut Change<'_>,
    branch_id: Uuid,
    decider: Decider,
    verdict: Verdict,
) -> Result<(), EngineError> {
    let (rules, application, now, events) = change.parts();
    require_text("clerk_id", &decider.clerk_id)?;
    let index = owned_branch(application, branch_id, &decider.department_code)?;
    let branch = &mut application.branches[index];
    let (trigger, result_reference, reason) = verdict_parts(branch, verdict)?;
    let next = move_branch(branch, trigger)?;
    if let Some(holder) = branch
        .claimed_by
        .as_ref()
        .filter(|holder| **holder != decider.clerk_id)
    {
        return Err(EngineError::ClaimedByOther {
            branch_id: branch_id.to_string(),
            holder: holder.clone(),
        });
    }
    branch.state = next;
    branch.outcome = Some(Outcome {
        state: next,
        result_reference,
        reason: reason.clone(),
        decided_by: Some(decider),
        rule: String::new(),
        session_id: None,
        decided_at: now,
    });
    branch.version += 1;
    events.push(Event::BranchDecided {
        branch_id,
        state: next,
    });
    after_decision(rules, application, index, now, events);
    finish_if_all_ended(application, now, events)
}

/// Splits a verdict into its trigger and texts, refusing a verdict that does not fit the role.
fn verdict_parts(
    branch: &Branch,
    verdict: Verdict,
) -> Result<(BranchTrigger, String, String), EngineError> {
    let wrong_role = |given: &str| {
        let allowed = match branch.role {
            Role::Approval => "approve or reject",
            Role::JointReview => "consent or object",
        };
        EngineError::invalid(
            "decision",
            format!(
                "{given} does not fit branch {} ({}): {allowed}",
                branch.id,
                role_name(branch.role)
            ),
        )
    };
    match (branch.role, verdict) {
        (Role::Approval, Verdict::Approve { result_reference }) => {
            require_text("approve.result_reference", &result_reference)?;
            Ok((BranchTrigger::Approve, result_reference, String::new()))
        }
        (Role::Approval, Verdict::Reject { reason }) => {
            require_text("reject.reason", &reason)?;
            Ok((BranchTrigger::Reject, String::new(), reason))
        }
        (Role::JointReview, Verdict::Consent { comment }) => {
            limit_text("consent.comment", &comment)?;
            Ok((BranchTrigger::Consent, String::new(), comment))
        }
        (Role::JointReview, Verdict::Object { reasons }) => {
            require_text("object.reasons", &reasons)?;
            Ok((BranchTrigger::Object, String::new(), reasons))
        }
        (_, Verdict::Approve { .. }) => Err(wrong_role("approve")),
        (_, Verdict::Reject { .. }) => Err(wrong_role("reject")),
        (_, Verdict::Consent { .. }) => Err(wrong_role("consent")),
        (_, Verdict::Object { .. }) => Err(wrong_role("object")),
    }
}

/// The display name of a role.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Approval => "approval",
        Role::JointReview => "joint review",
    }
}
