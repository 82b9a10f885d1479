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
//! (`LEASE`, wall-clock time) before acting on them (`store::leases`), so that no two replicas
//! work on the same rows at once; a claim that is not acted on (the replica died) runs out and
//! the next sweep of any replica takes it over. A change acting on a claimed deadline acts on the
//! application's other due ones too, claimed or not (one read, one write and one commit for all of
//! them); should another replica act on one of them at the same time, the version check lets one
//! change commit and the other finds nothing left to do. The manual clock and the calendar are the
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
/// How many applications a sweep acts on at once, each with its due deadlines in one change: the
/// store's writer takes every change waiting (up to 256) into one transaction, so this many keep
/// it fed while it syncs the one before (acting on them one after another paid a transaction
/// each).
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
/// reads the applications of each [`PREFETCH`] of them into the runtime's document cache, and
/// hands on each application's deadlines together; returns `seen` with them added. Stops early
/// when the acting side is gone.
///
/// A claim waits until the batch before it is handed on. Started earlier, on SQLite it waited
/// for the write lock the writer holds batch after batch while holding the pool's one
/// connection, so the reads ahead waited behind it; it bought nothing measurable
/// (BENCHMARKS.md).
async fn read_due_deadlines(
    runtime: Runtime,
    now: DateTime<Utc>,
    mut seen: HashSet<(Uuid, Uuid)>,
    due: mpsc::Sender<Due>,
) -> Result<HashSet<(Uuid, Uuid)>, Error> {
    loop {
        let claimed = claim(&runtime, now, BATCH);
        let claimed = runtime.store().claim_due_branches(&claimed).await?;
        let fresh: Vec<_> = claimed
            .into_iter()
            .filter(|pair| seen.insert(*pair))
            .collect();
        if fresh.is_empty() || !hand_on(&runtime, by_application(&fresh), &due).await {
            return Ok(seen);
        }
    }
}

/// The due deadlines of one application: acted on in one change.
struct Due {
    application_id: Uuid,
    branch_ids: Vec<Uuid>,
}

/// The deadlines of `pairs` grouped by application, in the order each application first comes.
fn by_application(pairs: &[(Uuid, Uuid)]) -> Vec<Due> {
    let mut groups: Vec<Due> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for &(application_id, branch_id) in pairs {
        let at = *index.entry(application_id).or_insert_with(|| {
            groups.push(Due {
                application_id,
                branch_ids: Vec::new(),
            });
            groups.len() - 1
        });
        groups[at].branch_ids.push(branch_id);
    }
    groups
}

/// Reads ahead the applications of `deadlines`, [`PREFETCH`] at a time, and hands them on; false
/// when the acting side is gone.
async fn hand_on(runtime: &Runtime, deadlines: Vec<Due>, due: &mpsc::Sender<Due>) -> bool {
    let mut deadlines = deadlines.into_iter().peekable();
    while deadlines.peek().is_some() {
        let chunk: Vec<Due> = deadlines.by_ref().take(PREFETCH).collect();
        let ids: Vec<Uuid> = chunk.iter().map(|group| group.application_id).collect();
        if let Err(error) = runtime.hold_documents(&ids).await {
            // Each command reads its application itself then.
            tracing::warn!(%error, "could not read ahead the applications of due deadlines");
        }
        for group in chunk {
            if due.send(group).await.is_err() {
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

/// Acts on the due deadlines of each application as they come, one change per application and
/// [`IN_FLIGHT`] applications at a time; returns how many branches changed. A deadline that fails
/// is logged and left for the next sweep.
async fn act_on_deadlines(runtime: &Runtime, mut due: mpsc::Receiver<Due>) -> u32 {
    let mut tasks = JoinSet::new();
    let mut acted = 0;
    while let Some(group) = due.recv().await {
        if tasks.len() >= IN_FLIGHT {
            acted += tasks.join_next().await.map_or(0, changed);
        }
        let runtime = runtime.clone();
        tasks.spawn(async move { act_on_application(&runtime, group).await });
    }
    while let Some(joined) = tasks.join_next().await {
        acted += changed(joined);
    }
    acted
}

/// Acts on one application's due deadlines together, with any other of its deadlines due by now
/// (another batch's, or no claim's: acting on a deadline twice changes nothing); when that fails
/// (one of them is refused, say), on each claimed one alone, so that one deadline does not hold
/// back the others. Answers each command's outcome.
async fn act_on_application(runtime: &Runtime, group: Due) -> Acted {
    let Due {
        application_id,
        branch_ids,
    } = group;
    match runtime.execute_deadlines(application_id, &branch_ids).await {
        Ok(changed) => vec![(application_id, branch_ids, Ok(changed))],
        Err(error) => {
            tracing::warn!(%application_id, %error, "acting on deadlines one by one");
            let mut outcomes = Vec::with_capacity(branch_ids.len());
            for branch_id in branch_ids {
                let command = Command::DeadlinePassed { branch_id };
                let outcome = runtime.execute_system(application_id, command).await;
                outcomes.push((application_id, vec![branch_id], outcome.map(usize::from)));
            }
            outcomes
        }
    }
}

/// What acting on an application's deadlines did: (application, branches, how many of them
/// changed) for each command.
type Acted = Vec<(Uuid, Vec<Uuid>, Result<usize, Error>)>;

/// How many branches the commands on one application changed, logging what happened.
fn changed(joined: Result<Acted, JoinError>) -> u32 {
    let outcomes = match joined {
        Ok(outcomes) => outcomes,
        Err(error) => {
            tracing::error!(%error, "a deadline task failed");
            return 0;
        }
    };
    let mut changed = 0;
    for (application_id, branch_ids, outcome) in outcomes {
        match outcome {
            Ok(0) => {}
            Ok(branches) => {
                tracing::info!(%application_id, ?branch_ids, branches, "deadlines acted on");
                changed += u32::try_from(branches).unwrap_or(u32::MAX);
            }
            Err(error) => {
                tracing::error!(
                    %application_id, ?branch_ids, %error, "deadlines could not be acted on"
                );
            }
        }
    }
    changed
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
    if !due || runtime.store().has_digest(&today.to_string()).await? {
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
