//! `SessionService`: joint review sessions — schedule, look up and list them, and the commands of
//! the invited departments and the lead on one.

use lianban_orchestrator::SessionCommand;
use lianban_orchestrator::session::ScheduleSession;
use lianban_proto::v1 as pb;
use lianban_proto::v1::session_service_server::SessionService;
use tonic::Request;
use uuid::Uuid;

use super::answers::{Reply, inbound_as, ok};
use super::checks::optional_department;
use super::commands::{answer_with_session, on_session, session_response};
use super::keys::optional_key;
use crate::convert::{self, optional_text, required_text, uuid_field, uuids};
use crate::error::Error;
use crate::runtime::Runtime;
use crate::sessions;
use crate::store::SessionFilter;

/// Joint review sessions.
pub struct SessionApi {
    runtime: Runtime,
}

impl SessionApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        SessionApi { runtime }
    }
}

#[tonic::async_trait]
impl SessionService for SessionApi {
    async fn schedule_session(
        &self,
        request: Request<pb::ScheduleSessionRequest>,
    ) -> Reply<pb::SessionResponse> {
        let (caller, r) = inbound_as(request)?;
        let kind = convert::session_kind(r.kind)?;
        let application_ids = uuids("application_ids", &r.application_ids)?;
        let branch_ids = uuids("branch_ids", &r.branch_ids)?;
        let starts_at = convert::instant_near("starts_at", r.starts_at, self.runtime.now())?;
        let ends_at = convert::instant_near("ends_at", r.ends_at, self.runtime.now())?;
        // Remembered per first application: a session is scheduled over applications.
        let scope = application_ids
            .first()
            .map_or_else(String::new, Uuid::to_string);
        let idempotency = optional_key("ScheduleSession", &scope, &r)?;
        let command = ScheduleSession {
            session_id: Uuid::now_v7(),
            kind,
            lead_department_code: caller
                .acting_department("lead_department_code", &r.lead_department_code)?,
            clerk_id: caller.clerk("clerk_id", &r.clerk_id)?,
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
        let policy = runtime.session_policy();
        let response = sessions::schedule(runtime, &application_ids, command, idempotency, |s| {
            session_response(s, policy)
        })
        .await?;
        ok(response)
    }

    async fn get_session(
        &self,
        request: Request<pb::GetSessionRequest>,
    ) -> Reply<pb::SessionResponse> {
        let (caller, request) = inbound_as(request)?;
        let id = uuid_field("session_id", &request.session_id)?;
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
        if let Some(department) = caller.confined_department() {
            let takes_part = session.lead_department_code == department
                || session
                    .invitations
                    .iter()
                    .any(|i| i.department_code == department);
            if !takes_part {
                return Err(caller
                    .out_of_scope(
                        "session_id",
                        format!("department {department} neither leads nor is invited to it"),
                    )
                    .into());
            }
        }
        ok(session_response(&session, self.runtime.session_policy()))
    }

    async fn list_sessions(
        &self,
        request: Request<pb::ListSessionsRequest>,
    ) -> Reply<pb::ListSessionsResponse> {
        let (caller, r) = inbound_as(request)?;
        let page = convert::page_request(r.page_size, &r.page_token)?;
        let states = convert::session_states(r.state)?;
        let application_id = match r.application_id.trim() {
            "" => None,
            id => Some(uuid_field("application_id", id)?),
        };
        let filter = SessionFilter {
            states,
            application_id,
            key_project_code: optional_text(&r.key_project_code),
            department_code: optional_department(
                self.runtime.catalogue(),
                &caller.reading_department("department_code", &r.department_code)?,
            )?,
        };
        let found = self
            .runtime
            .store()
            .sessions(&filter, &page)
            .await
            .map_err(Error::from)?;
        let policy = self.runtime.session_policy();
        ok(pb::ListSessionsResponse {
            sessions: found
                .items
                .iter()
                .map(|s| convert::session_to_wire(s, policy))
                .collect(),
            next_page_token: convert::page_token(found.next_after),
        })
    }

    async fn acknowledge_invitation(
        &self,
        request: Request<pb::AcknowledgeInvitationRequest>,
    ) -> Reply<pb::SessionResponse> {
        let (caller, r) = inbound_as(request)?;
        let session_id = uuid_field("session_id", &r.session_id)?;
        let command = SessionCommand::Acknowledge {
            department_code: required_text(
                "department_code",
                &caller.acting_department("department_code", &r.department_code)?,
            )?,
            clerk_id: caller.clerk("clerk_id", &r.clerk_id)?,
        };
        // The request carries no key: acknowledging twice changes nothing.
        ok(answer_with_session(&self.runtime, session_id, command, None).await?)
    }

    async fn record_opinion(
        &self,
        request: Request<pb::RecordOpinionRequest>,
    ) -> Reply<pb::SessionResponse> {
        let (caller, r) = inbound_as(request)?;
        let command = SessionCommand::RecordOpinion {
            department_code: required_text(
                "department_code",
                &caller.acting_department("department_code", &r.department_code)?,
            )?,
            clerk_id: caller.clerk("clerk_id", &r.clerk_id)?,
            kind: convert::opinion_kind(r.kind)?,
            text: r.text.trim().to_owned(),
        };
        ok(on_session(&self.runtime, "RecordOpinion", &r, &r.session_id, command).await?)
    }

    async fn reschedule_session(
        &self,
        request: Request<pb::RescheduleSessionRequest>,
    ) -> Reply<pb::SessionResponse> {
        let (caller, r) = inbound_as(request)?;
        let command = SessionCommand::Reschedule {
            department_code: required_text(
                "department_code",
                &caller.acting_department("department_code", &r.department_code)?,
            )?,
            clerk_id: caller.clerk("clerk_id", &r.clerk_id)?,
            starts_at: convert::instant_near("starts_at", r.starts_at, self.runtime.now())?,
            ends_at: convert::instant_near("ends_at", r.ends_at, self.runtime.now())?,
            place: r.place.trim().to_owned(),
            reason: r.reason.trim().to_owned(),
        };
        ok(on_session(
            &self.runtime,
            "RescheduleSession",
            &r,
            &r.session_id,
            command,
        )
        .await?)
    }

    async fn cancel_session(
        &self,
        request: Request<pb::CancelSessionRequest>,
    ) -> Reply<pb::SessionResponse> {
        let (caller, r) = inbound_as(request)?;
        let command = SessionCommand::Cancel {
            department_code: required_text(
                "department_code",
                &caller.acting_department("department_code", &r.department_code)?,
            )?,
            clerk_id: caller.clerk("clerk_id", &r.clerk_id)?,
            reason: r.reason.trim().to_owned(),
        };
        ok(on_session(&self.runtime, "CancelSession", &r, &r.session_id, command).await?)
    }

    async fn close_session(
        &self,
        request: Request<pb::CloseSessionRequest>,
    ) -> Reply<pb::SessionResponse> {
        let (caller, r) = inbound_as(request)?;
        let command = SessionCommand::Close {
            department_code: required_text(
                "department_code",
                &caller.acting_department("department_code", &r.department_code)?,
            )?,
            clerk_id: caller.clerk("clerk_id", &r.clerk_id)?,
            minutes: r.minutes.trim().to_owned(),
        };
        ok(on_session(&self.runtime, "CloseSession", &r, &r.session_id, command).await?)
    }
}
