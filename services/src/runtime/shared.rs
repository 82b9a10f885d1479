//! The runtime's shared parts: the store, the catalogue, the current calendar and staffing, the
//! one clock, the held documents and the channels that tell watchers, subscribers and the timer
//! what changed. Every RPC, the timer and the sweep hold a clone; the clones share all of it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lianban_orchestrator::case::CasePolicy;
use lianban_orchestrator::engine::Rules;
use lianban_orchestrator::staffing::Staffing;
use lianban_orchestrator::warning::WarningPolicy;
use lianban_orchestrator::{Application, Calendar, Catalogue, SessionPolicy};
use tokio::sync::{Notify, broadcast};
use uuid::Uuid;

use super::clock::{Clock, ManualClock, RuntimeClock, SystemClock};
use crate::documents::DocumentCache;
use crate::error::Error;
use crate::store::Store;
use crate::telemetry::Telemetry;

/// How many locks serialise commands on one application within this process.
const SERIAL_STRIPES: usize = 1024;

/// How many application documents the runtime keeps after writing or reading ahead (see
/// [`DocumentCache`]): far more than the applications commanded at once, far fewer than are open.
const CACHED_DOCUMENTS: usize = 1024;

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

/// The engine, the store, the catalogue, the calendar and the clock, shared by every RPC.
#[derive(Clone)]
pub struct Runtime {
    store: Store,
    catalogue: Arc<Catalogue>,
    /// The calendar and the store's calendar version it is at least as new as.
    calendar: Arc<std::sync::RwLock<(i64, Arc<Calendar>)>>,
    /// The staffing and the store's staffing version it is at least as new as.
    staffing: Arc<std::sync::RwLock<(i64, Arc<Staffing>)>>,
    policy: WarningPolicy,
    clock: Arc<dyn Clock>,
    manual_clock: Option<Arc<ManualClock>>,
    /// Where branch changes are announced to watchers.
    pub(super) changes: broadcast::Sender<BranchChange>,
    deadlines_changed: Arc<Notify>,
    notifications: Arc<tokio::sync::watch::Sender<u64>>,
    telemetry: Arc<Telemetry>,
    serial: Arc<Vec<tokio::sync::Mutex<()>>>,
    session_policy: SessionPolicy,
    case_policy: CasePolicy,
    /// The documents held for the next command on them.
    pub(super) documents: Arc<DocumentCache>,
    sweeping: Arc<tokio::sync::Mutex<()>>,
    /// Set once the server begins to stop: open streams end and tell their clients to reconnect.
    draining: Arc<tokio::sync::watch::Sender<bool>>,
    /// Wakes the follower of the store's change log after a commit here (see `crate::follow`).
    committed_here: Arc<Notify>,
    /// This process among the replicas: the owner of its deadline claims.
    replica: Arc<str>,
}

