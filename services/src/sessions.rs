//! Carrying out joint review sessions: schedule, acknowledge, opinions, reschedule, cancel and
//! close through the engine's session rules, one transaction per change with its notices; then
//! the closing is applied to each reviewed application.
//!
//! Closing and applying are two steps because a session may span several applications. The
//! session row stays "unsettled" until every application has applied the closing; each
//! application records the sessions it applied, so the sweep can repeat the step after a crash
//! without deciding anything twice.

use chrono::{DateTime, Utc};
use lianban_orchestrator::session::{self, ScheduleSession, SessionDecision, SessionEvent};
use lianban_orchestrator::{Command, EngineError, Session, SessionCommand};
use prost::Message;
use uuid::Uuid;

use crate::error::Error;
use crate::runtime::{Aggregate, Idempotency, KeyLookUp, Runtime, carry_out};
use crate::store::{SessionChange, StoreError};

/// Schedules a session over `application_ids`; `respond` builds the response a retry gets.
pub async fn schedule<R: Message + Default>(
    runtime: &Runtime,
    application_ids: &[Uuid],
    command: ScheduleSession,
    idempotency: Option<Idempotency>,
    respond: impl Fn(&Session) -> R,
) -> Result<R, Error> {
    if let Some(response) = runtime.replay(idempotency.as_ref()).await? {
        return Ok(response);
    }
    let mut applications = Vec::with_capacity(application_ids.len());
    for (index, id) in application_ids.iter().enumerate() {
        if application_ids[..index].contains(id) {
            return Err(Error::invalid(
                format!("application_ids[{index}]"),
                "listed twice",
            ));
        }
        let application =
            runtime
                .store()
                .application(*id)
                .await?
                .ok_or_else(|| Error::NotFound {
                    entity: "application",
                    id: id.to_string(),
                })?;
        applications.push(application);
    }
    let now = runtime.now();
    let policy = runtime.session_policy();
    let decision = runtime
        .with_rules(|rules| session::schedule(rules, policy, &applications, command, now))?;
    let response = commit(runtime, decision, None, now, idempotency, &respond).await?;
    Ok(response)
}

/// Carries out a command on a session, then applies its closing if it closed.
pub async fn execute<R: Message + Default>(
    runtime: &Runtime,
    session_id: Uuid,
    command: SessionCommand,
    idempotency: Option<Idempotency>,
    respond: impl Fn(&Session) -> R,
) -> Result<R, Error> {
    let (response, _) =
        execute_and_report(runtime, session_id, command, idempotency, respond).await?;
    Ok(response)
}

/// As [`execute`], also telling whether this very command closed the session.
async fn execute_and_report<R: Message + Default>(
    runtime: &Runtime,
    session_id: Uuid,
    command: SessionCommand,
    idempotency: Option<Idempotency>,
    respond: impl Fn(&Session) -> R,
) -> Result<(R, bool), Error> {
    let command = OnSession {
        session_id,
        command,
    };
    let carried = carry_out(runtime, &command, idempotency, &respond).await?;
    // A replayed answer closed nothing now.
    let closed = carried.summary().is_some_and(|closed| *closed);
    if closed {
        settle(runtime, session_id).await?;
    }
    Ok((carried.into_response(), closed))
}

/// A command on an existing session.
struct OnSession {
    session_id: Uuid,
    command: SessionCommand,
}

impl Aggregate for OnSession {
    type Document = Session;
    type Subject = Session;
    type Decision = SessionDecision;
    /// Whether the decision closed the session.
    type Summary = bool;
    const KEY_LOOK_UP: KeyLookUp = KeyLookUp::BeforeEachTry;

    fn id(&self) -> Uuid {
        self.session_id
    }

    /// Sessions are always read from the store: no document of theirs is held.
    async fn read(&self, runtime: &Runtime, _use_held: bool) -> Result<(Session, bool), Error> {
        Ok((load(runtime, self.session_id).await?, false))
    }

    fn decide(
        &self,
        runtime: &Runtime,
        current: &Session,
        now: DateTime<Utc>,
    ) -> Result<SessionDecision, EngineError> {
        let policy = runtime.session_policy();
        runtime
            .with_rules(|rules| session::execute(rules, policy, current, self.command.clone(), now))
    }

