//! Words for the wire's application states, branch states and roles, as the tables and the
//! one-line answers of `claim` and `decide` show them.

use lianban_proto::v1 as pb;

/// An application state in words.
pub fn application_state_name(state: i32) -> &'static str {
    match pb::ApplicationState::try_from(state) {
        Ok(pb::ApplicationState::AwaitingMaterials) => "awaiting materials",
        Ok(pb::ApplicationState::InProgress) => "in progress",
        Ok(pb::ApplicationState::ReadyForDispatch) => "ready for dispatch",
        Ok(pb::ApplicationState::Dispatched) => "dispatched",
        Ok(pb::ApplicationState::Withdrawn) => "withdrawn",
        _ => "unknown",
    }
}

/// A branch state in words.
pub fn branch_state_name(state: i32) -> &'static str {
    match pb::BranchState::try_from(state) {
        Ok(pb::BranchState::Pending) => "pending",
        Ok(pb::BranchState::Waiting) => "waiting",
        Ok(pb::BranchState::Open) => "open",
        Ok(pb::BranchState::Claimed) => "claimed",
        Ok(pb::BranchState::Approved) => "approved",
        Ok(pb::BranchState::Rejected) => "rejected",
        Ok(pb::BranchState::Consented) => "consented",
        Ok(pb::BranchState::Objected) => "objected",
        Ok(pb::BranchState::DeemedConsent) => "deemed consent",
        Ok(pb::BranchState::Cancelled) => "cancelled",
        _ => "unknown",
    }
}

/// A branch's role in words.
pub fn role_name(role: i32) -> &'static str {
    match pb::Role::try_from(role) {
        Ok(pb::Role::Approval) => "approval",
        Ok(pb::Role::JointReview) => "joint review",
        _ => "unknown",
    }
}
