//! Supervision cases between the wire and the engine: kinds, states, channels, subjects and
//! complainants inbound (each refusal names its field), and a case as a caller sees it outbound
//! (the complainant's ID number and phone masked unless the caller took them).

use chrono::{DateTime, Utc};
use lianban_orchestrator::application::RatingStage;
use lianban_orchestrator::case::{
    Case, CaseKind, CaseOutcome, CaseState, Channel, Complainant, ComplainantKind, Subject,
};
use lianban_orchestrator::identity::{
    is_plausible_phone, is_valid_credit_code, is_valid_resident_id,
};
use lianban_proto::v1 as pb;

use super::fields::{optional_timestamp, timestamp};
use super::masking::mask_applicant;
use crate::error::Error;

/// A kind filter from the wire: unset is both.
pub fn case_kind_filter(value: i32) -> Result<Option<CaseKind>, Error> {
    match pb::CaseKind::try_from(value) {
        Ok(pb::CaseKind::Unspecified) => Ok(None),
        Ok(pb::CaseKind::Complaint) => Ok(Some(CaseKind::Complaint)),
        Ok(pb::CaseKind::Rectification) => Ok(Some(CaseKind::Rectification)),
        Err(_) => Err(Error::invalid("kind", format!("unknown value {value}"))),
    }
}

/// A state filter from the wire: unset is every state.
pub fn case_states(value: i32) -> Result<Vec<CaseState>, Error> {
    let state = match pb::CaseState::try_from(value) {
        Ok(pb::CaseState::Unspecified) => return Ok(Vec::new()),
        Ok(pb::CaseState::Open) => CaseState::Open,
        Ok(pb::CaseState::Replied) => CaseState::Replied,
        Ok(pb::CaseState::Ruled) => CaseState::Ruled,
        Ok(pb::CaseState::Appealed) => CaseState::Appealed,
        Ok(pb::CaseState::Closed) => CaseState::Closed,
        Err(_) => return Err(Error::invalid("state", format!("unknown value {value}"))),
    };
    Ok(vec![state])
}

/// How a complaint came in; unset and `RATING` are refused.
pub fn complaint_channel(value: i32) -> Result<Channel, Error> {
    match pb::CaseChannel::try_from(value) {
        Ok(pb::CaseChannel::FrontDesk) => Ok(Channel::FrontDesk),
        Ok(pb::CaseChannel::Online) => Ok(Channel::Online),
        Ok(pb::CaseChannel::Phone) => Ok(Channel::Phone),
        _ => Err(Error::invalid(
            "channel",
            "required: front desk, online or phone",
        )),
    }
}

/// What a complaint names as its subject, before it is checked against the catalogue, the
/// staffing and the store.
pub enum SubjectNamed {
    /// An application id, still to be found.
    Application(uuid::Uuid),
    /// A department code.
    Department(String),
    /// A window.
    Window(String),
    /// A clerk id, still to be found in the staffing.
    Clerk(String),
}

/// The subject from the wire; each choice must be filled in.
pub fn subject_named(value: Option<pb::CaseSubject>) -> Result<SubjectNamed, Error> {
    use pb::case_subject::Subject as Wire;
    let required = |field: &str, text: String| {
        let text = text.trim().to_owned();
        if text.is_empty() {
            Err(Error::invalid(format!("subject.{field}"), "required"))
        } else {
            Ok(text)
        }
    };
    match value.and_then(|s| s.subject) {
        None => Err(Error::invalid(
            "subject",
            "required: an application, a department, a window or a clerk",
        )),
        Some(Wire::ApplicationId(id)) => Ok(SubjectNamed::Application(super::fields::uuid_field(
            "subject.application_id",
            &id,
        )?)),
        Some(Wire::DepartmentCode(code)) => {
            Ok(SubjectNamed::Department(required("department_code", code)?))
        }
        Some(Wire::Window(window)) => Ok(SubjectNamed::Window(required("window", window)?)),
        Some(Wire::ClerkId(clerk)) => Ok(SubjectNamed::Clerk(required("clerk_id", clerk)?)),
    }
}

