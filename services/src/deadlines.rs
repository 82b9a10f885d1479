//! Acting on deadlines: deemed consent for a silent joint review, escalation for an overdue
//! approval — each exactly once.
//!
//! There is no scan of every branch. The store keeps the pending deadlines in an index; the timer
//! sleeps until the earliest of them (or until a commit brings an earlier one), acts on everything
//! due, and sleeps again. A cron schedule adds a safety sweep, and the server sweeps once before it
//! listens, catching up with every deadline that passed while it was down. Acting twice is
//! harmless: the engine turns a deadline that was already acted on into no change, and the
//! store's version check lets only one of two racing sweeps commit.
//!
//! Several replicas sweep the same store: each claims a batch of due deadlines for a lease
//! ([`LEASE`], wall-clock time) before acting on them (`store::leases`), so that no two replicas
//! work on the same rows at once; a claim that is not acted on (the replica died) runs out and
//! the next sweep of any replica takes it over. The manual clock and the calendar are the
//! store's, shared by every replica (`crate::follow` brings the others up to a move or reload).

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lianban_orchestrator::Command;
use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinSet};
use uuid::Uuid;

use crate::error::Error;
use crate::runtime::Runtime;
use crate::store::Claim;

/// How many due branches one store query fetches.
const BATCH: u64 = 1024;
/// How many deadlines a sweep acts on at once: the store's writer takes every change waiting (up
/// to 256) into one transaction, so this many keep it fed while it syncs the one before (acting
/// on them one after another paid a transaction each).
const IN_FLIGHT: usize = 256;
/// How many applications of due deadlines are read in one query ahead of acting on them.
const PREFETCH: usize = 128;
/// How many deadlines read ahead wait to be acted on. A document read ahead goes into the
/// runtime's document cache, which keeps at least the last 512 put in it; with these sizes nearly
/// every one is still there when its command runs, and one that is not is read by the command.
const WAITING: usize = 64;
/// How long a replica's claim on due deadlines holds: far longer than acting on a batch takes,
/// short enough that another replica soon takes over the claims of one that died.
const LEASE: Duration = Duration::from_secs(60);
/// How long the timer waits when something is due that it could not act on.
const IDLE_RETRY: Duration = Duration::from_secs(1);
/// The longest the timer sleeps without looking again.
const LONGEST_SLEEP: Duration = Duration::from_secs(3600);

/// Acts on every deadline that has passed by now, on every session left open past its end and
/// grace period, and on every case left unanswered past its deadline; returns how many branches,
/// sessions and cases changed.
pub async fn sweep(runtime: &Runtime) -> Result<u32, Error> {
    let _only_sweep = runtime.sweeping().await;
    sweep_now(runtime).await
}

/// Moves the manual clock to `to` and sweeps at the new time. No other sweep runs from before the
/// move to the end of this one, so what became due is acted on, and counted, by this sweep.
pub async fn move_clock_and_sweep(
    runtime: &Runtime,
    clock: &crate::runtime::ManualClock,
    to: impl FnOnce(DateTime<Utc>) -> Result<DateTime<Utc>, Error>,
) -> Result<u32, Error> {
    let _only_sweep = runtime.sweeping().await;
    // Start from where the shared clock stands: another replica may have moved it since.
    if let Some(shared) = runtime.store().shared_versions().await?.manual_clock {
        clock.catch_up(shared);
    }
    let to = clock.set(to(runtime.now())?, runtime.calendar().zone())?;
    clock.catch_up(runtime.store().advance_manual_clock(to).await?);
    sweep_now(runtime).await
}

/// The sweep itself; the caller holds the sweep lock. Claiming and reading ahead run in a task of
/// their own while the deadlines already read are acted on, so the store's writer is never left
/// idle waiting for the next read, and never drained between batches. A round that changed
/// anything is followed by another: what it committed may have made more due by `now`.
async fn sweep_now(runtime: &Runtime) -> Result<u32, Error> {
    let now = runtime.now();
    let mut acted = crate::sessions::sweep(runtime, &claim(runtime, now, BATCH)).await?;
    acted += crate::cases::sweep(runtime, &claim(runtime, now, BATCH)).await?;
    // A branch acted on may be due again (its deadline moved, or the commit failed and the claim
    // ran out): once per sweep is enough.
    let mut seen = HashSet::new();
    loop {
        let (due, read) = mpsc::channel(WAITING);
        let reader = tokio::spawn(read_due_deadlines(runtime.clone(), now, seen, due));
        let round = act_on_deadlines(runtime, read).await;
        seen = match reader.await {
            Ok(read) => read?,
            Err(error) => {
                return Err(Error::Server(format!(
                    "reading due deadlines failed: {error}"
                )));
            }
        };
        acted += round;
        if round == 0 {
            return Ok(acted);
        }
    }
}

