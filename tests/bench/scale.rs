//! The scale run: many open applications in the store, the server's memory and submit rate, and
//! the restart that catches up on passed deadlines.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use lianban_proto::v1 as pb;
use tokio::sync::Mutex;
use tonic::transport::Channel;

use crate::Options;
use crate::server::Server;
use crate::workloads::{Shared, approve, company, decide, decision, submit};

/// Scale: `count` open applications in the store, the server's RSS and submit rate; then the
/// deadlines of `--due` of them (all by default) pass while the server is down, and the restart's
/// catch-up is timed.
///
/// With `--due`, the due applications are submitted first; the clock then moves to one second
/// before their registration deadline (the closing time of the next working day) and the rest are
/// submitted, so their deadlines fall a working day later. The server restarts a minute after the
/// first deadline: only the first applications' deadlines have passed. With `--approved`, each
/// application's registration is approved as it is submitted, and the restart comes two months
/// later, when the six branches it started are all past their deadlines.
pub(crate) async fn scale(
    server: Server,
    count: u64,
    options: &Options,
    database_url: &str,
    catalogue: &PathBuf,
) -> Server {
    let due = options.due.unwrap_or(count).min(count);
    let started = Instant::now();
    let (first_deadline, deadlines) =
        submit_open_applications(&server.channel, due, options.approved).await;
    let mut admin = pb::admin_service_client::AdminServiceClient::new(server.channel.clone());
    let now = admin
        .get_time(pb::GetTimeRequest {})
        .await
        .unwrap()
        .into_inner()
        .now
        .unwrap();
    let restart_at = if due < count {
        let deadline = first_deadline.expect("a registration deadline");
        let moved = pb::AdvanceTimeRequest {
            seconds: u64::try_from(deadline.seconds - 1 - now.seconds).expect("deadline ahead"),
        };
        admin.advance_time(moved).await.unwrap();
        submit_open_applications(&server.channel, count - due, false).await;
        deadline.seconds + 60
    } else if options.approved {
        // Two months later: the longest of the six approvals' limits has passed.
        now.seconds + 61 * 86_400
    } else {
        // A month later: every registration deadline (1 working day) has passed.
        now.seconds + 30 * 86_400
    };
    let rate = count as f64 / started.elapsed().as_secs_f64();
    println!(
        "scale: {count} open applications submitted at {rate:.0}/s; server RSS {:.1} MB (peak {:.1} MB)",
        server.rss_mb(),
        server.peak_rss_mb()
    );
    let later = chrono::DateTime::from_timestamp(restart_at, 0)
        .unwrap()
        .to_rfc3339();
    server.stop().await;
    let restarted = Instant::now();
    let fresh = Server::start(&options.server, database_url, catalogue, &later).await;
    let catch_up = restarted.elapsed().as_secs_f64();
    // The CPU the restarted server used until it listened: start-up plus the catch-up. It moves
    // far less between runs than the time does, which waits on the disk's syncs too.
    let cpu = fresh.cpu_seconds();
    println!(
        "scale: restart acting on {deadlines} passed deadlines (of {count} open applications) took {catch_up:.1} s (until the server listened), {cpu:.1} s of server CPU ({:.0} µs per deadline); server RSS after {:.1} MB",
        cpu * 1e6 / deadlines.max(1) as f64,
        fresh.rss_mb()
    );
    fresh
}

/// Submits `count` open 开办企业 applications from 64 tasks, and approves the registration of each
/// when `approve`; the registration deadline of one, and how many deadlines are pending (one per
/// application, or the branches each approval started).
pub(crate) async fn submit_open_applications(
    channel: &Channel,
    count: u64,
    approve: bool,
) -> (Option<prost_types::Timestamp>, u64) {
    let shared = Arc::new(Mutex::new(Shared::default()));
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let workers: Vec<_> = (0..64)
        .map(|_| {
            let (channel, shared, next) = (channel.clone(), Arc::clone(&shared), Arc::clone(&next));
            tokio::spawn(async move {
                let (mut deadline, mut pending) = (None, 0);
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                    let application = submit(&channel, &shared, company()).await;
                    deadline = deadline.or_else(|| registration_deadline(&application));
                    pending += match approve {
                        true => approve_registration(&channel, &shared, &application).await,
                        false => 1,
                    };
                }
                (deadline, pending)
            })
        })
        .collect();
    let (mut deadline, mut pending) = (None, 0);
    for worker in workers {
        let (first, of_worker) = worker.await.unwrap();
        deadline = deadline.or(first);
        pending += of_worker;
    }
    (deadline, pending)
}

/// Approves an application's registration; how many branches that started.
async fn approve_registration(
    channel: &Channel,
    shared: &Mutex<Shared>,
    application: &pb::Application,
) -> u64 {
    let registration = application
        .branches
        .iter()
        .find(|b| b.matter_code == "scjg-qiye-sheli")
        .expect("registration");
    let after = decide(channel, shared, decision(registration, approve())).await;
    let started = after
        .dependants
        .iter()
        .filter(|b| b.state == pb::BranchState::Open as i32);
    started.count() as u64
}

pub(crate) fn registration_deadline(
    application: &pb::Application,
) -> Option<prost_types::Timestamp> {
    application
        .branches
        .iter()
        .find(|b| b.matter_code == "scjg-qiye-sheli")
        .and_then(|b| b.deadline.as_ref())
        .and_then(|d| d.at)
}
