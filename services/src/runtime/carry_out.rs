//! The one way a command on an existing aggregate (an application or a session) is carried out:
//! read it, ask the engine, commit the decision, and start again when another writer got there
//! first. Application commands, branch commands, the system's own commands (deadlines, sessions
//! applied, recounts) and session commands all go through [`carry_out`]; what differs between
//! applications and sessions — how they are read, decided and committed — is an [`Aggregate`].

use chrono::{DateTime, Utc};
use lianban_orchestrator::EngineError;
use prost::Message;
use uuid::Uuid;

use super::idempotency::Idempotency;
use super::shared::Runtime;
use crate::error::Error;
use crate::store::StoreError;

/// How many times a command is tried when another writer keeps changing the aggregate first.
const CONFLICT_RETRIES: usize = 16;

/// When the request's idempotency key is looked up in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyLookUp {
    /// Before every try, and after a refusal.
    BeforeEachTry,
    /// Only when the engine refuses the command or finds nothing to do — the state a first
    /// request leaves behind — or when the key is found taken in the change's transaction. A
    /// first request, the common case, then pays no look-up.
    OnRefusalOrNoChange,
}

/// One command on one aggregate, as [`carry_out`] needs it.
pub(crate) trait Aggregate {
    /// The aggregate as read and decided on.
    type Document;
    /// What the response is built from.
    type Subject;
    /// The engine's answer.
    type Decision;
    /// What the caller learns of a decision besides the response.
    type Summary;
    /// When the request's key is looked up.
    const KEY_LOOK_UP: KeyLookUp;

    /// The aggregate's id: commands on it are serialised by it, and a conflict names it.
    fn id(&self) -> Uuid;

    /// Reads the aggregate: the document this process holds when `use_held` and there is one
    /// (then true), else the stored one.
    async fn read(
        &self,
        runtime: &Runtime,
        use_held: bool,
    ) -> Result<(Self::Document, bool), Error>;

    /// What the engine decides the command does to `current` at `now`.
    fn decide(
        &self,
        runtime: &Runtime,
        current: &Self::Document,
        now: DateTime<Utc>,
    ) -> Result<Self::Decision, EngineError>;

    /// Whether the decision changes nothing (it has no events).
    fn changes_nothing(decision: &Self::Decision) -> bool;

    /// What the caller learns of the decision.
    fn summarise(decision: &Self::Decision) -> Self::Summary;

    /// Commits the decision taken on `current` at `now`, with the key's record, and answers with
    /// `respond`; a decision that changes nothing is answered without a commit.
    async fn commit<R: Message + Default>(
        &self,
        runtime: &Runtime,
        decision: Self::Decision,
        current: &Self::Document,
        now: DateTime<Utc>,
        idempotency: Option<Idempotency>,
        respond: &impl Fn(&Self::Subject) -> R,
    ) -> Result<R, Error>;
}

/// How a command was answered.
pub(crate) enum Carried<R, S> {
    /// With the remembered response of an earlier request with the same key.
    Replayed(R),
    /// With the response to the decision taken now, and what the decision did.
    Decided {
        /// The response.
        response: R,
        /// What the decision did.
        summary: S,
    },
}

impl<R, S> Carried<R, S> {
    /// The response, however it was found.
    pub(crate) fn into_response(self) -> R {
        match self {
            Carried::Replayed(response) | Carried::Decided { response, .. } => response,
        }
    }

    /// What the decision taken now did; `None` when the answer was replayed.
    pub(crate) fn summary(&self) -> Option<&S> {
        match self {
            Carried::Replayed(_) => None,
            Carried::Decided { summary, .. } => Some(summary),
        }
    }
}

/// One try at a command: the aggregate as read, when, and the engine's answer.
struct Attempt<D, E> {
    current: D,
    /// Whether `current` is the document this process held rather than the stored one.
    from_held: bool,
    now: DateTime<Utc>,
    outcome: Result<E, EngineError>,
}

impl<D, E> Attempt<D, E> {
    /// Reads the aggregate and asks the engine what the command does to it now.
    async fn make<A>(aggregate: &A, runtime: &Runtime, use_held: bool) -> Result<Self, Error>
    where
        A: Aggregate<Document = D, Decision = E>,
    {
        let (current, from_held) = aggregate.read(runtime, use_held).await?;
        let now = runtime.now();
        let outcome = aggregate.decide(runtime, &current, now);
        Ok(Attempt {
            current,
            from_held,
            now,
            outcome,
        })
    }

    /// Whether the answer must be asked again of the stored aggregate. A held document may be
    /// stale when another process wrote since; a change decided on it is safe (the store's
    /// version guard refuses it), but a refusal or an answer that changes nothing is never
    /// committed, so nothing would catch it.
    fn needs_stored_read(&self, changes_nothing: impl Fn(&E) -> bool) -> bool {
        self.from_held
            && !self
                .outcome
                .as_ref()
                .is_ok_and(|decision| !changes_nothing(decision))
    }
}

/// Carries out a command on an existing aggregate, serialised with every other command on it in
/// this process: read, decide and commit, and again when a concurrent writer changed it first (up
/// to [`CONFLICT_RETRIES`] tries). A repeated request is answered with its first response.
pub(crate) async fn carry_out<A: Aggregate, R: Message + Default>(
    runtime: &Runtime,
    aggregate: &A,
    idempotency: Option<Idempotency>,
    respond: &impl Fn(&A::Subject) -> R,
) -> Result<Carried<R, A::Summary>, Error> {
    let _serial = runtime.serialise(aggregate.id()).await;
    let mut use_held = true;
    for _ in 0..CONFLICT_RETRIES {
        if A::KEY_LOOK_UP == KeyLookUp::BeforeEachTry
            && let Some(response) = runtime.replay(idempotency.as_ref()).await?
        {
            return Ok(Carried::Replayed(response));
        }
        let attempt = Attempt::make(aggregate, runtime, use_held).await?;
        if attempt.needs_stored_read(A::changes_nothing) {
            use_held = false;
            continue;
        }
        let decision = match attempt.outcome {
            Ok(decision)
                if A::KEY_LOOK_UP == KeyLookUp::OnRefusalOrNoChange
                    && A::changes_nothing(&decision) =>
            {
                if let Some(response) = runtime.replay(idempotency.as_ref()).await? {
                    return Ok(Carried::Replayed(response));
                }
                decision
            }
            Ok(decision) => decision,
            Err(refusal) => {
                let replayed = runtime.replay_or(idempotency.as_ref(), refusal).await?;
                return Ok(Carried::Replayed(replayed));
            }
        };
        let summary = A::summarise(&decision);
        let committed = aggregate
            .commit(
                runtime,
                decision,
                &attempt.current,
                attempt.now,
                idempotency.clone(),
                respond,
            )
            .await;
        match committed {
            Err(Error::Store(StoreError::Conflict(_))) => use_held = false,
            Err(error) => return Err(error),
            Ok(response) => return Ok(Carried::Decided { response, summary }),
        }
    }
    Err(Error::Store(StoreError::Conflict(aggregate.id())))
}
