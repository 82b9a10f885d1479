//! Several servers on one database: replicas that start together on an empty PostgreSQL database
//! all come up and serve the same data, and a database whose schema is newer than the server is
//! refused at start-up with what to do.

use lianban_proto::v1 as pb;
use lianban_services::Config;
use lianban_services::store::Store;
use lianban_tests::{Backend, TestDatabase, TestServer};
use sea_orm::ConnectionTrait;

use crate::on_every_backend;
use crate::support::{COMPANY_MATERIALS, company};

on_every_backend!(
    a_schema_newer_than_the_server_is_refused_at_start_up,
    stopping_ends_open_streams_with_a_reconnect_hint,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_started_together_on_an_empty_database_all_come_up() {
    let database = TestDatabase::create(Backend::Postgres).await;
    let config = || Config {
        database_url: database.url.clone(),
        ..Config::default()
    };
    let (a, b, c) = tokio::join!(
        TestServer::start_with(config()),
        TestServer::start_with(config()),
        TestServer::start_with(config()),
    );
    let (a, b, c) = (
        a.expect("replica A starts"),
        b.expect("replica B starts"),
        c.expect("replica C starts"),
    );
    let submitted = a
        .intake()
        .await
        .submit_application(company(&COMPANY_MATERIALS))
        .await
        .expect("A takes an application")
        .into_inner()
        .application
        .expect("application");
    for replica in [&b, &c] {
        let read = replica
            .intake()
            .await
            .get_application(pb::GetApplicationRequest {
                application_id: submitted.id.clone(),
            })
            .await
            .expect("another replica reads it")
            .into_inner();
        assert_eq!(read.receipt_number, submitted.receipt_number);
    }
    for replica in [a, b, c] {
        replica.stop().await;
    }
}

async fn a_schema_newer_than_the_server_is_refused_at_start_up(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let store = Store::connect(&database.url).await.expect("migrated");
    store
        .connection()
        .execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m9999_from_a_newer_server', 0)",
        )
        .await
        .expect("a newer server's migration recorded");
    store.close().await.unwrap();
    let refused = TestServer::start_with(Config {
        database_url: database.url.clone(),
        ..Config::default()
    })
    .await
    .err()
    .expect("refused");
    let message = refused.to_string();
    assert!(
        message.contains("newer than this server knows"),
        "{message}"
    );
    assert!(message.contains("m9999_from_a_newer_server"), "{message}");
}

async fn stopping_ends_open_streams_with_a_reconnect_hint(backend: Backend) {
    use tonic_health::pb::health_check_response::ServingStatus;
    let database = TestDatabase::create(backend).await;
    let server = TestServer::start_with(Config {
        database_url: database.url.clone(),
        drain_seconds: 3,
        ..Config::default()
    })
    .await
    .expect("starts");
    let mut notices = server
        .notifications()
        .await
        .subscribe(pb::SubscribeRequest::default())
        .await
        .expect("subscribed")
        .into_inner();
    let mut tasks = server
        .tasks()
        .await
        .watch_tasks(pb::WatchTasksRequest {
            department_code: "scjg".into(),
        })
        .await
        .expect("watching")
        .into_inner();
    let mut health = tonic_health::pb::health_client::HealthClient::new(server.channel().await)
        .watch(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("watching health")
        .into_inner();
    let status = |message: Option<tonic_health::pb::HealthCheckResponse>| {
        message.expect("a health status").status
    };
    assert_eq!(
        status(health.message().await.expect("health")),
        ServingStatus::Serving as i32
    );
    // The server stops while the streams are open (health's own watch among them): health turns
    // NOT_SERVING at once, each of our streams ends telling its client to reconnect, and stopping
    // completes within the drain bound (3 s here), however long the clients keep reading.
    let stopping = tokio::spawn(server.stop());
    assert_eq!(
        status(health.message().await.expect("health during the drain")),
        ServingStatus::NotServing as i32
    );
    for ended in [
        notices.message().await.map(|_| ()),
        tasks.message().await.map(|_| ()),
    ] {
        let status = ended.expect_err("the stream ends with a status");
        assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
        assert!(status.message().contains("reconnect"), "{status:?}");
    }
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(15), stopping).await;
    assert!(
        stopped.is_ok(),
        "open streams held the shutdown past its bound"
    );
}
