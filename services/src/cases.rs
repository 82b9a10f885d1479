//! Carrying out supervision cases: complaints lodged at the front desk, rectifications opened by
//! negative ratings, and every step on them through the engine's case rules — one transaction per
//! change with its trail entries and notices — and the sweep that escalates overdue cases.
//!
//! A rectification's id is derived from the rated application and the rating's stage (UUID v5),
//! so a repeated or retried rating never opens two cases.

use chrono::{DateTime, Datelike, Utc};
use lianban_orchestrator::application::{Rating, RatingStage};
use lianban_orchestrator::case::{
    self, Case, CaseCommand, CaseDecision, CaseEvent, CaseKind, Channel, OpenCase, RatedService,
};
use lianban_orchestrator::{Application, EngineError};
use prost::Message;
use uuid::Uuid;

use crate::error::Error;
use crate::runtime::{Aggregate, Idempotency, KeyLookUp, Runtime, carry_out};
use crate::store::{CaseChange, Claim, StoreError};

/// The namespace of rectification ids (UUID v5 over `<application id>/<stage>`).
const RECTIFICATION_NAMESPACE: Uuid = Uuid::from_u128(0x6c69_616e_6261_6e5f_6361_7365_735f_7a67);

/// The id of the rectification a rating of `application_id` at `stage` opens: the same for every
/// repeat of that rating.
pub fn rectification_id(application_id: Uuid, stage: RatingStage) -> Uuid {
    use sha1::{Digest, Sha1};
    let stage = match stage {
        RatingStage::Acceptance => "acceptance",
        RatingStage::Dispatch => "dispatch",
    };
    let mut hasher = Sha1::new();
    hasher.update(RECTIFICATION_NAMESPACE.as_bytes());
    hasher.update(format!("{application_id}/{stage}").as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

/// Registers a complaint: a number from the store's counter, routed with its deadline, committed
/// with its first trail entry and its notices; `respond` builds the response a retry gets.
pub async fn lodge<R: Message + Default>(
    runtime: &Runtime,
    mut command: OpenCase,
    idempotency: Option<Idempotency>,
    respond: impl Fn(&Case) -> R,
) -> Result<R, Error> {
    if let Some(response) = runtime.replay(idempotency.as_ref()).await? {
        return Ok(response);
    }
    let now = runtime.now();
    let calendar = runtime.calendar();
    let year = calendar.local_date(now).year();
    command.number = runtime.store().next_case_number(command.kind, year).await?;
    let actor = command.opened_by.clone();
    let decision = case::open(&calendar, runtime.case_policy(), command, now)?;
    commit(runtime, decision, None, &actor, now, idempotency, &respond).await
}

/// Opens the rectification a negative rating calls for, unless it is open already; returns the
/// case when one was opened now.
///
/// The rating and the case are two commits. After a crash between them the rating stands
/// without its case until the rating request is retried (it carries an idempotency key): the
/// retry is answered from the stored response and comes here again, and the derived id makes
/// this step happen once however often it runs.
pub async fn open_rectification(
    runtime: &Runtime,
    application: &Application,
    rating: &Rating,
) -> Result<Option<Case>, Error> {
    if !rating.is_negative() {
        return Ok(None);
    }
    let case_id = rectification_id(application.id, rating.stage);
    if runtime.store().case(case_id).await?.is_some() {
        return Ok(None);
    }
    let now = runtime.now();
    let calendar = runtime.calendar();
    let number = runtime
        .store()
        .next_case_number(CaseKind::Rectification, calendar.local_date(now).year())
        .await?;
    let command = OpenCase {
        case_id,
        kind: CaseKind::Rectification,
        number,
        department_code: responsible_for_rating(runtime, application),
        channel: Channel::Rating,
        subject: None,
        complainant: None,
        facts: rating.comment.clone(),
        rating: Some(RatedService {
            application_id: application.id,
            receipt_number: application.receipt_number.clone(),
            stage: rating.stage,
            satisfaction_code: rating.satisfaction.code(),
            comment: rating.comment.clone(),
            real_name: rating.is_real_name(),
            rated_at: rating.at,
        }),
        opened_by: "system".to_owned(),
    };
    let decision = case::open(&calendar, runtime.case_policy(), command, now)?;
    let opened = decision.case.clone();
    match commit(runtime, decision, None, "system", now, None, &|_| ()).await {
        Ok(()) => Ok(Some(opened)),
        // Another replica opened it between the look-up and the insert.
        Err(_) if runtime.store().case(case_id).await?.is_some() => Ok(None),
        Err(error) => Err(error),
    }
}

/// The department that answers for a rated service: the bundle's lead department (牵头部门),
/// which runs the application as one matter for the applicant. The clerk rated is a front-desk
/// clerk of the centre (at acceptance and at the single window), who holds no department's post.
fn responsible_for_rating(runtime: &Runtime, application: &Application) -> String {
    runtime
        .catalogue()
        .bundle(&application.bundle_code)
        .map(|bundle| bundle.lead_department.clone())
        .unwrap_or_default()
}

/// Carries out a command on a case as `actor`.
pub async fn execute<R: Message + Default>(
    runtime: &Runtime,
    case_id: Uuid,
    command: CaseCommand,
    actor: String,
    idempotency: Option<Idempotency>,
    respond: impl Fn(&Case) -> R,
) -> Result<R, Error> {
    let command = OnCase {
        case_id,
        command,
        actor,
    };
    Ok(carry_out(runtime, &command, idempotency, &respond)
        .await?
        .into_response())
}

/// A command on an existing case, with who gives it.
struct OnCase {
    case_id: Uuid,
    command: CaseCommand,
    actor: String,
}

impl Aggregate for OnCase {
    type Document = Case;
    type Subject = Case;
    type Decision = CaseDecision;
    /// Whether the decision escalated the case.
    type Summary = bool;
    const KEY_LOOK_UP: KeyLookUp = KeyLookUp::BeforeEachTry;

    fn id(&self) -> Uuid {
        self.case_id
    }

    /// Cases are always read from the store: no document of theirs is held.
    async fn read(&self, runtime: &Runtime, _use_held: bool) -> Result<(Case, bool), Error> {
        let found = runtime.store().case(self.case_id).await?;
        let case = found.ok_or_else(|| Error::NotFound {
            entity: "case",
            id: self.case_id.to_string(),
        })?;
        Ok((case, false))
    }

    fn decide(
        &self,
        _runtime: &Runtime,
        current: &Case,
        now: DateTime<Utc>,
    ) -> Result<CaseDecision, EngineError> {
        case::execute(current, self.command.clone(), now)
    }

    fn changes_nothing(decision: &CaseDecision) -> bool {
        decision.events.is_empty()
    }

    fn summarise(decision: &CaseDecision) -> bool {
        decision
            .events
            .iter()
            .any(|e| matches!(e, CaseEvent::Escalated { .. }))
    }

    async fn commit<R: Message + Default>(
        &self,
        runtime: &Runtime,
        decision: CaseDecision,
        current: &Case,
        now: DateTime<Utc>,
        idempotency: Option<Idempotency>,
        respond: &impl Fn(&Case) -> R,
    ) -> Result<R, Error> {
        let previous = Some(current.version);
        commit(
            runtime,
            decision,
            previous,
            &self.actor,
            now,
            idempotency,
            respond,
        )
        .await
    }
}

/// Escalates every case whose department owes an answer past its deadline (claimed as leases,
/// so that of racing replicas one acts on each); returns how many this sweep escalated.
pub async fn sweep(runtime: &Runtime, claim: &Claim<'_>) -> Result<u32, Error> {
    let mut escalated = 0;
    for case_id in runtime.store().claim_overdue_cases(claim).await? {
        let command = OnCase {
            case_id,
            command: CaseCommand::EscalateOverdue,
            actor: "system".to_owned(),
        };
        match carry_out(runtime, &command, None, &|_| ()).await {
            Ok(carried) if carried.summary().is_some_and(|escalated| *escalated) => escalated += 1,
            Ok(_) => {}
            Err(error) => tracing::error!(%case_id, %error, "overdue case could not be escalated"),
        }
    }
    Ok(escalated)
}

/// Commits a case's decision with its trail entries, notices and the key's record, and answers
/// with `respond`; a decision that changes nothing is answered without a commit.
async fn commit<R: Message + Default>(
    runtime: &Runtime,
    decision: CaseDecision,
    previous_version: Option<u64>,
    actor: &str,
    now: DateTime<Utc>,
    idempotency: Option<Idempotency>,
    respond: &impl Fn(&Case) -> R,
) -> Result<R, Error> {
    let response = respond(&decision.case);
    if decision.events.is_empty() {
        return Ok(response);
    }
    let record = idempotency.as_ref().map(|i| i.record(&response));
    let notices = case::notices(&decision.case, &decision.events, &runtime.calendar());
    let change = CaseChange {
        case: &decision.case,
        previous_version,
        actor,
        events: &decision.events,
        at: now,
        notices: &notices,
        idempotency: record,
    };
    match runtime.store().commit_case(change).await {
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
        case_id = %decision.case.id,
        number = %decision.case.number,
        state = decision.case.state.name(),
        version = decision.case.version,
        "case changed"
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_has_one_rectification_id_per_stage() {
        let application = Uuid::now_v7();
        let id = rectification_id(application, RatingStage::Dispatch);
        assert_eq!(id, rectification_id(application, RatingStage::Dispatch));
        assert_ne!(id, rectification_id(application, RatingStage::Acceptance));
        assert_eq!(id.get_version_num(), 5);
    }
}
