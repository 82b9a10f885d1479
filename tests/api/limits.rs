//! The limits that protect the service, over real gRPC: an oversized request and more calls or
//! streams than allowed are `RESOURCE_EXHAUSTED` with reason `LIMIT_EXCEEDED` (naming the limit),
//! bytes that do not decode are `INVALID_ARGUMENT` with reason `UNDECODABLE`, and the server keeps
//! answering afterwards. Reflection answers in both versions. None of this touches the store, so
//! these run on SQLite only.

use lianban_proto::v1 as pb;
use lianban_services::Config;
use lianban_services::limits::LimitsConfig;
use lianban_tests::{Backend, TestDatabase, TestServer};
use tonic::Code;
use tonic::transport::Channel;

use crate::support::*;

/// A server on SQLite with these limits.
async fn start_limited(limits: LimitsConfig) -> (TestServer, TestDatabase) {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let config = Config {
        database_url: database.url.clone(),
        limits,
        ..Config::default()
    };
    let server = TestServer::start_with(config).await.expect("server starts");
    (server, database)
}

/// Asserts that the server answers a health check on `channel`.
async fn healthy(channel: Channel) {
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let answer = health
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .expect("the server still answers")
        .into_inner();
    assert_eq!(
        answer.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

/// Asserts a `LIMIT_EXCEEDED` refusal naming `limit`.
fn assert_limit<T: std::fmt::Debug>(result: Result<T, tonic::Status>, limit: &str) {
    let refusal = assert_refused(result, Code::ResourceExhausted, "LIMIT_EXCEEDED", "");
    assert_eq!(
        refusal.metadata.get("limit").map(String::as_str),
        Some(limit)
    );
    assert!(refusal.metadata.contains_key("allowed"), "{refusal:?}");
}

fn watch(department: &str) -> pb::WatchTasksRequest {
    pb::WatchTasksRequest {
        department_code: department.into(),
    }
}

#[tokio::test]
async fn an_oversized_request_is_refused_and_the_server_still_answers() {
    let (server, _database) = start_limited(LimitsConfig {
        max_request_bytes: 1024,
        ..LimitsConfig::default()
    })
    .await;
    let channel = server.channel().await;
    let mut tasks = pb::task_service_client::TaskServiceClient::new(channel.clone());
    let oversized = pb::ListTasksRequest {
        department_code: "x".repeat(4096),
        ..Default::default()
    };
    assert_limit(tasks.list_tasks(oversized).await, "max_request_bytes");
    // Under the limit, the same method is answered on the same connection.
    let refused = tasks
        .list_tasks(pb::ListTasksRequest {
            department_code: "nope".into(),
            ..Default::default()
        })
        .await;
    assert_refused(
        refused,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "department_code",
    );
    healthy(channel).await;
    server.stop().await;
}

#[tokio::test]
async fn undecodable_bytes_are_an_invalid_argument_and_the_server_still_answers() {
    let running = start(Backend::Sqlite).await;
    let channel = running.server.channel().await;
    let mut raw = tonic::client::Grpc::new(channel.clone());
    for path in [
        "/lianban.v1.TaskService/ListTasks",
        "/lianban.v1.IntakeService/SubmitApplication",
        "/lianban.v1.TaskService/WatchTasks",
    ] {
        raw.ready().await.expect("ready");
        // A field tag whose varint never ends: no message decodes from these bytes.
        let garbage = vec![0xff, 0xff, 0xff];
        let answer = if path.ends_with("WatchTasks") {
            raw.server_streaming(
                tonic::Request::new(garbage),
                tonic::codegen::http::uri::PathAndQuery::from_static(
                    "/lianban.v1.TaskService/WatchTasks",
                ),
                Raw,
            )
            .await
            .map(|_| ())
        } else {
            let path = tonic::codegen::http::uri::PathAndQuery::try_from(path).unwrap();
            raw.unary(tonic::Request::new(garbage), path, Raw)
                .await
                .map(|_| ())
        };
        let refusal = assert_refused(answer, Code::InvalidArgument, "UNDECODABLE", "");
        assert_eq!(refusal.fields.len(), 1, "{path}: {refusal:?}");
    }
    healthy(channel).await;
    running.server.stop().await;
}

#[tokio::test]
async fn streams_beyond_a_callers_limit_are_refused_until_one_closes() {
    let (server, _database) = start_limited(LimitsConfig {
        max_streams_per_caller: 2,
        ..LimitsConfig::default()
    })
    .await;
    // Three connections from one address: the limit is the caller's, over all of them.
    let first = server.channel().await;
    let second = server.channel().await;
    let third = server.channel().await;
    let mut tasks = pb::task_service_client::TaskServiceClient::new(first.clone());
    let held = tasks.watch_tasks(watch("gaj")).await.expect("first stream");
    let mut notifications =
        pb::notification_service_client::NotificationServiceClient::new(second.clone());
    let subscribed = notifications
        .subscribe(pb::SubscribeRequest::default())
        .await
        .expect("second stream");
    let mut beyond = pb::task_service_client::TaskServiceClient::new(third.clone());
    assert_limit(
        beyond.watch_tasks(watch("swj")).await,
        "max_streams_per_caller",
    );
    // Unary calls are not streams: still answered.
    healthy(third.clone()).await;

    // The first stream ends with its connection; its slot is given back once the server has
    // seen the connection close, which the retries below wait for without sleeping.
    drop((held, tasks, first));
    let mut reopened = None;
    for _ in 0..1000 {
        match beyond.watch_tasks(watch("swj")).await {
            Ok(stream) => {
                reopened = Some(stream);
                break;
            }
            Err(status) if status.code() == Code::ResourceExhausted => {
                healthy(third.clone()).await;
            }
            Err(status) => panic!("unexpected {status:?}"),
        }
    }
    assert!(reopened.is_some(), "a stream opens again once one closed");
    drop((reopened, subscribed, beyond, notifications, second, third));
    server.stop().await;
}

#[tokio::test]
async fn calls_beyond_a_connections_limit_are_refused_and_other_connections_are_not() {
    let (server, _database) = start_limited(LimitsConfig {
        max_calls_per_connection: 1,
        max_streams_per_connection: 1,
        ..LimitsConfig::default()
    })
    .await;
    let busy = server.channel().await;
    let mut tasks = pb::task_service_client::TaskServiceClient::new(busy.clone());
    // An open stream is a call in flight until it ends.
    let held = tasks.watch_tasks(watch("gaj")).await.expect("stream opens");
    let listing = pb::ListTasksRequest {
        department_code: "gaj".into(),
        ..Default::default()
    };
    assert_limit(
        tasks.list_tasks(listing.clone()).await,
        "max_calls_per_connection",
    );
    assert_limit(
        tasks.watch_tasks(watch("swj")).await,
        "max_calls_per_connection",
    );
    // Another connection has its own room.
    let other = server.channel().await;
    pb::task_service_client::TaskServiceClient::new(other.clone())
        .list_tasks(listing.clone())
        .await
        .expect("another connection is answered");
    healthy(other).await;
    drop(held);
    server.stop().await;
}

#[tokio::test]
async fn a_connection_gets_no_more_streams_than_its_limit() {
    let (server, _database) = start_limited(LimitsConfig {
        max_streams_per_connection: 2,
        ..LimitsConfig::default()
    })
    .await;
    let channel = server.channel().await;
    let mut tasks = pb::task_service_client::TaskServiceClient::new(channel.clone());
    let first = tasks.watch_tasks(watch("gaj")).await.expect("first");
    let second = tasks.watch_tasks(watch("swj")).await.expect("second");
    let mut projects = pb::project_service_client::ProjectServiceClient::new(channel.clone());
    assert_limit(
        projects
            .watch_project(pb::WatchProjectRequest { code: "P1".into() })
            .await,
        "max_streams_per_connection",
    );
    healthy(channel).await;
    drop((first, second));
    server.stop().await;
}

#[tokio::test]
async fn reflection_answers_in_v1_and_v1alpha() {
    let running = start(Backend::Sqlite).await;
    let channel = running.server.channel().await;
    let expected = [
        "lianban.v1.IntakeService",
        "lianban.v1.TaskService",
        "lianban.v1.ProjectService",
        "lianban.v1.NotificationService",
        "grpc.health.v1.Health",
    ];
    {
        use tonic_reflection::pb::v1::{
            ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
            server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        };
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut answers = ServerReflectionClient::new(channel.clone())
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .expect("v1 answers")
            .into_inner();
        let answer = answers.message().await.unwrap().expect("a v1 answer");
        let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
            panic!("unexpected v1 answer")
        };
        let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
        for service in expected {
            assert!(
                names.contains(&service),
                "v1: {service} missing from {names:?}"
            );
        }
    }
    {
        use tonic_reflection::pb::v1alpha::{
            ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
            server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        };
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut answers = ServerReflectionClient::new(channel)
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .expect("v1alpha answers")
            .into_inner();
        let answer = answers.message().await.unwrap().expect("a v1alpha answer");
        let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
            panic!("unexpected v1alpha answer")
        };
        let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
        for service in expected {
            assert!(
                names.contains(&service),
                "v1alpha: {service} missing from {names:?}"
            );
        }
    }
    running.server.stop().await;
}