/// The complainant from the wire: kind and name required; a phone, for the call-back,
/// required and plausible; an ID number or credit code, when given, valid for the kind.
pub fn complainant(value: Option<pb::Applicant>) -> Result<Complainant, Error> {
    let value = value.ok_or_else(|| Error::invalid("complainant", "required"))?;
    let kind = match pb::ApplicantKind::try_from(value.kind) {
        Ok(pb::ApplicantKind::Organisation) => ComplainantKind::Organisation,
        Ok(pb::ApplicantKind::NaturalPerson) => ComplainantKind::NaturalPerson,
        _ => {
            return Err(Error::invalid(
                "complainant.kind",
                "required: organisation or natural person",
            ));
        }
    };
    let name = value.name.trim().to_owned();
    if name.is_empty() {
        return Err(Error::invalid("complainant.name", "required"));
    }
    let id_number = value.id_number.trim().to_uppercase();
    let valid_number = match kind {
        ComplainantKind::NaturalPerson => is_valid_resident_id(&id_number),
        ComplainantKind::Organisation => is_valid_credit_code(&id_number),
    };
    if !id_number.is_empty() && !valid_number {
        return Err(Error::invalid(
            "complainant.id_number",
            "not a valid resident ID number or unified social credit code for the kind",
        ));
    }
    let phone = value.phone.trim().to_owned();
    if !is_plausible_phone(&phone) {
        return Err(Error::invalid(
            "complainant.phone",
            "required for the call-back: a mobile or landline number",
        ));
    }
    Ok(Complainant {
        kind,
        name,
        id_number,
        phone,
    })
}

/// A case as `reader` may see it at `now`: overdue and red when its department owes an answer
/// past the deadline or answered late; the complainant masked unless `clear`.
pub fn case_to_wire(case: &Case, now: DateTime<Utc>, clear: bool) -> pb::Case {
    let overdue = case.is_overdue(now);
    let mut complainant = case.complainant.as_ref().map(complainant_to_wire);
    if !clear {
        mask_applicant(&mut complainant);
    }
    pb::Case {
        case_id: case.id.to_string(),
        kind: kind_to_wire(case.kind) as i32,
        number: case.number.clone(),
        state: state_to_wire(case.state) as i32,
        department_code: case.department_code.clone(),
        channel: channel_to_wire(case.channel) as i32,
        subject: case.subject.as_ref().map(subject_to_wire),
        complainant,
        facts: case.facts.clone(),
        rating: case.rating.as_ref().map(|r| pb::RatedService {
            application_id: r.application_id.to_string(),
            receipt_number: r.receipt_number.clone().unwrap_or_default(),
            stage: match r.stage {
                RatingStage::Acceptance => pb::RatingStage::Acceptance,
                RatingStage::Dispatch => pb::RatingStage::Dispatch,
            } as i32,
            satisfaction_code: u32::from(r.satisfaction_code),
            comment: r.comment.clone(),
            real_name: r.real_name,
            rated_at: Some(timestamp(r.rated_at)),
        }),
        opened_by: case.opened_by.clone(),
        opened_at: Some(timestamp(case.opened_at)),
        due_at: Some(timestamp(case.due_at)),
        call_back_required: case.call_back_required,
        reply: case.reply.as_ref().map(|r| pb::CaseReply {
            department_code: r.by.department_code.clone(),
            clerk_id: r.by.clerk_id.clone(),
            text: r.text.clone(),
            at: Some(timestamp(r.at)),
            on_time: r.on_time,
        }),
        ruling: case.ruling.as_ref().map(|r| pb::CaseRuling {
            upheld: r.upheld,
            reason: r.reason.clone(),
            supervisor_id: r.by.clone(),
            at: Some(timestamp(r.at)),
        }),
        appeals: case.appeals.iter().map(appeal_to_wire).collect(),
        call_back: case.call_back.as_ref().map(|c| pb::CallBack {
            called_at: Some(timestamp(c.called_at)),
            by: c.by.clone(),
            said: c.said.clone(),
            satisfied: c.satisfied,
            recorded_at: Some(timestamp(c.recorded_at)),
        }),
        overdue,
        colour: if overdue {
            pb::WarningColour::Red
        } else {
            pb::WarningColour::Green
        } as i32,
        escalated_at: optional_timestamp(case.escalated_at),
        outcome: case
            .closing
            .as_ref()
            .map_or(pb::CaseOutcome::Unspecified, |c| outcome_to_wire(c.outcome))
            as i32,
        closed_at: optional_timestamp(case.closing.as_ref().map(|c| c.at)),
        closed_by: case
            .closing
            .as_ref()
            .map(|c| c.by.clone())
            .unwrap_or_default(),
        closing_note: case
            .closing
            .as_ref()
            .map(|c| c.note.clone())
            .unwrap_or_default(),
        answered_on_time: case.rectified_on_time(),
        version: i64::try_from(case.version).unwrap_or(i64::MAX),
    }
}

