//! The runtime carries the engine's decisions out: it reads the application, asks the engine,
//! commits the result with its events and idempotency record in one transaction, retries when a
//! concurrent writer got there first, and tells watchers which branches changed.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lianban_orchestrator::engine::{self, Command, Rules, Submit};
use lianban_orchestrator::staffing::Staffing;
use lianban_orchestrator::warning::WarningPolicy;
use lianban_orchestrator::{
    Application, Calendar, Catalogue, Decision, EngineError, Event, SessionPolicy,
};
use prost::Message;
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, broadcast};
use uuid::Uuid;

use crate::convert::View;
use crate::documents::DocumentCache;
use crate::error::Error;
use crate::store::{Change, IdempotencyRecord, Store, StoreError};
use crate::telemetry::Telemetry;

/// How many locks serialise commands on one application within this process.
const SERIAL_STRIPES: usize = 1024;

/// How many application documents the runtime keeps after writing or reading ahead (see
/// [`DocumentCache`]): far more than the applications commanded at once, far fewer than are open.
const CACHED_DOCUMENTS: usize = 1024;

/// How many times a command is retried when another writer changed the application first.
pub(crate) const CONFLICT_RETRIES: usize = 16;

/// Where the server reads the time. One clock for the whole server, so that tests can drive it.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to: tests and training walk an application through weeks
/// in seconds. It never goes backwards.
#[derive(Debug)]
pub struct ManualClock {
    now: std::sync::Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            now: std::sync::Mutex::new(start),
        }
    }

    /// Moves the clock to `to`; refused when that is in its past.
    pub fn set(&self, to: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
        let mut now = self.now.lock().expect("clock lock");
        if to < *now {
            return Err(Error::invalid(
                "time",
                format!("{to} is before the clock's time {}", *now),
            ));
        }
        *now = to;
        Ok(to)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().expect("clock lock")
    }
}

/// One branch that changed, for watchers.
#[derive(Debug, Clone)]
pub struct BranchChange {
    /// The application after the change.
    pub application: Arc<Application>,
    /// The branch.
    pub branch_id: Uuid,
    /// Its department.
    pub department_code: String,
}

/// An idempotency key with the scope it lives in and the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// RPC and caller.
    pub scope: String,
    /// The client's key.
    pub key: String,
    /// SHA-256 of the request without its key.
    pub request_hash: String,
}

impl Idempotency {
    /// The record to store with a change: this key with the response it answered.
    pub fn record(&self, response: &impl Message) -> IdempotencyRecord {
        IdempotencyRecord {
            scope: self.scope.clone(),
            key: self.key.clone(),
            request_hash: self.request_hash.clone(),
            response: response.encode_to_vec(),
        }
    }

    /// The key of `request`, hashed with `strip` applied (which clears the key field itself).
    pub fn of<M: Message + Clone>(
        scope: String,
        key: String,
        request: &M,
        strip: impl FnOnce(&mut M),
    ) -> Self {
        let mut copy = request.clone();
        strip(&mut copy);
        let request_hash = format!("{:x}", Sha256::digest(copy.encode_to_vec()));
        Idempotency {
            scope,
            key,
            request_hash,
        }
    }
}

/// One try at a command: the application as read, when, and the engine's answer.
struct Attempt {
    current: Arc<Application>,
    /// Whether `current` is the document this process held rather than the stored one.
    from_held: bool,
    now: DateTime<Utc>,
    outcome: Result<Decision, EngineError>,
}

impl Attempt {
    /// Whether the answer must be asked again of the stored application. A held document may be
    /// stale when another process wrote since; a change decided on it is safe (the store's
    /// version guard refuses it), but a refusal or an answer that changes nothing is never
    /// committed, so nothing would catch it.
    fn needs_stored_read(&self) -> bool {
        self.from_held
            && !self
                .outcome
                .as_ref()
                .is_ok_and(|decision| !decision.events.is_empty())
    }
}

/// The engine, the store, the catalogue, the calendar and the clock, shared by every RPC.
#[derive(Clone)]
pub struct Runtime {
    store: Store,
    catalogue: Arc<Catalogue>,
    calendar: Arc<std::sync::RwLock<Arc<Calendar>>>,
    staffing: Arc<std::sync::RwLock<Arc<Staffing>>>,
    policy: WarningPolicy,
    clock: Arc<dyn Clock>,
    manual_clock: Option<Arc<ManualClock>>,
    changes: broadcast::Sender<BranchChange>,
    deadlines_changed: Arc<Notify>,
    notifications: Arc<tokio::sync::watch::Sender<u64>>,
    telemetry: Arc<Telemetry>,
    serial: Arc<Vec<tokio::sync::Mutex<()>>>,
    session_policy: SessionPolicy,
    documents: Arc<DocumentCache>,
    sweeping: Arc<tokio::sync::Mutex<()>>,
}

