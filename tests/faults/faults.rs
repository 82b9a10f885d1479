//! The faults: replicas killed with SIGKILL and started again, PostgreSQL stopped and started
//! again, both under load; then the clock moved past the silent deadlines through every replica
//! at once while one of them is killed mid-sweep.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lianban_proto::v1 as pb;
use lianban_tests::cluster::{PrivateCluster, StopMode};

use crate::load::{Ledger, with_retry};
use crate::replicas::Replicas;
use crate::subscribers::Received;
use crate::verify;
use crate::{CLOCK_MOVE_DAYS, CLOCK_START, Options};

/// What a fault was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A replica killed with SIGKILL and started again.
    Kill,
    /// PostgreSQL stopped and started again.
    DatabaseRestart,
}

/// One fault: from when it began to when the system was whole again.
pub struct Window {
    /// What it was.
    pub kind: Kind,
    /// When it began.
    pub began: Instant,
    /// When the killed replica served again, or PostgreSQL accepted connections again.
    pub ended: Instant,
}

/// Starts every replica at once (they migrate one after the other under the database's lock).
pub async fn start_all(replicas: &Arc<Replicas>) {
    let starts: Vec<_> = (0..replicas.len())
        .map(|i| {
            let replicas = Arc::clone(replicas);
            tokio::spawn(async move { replicas.start(i).await })
        })
        .collect();
    for (i, start) in starts.into_iter().enumerate() {
        let took = start.await.expect("replica start");
        println!("replica {i} serving after {:.1} s", took.as_secs_f64());
    }
}

/// The order of the faults: the database restarts spread evenly among the kills.
fn schedule(kills: usize, restarts: usize) -> Vec<Kind> {
    let total = kills + restarts;
    let mut plan = vec![Kind::Kill; total];
    for j in 0..restarts {
        plan[(j + 1) * total / (restarts + 1)] = Kind::DatabaseRestart;
    }
    plan
}

/// Runs the faults, `options.interval` of load before each; the windows they made.
pub async fn inject(
    options: &Options,
    replicas: &Arc<Replicas>,
    cluster: &Arc<PrivateCluster>,
) -> Vec<Window> {
    let mut windows = Vec::new();
    let mut kills = 0;
    let mut restarts = 0;
    for kind in schedule(options.kills, options.db_restarts) {
        tokio::time::sleep(options.interval).await;
        let began = Instant::now();
        match kind {
            Kind::Kill => {
                let victim = kills % replicas.len();
                kills += 1;
                replicas.kill(victim).await;
                let took = replicas.start(victim).await;
                println!(
                    "kill {kills}: replica {victim} killed with SIGKILL, serving again after {:.1} s",
                    took.as_secs_f64()
                );
            }
            Kind::DatabaseRestart => {
                restarts += 1;
                let mode = if restarts % 2 == 1 {
                    StopMode::Fast
                } else {
                    StopMode::Immediate
                };
                let (stopping, down) = (Arc::clone(cluster), options.db_down);
                tokio::task::spawn_blocking(move || {
                    stopping.stop(mode);
                    std::thread::sleep(down);
                    stopping.start();
                })
                .await
                .expect("restart PostgreSQL");
                println!(
                    "database restart {restarts}: PostgreSQL stopped ({mode:?}), started again after {:.1} s",
                    began.elapsed().as_secs_f64()
                );
            }
        }
        windows.push(Window {
            kind,
            began,
            ended: Instant::now(),
        });
    }
    windows
}

fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .expect("a time")
        .to_utc()
}

async fn set_time(
    replicas: &Replicas,
    ledger: &Ledger,
    home: usize,
    to: prost_types::Timestamp,
) -> Option<pb::TimeResponse> {
    with_retry(
        replicas,
        ledger,
        home,
        false,
        "set time",
        |channel| async move {
            pb::admin_service_client::AdminServiceClient::new(channel)
                .set_time(pb::SetTimeRequest { time: Some(to) })
                .await
        },
    )
    .await
}

/// Moves the clock past every silent deadline through every replica at once; with `kill`,
/// replica 0 is killed while the sweeps run and started again. Then sets the time through every
/// replica once more (a clock already there does not move) and waits, at most two minutes, until
/// no joint review runs past its deadline: deadlines the killed replica had claimed wait for its
/// lease to run out. The time it set, and how long after the move the deadlines were settled.
pub async fn move_clock(
    replicas: &Arc<Replicas>,
    ledger: &Arc<Ledger>,
    kill: bool,
) -> (prost_types::Timestamp, Duration) {
    let to = at(CLOCK_START) + chrono::Duration::days(CLOCK_MOVE_DAYS);
    replicas.set_clock_start(&to.to_rfc3339());
    let timestamp = prost_types::Timestamp {
        seconds: to.timestamp(),
        nanos: 0,
    };
    let began = Instant::now();
    let moves: Vec<_> = (0..replicas.len())
        .map(|i| {
            let replicas = Arc::clone(replicas);
            tokio::spawn(async move {
                let mut admin =
                    pb::admin_service_client::AdminServiceClient::new(replicas.channel(i));
                let request = pb::SetTimeRequest {
                    time: Some(timestamp),
                };
                let answer = admin.set_time(request).await;
                (i, answer.map(|a| a.into_inner().deadlines_acted_on))
            })
        })
        .collect();
    if kill {
        tokio::time::sleep(Duration::from_millis(50)).await;
        replicas.kill(0).await;
        let killed_after = began.elapsed();
        let took = replicas.start(0).await;
        println!(
            "kill during the deadline sweeps: replica 0 killed {} ms after the clock moves began, serving again after {:.1} s",
            killed_after.as_millis(),
            took.as_secs_f64()
        );
    }
    for task in moves {
        let (i, answer) = task.await.expect("clock move");
        match answer {
            Ok(acted) => println!("clock moved through replica {i}: {acted} deadlines acted on"),
            Err(status) => println!(
                "clock move through replica {i}: {:?} ({})",
                status.code(),
                status.message()
            ),
        }
    }
    for i in 0..replicas.len() {
        if let Some(answer) = set_time(replicas, ledger, i, timestamp).await {
            println!(
                "clock set again through replica {i}: {} deadlines acted on",
                answer.deadlines_acted_on
            );
        }
    }
    let mut reported = 0;
    loop {
        let applications = verify::list_applications(replicas, ledger, 0).await;
        let left = verify::running_past_deadline(&applications, timestamp.seconds);
        if left == 0 || began.elapsed() > Duration::from_secs(120) {
            break;
        }
        if left != reported {
            println!(
                "{left} joint reviews still running past their deadline {:.1} s after the move",
                began.elapsed().as_secs_f64()
            );
            reported = left;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let settled = began.elapsed();
    println!(
        "passed deadlines settled {:.1} s after the clock move",
        settled.as_secs_f64()
    );
    (timestamp, settled)
}

/// Waits until every subscriber has received notifications up to `latest`, at most 20 s (quick)
/// or 60 s; whether they all did.
pub async fn wait_for_subscribers(
    received: &[Arc<Mutex<Received>>],
    latest: i64,
    quick: bool,
) -> bool {
    let bound = Duration::from_secs(if quick { 20 } else { 60 });
    let began = Instant::now();
    loop {
        let behind = received
            .iter()
            .filter(|r| r.lock().expect("received").last < latest)
            .count();
        if behind == 0 {
            return true;
        }
        if began.elapsed() > bound {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