fn appeal_to_wire(appeal: &lianban_orchestrator::case::Appeal) -> pb::CaseAppeal {
    let decision = appeal.decision.as_ref();
    pb::CaseAppeal {
        department_code: appeal.by.department_code.clone(),
        clerk_id: appeal.by.clerk_id.clone(),
        reason: appeal.reason.clone(),
        at: Some(timestamp(appeal.at)),
        decided: decision.is_some(),
        overturned: decision.is_some_and(|d| d.overturned),
        decision_reason: decision.map(|d| d.reason.clone()).unwrap_or_default(),
        decided_by: decision.map(|d| d.by.clone()).unwrap_or_default(),
        decided_at: optional_timestamp(decision.map(|d| d.at)),
    }
}

fn complainant_to_wire(complainant: &Complainant) -> pb::Applicant {
    pb::Applicant {
        kind: match complainant.kind {
            ComplainantKind::NaturalPerson => pb::ApplicantKind::NaturalPerson,
            ComplainantKind::Organisation => pb::ApplicantKind::Organisation,
        } as i32,
        name: complainant.name.clone(),
        id_number: complainant.id_number.clone(),
        phone: complainant.phone.clone(),
    }
}

fn subject_to_wire(subject: &Subject) -> pb::CaseSubject {
    use pb::case_subject::Subject as Wire;
    let wire = match subject {
        Subject::Application { application_id } => Wire::ApplicationId(application_id.to_string()),
        Subject::Department { department_code } => Wire::DepartmentCode(department_code.clone()),
        Subject::Window { window } => Wire::Window(window.clone()),
        Subject::Clerk { clerk_id, .. } => Wire::ClerkId(clerk_id.clone()),
    };
    pb::CaseSubject {
        subject: Some(wire),
    }
}

fn kind_to_wire(kind: CaseKind) -> pb::CaseKind {
    match kind {
        CaseKind::Complaint => pb::CaseKind::Complaint,
        CaseKind::Rectification => pb::CaseKind::Rectification,
    }
}

fn state_to_wire(state: CaseState) -> pb::CaseState {
    match state {
        CaseState::Open => pb::CaseState::Open,
        CaseState::Replied => pb::CaseState::Replied,
        CaseState::Ruled => pb::CaseState::Ruled,
        CaseState::Appealed => pb::CaseState::Appealed,
        CaseState::Closed => pb::CaseState::Closed,
    }
}

fn channel_to_wire(channel: Channel) -> pb::CaseChannel {
    match channel {
        Channel::FrontDesk => pb::CaseChannel::FrontDesk,
        Channel::Online => pb::CaseChannel::Online,
        Channel::Phone => pb::CaseChannel::Phone,
        Channel::Rating => pb::CaseChannel::Rating,
    }
}

fn outcome_to_wire(outcome: CaseOutcome) -> pb::CaseOutcome {
    match outcome {
        CaseOutcome::Upheld => pb::CaseOutcome::Upheld,
        CaseOutcome::NotUpheld => pb::CaseOutcome::NotUpheld,
        CaseOutcome::Rectified => pb::CaseOutcome::Rectified,
        CaseOutcome::Overturned => pb::CaseOutcome::Overturned,
    }
}