/// Claims what is due at `now`, batch after batch until nothing is left that is not in `seen`,
/// reads the applications of each [`PREFETCH`] deadlines into the runtime's document cache, and
/// hands the deadlines on; returns `seen` with them added. Stops early when the acting side is
/// gone.
///
/// The next claim starts as soon as a batch is claimed, and waits for the store (on SQLite, for
/// the write lock the writer holds batch after batch) while this batch is handed on: claimed one
/// after the other, the acting side ran dry at every claim. The leases keep the two claims apart.
/// The next claim starts only after a batch with new deadlines, so none is left running when the
/// loop ends.
async fn read_due_deadlines(
    runtime: Runtime,
    now: DateTime<Utc>,
    mut seen: HashSet<(Uuid, Uuid)>,
    due: mpsc::Sender<(Uuid, Uuid)>,
) -> Result<HashSet<(Uuid, Uuid)>, Error> {
    let mut next = start_claim(&runtime, now);
    loop {
        let claimed = match next.await {
            Ok(claimed) => claimed?,
            Err(error) => return Err(Error::Server(format!("claiming failed: {error}"))),
        };
        let fresh: Vec<_> = claimed
            .into_iter()
            .filter(|pair| seen.insert(*pair))
            .collect();
        if fresh.is_empty() {
            return Ok(seen);
        }
        next = start_claim(&runtime, now);
        let handed_on = hand_on(&runtime, &fresh, &due).await;
        if !handed_on {
            // What the claim running now takes waits for its lease to run out, as after a crash.
            return Ok(seen);
        }
    }
}

/// Claims a batch of what is due at `now` in a task of its own.
fn start_claim(
    runtime: &Runtime,
    now: DateTime<Utc>,
) -> tokio::task::JoinHandle<Result<Vec<(Uuid, Uuid)>, crate::store::StoreError>> {
    let runtime = runtime.clone();
    tokio::spawn(async move {
        let claimed = claim(&runtime, now, BATCH);
        runtime.store().claim_due_branches(&claimed).await
    })
}

/// Reads ahead the applications of `deadlines`, [`PREFETCH`] at a time, and hands each deadline
/// on; false when the acting side is gone.
async fn hand_on(
    runtime: &Runtime,
    deadlines: &[(Uuid, Uuid)],
    due: &mpsc::Sender<(Uuid, Uuid)>,
) -> bool {
    for chunk in deadlines.chunks(PREFETCH) {
        let ids: Vec<Uuid> = chunk
            .iter()
            .map(|(application_id, _)| *application_id)
            .collect();
        if let Err(error) = runtime.hold_documents(&ids).await {
            // Each command reads its application itself then.
            tracing::warn!(%error, "could not read ahead the applications of due deadlines");
        }
        for pair in chunk {
            if due.send(*pair).await.is_err() {
                return false;
            }
        }
    }
    true
}

/// A claim by this replica on what is due at `now`, for a lease from the wall clock's now.
fn claim(runtime: &Runtime, now: DateTime<Utc>, limit: u64) -> Claim<'_> {
    let wall_now = Utc::now();
    Claim {
        owner: runtime.replica(),
        due_by: now,
        wall_now,
        lease_until: wall_now + LEASE,
        limit,
    }
}

