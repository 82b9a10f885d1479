//! Telemetry, checked from outside: an in-process OTLP receiver collects what a real server exports
//! during a full application — with a pause, a deemed consent and a caller's `traceparent` — and the
//! test checks the trace's structure and attributes, the metrics, and that no personal data of the
//! applicant appears in any span, metric or log line. With telemetry off, nothing is exported.
//!
//! This is its own test binary because the log subscriber is global to a process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use lianban_proto::v1 as pb;
use lianban_services::config::ClockKind;
use lianban_services::telemetry::{Telemetry, TelemetryConfig, init_logging};
use lianban_services::{Config, Prepared};
use lianban_tests::{Backend, TestDatabase, TestServer};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

const NAME: &str = "王小明";
const ID_NUMBER: &str = "11010519491231002X";
const PHONE: &str = "13800138000";

/// What the receiver got.
#[derive(Default, Clone)]
struct Received {
    traces: Arc<Mutex<Vec<ExportTraceServiceRequest>>>,
    metrics: Arc<Mutex<Vec<ExportMetricsServiceRequest>>>,
}

#[tonic::async_trait]
impl TraceService for Received {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.traces.lock().unwrap().push(request.into_inner());
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

#[tonic::async_trait]
impl MetricsService for Received {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        self.metrics.lock().unwrap().push(request.into_inner());
        Ok(tonic::Response::new(ExportMetricsServiceResponse {
            partial_success: None,
        }))
    }
}

/// Starts the receiver on 127.0.0.1:0 and returns its endpoint.
async fn receiver(received: Received) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(received.clone()))
            .add_service(MetricsServiceServer::new(received))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    format!("http://{address}")
}

/// Log lines, captured.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn beijing(text: &str) -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&local)
        .unwrap()
        .with_timezone(&Utc)
}

fn config(database: &TestDatabase, endpoint: &str, enabled: bool) -> Config {
    Config {
        database_url: database.url.clone(),
        clock: ClockKind::Manual,
        manual_clock_start: Some(beijing("2026-03-02 09:00")),
        telemetry: TelemetryConfig {
            enabled,
            endpoint: endpoint.to_owned(),
            json_logs: true,
            metrics_interval_seconds: 1,
            ..TelemetryConfig::default()
        },
        console: lianban_services::console::ConsoleConfig {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            ..Default::default()
        },
        ..Config::default()
    }
}

fn joint_acceptance() -> pb::SubmitApplicationRequest {
    pb::SubmitApplicationRequest {
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        bundle_code: "gongye-lianhe-yanshou".into(),
        applicant: Some(pb::Applicant {
            kind: pb::ApplicantKind::NaturalPerson as i32,
            name: NAME.into(),
            id_number: ID_NUMBER.into(),
            phone: PHONE.into(),
        }),
        form: [
            ("project_name", "3号厂房"),
            ("project_address", "福州市"),
            ("floor_area_m2", "12000"),
            ("builder", "榕城实业"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        materials: [
            "jungong-celiang-baogao",
            "guihua-xukezheng",
            "jungong-tuzhi",
            "xiaofang-jiance-baogao",
            "renfang-ziliao",
            "dangan-ziliao",
            "jungong-yanshou-baogao",
        ]
        .iter()
        .map(|c| pb::MaterialSubmission {
            material_code: (*c).into(),
            document_ref: format!("dms://{c}"),
        })
        .collect(),
        channel: pb::Channel::OnSite as i32,
        key_project_code: String::new(),
        front_desk_clerk: "desk-01".into(),
    }
}

fn branch<'a>(application: &'a pb::Application, matter: &str) -> &'a pb::Branch {
    application
        .branches
        .iter()
        .find(|b| b.matter_code == matter)
        .unwrap()
}

fn decide(
    application: &pb::Application,
    matter: &str,
    decision: pb::decide_task_request::Decision,
) -> pb::DecideTaskRequest {
    let branch = branch(application, matter);
    pb::DecideTaskRequest {
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        branch_id: branch.id.clone(),
        department_code: branch.department_code.clone(),
        clerk_id: format!("{}-01", branch.department_code),
        decision: Some(decision),
    }
}

async fn set_time(server: &TestServer, text: &str) {
    let at = beijing(text);
    let request = pb::SetTimeRequest {
        time: Some(prost_types::Timestamp {
            seconds: at.timestamp(),
            nanos: 0,
        }),
    };
    server.admin().await.set_time(request).await.unwrap();
}