impl Runtime {
    /// A runtime over a connected store.
    pub fn new(
        store: Store,
        catalogue: Arc<Catalogue>,
        calendar: Arc<Calendar>,
        (staffing_version, staffing): (i64, Staffing),
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
            calendar: Arc::new(std::sync::RwLock::new((0, calendar))),
            staffing: Arc::new(std::sync::RwLock::new((
                staffing_version,
                Arc::new(staffing),
            ))),
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
            case_policy: CasePolicy::default(),
            documents: Arc::new(DocumentCache::new(CACHED_DOCUMENTS)),
            sweeping: Arc::new(tokio::sync::Mutex::new(())),
            draining: Arc::new(tokio::sync::watch::channel(false).0),
            committed_here: Arc::new(Notify::new()),
            replica: format!("{}-{}", std::process::id(), Uuid::new_v4().simple()).into(),
        }
    }

    /// This process's name among the replicas, unique for its lifetime.
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// Tells the follower of the change log that this process committed a change.
    pub(crate) fn follow_now(&self) {
        self.committed_here.notify_one();
    }

    /// Resolves after this process committed a change (since the last call).
    pub(crate) async fn committed_here(&self) {
        self.committed_here.notified().await;
    }

    /// Tells this process's watchers that a branch changed (any replica's commit, found in the
    /// store's change log).
    pub(crate) fn announce_branch(&self, change: BranchChange) {
        // No receiver is fine: nobody is watching.
        let _ = self.changes.send(change);
    }

    /// The held document of `id`, when it is at least at `version`.
    pub(crate) fn held_document(&self, id: Uuid, version: u64) -> Option<Arc<Application>> {
        self.documents
            .get(id)
            .filter(|application| application.version >= version)
    }

    /// Forgets every held document: the next command on each reads the store.
    pub fn forget_held_documents(&self) {
        self.documents.clear();
    }

    /// Holds a document read from the store.
    pub(crate) fn hold_document(&self, application: Arc<Application>) {
        self.documents.put(application);
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

    /// The same runtime with other case deadlines.
    pub fn with_case_policy(mut self, policy: CasePolicy) -> Self {
        self.case_policy = policy;
        self
    }

    /// How long departments have to answer cases.
    pub fn case_policy(&self) -> CasePolicy {
        self.case_policy
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
        self.calendar.read().expect("calendar lock").1.clone()
    }

    /// Posts and who is away, as they stand now.
    pub fn staffing(&self) -> Arc<Staffing> {
        self.staffing.read().expect("staffing lock").1.clone()
    }

    /// Changes the staffing in memory (the caller has stored the change, which made `version`).
    pub fn update_staffing(&self, version: i64, change: impl FnOnce(&mut Staffing)) {
        let mut guard = self.staffing.write().expect("staffing lock");
        let mut staffing = (*guard.1).clone();
        change(&mut staffing);
        *guard = (guard.0.max(version), Arc::new(staffing));
    }

    /// Replaces the staffing with the one read from the store at `version` (another replica
    /// changed it), unless what is held is newer: a read that began before a change made here
    /// must not undo it.
    pub fn replace_staffing(&self, version: i64, staffing: Staffing) {
        let mut guard = self.staffing.write().expect("staffing lock");
        if version >= guard.0 {
            *guard = (version, Arc::new(staffing));
        }
    }

    /// Replaces the working calendar with the one of the store's `version` (the replica that
    /// reloaded it recounts provisional deadlines), unless what is held is newer.
    pub fn replace_calendar(&self, version: i64, calendar: Calendar) {
        let mut guard = self.calendar.write().expect("calendar lock");
        if version >= guard.0 {
            *guard = (version, Arc::new(calendar));
        }
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

    /// Whether any stream is subscribed to branch changes: with none, the follower need not read
    /// the applications the change log names (a catch-up before listening, a server nobody
    /// watches).
    pub(crate) fn watching_branches(&self) -> bool {
        self.changes.receiver_count() > 0
    }

    /// Subscribes to branch changes.
    pub fn subscribe(&self) -> broadcast::Receiver<BranchChange> {
        self.changes.subscribe()
    }

    /// A receiver that changes whenever notifications were committed.
    pub fn notifications_committed(&self) -> tokio::sync::watch::Receiver<u64> {
        self.notifications.subscribe()
    }

    /// Tells every open stream that the server is stopping.
    pub fn begin_drain(&self) {
        self.draining.send_replace(true);
    }

    /// Resolves once the server has begun to stop (at once if it has).
    pub async fn drained(&self) {
        let mut draining = self.draining.subscribe();
        let _ = draining.wait_for(|stopping| *stopping).await;
    }

    /// Resolves when a commit may have brought an earlier deadline.
    pub async fn deadlines_changed(&self) {
        self.deadlines_changed.notified().await;
    }

    /// Commands on one application (or session) wait for each other in this process, so that
    /// concurrent decisions on it do not all read the same version and retry; the store's version
    /// check still guards against other processes.
    pub(crate) async fn serialise(&self, id: Uuid) -> tokio::sync::MutexGuard<'_, ()> {
        let stripe = (id.as_u128() % SERIAL_STRIPES as u128) as usize;
        self.serial[stripe].lock().await
    }
}
