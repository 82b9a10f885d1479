//! Joint review sessions on the wire: kinds, states, opinions, attendance and the whole session
//! with its invitations, moves and closing; from the wire, a kind, an opinion or a queried state.

use lianban_orchestrator::session::{Attendance, Opinion, OpinionKind, SessionKind, SessionState};
use lianban_orchestrator::{Session, SessionPolicy};
use lianban_proto::v1 as pb;

use super::fields::{optional_timestamp, timestamp};
use crate::error::Error;

/// A session's kind from the wire; unspecified is refused.
pub fn session_kind(value: i32) -> Result<SessionKind, Error> {
    match pb::SessionKind::try_from(value) {
        Ok(pb::SessionKind::Meeting) => Ok(SessionKind::Meeting),
        Ok(pb::SessionKind::SiteSurvey) => Ok(SessionKind::SiteSurvey),
        _ => Err(Error::invalid("kind", "required: meeting or site survey")),
    }
}

fn kind_to_wire(kind: SessionKind) -> i32 {
    match kind {
        SessionKind::Meeting => pb::SessionKind::Meeting as i32,
        SessionKind::SiteSurvey => pb::SessionKind::SiteSurvey as i32,
    }
}

/// An opinion's kind from the wire; unspecified is refused.
pub fn opinion_kind(value: i32) -> Result<OpinionKind, Error> {
    match pb::OpinionKind::try_from(value) {
        Ok(pb::OpinionKind::Delegate) => Ok(OpinionKind::Delegate),
        Ok(pb::OpinionKind::Consent) => Ok(OpinionKind::Consent),
        Ok(pb::OpinionKind::Object) => Ok(OpinionKind::Object),
        _ => Err(Error::invalid(
            "kind",
            "required: delegate, consent or object",
        )),
    }
}

fn opinion_kind_to_wire(kind: OpinionKind) -> i32 {
    match kind {
        OpinionKind::Delegate => pb::OpinionKind::Delegate as i32,
        OpinionKind::Consent => pb::OpinionKind::Consent as i32,
        OpinionKind::Object => pb::OpinionKind::Object as i32,
    }
}

/// The session states a query asks for: none for unspecified (every state), else the one named.
pub fn session_states(value: i32) -> Result<Vec<SessionState>, Error> {
    match pb::SessionState::try_from(value) {
        Ok(pb::SessionState::Unspecified) => Ok(Vec::new()),
        Ok(state) => Ok(vec![state_from_wire(state)]),
        Err(_) => Err(Error::invalid("state", format!("unknown value {value}"))),
    }
}

fn state_from_wire(state: pb::SessionState) -> SessionState {
    match state {
        pb::SessionState::Closed => SessionState::Closed,
        pb::SessionState::Cancelled => SessionState::Cancelled,
        pb::SessionState::Scheduled | pb::SessionState::Unspecified => SessionState::Scheduled,
    }
}

fn state_to_wire(state: SessionState) -> i32 {
    match state {
        SessionState::Scheduled => pb::SessionState::Scheduled as i32,
        SessionState::Closed => pb::SessionState::Closed as i32,
        SessionState::Cancelled => pb::SessionState::Cancelled as i32,
    }
}

fn attendance_to_wire(attendance: Attendance) -> i32 {
    match attendance {
        Attendance::Attended => pb::Attendance::Attended as i32,
        Attendance::WrittenOpinion => pb::Attendance::WrittenOpinion as i32,
        Attendance::Absent => pb::Attendance::Absent as i32,
        Attendance::AbsentExcused => pb::Attendance::AbsentExcused as i32,
    }
}

fn opinion_to_wire(opinion: &Opinion) -> pb::Opinion {
    pb::Opinion {
        department_code: opinion.department_code.clone(),
        clerk_id: opinion.clerk_id.clone(),
        kind: opinion_kind_to_wire(opinion.kind),
        text: opinion.text.clone(),
        at: Some(timestamp(opinion.at)),
    }
}

/// A session on the wire; `policy` gives when the system closes it if nobody does.
pub fn session_to_wire(session: &Session, policy: SessionPolicy) -> pb::Session {
    let closing = session.closing.as_ref();
    pb::Session {
        id: session.id.to_string(),
        kind: kind_to_wire(session.kind),
        state: state_to_wire(session.state),
        lead_department_code: session.lead_department_code.clone(),
        scheduled_by: session.scheduled_by.clone(),
        key_project_code: session.key_project_code.clone().unwrap_or_default(),
        starts_at: Some(timestamp(session.starts_at)),
        ends_at: Some(timestamp(session.ends_at)),
        place: session.place.clone(),
        items: session
            .items
            .iter()
            .map(|item| pb::SessionItem {
                application_id: item.application_id.to_string(),
                receipt_number: item.receipt_number.clone(),
                branch_id: item.branch_id.to_string(),
                matter_code: item.matter_code.clone(),
                department_code: item.department_code.clone(),
            })
            .collect(),
        invitations: session
            .invitations
            .iter()
            .map(|i| pb::Invitation {
                department_code: i.department_code.clone(),
                invited_at: Some(timestamp(i.invited_at)),
                notified_at: Some(timestamp(i.notified_at)),
                late: i.late,
                acknowledged: i.acknowledgement.is_some(),
                acknowledged_by: i
                    .acknowledgement
                    .as_ref()
                    .map(|a| a.clerk_id.clone())
                    .unwrap_or_default(),
                acknowledged_at: optional_timestamp(i.acknowledgement.as_ref().map(|a| a.at)),
            })
            .collect(),
        opinions: session.opinions.iter().map(opinion_to_wire).collect(),
        moves: session
            .reschedules
            .iter()
            .map(|m| pb::SessionMove {
                from_starts_at: Some(timestamp(m.from_starts_at)),
                to_starts_at: Some(timestamp(m.to_starts_at)),
                reason: m.reason.clone(),
                clerk_id: m.by.clerk_id.clone(),
                at: Some(timestamp(m.at)),
            })
            .collect(),
        close_due_at: Some(timestamp(session.close_due_at(policy))),
        minutes: closing.map(|c| c.minutes.clone()).unwrap_or_default(),
        closed_by_system: closing.is_some_and(|c| c.closed_by.is_none()),
        closed_by: closing
            .and_then(|c| c.closed_by.as_ref())
            .map(|d| d.clerk_id.clone())
            .unwrap_or_default(),
        closed_at: optional_timestamp(closing.map(|c| c.at)),
        outcomes: closing
            .map(|c| {
                c.outcomes
                    .iter()
                    .map(|o| pb::DepartmentOutcome {
                        department_code: o.department_code.clone(),
                        attendance: attendance_to_wire(o.attendance),
                        opinion: o.opinion.as_ref().map(opinion_to_wire),
                        evidence: o.evidence.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        cancellation_reason: session
            .cancellation
            .as_ref()
            .map(|c| c.reason.clone())
            .unwrap_or_default(),
        version: session.version,
    }
}
