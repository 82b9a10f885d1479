//! `lianban-faults`: the fault test. It starts its own PostgreSQL and three `lianban-server`
//! replicas on one database (separate processes, manual clock), puts load on them over gRPC,
//! kills replicas with SIGKILL and starts them again, stops PostgreSQL and starts it again under
//! the load, moves the clock past the deadlines of silent joint reviews through every replica at
//! once while one of them is killed, and then checks, over gRPC, that every acknowledged write is
//! there, nothing exists twice, every passed deadline was acted on exactly once, every audit chain
//! verifies and every subscriber received every notification exactly once. It prints the figures
//! and exits non-zero when an invariant fails. `RELIABILITY.md` explains the method and keeps the
//! figures of a full run.
//!
//! `--quick` is the size CI runs (`cargo faults-quick`, against the debug server); without it the
//! run is full size (10 kills, 2 database restarts). `--server PATH` picks the binary (default
//! `target/release/lianban-server`); `--kills N`, `--db-restarts N`, `--clients N` and
//! `--subscribers N` override the size; `--sweep-kill` adds the kill during the deadline sweeps
//! to the quick run.

mod faults;
mod load;
mod replicas;
mod report;
mod subscribers;
mod verify;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lianban_tests::cluster::PrivateCluster;

use crate::load::Ledger;
use crate::replicas::Replicas;
use crate::subscribers::Received;

/// The manual clock's start: a Monday morning in Beijing.
const CLOCK_START: &str = "2026-03-02T01:00:00Z";
/// How far the clock moves at the end: past every joint review's five working days.
const CLOCK_MOVE_DAYS: i64 = 14;
/// How many replicas.
const REPLICAS: usize = 3;

/// The run's size.
pub struct Options {
    quick: bool,
    server: PathBuf,
    kills: usize,
    db_restarts: usize,
    clients: usize,
    subscribers: usize,
    /// Load between two faults.
    interval: Duration,
    /// How long PostgreSQL stays down.
    db_down: Duration,
    /// Whether a replica is killed during the deadline sweeps (its claims then wait for their
    /// lease to run out, a minute, so the quick run leaves it out unless `--sweep-kill`).
    sweep_kill: bool,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let number = |flag: &str, default: usize| {
        value(flag)
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("{flag} wants a number, not {v}"))
            })
            .unwrap_or(default)
    };
    let quick = args.iter().any(|a| a == "--quick");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    Options {
        quick,
        server: value("--server")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/release/lianban-server")),
        kills: number("--kills", if quick { 2 } else { 10 }),
        db_restarts: number("--db-restarts", if quick { 1 } else { 2 }),
        clients: number("--clients", if quick { 6 } else { 12 }),
        subscribers: number("--subscribers", REPLICAS),
        interval: Duration::from_secs(if quick { 2 } else { 4 }),
        db_down: Duration::from_secs(if quick { 1 } else { 3 }),
        sweep_kill: !quick || args.iter().any(|a| a == "--sweep-kill"),
    }
}

#[tokio::main]
async fn main() {
    let options = options();
    if !options.server.is_file() {
        eprintln!(
            "lianban-faults: {} not found; build it first: cargo build --release -p lianban-services --bin lianban-server",
            options.server.display()
        );
        std::process::exit(2);
    }
    let passed = run(&options).await;
    std::process::exit(if passed { 0 } else { 1 });
}

/// The whole run; whether every invariant held.
async fn run(options: &Options) -> bool {
    let began = Instant::now();
    let work = tempfile::Builder::new()
        .prefix("lianban-faults-")
        .tempdir()
        .expect("temp folder");
    let cluster = Arc::new(
        tokio::task::spawn_blocking(PrivateCluster::start_new)
            .await
            .expect("start PostgreSQL"),
    );
    let database_url = cluster.create_database("lianban").await;
    let catalogue = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../services/catalogue");
    let replicas = Arc::new(Replicas::new(
        &options.server,
        &database_url,
        &catalogue,
        work.path(),
        REPLICAS,
        CLOCK_START,
    ));
    println!(
        "# Lianban fault test — {} replicas of {} on one PostgreSQL ({})",
        REPLICAS,
        options.server.display(),
        if options.quick { "quick" } else { "full" }
    );
    faults::start_all(&replicas).await;

    let received: Vec<Arc<Mutex<Received>>> = (0..options.subscribers)
        .map(|_| Arc::new(Mutex::new(Received::default())))
        .collect();
    let listeners: Vec<_> = received
        .iter()
        .enumerate()
        .map(|(home, received)| {
            tokio::spawn(subscribers::subscriber(
                Arc::clone(&replicas),
                home,
                Arc::clone(received),
            ))
        })
        .collect();

    let ledger = Arc::new(Ledger::default());
    let stop = Arc::new(AtomicBool::new(false));
    let load_began = Instant::now();
    let clients: Vec<_> = (0..options.clients)
        .map(|home| {
            tokio::spawn(load::client(
                Arc::clone(&replicas),
                Arc::clone(&ledger),
                home,
                Arc::clone(&stop),
            ))
        })
        .collect();
    let windows = faults::inject(options, &replicas, &cluster).await;
    tokio::time::sleep(options.interval).await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.expect("client task");
    }
    let load_ended = Instant::now();

    let (now, settled) = faults::move_clock(&replicas, &ledger, options.sweep_kill).await;
    let stored = verify::read_back(&replicas, &ledger).await;
    let checks = verify::check(&ledger, &stored, now.seconds);
    let latest = stored.notifications.last().copied().unwrap_or(0);
    let caught_up = faults::wait_for_subscribers(&received, latest, options.quick).await;
    for listener in &listeners {
        listener.abort();
    }
    let deliveries: Vec<verify::Delivery> = received
        .iter()
        .map(|r| verify::delivery(&r.lock().expect("received"), &stored.notifications))
        .collect();
    let passed = report::print(&report::Report {
        options,
        ledger: &ledger,
        checks: &checks,
        deliveries: &deliveries,
        notifications: stored.notifications.len(),
        caught_up,
        settled,
        windows: &windows,
        load: (load_began, load_ended),
        elapsed: began.elapsed(),
    });
    replicas.stop_all().await;
    if !passed {
        let kept = work.keep();
        eprintln!("lianban-faults: replica logs kept in {}", kept.display());
        eprintln!(
            "lianban-faults: PostgreSQL log tail:\n{}",
            tail(&cluster.log(), 40)
        );
    }
    drop(cluster);
    passed
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
