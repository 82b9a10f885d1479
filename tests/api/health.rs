//! Honest health: readiness reads NOT_SERVING while PostgreSQL is stopped and SERVING again once
//! it is back, by itself; meanwhile calls are answered promptly with `UNAVAILABLE` /
//! `STORE_UNAVAILABLE`, never `INTERNAL`, and the server serves writes again without a restart.
//!
//! The outage runs on PostgreSQL only, on a cluster private to the test (the shared one is never
//! stopped). A SQLite store is a file the server opens itself: it has no server to go away, so the
//! embedded backend is checked only for a probe that keeps every service SERVING.

use std::time::{Duration, Instant};

use lianban_proto::v1 as pb;
use lianban_services::Config;
use lianban_services::health::SERVICES;
use lianban_services::store::StoreConfig;
use lianban_tests::postgres::PrivateCluster;
use lianban_tests::{Backend, TestDatabase, TestServer};
use tonic::Code;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

use crate::on_every_backend;
use crate::support::{COMPANY_MATERIALS, Refusal, company};

on_every_backend!(
    every_service_reads_serving_while_the_store_answers_and_a_watch_ends_with_the_server
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
    let reached = tokio::time::timeout(PATIENCE, async {
        loop {
            let answer = watch
                .message()
                .await
                .expect("the health stream stays open")
                .expect("the health stream does not end");
            if answer.status == wanted as i32 {
                return;
            }
        }
    })
    .await;
    assert!(reached.is_ok(), "health did not turn {wanted:?}");
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
        assert_eq!(
            check(server.channel().await, service).await,
            ServingStatus::Serving,
            "{service:?}"
        );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_follows_postgresql_down_and_back_and_calls_are_unavailable_meanwhile() {
    let cluster = PrivateCluster::start().await;
    let url = cluster.fresh_database().await;
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

    cluster.stop().await;
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

    cluster.start_again().await;
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