/// Walks one 联合竣工验收 application through a pause, three consents, a deemed consent, the filing
/// and the hand-over; the first consent carries a caller's `traceparent`.
async fn full_application(server: &TestServer) -> pb::Application {
    let application = server
        .intake()
        .await
        .submit_application(joint_acceptance())
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    let mut tasks = server.tasks().await;
    let pause = pb::StartSpecialProcedureRequest {
        idempotency_key: String::new(),
        branch_id: branch(&application, "zrzy-guihua-heshi").id.clone(),
        department_code: "zrzy".into(),
        clerk_id: "zrzy-01".into(),
        kind: pb::PauseKind::OnSiteInspection as i32,
        reason: "现场核实".into(),
        expected_days: 1,
    };
    tasks.start_special_procedure(pause).await.unwrap();
    set_time(server, "2026-03-03 10:00").await;
    let resume = pb::ResumeTaskRequest {
        idempotency_key: String::new(),
        branch_id: branch(&application, "zrzy-guihua-heshi").id.clone(),
        department_code: "zrzy".into(),
        clerk_id: "zrzy-01".into(),
    };
    tasks.resume_task(resume).await.unwrap();
    let consent = || {
        pb::decide_task_request::Decision::Consent(pb::Consent {
            comment: String::new(),
        })
    };
    let mut with_parent = tonic::Request::new(decide(&application, "zrzy-guihua-heshi", consent()));
    with_parent.metadata_mut().insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            .parse()
            .unwrap(),
    );
    tasks.decide_task(with_parent).await.unwrap();
    for matter in ["zjj-xiaofang-yanshou", "rfb-renfang-yanshou"] {
        tasks
            .decide_task(decide(&application, matter, consent()))
            .await
            .unwrap();
    }
    set_time(server, "2026-03-09 17:30").await; // the archive department stays silent
    let filing = pb::decide_task_request::Decision::Approve(pb::Approve {
        result_reference: "BA-1".into(),
    });
    tasks
        .decide_task(decide(&application, "zjj-jungong-beian", filing))
        .await
        .unwrap();
    let hand_over = pb::RecordHandOverRequest {
        application_id: application.id.clone(),
        method: pb::HandOverMethod::OnSite as i32,
        handed_by: "window-01".into(),
        recipient: NAME.into(),
        ..Default::default()
    };
    server
        .dispatch()
        .await
        .record_hand_over(hand_over)
        .await
        .unwrap()
        .into_inner()
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| match &v.value {
            Some(Value::StringValue(s)) => Some(s.clone()),
            Some(Value::IntValue(i)) => Some(i.to_string()),
            Some(Value::BoolValue(b)) => Some(b.to_string()),
            _ => None,
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_application_is_one_trace_and_no_personal_data_leaves_the_server() {
    let logs = Logs::default();
    init_logging("info,sqlx=warn", true, None, logs.clone()).unwrap();

    // Telemetry off: one line says so, and nothing is exported.
    let quiet = Received::default();
    let endpoint = receiver(quiet.clone()).await;
    let database = TestDatabase::create(Backend::Sqlite).await;
    let server = TestServer::start_with(config(&database, &endpoint, false))
        .await
        .unwrap();
    full_application(&server).await;
    server.stop().await;
    assert!(quiet.traces.lock().unwrap().is_empty() && quiet.metrics.lock().unwrap().is_empty());
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert_eq!(text.matches("telemetry off").count(), 1, "{text}");

    // Telemetry on.
    let received = Received::default();
    let endpoint = receiver(received.clone()).await;
    let database = TestDatabase::create(Backend::Sqlite).await;
    let config = config(&database, &endpoint, true);
    let telemetry = Arc::new(Telemetry::from_config(&config.telemetry).unwrap());
    let server =
        TestServer::start_prepared(Prepared::with_telemetry(&config, telemetry).await.unwrap())
            .await;
    let application = full_application(&server).await;
    server.stop().await; // flushes traces and metrics

    let spans: Vec<Span> = received
        .traces
        .lock()
        .unwrap()
        .iter()
        .flat_map(|r| r.resource_spans.iter())
        .flat_map(|r| r.scope_spans.iter())
        .flat_map(|s| s.spans.iter().cloned())
        .collect();
    let trace_id = application.id.replace('-', "");
    let ours: Vec<&Span> = spans
        .iter()
        .filter(|s| hex(&s.trace_id) == trace_id)
        .collect();
    assert!(
        ours.len() > 20,
        "{} spans in the application's trace",
        ours.len()
    );
    assert!(
        spans
            .iter()
            .filter(|s| attribute(s, "lianban.application_id").as_deref() == Some(&application.id))
            .all(|s| hex(&s.trace_id) == trace_id),
        "every span of the application is in its trace"
    );
    let by_id: HashMap<String, &Span> = ours.iter().map(|s| (hex(&s.span_id), *s)).collect();
    let root = ours
        .iter()
        .find(|s| s.name == "application")
        .expect("a root span");
    assert!(root.parent_span_id.is_empty(), "the root has no parent");
    assert_eq!(hex(&root.span_id), trace_id[16..]);
    let parent_of = |span: &Span| by_id.get(&hex(&span.parent_span_id)).copied();

    let submit = ours
        .iter()
        .find(|s| s.name == "lianban.v1.IntakeService/SubmitApplication")
        .expect("the submission call");
    assert_eq!(hex(&submit.parent_span_id), hex(&root.span_id));
    let accepted = ours
        .iter()
        .find(|s| s.name == "accepted")
        .expect("acceptance");
    assert_eq!(
        parent_of(accepted).map(|p| p.name.as_str()),
        Some("lianban.v1.IntakeService/SubmitApplication")
    );
    assert_eq!(
        attribute(accepted, "lianban.actor_kind").as_deref(),
        Some("front_desk")
    );

    let paused = ours
        .iter()
        .find(|s| s.name == "branch_paused")
        .expect("the pause");
    assert_eq!(
        parent_of(paused).map(|p| p.name.as_str()),
        Some("lianban.v1.TaskService/StartSpecialProcedure")
    );
    assert_eq!(
        attribute(paused, "lianban.department").as_deref(),
        Some("zrzy")
    );
    assert_eq!(
        attribute(paused, "lianban.branch_state").as_deref(),
        Some("paused")
    );
    assert!(ours.iter().any(|s| s.name == "branch_resumed"));

    let deemed = ours
        .iter()
        .find(|s| s.name == "branch_deemed_consent")
        .expect("the deemed consent");
    assert_eq!(
        hex(&deemed.parent_span_id),
        hex(&root.span_id),
        "the system's change hangs off the root"
    );
    assert_eq!(
        attribute(deemed, "lianban.department").as_deref(),
        Some("daj")
    );
    assert_eq!(
        attribute(deemed, "lianban.matter").as_deref(),
        Some("daj-dangan-yanshou")
    );
    assert_eq!(
        attribute(deemed, "lianban.outcome").as_deref(),
        Some("deemed_consent")
    );
    assert_eq!(
        attribute(deemed, "lianban.actor_kind").as_deref(),
        Some("system")
    );
    assert!(
        attribute(deemed, "lianban.deadline").is_some_and(|d| d.starts_with("2026-03-09T09:30")),
        "{:?}",
        attribute(deemed, "lianban.deadline")
    );
    assert!(attribute(deemed, "lianban.remaining_working_days").is_some());
    assert!(attribute(deemed, "lianban.colour").is_some());

    let linked = ours
        .iter()
        .find(|s| s.name == "lianban.v1.TaskService/DecideTask" && !s.links.is_empty())
        .expect("the call with a traceparent");
    assert_eq!(
        hex(&linked.links[0].trace_id),
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "the caller's trace is a link"
    );
    assert_eq!(
        hex(&linked.parent_span_id),
        hex(&root.span_id),
        "the parent stays the application's root"
    );
    assert!(ours.iter().any(|s| s.name == "dispatched"));
    assert_eq!(
        attribute(root, "lianban.applicant.name_masked").as_deref(),
        Some("王**")
    );

    let metrics = received.metrics.lock().unwrap().clone();
    let names: Vec<String> = metrics
        .iter()
        .flat_map(|r| r.resource_metrics.iter())
        .flat_map(|r| r.scope_metrics.iter())
        .flat_map(|s| s.metrics.iter().map(|m| m.name.clone()))
        .collect();
    for name in [
        "lianban_deemed_consents",
        "lianban_decisions",
        "lianban_rpc_duration",
        "lianban_timer_lag",
        "lianban_branches_decided",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing from {names:?}"
        );
    }

    // No personal data anywhere: spans, metrics, logs.
    let mut exported: Vec<u8> = Vec::new();
    for request in received.traces.lock().unwrap().iter() {
        exported.extend(request.encode_to_vec());
    }
    for request in &metrics {
        exported.extend(request.encode_to_vec());
    }
    exported.extend(logs.0.lock().unwrap().iter());
    let everything = String::from_utf8_lossy(&exported);
    for secret in [NAME, ID_NUMBER, PHONE] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked into telemetry or logs"
        );
    }
}
