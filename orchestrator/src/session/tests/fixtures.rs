//! The session tests' helpers: a meeting the registry ("reg") convenes over the joint review of
//! an application from the engine fixtures, and session commands run with the default policy.

use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use crate::application::Application;
use crate::engine::tests::fixtures::rules;
use crate::error::EngineError;
use crate::session::{self, ScheduleSession, Session, SessionCommand, SessionKind, SessionPolicy};

/// 2026-03-04 (a Wednesday) at `hour` in Beijing.
pub(super) fn wednesday(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, hour - 8, 0, 0).unwrap()
}

pub(super) fn schedule_at(
    application: &Application,
    now: DateTime<Utc>,
    starts_at: DateTime<Utc>,
) -> Result<Session, EngineError> {
    let command = ScheduleSession {
        session_id: Uuid::now_v7(),
        kind: SessionKind::Meeting,
        lead_department_code: "reg".into(),
        clerk_id: "lead".into(),
        starts_at,
        ends_at: starts_at + Duration::hours(2),
        place: "room 3".into(),
        branch_ids: Vec::new(),
        invited_department_codes: Vec::new(),
    };
    session::schedule(
        rules(),
        SessionPolicy::default(),
        std::slice::from_ref(application),
        command,
        now,
    )
    .map(|d| d.session)
}

pub(super) fn run(
    session: &Session,
    command: SessionCommand,
    now: DateTime<Utc>,
) -> Result<session::SessionDecision, EngineError> {
    session::execute(rules(), SessionPolicy::default(), session, command, now)
}

pub(super) fn close(session: &Session, now: DateTime<Utc>) -> Session {
    let command = SessionCommand::Close {
        department_code: "reg".into(),
        clerk_id: "lead".into(),
        minutes: "minutes".into(),
    };
    run(session, command, now).unwrap().session
}
