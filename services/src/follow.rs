//! Following the store: what any replica committed reaches this replica — branch changes for
//! `WatchTasks` and `WatchProject`, new notifications for `Subscribe`, the staffing, the calendar
//! and the manual clock.
//!
//! One task per process reads the store's shared versions (one small query) every
//! `follow_milliseconds`, and at once after a commit here. When the change log moved it reads the
//! new entries in commit order and announces each touched branch with its application as of now
//! (held, or read in one query per page), once per application version however many entries name
//! it; with no stream subscribed it only moves its place in the log. Polling rather than
//! PostgreSQL's `LISTEN/NOTIFY`: `NOTIFY` takes a database-wide lock at commit, which serialises
//! every committing transaction, and transaction-mode connection poolers do not carry it; a poll
//! of one indexed table costs a replica a few reads a second.
//!
//! The change log keeps the last [`KEPT_CHANGES`] entries; a replica that falls further behind
//! (stopped for that long) logs the gap, and its streams carry on from where the log begins.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use lianban_orchestrator::Application;
use uuid::Uuid;

use crate::config::CalendarConfig;
use crate::error::Error;
use crate::runtime::{BranchChange, Runtime};
use crate::store::{ChangeRecord, SharedVersions};

/// How many log entries one read takes.
const PAGE: u64 = 500;
/// How many log entries are kept behind the newest.
pub const KEPT_CHANGES: i64 = 100_000;
/// How often (in reads of the versions) the log is trimmed.
const TRIM_EVERY: u32 = 1_000;
/// More announced branches than this and the memory of them starts again.
const REMEMBERED_BRANCHES: usize = 100_000;

/// This replica's place in the shared state.
pub struct Follower {
    runtime: Runtime,
    calendar: CalendarConfig,
    seen: SharedVersions,
    /// The application version each branch was last announced at.
    announced: HashMap<Uuid, u64>,
    reads: u32,
    failing: bool,
}

impl Follower {
    /// A follower that starts from the store as it stands now: later changes are announced.
    pub async fn start(runtime: Runtime, calendar: CalendarConfig) -> Result<Follower, Error> {
        let seen = runtime.store().shared_versions().await?;
        Ok(Follower {
            runtime,
            calendar,
            seen,
            announced: HashMap::new(),
            reads: 0,
            failing: false,
        })
    }

    /// Follows the store every `interval`, and after each commit here, until `stop` resolves.
    pub async fn run(mut self, interval: Duration, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let runtime = self.runtime.clone();
        loop {
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                () = runtime.committed_here() => {}
                () = &mut stop => return,
            }
            match self.catch_up().await {
                Ok(()) if self.failing => {
                    self.failing = false;
                    tracing::info!("following the store again");
                }
                Ok(()) => {}
                Err(error) if !self.failing => {
                    self.failing = true;
                    tracing::warn!(%error, "cannot follow the store; retrying");
                }
                Err(_) => {}
            }
        }
    }

    /// Reads the shared versions and brings this replica up to them.
    pub async fn catch_up(&mut self) -> Result<(), Error> {
        let now = self.runtime.store().shared_versions().await?;
        if now.staffing != self.seen.staffing {
            let (version, staffing) = self.runtime.store().versioned_staffing().await?;
            self.runtime.replace_staffing(version, staffing);
            self.seen.staffing = now.staffing;
            tracing::info!(version = now.staffing, "staffing changed");
        }
        if now.calendar != self.seen.calendar {
            self.reload_calendar().await?;
            self.seen.calendar = now.calendar;
        }
        if let (Some(at), Some(clock)) = (now.manual_clock, self.runtime.manual_clock())
            && clock.catch_up(at)
        {
            self.runtime.wake_timer();
        }
        // Configuration first: a stream that shows a change committed after a staffing or calendar
        // change tells its client that this replica already acts on the new one.
        if now.changes > self.seen.changes {
            self.follow_changes().await?;
        }
        if now.notifications != self.seen.notifications {
            self.runtime.notifications_were_committed();
            self.seen.notifications = now.notifications;
        }
        self.reads = self.reads.wrapping_add(1);
        if self.reads.is_multiple_of(TRIM_EVERY) && self.seen.changes > KEPT_CHANGES {
            self.runtime
                .store()
                .forget_changes_through(self.seen.changes - KEPT_CHANGES)
                .await?;
        }
        Ok(())
    }

    /// Announces every logged change after the last one seen.
    async fn follow_changes(&mut self) -> Result<(), Error> {
        loop {
            let entries = self
                .runtime
                .store()
                .changes_after(self.seen.changes, PAGE)
                .await?;
            let Some(last) = entries.last().map(|entry| entry.position) else {
                return Ok(());
            };
            if entries[0].position > self.seen.changes + 1 {
                tracing::warn!(
                    from = self.seen.changes + 1,
                    to = entries[0].position - 1,
                    "changes were trimmed from the log before this replica read them"
                );
            }
            // Read after the entries: a stream that subscribes later reads its snapshot later
            // still, and finds these changes in it.
            if self.runtime.watching_branches() {
                let documents = self.documents_of(&entries).await?;
                for entry in &entries {
                    if let Some(application) = documents.get(&entry.application_id) {
                        self.announce(application, entry);
                    }
                }
            }
            self.seen.changes = last;
        }
    }

    /// The applications the entries name, as of now: held, or read from the store.
    async fn documents_of(
        &self,
        entries: &[ChangeRecord],
    ) -> Result<HashMap<Uuid, Arc<Application>>, Error> {
        let mut documents = HashMap::new();
        let mut missing = Vec::new();
        for entry in entries {
            match self
                .runtime
                .held_document(entry.application_id, entry.version)
            {
                Some(held) => {
                    let newest = documents
                        .entry(entry.application_id)
                        .or_insert_with(|| Arc::clone(&held));
                    if held.version > newest.version {
                        *newest = held;
                    }
                }
                None => missing.push(entry.application_id),
            }
        }
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            for application in self.runtime.store().applications_by_id(&missing).await? {
                let application = Arc::new(application);
                self.runtime.hold_document(Arc::clone(&application));
                documents.insert(application.id, application);
            }
        }
        Ok(documents)
    }

    /// Tells watchers of each branch the entry touched, unless it was already announced at this
    /// application version.
    fn announce(&mut self, application: &Arc<Application>, entry: &ChangeRecord) {
        if self.announced.len() > REMEMBERED_BRANCHES {
            self.announced.clear();
        }
        for &branch_id in &entry.branch_ids {
            let Some(branch) = application.branch(branch_id) else {
                continue;
            };
            let at = self.announced.entry(branch_id).or_insert(0);
            if *at >= application.version {
                continue;
            }
            *at = application.version;
            self.runtime.announce_branch(BranchChange {
                application: Arc::clone(application),
                branch_id,
                department_code: branch.department_code.clone(),
            });
        }
    }

    /// Builds the calendar from the files another replica published.
    async fn reload_calendar(&self) -> Result<(), Error> {
        let Some((version, files)) = self.runtime.store().calendar_files().await? else {
            return Ok(());
        };
        let calendar = crate::calendar::build(&self.calendar, &files)?;
        let years: Vec<i32> = calendar.covered_years().collect();
        self.runtime.replace_calendar(version, calendar);
        self.runtime.wake_timer();
        tracing::info!(?years, "calendar changed");
        Ok(())
    }
}