/// Acts on each (application, branch) deadline as it comes, [`IN_FLIGHT`] at a time; returns how
/// many changed anything. A deadline that fails is logged and left for the next sweep.
async fn act_on_deadlines(runtime: &Runtime, mut due: mpsc::Receiver<(Uuid, Uuid)>) -> u32 {
    let mut tasks = JoinSet::new();
    let mut acted = 0;
    while let Some((application_id, branch_id)) = due.recv().await {
        if tasks.len() >= IN_FLIGHT {
            acted += u32::from(tasks.join_next().await.is_some_and(changed));
        }
        let runtime = runtime.clone();
        tasks.spawn(async move {
            let command = Command::DeadlinePassed { branch_id };
            let outcome = runtime.execute_system(application_id, command).await;
            (application_id, branch_id, outcome)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        acted += u32::from(changed(joined));
    }
    acted
}

/// Whether one deadline's command changed anything, logging what happened.
fn changed(joined: Result<(Uuid, Uuid, Result<bool, Error>), JoinError>) -> bool {
    match joined {
        Ok((application_id, branch_id, Ok(true))) => {
            tracing::info!(%application_id, %branch_id, "deadline acted on");
            true
        }
        Ok((_, _, Ok(false))) => false,
        Ok((application_id, branch_id, Err(error))) => {
            tracing::error!(%application_id, %branch_id, %error, "deadline could not be acted on");
            false
        }
        Err(error) => {
            tracing::error!(%error, "a deadline task failed");
            false
        }
    }
}

/// The schedules the timer keeps besides the deadlines themselves.
#[derive(Clone)]
pub struct Schedules {
    /// The safety sweep.
    pub sweep: cron::Schedule,
    /// The daily overdue digest, in the centre's time zone.
    pub digest: cron::Schedule,
}

/// Runs the timer until `shutdown` resolves: sleep until the next deadline, safety sweep or
/// digest, then act on what is due.
pub async fn run_timer(
    runtime: Runtime,
    schedules: Schedules,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let acted = sweep(&runtime).await.unwrap_or_else(|error| {
            tracing::error!(%error, "deadline sweep failed");
            0
        });
        if let Err(error) = digest_if_due(&runtime, &schedules.digest).await {
            tracing::error!(%error, "overdue digest failed");
        }
        let wait = match next_wake(&runtime, &schedules).await {
            // Due already, yet this sweep changed nothing: another replica holds the claims (or
            // acting failed); look again shortly rather than at once.
            Ok(at) if at <= runtime.now() && acted == 0 => IDLE_RETRY,
            Ok(at) => (at - runtime.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(LONGEST_SLEEP),
            Err(error) => {
                tracing::error!(%error, "cannot read the next deadline");
                Duration::from_secs(1)
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = runtime.deadlines_changed() => {}
            () = &mut shutdown => return,
        }
    }
}

/// The earliest of the next pending deadline, the next safety sweep and the next digest.
async fn next_wake(runtime: &Runtime, schedules: &Schedules) -> Result<DateTime<Utc>, Error> {
    let now = runtime.now();
    let sweep = schedules
        .sweep
        .after(&now)
        .next()
        .unwrap_or(now + chrono::Duration::hours(1));
    let digest = next_digest(runtime, &schedules.digest).unwrap_or(sweep);
    let deadline = runtime.store().next_pending_deadline().await?;
    let session = runtime.store().next_session_close_due().await?;
    // A case turns overdue just after its deadline.
    let case = runtime
        .store()
        .next_case_due()
        .await?
        .map(|due| due + chrono::Duration::seconds(1));
    Ok([Some(sweep), Some(digest), deadline, session, case]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(sweep))
}

/// Reloads the calendar from its configuration and moves every provisional deadline of a running
/// branch to its value under the new calendar; returns how many moved.
pub async fn reload_calendar(
    runtime: &Runtime,
    config: &crate::config::CalendarConfig,
) -> Result<u32, Error> {
    let files = crate::calendar::files(config)?;
    let calendar = crate::calendar::build(config, &files)?;
    let years: Vec<i32> = calendar.covered_years().collect();
    // Published before it is used here, so that every replica soon works on the same calendar.
    // Unchanged files keep the version held: the same calendar, rebuilt.
    let version = match runtime.store().publish_calendar_files(&files).await? {
        Some(version) => version,
        None => runtime.store().shared_versions().await?.calendar,
    };
    runtime.replace_calendar(version, calendar);
    tracing::info!(?years, "calendar reloaded");
    let mut moved = 0;
    for (application_id, branch_id) in runtime.store().provisional_branches().await? {
        if runtime
            .execute_system(application_id, Command::RecountDeadline { branch_id })
            .await?
        {
            moved += 1;
        }
    }
    Ok(moved)
}

/// Writes today's overdue digest once today's scheduled time has come (on working days only).
pub async fn digest_if_due(runtime: &Runtime, schedule: &cron::Schedule) -> Result<bool, Error> {
    let calendar = runtime.calendar();
    let now = runtime.now().with_timezone(&calendar.zone());
    let today = now.date_naive();
    let Some(midnight) = today
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(calendar.zone()).earliest())
    else {
        return Ok(false);
    };
    let due = schedule
        .after(&(midnight - chrono::Duration::seconds(1)))
        .next()
        .is_some_and(|fire| fire.date_naive() == today && fire <= now);
    if !due
        || runtime
            .store()
            .digest(Some(&today.to_string()))
            .await?
            .is_some()
    {
        return Ok(false);
    }
    // The day and time found due: a clock move since must not make this another day's digest.
    crate::supervision::write_digest(runtime, now.with_timezone(&Utc)).await
}

/// The next time the digest schedule fires, in UTC.
fn next_digest(runtime: &Runtime, schedule: &cron::Schedule) -> Option<DateTime<Utc>> {
    let zone = runtime.calendar().zone();
    schedule
        .after(&runtime.now().with_timezone(&zone))
        .next()
        .map(|at| at.with_timezone(&Utc))
}
