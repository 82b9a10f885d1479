//! Branches on the wire: states, outcomes, pauses, extensions and deadlines, and from the wire the
//! branch states of a query, the kind of a special procedure and a department's verdict.

use lianban_orchestrator::BranchState;
use lianban_orchestrator::application::{
    Application, Branch, Decider, Extension, Outcome, Pause, PauseKind,
};
use lianban_orchestrator::catalogue::DeadlineAction;
use lianban_orchestrator::engine::Verdict;
use lianban_proto::v1 as pb;

use super::catalogue::role_to_wire;
use super::fields::{optional_timestamp, timestamp};
use super::intake::received_to_wire;
use super::view::View;
use crate::error::Error;

/// Branch states from the wire; unspecified is refused.
pub fn branch_states(values: &[i32]) -> Result<Vec<BranchState>, Error> {
    values
        .iter()
        .enumerate()
        .map(|(index, value)| {
            pb::BranchState::try_from(*value)
                .ok()
                .and_then(branch_state_from_wire)
                .ok_or_else(|| Error::invalid(format!("states[{index}]"), "not a branch state"))
        })
        .collect()
}

fn branch_state_from_wire(state: pb::BranchState) -> Option<BranchState> {
    BranchState::ALL
        .into_iter()
        .find(|candidate| branch_state_to_wire(*candidate) == state as i32)
}

/// A branch state on the wire.
pub fn branch_state_to_wire(state: BranchState) -> i32 {
    let wire = match state {
        BranchState::Pending => pb::BranchState::Pending,
        BranchState::Waiting => pb::BranchState::Waiting,
        BranchState::Open => pb::BranchState::Open,
        BranchState::Claimed => pb::BranchState::Claimed,
        BranchState::Paused => pb::BranchState::Paused,
        BranchState::Approved => pb::BranchState::Approved,
        BranchState::Rejected => pb::BranchState::Rejected,
        BranchState::Consented => pb::BranchState::Consented,
        BranchState::Objected => pb::BranchState::Objected,
        BranchState::DeemedConsent => pb::BranchState::DeemedConsent,
        BranchState::Cancelled => pb::BranchState::Cancelled,
    };
    wire as i32
}

/// A branch's outcome on the wire.
pub fn outcome_to_wire(outcome: &Outcome) -> pb::Outcome {
    pb::Outcome {
        state: branch_state_to_wire(outcome.state),
        result_reference: outcome.result_reference.clone(),
        reason: outcome.reason.clone(),
        decided_by: outcome.decided_by.as_ref().map(|d| pb::Decider {
            department_code: d.department_code.clone(),
            clerk_id: d.clerk_id.clone(),
        }),
        decided_at: Some(timestamp(outcome.decided_at)),
        decided_by_system: outcome.decided_by.is_none(),
        rule: outcome.rule.clone(),
        session_id: outcome
            .session_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
    }
}

/// A branch on the wire, with its matter's name and the materials it uses.
pub fn branch_to_wire(application: &Application, branch: &Branch, view: &View<'_>) -> pb::Branch {
    let matter = view.catalogue.matter(&branch.matter_code);
    let on_deadline = match branch.on_deadline {
        DeadlineAction::DeemedConsent => pb::DeadlineAction::DeemedConsent,
        DeadlineAction::Escalate => pb::DeadlineAction::Escalate,
    };
    pb::Branch {
        id: branch.id.to_string(),
        application_id: application.id.to_string(),
        matter_code: branch.matter_code.clone(),
        matter_name: matter.map(|m| m.name.clone()).unwrap_or_default(),
        department_code: branch.department_code.clone(),
        role: role_to_wire(branch.role),
        state: branch_state_to_wire(branch.state),
        depends_on: branch.depends_on.clone(),
        materials: branch
            .material_codes
            .iter()
            .filter_map(|code| {
                application
                    .materials
                    .get(code)
                    .map(|m| received_to_wire(code, m))
            })
            .collect(),
        started_at: optional_timestamp(branch.started_at),
        claimed_by: branch.claimed_by.clone().unwrap_or_default(),
        outcome: branch.outcome.as_ref().map(outcome_to_wire),
        version: branch.version,
        promised_limit_days: branch.limit_days,
        deadline: branch.deadline.as_ref().map(|d| {
            let paused_at = branch
                .pauses
                .last()
                .filter(|p| p.ended_at.is_none())
                .map(|p| p.started_at);
            let limit = branch.limit_days + branch.extension_days;
            view.deadline_as_of(
                d,
                limit,
                branch.state.is_running(),
                paused_at.unwrap_or(view.now),
            )
        }),
        pauses: branch.pauses.iter().map(pause_to_wire).collect(),
        post: branch.post.clone().unwrap_or_default(),
        assignee: branch.assignee.clone().unwrap_or_default(),
        unstaffed_since: optional_timestamp(branch.unstaffed_since),
        handovers: branch
            .handovers
            .iter()
            .map(|h| pb::HandoverView {
                at: Some(timestamp(h.at)),
                from: h.from.clone().unwrap_or_default(),
                to: h.to.clone().unwrap_or_default(),
                reason: h.reason.clone(),
            })
            .collect(),
        extensions: branch.extensions.iter().map(extension_to_wire).collect(),
        deadline_moves: branch
            .deadline_moves
            .iter()
            .map(|m| pb::DeadlineMoveView {
                at: Some(timestamp(m.at)),
                from: Some(timestamp(m.from.at)),
                to: Some(timestamp(m.to.at)),
                provisional: m.to.provisional,
                reason: m.reason.clone(),
            })
            .collect(),
        on_deadline: on_deadline as i32,
        escalated_at: optional_timestamp(branch.escalated_at),
    }
}