    fn changes_nothing(decision: &SessionDecision) -> bool {
        decision.events.is_empty()
    }

    fn summarise(decision: &SessionDecision) -> bool {
        decision
            .events
            .iter()
            .any(|e| matches!(e, SessionEvent::Closed { .. }))
    }

    async fn commit<R: Message + Default>(
        &self,
        runtime: &Runtime,
        decision: SessionDecision,
        current: &Session,
        now: DateTime<Utc>,
        idempotency: Option<Idempotency>,
        respond: &impl Fn(&Session) -> R,
    ) -> Result<R, Error> {
        let previous_version = Some(current.version);
        commit(
            runtime,
            decision,
            previous_version,
            now,
            idempotency,
            respond,
        )
        .await
    }
}

/// Closes every session left open past its end and the grace period, and applies every closing
/// not yet applied (after a crash between closing and applying); returns how many sessions this
/// sweep closed. Of racing sweeps, only the one whose close committed counts it.
pub async fn sweep(runtime: &Runtime, claim: &crate::store::Claim<'_>) -> Result<u32, Error> {
    let mut closed = 0;
    for session_id in runtime.store().claim_overdue_sessions(claim).await? {
        let command = SessionCommand::CloseOverdue;
        match execute_and_report(runtime, session_id, command, None, |_| ()).await {
            Ok(((), true)) => closed += 1,
            Ok(((), false)) => {}
            Err(error) => {
                tracing::error!(%session_id, %error, "overdue session could not be closed")
            }
        }
    }
    for session_id in runtime.store().unsettled_sessions().await? {
        if let Err(error) = settle(runtime, session_id).await {
            tracing::error!(%session_id, %error, "session closing could not be applied")
        }
    }
    Ok(closed)
}

/// Applies a closed session's verdicts to each application it reviewed, then marks it settled.
/// Each application applies a session once, so repeating this after a crash changes nothing twice.
pub async fn settle(runtime: &Runtime, session_id: Uuid) -> Result<(), Error> {
    let session = load(runtime, session_id).await?;
    let mut verdicts = session.verdicts();
    for application_id in session.application_ids() {
        let command = Command::ApplySession {
            session_id,
            verdicts: verdicts.remove(&application_id).unwrap_or_default(),
        };
        runtime.execute_system(application_id, command).await?;
    }
    runtime.store().mark_session_settled(session_id).await?;
    tracing::info!(%session_id, "session closing applied");
    Ok(())
}

async fn load(runtime: &Runtime, session_id: Uuid) -> Result<Session, Error> {
    runtime
        .store()
        .session(session_id)
        .await?
        .ok_or_else(|| Error::NotFound {
            entity: "session",
            id: session_id.to_string(),
        })
}

/// Commits a session's decision with its notices and the key's record, and answers with
/// `respond`; a decision that changes nothing is answered without a commit.
async fn commit<R: Message + Default>(
    runtime: &Runtime,
    decision: SessionDecision,
    previous_version: Option<u64>,
    now: DateTime<Utc>,
    idempotency: Option<Idempotency>,
    respond: &impl Fn(&Session) -> R,
) -> Result<R, Error> {
    let response = respond(&decision.session);
    if decision.events.is_empty() {
        return Ok(response);
    }
    let record = idempotency.as_ref().map(|i| i.record(&response));
    let calendar = runtime.calendar();
    let notices = session::notices(
        &decision.session,
        &decision.events,
        runtime.catalogue(),
        &calendar,
    );
    let change = SessionChange {
        session: &decision.session,
        previous_version,
        close_due_at: decision.session.close_due_at(runtime.session_policy()),
        at: now,
        notices: &notices,
        idempotency: record,
    };
    match runtime.store().commit_session(change).await {
        Ok(()) => {}
        Err(StoreError::KeyTaken { .. }) => {
            return runtime.replay_after_key_taken(idempotency.as_ref()).await;
        }
        Err(error) => return Err(error.into()),
    }
    if !notices.is_empty() {
        runtime.notifications_were_committed();
    }
    runtime.wake_timer();
    tracing::info!(
        session_id = %decision.session.id,
        state = decision.session.state.name(),
        version = decision.session.version,
        "session changed"
    );
    Ok(response)
}
