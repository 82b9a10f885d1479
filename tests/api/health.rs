//! Honest health: readiness reads NOT_SERVING while PostgreSQL is stopped and SERVING again once
//! it is back, by itself; meanwhile calls are answered promptly with `UNAVAILABLE` /
//! `STORE_UNAVAILABLE`, never `INTERNAL`, and the server serves writes again without a restart.
//!
//! The outage runs on PostgreSQL only, on a cluster private to the test (the shared one is never
//! stopped). A SQLite store is a file the server opens itself: it has no server to go away, so the
//! embedded backend is checked only for a probe that keeps every service SERVING.
//!
//! With `probe_listen` set, the same statuses are read in plaintext on that loopback address,
//! where nothing but health is served, and they turn NOT_SERVING with the drain there too.

use std::time::{Duration, Instant};

use lianban_proto::v1 as pb;
use lianban_services::Config;
use lianban_services::health::SERVICES;
use lianban_services::store::StoreConfig;
use lianban_tests::cluster::{PrivateCluster, StopMode};
use lianban_tests::{Backend, TestDatabase, TestServer};
use tonic::Code;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

use crate::on_every_backend;
use crate::support::{COMPANY_MATERIALS, Refusal, company, health_turns};

on_every_backend!(
    every_service_reads_serving_while_the_store_answers_and_a_watch_ends_with_the_server,
    the_probe_listener_answers_health_alone_in_plaintext_and_turns_with_the_drain
);

/// A probe every 50 ms, given 500 ms to answer, and calls that wait at most a second for a
/// connection: the test sees each change within a few seconds.
fn quick(database_url: String) -> Config {
    Config {
        database_url,
        store: StoreConfig {
            acquire_timeout_ms: 1_000,
            health_interval_ms: 50,
            health_timeout_ms: 500,
        },
        ..Config::default()
    }
}

/// The longest the test waits for health to change or a call to be answered.
const PATIENCE: Duration = Duration::from_secs(20);

async fn check(channel: Channel, service: &str) -> ServingStatus {
    let answer = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .expect("health answers")
        .into_inner();
    ServingStatus::try_from(answer.status).expect("a known status")
}

/// Reads the health stream until it says `wanted`; fails after [`PATIENCE`].
async fn until(watch: &mut tonic::Streaming<HealthCheckResponse>, wanted: ServingStatus) {
    let reached = health_turns(watch, wanted, PATIENCE).await;
    assert!(reached, "health did not turn {wanted:?}");
}

async fn every_service_reads_serving_while_the_store_answers_and_a_watch_ends_with_the_server(
    backend: Backend,
) {
    let database = TestDatabase::create(backend).await;
    let server = TestServer::start_with(quick(database.url.clone()))
        .await
        .expect("starts");
    let mut watch = HealthClient::new(server.channel().await)
        .watch(HealthCheckRequest::default())
        .await
        .expect("watching")
        .into_inner();
    until(&mut watch, ServingStatus::Serving).await;
    // Calls in between give the probe its turns on the same store.
    for _ in 0..3 {
        server
            .intake()
            .await
            .submit_application(company(&COMPANY_MATERIALS))
            .await
            .expect("accepted");
    }
    for service in SERVICES {
        let mut watch = HealthClient::new(server.channel().await)
            .watch(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await
            .expect("watching")
            .into_inner();
        until(&mut watch, ServingStatus::Serving).await;
    }
    // Stopping: the open watch neither holds the drain (20 s) up nor ends without a word.
    let stopped = tokio::time::timeout(Duration::from_secs(15), server.stop()).await;
    assert!(stopped.is_ok(), "an open health watch held the shutdown up");
    let mut read = Vec::new();
    let ended = loop {
        match watch.message().await {
            Ok(Some(answer)) => read.push(answer.status),
            Ok(None) => panic!("the watch ended without a status after {read:?}"),
            Err(status) => break status,
        }
    };
    assert_eq!(read.last(), Some(&(ServingStatus::NotServing as i32)));
    assert_eq!(ended.code(), Code::Unavailable, "{ended:?}");
    assert!(ended.message().contains("reconnect"), "{ended:?}");
}

/// A loopback address nobody listens on now (bound on port 0, then let go).
fn free_loopback_address() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("bound address")
}

