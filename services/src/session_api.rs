//! The gRPC `SessionService`: joint review sessions on the wire. Each handler checks the request's
//! shape, builds an engine session command and lets `sessions` carry it out; errors become status
//! codes only through `From<Error> for Status`.

use lianban_orchestrator::Session;
use lianban_orchestrator::SessionCommand;
use lianban_orchestrator::session::{
    Attendance, Opinion, OpinionKind, ScheduleSession, SessionKind, SessionState,
};
use lianban_proto::v1 as pb;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::convert::{self, optional_timestamp, timestamp, uuid_field};
use crate::error::Error;
use crate::grpc::{HasKey, ok, optional_key, optional_text};
use crate::runtime::Runtime;
use crate::sessions;
use crate::store::SessionFilter;

type Reply<T> = Result<Response<T>, Status>;

/// Joint review sessions.
pub struct SessionApi {
    runtime: Runtime,
}

impl SessionApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        SessionApi { runtime }
    }

    /// Carries out `command` on the session named in the request and answers with the session.
    async fn on_session<M: prost::Message + Clone + HasKey>(
        &self,
        rpc: &str,
        request: &M,
        session_id: &str,
        command: SessionCommand,
    ) -> Reply<pb::SessionResponse> {
        let session_id = uuid_field("session_id", session_id)?;
        let idempotency = optional_key(rpc, &session_id, request)?;
        let runtime = &self.runtime;
        let response = sessions::execute(runtime, session_id, command, idempotency, |s| {
            respond(runtime, s)
        })
        .await?;
        ok(response)
    }
}

fn respond(runtime: &Runtime, session: &Session) -> pb::SessionResponse {
    pb::SessionResponse {
        session: Some(session_to_wire(runtime, session)),
    }
}

#[tonic::async_trait]
impl pb::session_service_server::SessionService for SessionApi {
    async fn schedule_session(
        &self,
        request: Request<pb::ScheduleSessionRequest>,
    ) -> Reply<pb::SessionResponse> {
        let r = request.into_inner();
        let kind = kind_from_wire(r.kind)?;
        let application_ids = uuids("application_ids", &r.application_ids)?;
        let branch_ids = uuids("branch_ids", &r.branch_ids)?;
        let starts_at = convert::instant("starts_at", r.starts_at)?;
        let ends_at = convert::instant("ends_at", r.ends_at)?;
        let scope = application_ids
            .first()
            .map_or_else(String::new, Uuid::to_string);
        let idempotency = optional_key("ScheduleSession", &scope, &r)?;
        let command = ScheduleSession {
            session_id: Uuid::now_v7(),
            kind,
            lead_department_code: r.lead_department_code.trim().to_owned(),
            clerk_id: r.clerk_id.trim().to_owned(),
            starts_at,
            ends_at,
            place: r.place.trim().to_owned(),
            branch_ids,
            invited_department_codes: r
                .invited_department_codes
                .iter()
                .map(|code| code.trim().to_owned())
                .collect(),
        };
        let runtime = &self.runtime;
        let response = sessions::schedule(runtime, &application_ids, command, idempotency, |s| {
            respond(runtime, s)
        })
        .await?;
        ok(response)
    }

