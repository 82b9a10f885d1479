//! Argument values to their wire form: the clap enums to the proto enums, and the one decision
//! flag to a `Decision` with the summary its default idempotency key is hashed from.

use lianban_proto::v1 as pb;

use crate::args::{
    ApplicationStateArg, BranchStateArg, ChannelArg, DecisionArgs, MethodArg, SessionKindArg,
};

/// The decision to send, and a one-line summary of it for the default idempotency key.
pub fn decision_to_wire(decision: DecisionArgs) -> (pb::decide_task_request::Decision, String) {
    use pb::decide_task_request::Decision;
    if let Some(reference) = decision.approve {
        let summary = format!("approve {reference}");
        (
            Decision::Approve(pb::Approve {
                result_reference: reference,
            }),
            summary,
        )
    } else if let Some(reason) = decision.reject {
        let summary = format!("reject {reason}");
        (Decision::Reject(pb::Reject { reason }), summary)
    } else if let Some(reasons) = decision.object {
        let summary = format!("object {reasons}");
        (Decision::Object(pb::Object { reasons }), summary)
    } else {
        let comment = decision.consent.unwrap_or_default();
        let summary = format!("consent {comment}");
        (Decision::Consent(pb::Consent { comment }), summary)
    }
}

/// `pb::Channel` as sent.
pub fn channel_to_wire(channel: ChannelArg) -> i32 {
    (match channel {
        ChannelArg::OnSite => pb::Channel::OnSite,
        ChannelArg::Online => pb::Channel::Online,
        ChannelArg::Post => pb::Channel::Post,
    }) as i32
}

/// `pb::HandOverMethod` as sent.
pub fn method_to_wire(method: MethodArg) -> i32 {
    (match method {
        MethodArg::OnSite => pb::HandOverMethod::OnSite,
        MethodArg::Post => pb::HandOverMethod::Post,
        MethodArg::Electronic => pb::HandOverMethod::Electronic,
    }) as i32
}

/// `pb::SessionKind` as sent.
pub fn session_kind_to_wire(kind: SessionKindArg) -> i32 {
    match kind {
        SessionKindArg::Meeting => pb::SessionKind::Meeting as i32,
        SessionKindArg::SiteSurvey => pb::SessionKind::SiteSurvey as i32,
    }
}

/// `pb::ApplicationState` as sent.
pub fn application_state_to_wire(state: ApplicationStateArg) -> i32 {
    (match state {
        ApplicationStateArg::AwaitingMaterials => pb::ApplicationState::AwaitingMaterials,
        ApplicationStateArg::InProgress => pb::ApplicationState::InProgress,
        ApplicationStateArg::ReadyForDispatch => pb::ApplicationState::ReadyForDispatch,
        ApplicationStateArg::Dispatched => pb::ApplicationState::Dispatched,
        ApplicationStateArg::Withdrawn => pb::ApplicationState::Withdrawn,
    }) as i32
}

/// `pb::BranchState` as sent.
pub fn branch_state_to_wire(state: BranchStateArg) -> i32 {
    (match state {
        BranchStateArg::Pending => pb::BranchState::Pending,
        BranchStateArg::Waiting => pb::BranchState::Waiting,
        BranchStateArg::Open => pb::BranchState::Open,
        BranchStateArg::Claimed => pb::BranchState::Claimed,
        BranchStateArg::Approved => pb::BranchState::Approved,
        BranchStateArg::Rejected => pb::BranchState::Rejected,
        BranchStateArg::Consented => pb::BranchState::Consented,
        BranchStateArg::Objected => pb::BranchState::Objected,
        BranchStateArg::Cancelled => pb::BranchState::Cancelled,
    }) as i32
}