async fn the_probe_listener_answers_health_alone_in_plaintext_and_turns_with_the_drain(
    backend: Backend,
) {
    let database = TestDatabase::create(backend).await;
    let probe_address = free_loopback_address();
    let server = TestServer::start_with(Config {
        probe_listen: Some(probe_address),
        ..quick(database.url.clone())
    })
    .await
    .expect("starts");
    let probe = Channel::from_shared(format!("http://{probe_address}"))
        .expect("valid uri")
        .connect()
        .await
        .expect("the probe listener answers in plaintext");
    let mut watch = HealthClient::new(probe.clone())
        .watch(HealthCheckRequest::default())
        .await
        .expect("watching on the probe listener")
        .into_inner();
    until(&mut watch, ServingStatus::Serving).await;
    for service in SERVICES {
        assert_eq!(
            check(probe.clone(), service).await,
            ServingStatus::Serving,
            "{service:?}"
        );
    }
    // Health alone: the contract's services are not there, whoever asks.
    let elsewhere = pb::intake_service_client::IntakeServiceClient::new(probe.clone())
        .submit_application(company(&COMPANY_MATERIALS))
        .await
        .expect_err("no intake on the probe listener");
    assert_eq!(elsewhere.code(), Code::Unimplemented, "{elsewhere:?}");
    assert_eq!(
        crate::support::application_count(&server).await,
        0,
        "nothing was submitted through the probe listener"
    );

    // Stopping: the probe listener reads NOT_SERVING, then its watch ends like the main port's.
    let stopped = tokio::time::timeout(Duration::from_secs(15), server.stop()).await;
    assert!(
        stopped.is_ok(),
        "a watch on the probe listener held the shutdown up"
    );
    let mut read = Vec::new();
    let ended = loop {
        match watch.message().await {
            Ok(Some(answer)) => read.push(answer.status),
            Ok(None) => panic!("the watch ended without a status after {read:?}"),
            Err(status) => break status,
        }
    };
    assert_eq!(read.last(), Some(&(ServingStatus::NotServing as i32)));
    assert_eq!(ended.code(), Code::Unavailable, "{ended:?}");
    // The server is gone, and so is its probe listener.
    assert!(
        tokio::net::TcpStream::connect(probe_address).await.is_err(),
        "the probe listener outlived the server"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_follows_postgresql_down_and_back_and_calls_are_unavailable_meanwhile() {
    let cluster = tokio::task::spawn_blocking(PrivateCluster::start_new)
        .await
        .expect("private cluster");
    let url = cluster.create_database("health").await;
    let server = TestServer::start_with(quick(url)).await.expect("starts");
    let mut intake = server.intake().await;
    let before = intake
        .submit_application(company(&COMPANY_MATERIALS))
        .await
        .expect("accepted while PostgreSQL runs")
        .into_inner()
        .application
        .expect("application");
    let mut watch = HealthClient::new(server.channel().await)
        .watch(HealthCheckRequest::default())
        .await
        .expect("watching")
        .into_inner();
    until(&mut watch, ServingStatus::Serving).await;

    tokio::task::block_in_place(|| cluster.stop(StopMode::Fast));
    until(&mut watch, ServingStatus::NotServing).await;
    for service in SERVICES {
        assert_eq!(
            check(server.channel().await, service).await,
            ServingStatus::NotServing,
            "{service:?}"
        );
    }
    // A read and a write are each answered within a few seconds, UNAVAILABLE / STORE_UNAVAILABLE.
    let started = Instant::now();
    let read = tokio::time::timeout(
        PATIENCE,
        intake.get_application(pb::GetApplicationRequest {
            application_id: before.id.clone(),
        }),
    )
    .await
    .expect("the read is answered");
    let write = tokio::time::timeout(
        PATIENCE,
        intake.submit_application(company(&COMPANY_MATERIALS)),
    )
    .await
    .expect("the write is answered");
    for (what, status) in [
        ("read", read.map(|_| ()).expect_err("refused")),
        ("write", write.map(|_| ()).expect_err("refused")),
    ] {
        let refusal = Refusal::of(&status);
        assert_eq!(
            (refusal.code, refusal.reason.as_str()),
            (Code::Unavailable, "STORE_UNAVAILABLE"),
            "{what}: {status:?}"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "calls took {:?} to be refused",
        started.elapsed()
    );

    tokio::task::block_in_place(|| cluster.start());
    until(&mut watch, ServingStatus::Serving).await;
    // The same server writes again, and what it took before the outage is still there.
    let after = intake
        .submit_application(company(&COMPANY_MATERIALS))
        .await
        .expect("accepted once PostgreSQL is back")
        .into_inner()
        .application
        .expect("application");
    assert_ne!(after.id, before.id);
    let read = intake
        .get_application(pb::GetApplicationRequest {
            application_id: before.id.clone(),
        })
        .await
        .expect("read once PostgreSQL is back")
        .into_inner();
    assert_eq!(read.receipt_number, before.receipt_number);
    server.stop().await;
}
