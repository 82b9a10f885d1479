//! The figures of a run, printed as a table, and the verdict.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::Options;
use crate::faults::{Kind, Window};
use crate::load::Ledger;
use crate::verify::{Checks, Delivery};

/// Everything the report reads.
pub struct Report<'a> {
    /// The run's size.
    pub options: &'a Options,
    /// What the clients sent and had acknowledged.
    pub ledger: &'a Ledger,
    /// The checks against the store.
    pub checks: &'a Checks,
    /// Each subscriber's deliveries.
    pub deliveries: &'a [Delivery],
    /// Notifications stored.
    pub notifications: usize,
    /// Whether every subscriber caught up with the last stored notification in time.
    pub caught_up: bool,
    /// How long after the clock move every passed deadline was acted on.
    pub settled: Duration,
    /// The faults.
    pub windows: &'a [Window],
    /// When the load began and ended.
    pub load: (Instant, Instant),
    /// The run's length.
    pub elapsed: Duration,
}

/// The longest time without an acknowledged write: overall, while a replica was down, and while
/// the database was.
fn unavailability(report: &Report) -> (Duration, Duration, Duration) {
    let mut writes = report.ledger.writes.lock().expect("writes").clone();
    writes.sort_unstable();
    let (began, ended) = report.load;
    let mut points = vec![began];
    points.extend(writes.into_iter().filter(|w| *w >= began && *w <= ended));
    points.push(ended);
    let (mut longest, mut kill, mut database) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for pair in points.windows(2) {
        let gap = pair[1] - pair[0];
        longest = longest.max(gap);
        for window in report.windows {
            if window.began < pair[1] && window.ended > pair[0] {
                match window.kind {
                    Kind::Kill => kill = kill.max(gap),
                    Kind::DatabaseRestart => database = database.max(gap),
                }
            }
        }
    }
    (longest, kill, database)
}

/// Prints the figures; whether every invariant held.
pub fn print(report: &Report) -> bool {
    let ledger = report.ledger;
    let checks = report.checks;
    let count = |kind| report.windows.iter().filter(|w| w.kind == kind).count();
    let (longest, kill, database) = unavailability(report);
    let submissions = ledger.submissions.lock().expect("submissions");
    let acknowledged_submissions = submissions.values().filter(|v| v.is_some()).count();
    let decisions = ledger.decisions.lock().expect("decisions").len();
    let lost = checks.lost_applications + checks.lost_decisions;
    let duplicated = checks.duplicate_applications
        + checks.unknown_applications
        + checks.duplicate_receipts
        + checks.decisions_twice;
    let missing: usize = report.deliveries.iter().map(|d| d.missing).sum();
    let repeats: u64 = report.deliveries.iter().map(|d| d.repeats).sum();
    let given_up = ledger.given_up.load(Ordering::Relaxed);
    let refused = ledger.refused.load(Ordering::Relaxed);
    let load_seconds = (report.load.1 - report.load.0).as_secs_f64();
    let rows = [
        (
            "replica kills (SIGKILL) under load".to_owned(),
            count(Kind::Kill).to_string(),
        ),
        (
            "replica kills during the deadline sweeps".to_owned(),
            u8::from(report.options.sweep_kill).to_string(),
        ),
        (
            "database restarts under load".to_owned(),
            count(Kind::DatabaseRestart).to_string(),
        ),
        (
            "client tasks / subscribers".to_owned(),
            format!("{} / {}", report.options.clients, report.deliveries.len()),
        ),
        ("load duration".to_owned(), format!("{load_seconds:.1} s")),
        (
            "writes acknowledged (submissions + decisions)".to_owned(),
            format!(
                "{} ({acknowledged_submissions} + {decisions})",
                ledger.acknowledged.load(Ordering::Relaxed)
            ),
        ),
        (
            "attempts sent again to another replica".to_owned(),
            ledger.retries.load(Ordering::Relaxed).to_string(),
        ),
        (
            "INTERNAL answers (retried)".to_owned(),
            ledger.internal.load(Ordering::Relaxed).to_string(),
        ),
        (
            "calls never acknowledged / refused".to_owned(),
            format!("{given_up} / {refused}"),
        ),
        (
            "applications stored".to_owned(),
            checks.applications.to_string(),
        ),
        ("acknowledged writes lost".to_owned(), lost.to_string()),
        (
            "duplicated (applications, receipts, decisions)".to_owned(),
            duplicated.to_string(),
        ),
        (
            "deadlines passed / acted on".to_owned(),
            format!(
                "{} / {}",
                checks.deadlines_passed, checks.deadlines_acted_on
            ),
        ),
        (
            "passed deadlines all acted on, after the clock move".to_owned(),
            format!("{:.1} s", report.settled.as_secs_f64()),
        ),
        (
            "deadlines acted on twice / missed".to_owned(),
            format!("{} / {}", checks.deadlines_twice, checks.deadlines_missed),
        ),
        (
            "audit chains verified / broken".to_owned(),
            format!(
                "{} / {}",
                checks.applications - checks.broken_chains,
                checks.broken_chains
            ),
        ),
        (
            "notifications stored".to_owned(),
            report.notifications.to_string(),
        ),
        (
            "notifications received per subscriber (resubscriptions)".to_owned(),
            report
                .deliveries
                .iter()
                .map(|d| format!("{} ({})", d.received, d.resubscribed))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "notifications missed / received twice (all subscribers)".to_owned(),
            format!("{missing} / {repeats}"),
        ),
        (
            "longest unavailability (no write acknowledged)".to_owned(),
            format!("{:.2} s", longest.as_secs_f64()),
        ),
        (
            "  … around a replica kill / a database restart".to_owned(),
            format!(
                "{:.2} s / {:.2} s",
                kill.as_secs_f64(),
                database.as_secs_f64()
            ),
        ),
        (
            "run time".to_owned(),
            format!("{:.1} s", report.elapsed.as_secs_f64()),
        ),
    ];
    println!("| figure | value |");
    println!("|---|---|");
    for (figure, value) in rows {
        println!("| {figure} | {value} |");
    }
    let delivered = missing == 0 && repeats == 0 && report.caught_up;
    let passed = checks.passed() && delivered && given_up == 0 && refused == 0;
    for problem in &checks.problems {
        println!("problem: {problem}");
    }
    for sample in ledger.samples.lock().expect("samples").iter() {
        println!("error seen: {sample}");
    }
    if !report.caught_up {
        println!("problem: a subscriber did not catch up with the last stored notification");
    }
    println!(
        "{}",
        if passed {
            "every invariant held"
        } else {
            "FAILED: an invariant did not hold"
        }
    );
    passed
}