    async fn get_session(
        &self,
        request: Request<pb::GetSessionRequest>,
    ) -> Reply<pb::SessionResponse> {
        let id = uuid_field("session_id", &request.into_inner().session_id)?;
        let session = self
            .runtime
            .store()
            .session(id)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| Error::NotFound {
                entity: "session",
                id: id.to_string(),
            })?;
        ok(respond(&self.runtime, &session))
    }

    async fn list_sessions(
        &self,
        request: Request<pb::ListSessionsRequest>,
    ) -> Reply<pb::ListSessionsResponse> {
        let r = request.into_inner();
        let page = convert::page_request(r.page_size, &r.page_token)?;
        let states = match pb::SessionState::try_from(r.state) {
            Ok(pb::SessionState::Unspecified) => Vec::new(),
            Ok(state) => vec![state_from_wire(state)],
            Err(_) => {
                return Err(Error::invalid("state", format!("unknown value {}", r.state)).into());
            }
        };
        let application_id = match r.application_id.trim() {
            "" => None,
            id => Some(uuid_field("application_id", id)?),
        };
        let filter = SessionFilter {
            states,
            application_id,
            key_project_code: optional_text(&r.key_project_code),
            department_code: optional_text(&r.department_code),
        };
        let found = self
            .runtime
            .store()
            .sessions(&filter, &page)
            .await
            .map_err(Error::from)?;
        ok(pb::ListSessionsResponse {
            sessions: found
                .items
                .iter()
                .map(|s| session_to_wire(&self.runtime, s))
                .collect(),
            next_page_token: convert::page_token(found.next_after),
        })
    }

    async fn acknowledge_invitation(
        &self,
        request: Request<pb::AcknowledgeInvitationRequest>,
    ) -> Reply<pb::SessionResponse> {
        let r = request.into_inner();
        let session_id = uuid_field("session_id", &r.session_id)?;
        let department_code = convert::required_text("department_code", &r.department_code)?;
        let command = SessionCommand::Acknowledge {
            department_code,
            clerk_id: r.clerk_id.trim().to_owned(),
        };
        let runtime = &self.runtime;
        let response =
            sessions::execute(runtime, session_id, command, None, |s| respond(runtime, s)).await?;
        ok(response)
    }

    async fn record_opinion(
        &self,
        request: Request<pb::RecordOpinionRequest>,
    ) -> Reply<pb::SessionResponse> {
        let r = request.into_inner();
        let command = SessionCommand::RecordOpinion {
            department_code: convert::required_text("department_code", &r.department_code)?,
            clerk_id: r.clerk_id.trim().to_owned(),
            kind: opinion_from_wire(r.kind)?,
            text: r.text.trim().to_owned(),
        };
        self.on_session("RecordOpinion", &r, &r.session_id, command)
            .await
    }

    async fn reschedule_session(
        &self,
        request: Request<pb::RescheduleSessionRequest>,
    ) -> Reply<pb::SessionResponse> {
        let r = request.into_inner();
        let command = SessionCommand::Reschedule {
            department_code: convert::required_text("department_code", &r.department_code)?,
            clerk_id: r.clerk_id.trim().to_owned(),
            starts_at: convert::instant("starts_at", r.starts_at)?,
            ends_at: convert::instant("ends_at", r.ends_at)?,
            place: r.place.trim().to_owned(),
            reason: r.reason.trim().to_owned(),
        };
        self.on_session("RescheduleSession", &r, &r.session_id, command)
            .await
    }

    async fn cancel_session(
        &self,
        request: Request<pb::CancelSessionRequest>,
    ) -> Reply<pb::SessionResponse> {
        let r = request.into_inner();
        let command = SessionCommand::Cancel {
            department_code: convert::required_text("department_code", &r.department_code)?,
            clerk_id: r.clerk_id.trim().to_owned(),
            reason: r.reason.trim().to_owned(),
        };
        self.on_session("CancelSession", &r, &r.session_id, command)
            .await
    }

    async fn close_session(
        &self,
        request: Request<pb::CloseSessionRequest>,
    ) -> Reply<pb::SessionResponse> {
        let r = request.into_inner();
        let command = SessionCommand::Close {
            department_code: convert::required_text("department_code", &r.department_code)?,
            clerk_id: r.clerk_id.trim().to_owned(),
            minutes: r.minutes.trim().to_owned(),
        };
        self.on_session("CloseSession", &r, &r.session_id, command)
            .await
    }
}

fn uuids(field: &str, values: &[String]) -> Result<Vec<Uuid>, Error> {
    values
        .iter()
        .enumerate()
        .map(|(index, value)| uuid_field(&format!("{field}[{index}]"), value))
        .collect()
}

fn kind_from_wire(value: i32) -> Result<SessionKind, Error> {
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

fn opinion_from_wire(value: i32) -> Result<OpinionKind, Error> {
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

/// A session on the wire.
pub fn session_to_wire(runtime: &Runtime, session: &Session) -> pb::Session {
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
        close_due_at: Some(timestamp(session.close_due_at(runtime.session_policy()))),
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