/// Which clock a runtime reads.
pub enum RuntimeClock {
    /// The system clock.
    System,
    /// A manual clock, which the admin RPC moves.
    Manual(Arc<ManualClock>),
}

impl Runtime {
    /// A runtime over a connected store.
    pub fn new(
        store: Store,
        catalogue: Arc<Catalogue>,
        calendar: Arc<Calendar>,
        staffing: Staffing,
        policy: WarningPolicy,
        clock: RuntimeClock,
        telemetry: Arc<Telemetry>,
    ) -> Self {
        let (changes, _) = broadcast::channel(4096);
        let (clock, manual_clock): (Arc<dyn Clock>, _) = match clock {
            RuntimeClock::System => (Arc::new(SystemClock), None),
            RuntimeClock::Manual(manual) => (manual.clone(), Some(manual)),
        };
        Runtime {
            store,
            catalogue,
            calendar: Arc::new(std::sync::RwLock::new(calendar)),
            staffing: Arc::new(std::sync::RwLock::new(Arc::new(staffing))),
            policy,
            clock,
            manual_clock,
            changes,
            deadlines_changed: Arc::new(Notify::new()),
            notifications: Arc::new(tokio::sync::watch::channel(0).0),
            telemetry,
            serial: Arc::new(
                (0..SERIAL_STRIPES)
                    .map(|_| tokio::sync::Mutex::new(()))
                    .collect(),
            ),
            session_policy: SessionPolicy::default(),
            documents: Arc::new(DocumentCache::new(CACHED_DOCUMENTS)),
            sweeping: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// The same runtime with another session policy.
    pub fn with_session_policy(mut self, policy: SessionPolicy) -> Self {
        self.session_policy = policy;
        self
    }

    /// How joint review sessions run.
    pub fn session_policy(&self) -> SessionPolicy {
        self.session_policy
    }

    /// Reads these applications in one go and holds their documents for the commands about to
    /// run on them (a sweep acting on many deadlines), instead of one read per command.
    pub async fn hold_documents(&self, ids: &[Uuid]) -> Result<(), Error> {
        for application in self.store.applications_by_id(ids).await? {
            self.documents.put(Arc::new(application));
        }
        Ok(())
    }

    /// Held by the deadline sweep that runs: sweeps take turns, so that a sweep started by a
    /// clock move acts on everything the move made due.
    pub async fn sweeping(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.sweeping.lock().await
    }

    /// Tells the timer that the earliest thing to act on may have moved.
    pub fn wake_timer(&self) {
        self.deadlines_changed.notify_one();
    }

    /// Tells notification subscribers that notifications were committed.
    pub fn notifications_were_committed(&self) {
        self.notifications.send_modify(|count| *count += 1);
    }

    /// The engine's rules as they stand now, handed to `f`.
    pub fn with_rules<T>(&self, f: impl FnOnce(Rules<'_>) -> T) -> T {
        let calendar = self.calendar();
        let staffing = self.staffing();
        f(Rules {
            catalogue: &self.catalogue,
            calendar: &calendar,
            staffing: &staffing,
        })
    }

    /// The catalogue.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The working calendar as it stands now.
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.read().expect("calendar lock").clone()
    }

    /// Posts and who is away, as they stand now.
    pub fn staffing(&self) -> Arc<Staffing> {
        self.staffing.read().expect("staffing lock").clone()
    }

    /// Changes the staffing in memory (the caller has stored the change).
    pub fn update_staffing(&self, change: impl FnOnce(&mut Staffing)) {
        let mut guard = self.staffing.write().expect("staffing lock");
        let mut staffing = (**guard).clone();
        change(&mut staffing);
        *guard = Arc::new(staffing);
    }

    /// Replaces the working calendar (the caller recounts provisional deadlines).
    pub fn replace_calendar(&self, calendar: Calendar) {
        *self.calendar.write().expect("calendar lock") = Arc::new(calendar);
    }

    /// The server's telemetry.
    pub fn telemetry(&self) -> &Telemetry {
        &self.telemetry
    }

    /// The warning policy.
    pub fn policy(&self) -> &WarningPolicy {
        &self.policy
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The time now, on the server's one clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The manual clock, when the server runs on one.
    pub fn manual_clock(&self) -> Option<&ManualClock> {
        self.manual_clock.as_deref()
    }

    /// What a wire view needs: names, calendar, warning policy and the time now.
    pub fn view(&self) -> View<'_> {
        View {
            catalogue: &self.catalogue,
            calendar: self.calendar(),
            policy: &self.policy,
            now: self.clock.now(),
        }
    }

    /// Subscribes to branch changes.
    pub fn subscribe(&self) -> broadcast::Receiver<BranchChange> {
        self.changes.subscribe()
    }

    /// A receiver that changes whenever notifications were committed.
    pub fn notifications_committed(&self) -> tokio::sync::watch::Receiver<u64> {
        self.notifications.subscribe()
    }

    /// Resolves when a commit may have brought an earlier deadline.
    pub async fn deadlines_changed(&self) {
        self.deadlines_changed.notified().await;
    }

    /// Submits a new application; `respond` builds the response that a retry with the same key gets.
    pub async fn submit<R: Message + Default>(
        &self,
        command: Submit,
        actor: &str,
        idempotency: Option<Idempotency>,
        respond: impl Fn(&Application) -> R,
    ) -> Result<R, Error> {
        // No look-up of the key first: the key is recorded in the transaction of the change, so a
        // repeated request finds it taken there and is answered from the record (see `commit`).
        let now = self.clock.now();
        let decided =
            self.with_rules(|rules| engine::submit(rules, command, &mut Uuid::now_v7, now));
        let decision = match decided {
            Ok(decision) => decision,
            Err(refusal) => return self.replay_or(idempotency.as_ref(), refusal).await,
        };
        self.commit(decision, None, actor, now, idempotency, &respond)
            .await
    }

    /// Carries out a command on an existing application, retrying on concurrent changes.
    pub async fn execute<R: Message + Default>(
        &self,
        application_id: Uuid,
        command: Command,
        actor: &str,
        idempotency: Option<Idempotency>,
        respond: impl Fn(&Application) -> R,
    ) -> Result<R, Error> {
        let _serial = self.serialise(application_id).await;
        let mut use_held = true;
        for _ in 0..CONFLICT_RETRIES {
            // The key is not looked up first: a repeated request is recognised when its key is
            // found taken in the change's transaction (see `commit`), or below when the engine
            // refuses it or finds nothing to do — the state the first request left behind.
            let attempt = self.attempt(application_id, &command, use_held).await?;
            if attempt.needs_stored_read() {
                use_held = false;
                continue;
            }
            let decision = match attempt.outcome {
                Ok(decision) if decision.events.is_empty() => {
                    if let Some(response) = self.replay(idempotency.as_ref()).await? {
                        return Ok(response);
                    }
                    decision
                }
                Ok(decision) => decision,
                Err(refusal) => return self.replay_or(idempotency.as_ref(), refusal).await,
            };
            match self
                .commit(
                    decision,
                    Some(&attempt.current),
                    actor,
                    attempt.now,
                    idempotency.clone(),
                    &respond,
                )
                .await
            {
                Err(Error::Store(StoreError::Conflict(_))) => use_held = false,
                other => return other,
            }
        }
        Err(Error::Store(StoreError::Conflict(application_id)))
    }

    /// Carries out a command of the system itself (no key, no response); true when it changed
    /// anything. A command that finds nothing to do is not an error.
    pub async fn execute_system(
        &self,
        application_id: Uuid,
        command: Command,
    ) -> Result<bool, Error> {
        let _serial = self.serialise(application_id).await;
        let mut use_held = true;
        for _ in 0..CONFLICT_RETRIES {
            let attempt = self.attempt(application_id, &command, use_held).await?;
            if attempt.needs_stored_read() {
                use_held = false;
                continue;
            }
            let decision = attempt.outcome?;
            let changed = !decision.events.is_empty();
            match self
                .commit(
                    decision,
                    Some(&attempt.current),
                    "system",
                    attempt.now,
                    None,
                    &|_| (),
                )
                .await
            {
                Err(Error::Store(StoreError::Conflict(_))) => use_held = false,
                Err(error) => return Err(error),
                Ok(()) => return Ok(changed),
            }
        }
        Err(Error::Store(StoreError::Conflict(application_id)))
    }

    /// Reads the application (the held document when `use_held` and there is one) and asks the
    /// engine what `command` does to it now.
    async fn attempt(
        &self,
        application_id: Uuid,
        command: &Command,
        use_held: bool,
    ) -> Result<Attempt, Error> {
        let held = if use_held {
            self.documents.get(application_id)
        } else {
            None
        };
        let from_held = held.is_some();
        let current = match held {
            Some(held) => held,
            None => Arc::new(self.load(application_id).await?),
        };
        let now = self.clock.now();
        let outcome =
            self.with_rules(|rules| engine::execute(rules, &current, command.clone(), now));
        Ok(Attempt {
            current,
            from_held,
            now,
            outcome,
        })
    }

    /// Commands on one application wait for each other in this process, so that concurrent
    /// decisions on its branches do not all read the same version and retry; the store's version
    /// check still guards against other processes.
    pub(crate) async fn serialise(&self, application_id: Uuid) -> tokio::sync::MutexGuard<'_, ()> {
        let stripe = (application_id.as_u128() % SERIAL_STRIPES as u128) as usize;
        self.serial[stripe].lock().await
    }

    async fn load(&self, application_id: Uuid) -> Result<Application, Error> {
        self.store
            .application(application_id)
            .await?
            .ok_or_else(|| Error::NotFound {
                entity: "application",
                id: application_id.to_string(),
            })
    }

    /// The application a branch belongs to.
    pub async fn application_of_branch(&self, branch_id: Uuid) -> Result<Uuid, Error> {
        if let Some(application_id) = self.documents.application_of_branch(branch_id) {
            return Ok(application_id);
        }
        self.store
            .application_of_branch(branch_id)
            .await?
            .ok_or_else(|| Error::NotFound {
                entity: "branch",
                id: branch_id.to_string(),
            })
    }

    async fn commit<R: Message + Default>(
        &self,
        decision: Decision,
        previous: Option<&Application>,
        actor: &str,
        now: DateTime<Utc>,
        idempotency: Option<Idempotency>,
        respond: &impl Fn(&Application) -> R,
    ) -> Result<R, Error> {
        let response = respond(&decision.application);
        if decision.events.is_empty() {
            return Ok(response);
        }
        let record = idempotency.as_ref().map(|i| i.record(&response));
        let calendar = self.calendar();
        let notices = lianban_orchestrator::notify::notices(
            &decision.application,
            &decision.events,
            &self.catalogue,
            &calendar,
        );
        let change = Change {
            application: &decision.application,
            previous,
            events: &decision.events,
            actor,
            at: now,
            idempotency: record,
            notices: &notices,
        };
        let committed = self.store.commit(change).await;
        if committed.is_err() {
            // Whatever went wrong, the held document may no longer be the stored one.
            self.documents.forget(decision.application.id);
        }
        match committed {
            Ok(()) => {}
            Err(StoreError::KeyTaken { .. }) => {
                // A concurrent retry of the same request committed first: answer as it did.
                return self.replay(idempotency.as_ref()).await?.ok_or_else(|| {
                    Error::Server("idempotency key vanished after a conflict".to_owned())
                });
            }
            Err(error) => return Err(error.into()),
        }
        if !notices.is_empty() {
            self.notifications.send_modify(|count| *count += 1);
        }
        tracing::info!(
            trace_id = %decision.application.id.simple(),
            application_id = %decision.application.id,
            version = decision.application.version,
            changes = %decision.events.iter().map(Event::kind).collect::<Vec<_>>().join(","),
            "application changed"
        );
        self.telemetry.record_change(
            &decision.application,
            &decision.events,
            actor,
            now,
            &calendar,
            &self.policy,
        );
        self.announce(decision);
        Ok(response)
    }

    /// The remembered response when this request was already carried out, else the engine's
    /// refusal: a repeated request is refused by the state its first attempt left behind, and
    /// must get that attempt's answer instead.
    async fn replay_or<R: Message + Default>(
        &self,
        idempotency: Option<&Idempotency>,
        refusal: EngineError,
    ) -> Result<R, Error> {
        self.replay(idempotency).await?.ok_or(refusal.into())
    }

    /// The remembered response for a repeated key, or `KeyReused` when the request differs.
    pub(crate) async fn replay<R: Message + Default>(
        &self,
        idempotency: Option<&Idempotency>,
    ) -> Result<Option<R>, Error> {
        let Some(idempotency) = idempotency else {
            return Ok(None);
        };
        let Some(remembered) = self
            .store
            .remembered(&idempotency.scope, &idempotency.key)
            .await?
        else {
            return Ok(None);
        };
        if remembered.request_hash != idempotency.request_hash {
            return Err(Error::KeyReused {
                key: idempotency.key.clone(),
            });
        }
        R::decode(remembered.response.as_slice())
            .map(Some)
            .map_err(|error| Error::Server(format!("remembered response is unreadable: {error}")))
    }

    /// Holds the committed document for the next command and tells watchers what changed.
    fn announce(&self, decision: Decision) {
        if decision
            .events
            .iter()
            .any(|event| matches!(event, Event::BranchStarted { .. }))
        {
            self.deadlines_changed.notify_one();
        }
        let application = Arc::new(decision.application);
        self.documents.put(Arc::clone(&application));
        let mut announced = Vec::new();
        for branch_id in decision.events.iter().filter_map(|event| event.branch_id()) {
            if announced.contains(&branch_id) {
                continue;
            }
            announced.push(branch_id);
            if let Some(branch) = application.branch(branch_id) {
                // No receiver is fine: nobody is watching.
                let _ = self.changes.send(BranchChange {
                    application: Arc::clone(&application),
                    branch_id,
                    department_code: branch.department_code.clone(),
                });
            }
        }
    }
}
