//! Acting on deadlines: deemed consent for a silent joint review, escalation for an overdue
//! approval — each exactly once.
//!
//! There is no scan of every branch. The store keeps the pending deadlines in an index; the timer
//! sleeps until the earliest of them (or until a commit brings an earlier one), acts on everything
//! due, and sleeps again. A cron schedule adds a safety sweep, and the server sweeps once before it
//! listens, catching up with every deadline that passed while it was down. Acting twice is
//! harmless: the engine turns a deadline that was already acted on into no change, and the
//! store's version check lets only one of two racing sweeps commit.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lianban_orchestrator::Command;

use crate::error::Error;
use crate::runtime::Runtime;

/// How many due branches one store query fetches.
const BATCH: u64 = 256;
/// The longest the timer sleeps without looking again.
const LONGEST_SLEEP: Duration = Duration::from_secs(3600);

/// Acts on every deadline that has passed by now; returns how many branches changed.
pub async fn sweep(runtime: &Runtime) -> Result<u32, Error> {
    let now = runtime.now();
    let mut seen = HashSet::new();
    let mut acted = 0;
    loop {
        let due = runtime.store().due_branches(now, BATCH).await?;
        let fresh: Vec<_> = due.into_iter().filter(|pair| seen.insert(*pair)).collect();
        if fresh.is_empty() {
            return Ok(acted);
        }
        for (application_id, branch_id) in fresh {
            match runtime
                .execute_system(application_id, Command::DeadlinePassed { branch_id })
                .await
            {
                Ok(true) => {
                    acted += 1;
                    tracing::info!(%application_id, %branch_id, "deadline acted on");
                }
                Ok(false) => {}
                Err(error) => {
                    tracing::error!(%application_id, %branch_id, %error, "deadline could not be acted on")
                }
            }
        }
    }
}

/// Runs the timer until `shutdown` resolves: sleep until the next deadline or safety sweep, sweep.
pub async fn run_timer(
    runtime: Runtime,
    schedule: cron::Schedule,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        if let Err(error) = sweep(&runtime).await {
            tracing::error!(%error, "deadline sweep failed");
        }
        let wait = match next_wake(&runtime, &schedule).await {
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

/// The earlier of the next pending deadline and the next safety sweep.
async fn next_wake(runtime: &Runtime, schedule: &cron::Schedule) -> Result<DateTime<Utc>, Error> {
    let now = runtime.now();
    let sweep = schedule
        .after(&now)
        .next()
        .unwrap_or(now + chrono::Duration::hours(1));
    let deadline = runtime.store().next_pending_deadline().await?;
    Ok(deadline.map_or(sweep, |deadline| deadline.min(sweep)))
}
