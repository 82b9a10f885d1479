//! A clerk gives a claimed branch back, and a department head or a supervisor hands a branch to
//! a named clerk of its post (directed hand-over). Both go through the branch transition table:
//! a release is `claimed → open`, and a hand-over releases the claim of anyone else.

use uuid::Uuid;

use super::assignment::release_claim;
use super::change::Change;
use super::transitions::{branch_index, move_branch, owned_branch};
use crate::application::Handover;
use crate::error::EngineError;
use crate::machine::BranchTrigger;
use crate::vocabulary::{AssignerRole, Event, require_text};

/// The clerk holding a branch's claim releases it: the branch is open to the department again.
/// An unclaimed branch cannot be released; a claim held by another clerk is refused.
pub(super) fn release(
    change: &mut Change<'_>,
    branch_id: Uuid,
    department_code: &str,
    clerk_id: String,
    reason: String,
) -> Result<(), EngineError> {
    let (_, application, _, events) = change.parts();
    require_text("clerk_id", &clerk_id)?;
    require_text("reason", &reason)?;
    let index = owned_branch(application, branch_id, department_code)?;
    let branch = &mut application.branches[index];
    let next = move_branch(branch, BranchTrigger::Release)?;
    if let Some(holder) = branch.claimed_by.as_ref().filter(|h| **h != clerk_id) {
        return Err(EngineError::ClaimedByOther {
            branch_id: branch_id.to_string(),
            holder: holder.clone(),
        });
    }
    branch.state = next;
    branch.claimed_by = None;
    branch.version += 1;
    events.push(Event::BranchReleased {
        branch_id,
        clerk_id,
        reason,
    });
    Ok(())
}

/// A department head (of the branch's department) or a supervisor hands a running branch to a
/// named clerk of its post, who must not be away. The hand-over records the reason and who
/// directed it; a claim held by anyone else is released. Handing it to its holder changes nothing.
pub(super) fn assign(
    change: &mut Change<'_>,
    branch_id: Uuid,
    to_clerk: String,
    by: String,
    role: AssignerRole,
    reason: String,
) -> Result<(), EngineError> {
    let (rules, application, now, events) = change.parts();
    require_text("to_clerk", &to_clerk)?;
    require_text("by", &by)?;
    require_text("reason", &reason)?;
    let index = match &role {
        AssignerRole::DepartmentHead { department_code } => {
            owned_branch(application, branch_id, department_code)?
        }
        AssignerRole::Supervisor => branch_index(application, branch_id)?,
    };
    let branch = &mut application.branches[index];
    if !branch.state.is_running() {
        return Err(EngineError::InvalidTransition {
            entity: "branch",
            id: branch_id.to_string(),
            state: branch.state.name(),
            command: "hand over",
        });
    }
    let department = branch.department_code.clone();
    let post = rules
        .staffing
        .post_for(&department, &branch.matter_code)
        .ok_or_else(|| {
            EngineError::invalid(
                "to_clerk",
                format!("no post of department {department} handles this branch's matter"),
            )
        })?;
    if !post.has_clerk(&to_clerk) {
        return Err(EngineError::invalid(
            "to_clerk",
            format!(
                "{to_clerk} is neither the A nor a B clerk of post {}",
                post.code
            ),
        ));
    }
    if rules.staffing.is_away(&department, &to_clerk) {
        return Err(EngineError::ClerkAway {
            department_code: department,
            clerk_id: to_clerk,
        });
    }
    let held_by_other = branch.claimed_by.as_ref().is_some_and(|h| *h != to_clerk);
    if branch.assignee.as_deref() == Some(to_clerk.as_str()) && !held_by_other {
        return Ok(());
    }
    if held_by_other {
        release_claim(branch);
    }
    let directed_by = match &role {
        AssignerRole::DepartmentHead { department_code } => {
            format!("{department_code} 负责人 {by}")
        }
        AssignerRole::Supervisor => format!("督查 {by}"),
    };
    let reason = format!("{}（{directed_by} 指派）", reason.trim());
    let from = branch.assignee.replace(to_clerk.clone());
    branch.handovers.push(Handover {
        at: now,
        from: from.clone(),
        to: Some(to_clerk.clone()),
        reason: reason.clone(),
    });
    branch.post = Some(post.code.clone());
    branch.unstaffed_since = None;
    branch.version += 1;
    events.push(Event::BranchAssigned {
        branch_id,
        from,
        to: to_clerk,
        reason,
    });
    Ok(())
}
