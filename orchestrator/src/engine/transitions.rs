//! Finding a command's branch and moving the application and branch state machines.
//!
//! Every move goes through the transition tables of [`crate::machine`]: a move the table does not
//! list is refused with the entity, its state and the command, and nothing changes.

use uuid::Uuid;

use crate::application::{Application, Branch};
use crate::error::EngineError;
use crate::machine::{ApplicationTrigger, BranchState, BranchTrigger};
use crate::vocabulary::require_text;

/// The position of a branch of the application.
pub(super) fn branch_index(
    application: &Application,
    branch_id: Uuid,
) -> Result<usize, EngineError> {
    application
        .branches
        .iter()
        .position(|branch| branch.id == branch_id)
        .ok_or_else(|| EngineError::NotFound {
            entity: "branch",
            id: branch_id.to_string(),
        })
}

/// The position of a branch of the application, refused unless `department` owns it.
pub(super) fn owned_branch(
    application: &Application,
    branch_id: Uuid,
    department: &str,
) -> Result<usize, EngineError> {
    require_text("department_code", department)?;
    let index = branch_index(application, branch_id)?;
    let owner = &application.branches[index].department_code;
    if owner != department {
        return Err(EngineError::WrongDepartment {
            branch_id: branch_id.to_string(),
            owner: owner.clone(),
            caller: department.to_owned(),
        });
    }
    Ok(index)
}

/// Moves the application along `trigger`, or refuses.
pub(super) fn move_application(
    application: &mut Application,
    trigger: ApplicationTrigger,
) -> Result<(), EngineError> {
    let next = application
        .state
        .next(trigger)
        .ok_or_else(|| EngineError::InvalidTransition {
            entity: "application",
            id: application.id.to_string(),
            state: application.state.name(),
            command: trigger.name(),
        })?;
    application.state = next;
    Ok(())
}

/// The state `trigger` moves the branch to, or a refusal; the caller applies it.
pub(super) fn move_branch(
    branch: &Branch,
    trigger: BranchTrigger,
) -> Result<BranchState, EngineError> {
    branch
        .state
        .next(trigger)
        .ok_or_else(|| EngineError::InvalidTransition {
            entity: "branch",
            id: branch.id.to_string(),
            state: branch.state.name(),
            command: trigger.name(),
        })
}

/// Moves a branch along a transition the engine itself chose; those are always in the table.
pub(super) fn apply_branch_trigger(branch: &mut Branch, trigger: BranchTrigger) {
    if let Some(next) = branch.state.next(trigger) {
        branch.state = next;
        branch.version += 1;
    }
}