fn decider_to_wire(decider: &Decider) -> pb::Decider {
    pb::Decider {
        department_code: decider.department_code.clone(),
        clerk_id: decider.clerk_id.clone(),
    }
}

fn pause_to_wire(pause: &Pause) -> pb::PauseView {
    let kind = match pause.kind {
        PauseKind::Supplement => pb::PauseKind::Supplement,
        PauseKind::Hearing => pb::PauseKind::Hearing,
        PauseKind::ExpertReview => pb::PauseKind::ExpertReview,
        PauseKind::OnSiteInspection => pb::PauseKind::OnSiteInspection,
        PauseKind::Testing => pb::PauseKind::Testing,
        PauseKind::PublicNotice => pb::PauseKind::PublicNotice,
    };
    pb::PauseView {
        kind: kind as i32,
        reason: pause.reason.clone(),
        expected_days: pause.expected_days,
        material_codes: pause.material_codes.clone(),
        requested_by: Some(decider_to_wire(&pause.requested_by)),
        started_at: Some(timestamp(pause.started_at)),
        ended_at: optional_timestamp(pause.ended_at),
        counted_days: pause.counted_days,
    }
}

fn extension_to_wire(extension: &Extension) -> pb::ExtensionView {
    let decision = extension.decision.as_ref();
    pb::ExtensionView {
        number: extension.number,
        requested_by: Some(decider_to_wire(&extension.requested_by)),
        reason: extension.reason.clone(),
        days: extension.days,
        requested_at: Some(timestamp(extension.requested_at)),
        decided: decision.is_some(),
        approved: decision.is_some_and(|d| d.approved),
        supervisor_id: decision
            .map(|d| d.supervisor_id.clone())
            .unwrap_or_default(),
        note: decision.map(|d| d.note.clone()).unwrap_or_default(),
        decided_at: decision.map(|d| timestamp(d.decided_at)),
    }
}

/// A special procedure's kind from the wire; unspecified and supplement are refused.
pub fn special_procedure(value: i32) -> Result<PauseKind, Error> {
    match pb::PauseKind::try_from(value) {
        Ok(pb::PauseKind::Hearing) => Ok(PauseKind::Hearing),
        Ok(pb::PauseKind::ExpertReview) => Ok(PauseKind::ExpertReview),
        Ok(pb::PauseKind::OnSiteInspection) => Ok(PauseKind::OnSiteInspection),
        Ok(pb::PauseKind::Testing) => Ok(PauseKind::Testing),
        Ok(pb::PauseKind::PublicNotice) => Ok(PauseKind::PublicNotice),
        _ => Err(Error::invalid(
            "kind",
            "required: hearing, expert review, on-site inspection, testing or public notice",
        )),
    }
}

/// A department's verdict on a branch from the wire; one of the four is required.
pub fn verdict(decision: Option<pb::decide_task_request::Decision>) -> Result<Verdict, Error> {
    use pb::decide_task_request::Decision;
    match decision {
        Some(Decision::Approve(a)) => Ok(Verdict::Approve {
            result_reference: a.result_reference,
        }),
        Some(Decision::Reject(r)) => Ok(Verdict::Reject { reason: r.reason }),
        Some(Decision::Consent(c)) => Ok(Verdict::Consent { comment: c.comment }),
        Some(Decision::Object(o)) => Ok(Verdict::Object { reasons: o.reasons }),
        None => Err(Error::invalid(
            "decision",
            "required: approve, reject, consent or object",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_branch_state_survives_the_wire() {
        for state in BranchState::ALL {
            let wire = pb::BranchState::try_from(branch_state_to_wire(state)).unwrap();
            assert_eq!(branch_state_from_wire(wire), Some(state));
        }
    }
}
