//! Telemetry for operators: every application is one OpenTelemetry trace, whichever replica or
//! day its steps happen on, and the server's figures are OTLP metrics.
//!
//! **Trace id.** An application's trace id is its id: the 16 bytes of its UUID, i.e. the UUID
//! without hyphens (`0193…` → trace `0193…`). From a receipt number, `GetApplication` gives the id,
//! and so the trace. The trace's root span (`application`) has a span id derived from the id too,
//! so that every later step — on any replica, on any day — is a child of the same root.
//!
//! **Spans.** Each gRPC call that acts on an application is a server span (named after the
//! method) under the root; each state change it causes (acceptance, branch start, pause, decision,
//! deemed consent, escalation, extension, dispatch…) is a child span of the call, carrying the
//! application, bundle, department, matter, branch state, deadline, remaining working days, colour,
//! outcome and kind of actor. Changes made by the system (the deadline timer) hang off the root.
//!
//! **Incoming `traceparent`.** A department system's W3C trace context is recorded as a *link* on
//! the call's span, not as its parent: the parent must stay the application's root so that the
//! application remains one trace; the link still lets an operator jump to the caller's trace.
//!
//! **Personal data.** Names, ID numbers and phone numbers of natural persons never reach spans,
//! metrics or logs: an applicant appears as a keyed hash (HMAC-SHA256 with `telemetry.pii_key`) and
//! a masked name; an organisation's unified social credit code may appear.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use lianban_orchestrator::application::{ApplicantKind, Application};
use lianban_orchestrator::warning::{self, Colour, WarningPolicy};
use lianban_orchestrator::{Calendar, Event};
use opentelemetry::trace::{
    Link, Span as _, SpanContext, SpanId, SpanKind, TraceContextExt, TraceFlags, TraceId,
    TraceState, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue, global};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator, SdkTracer, SdkTracerProvider};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use crate::error::Error;

pub use crate::logging::init_logging;

/// The `[telemetry]` configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// Export traces and metrics over OTLP. Off by default.
    pub enabled: bool,
    /// OTLP gRPC endpoint of the collector.
    pub endpoint: String,
    /// The service name on every span and metric.
    pub service_name: String,
    /// Log as JSON lines instead of text.
    pub json_logs: bool,
    /// Key of the keyed hash that stands in for personal data; set it from a secret.
    pub pii_key: String,
    /// How often metrics are exported, in seconds.
    pub metrics_interval_seconds: u64,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            enabled: false,
            endpoint: "http://127.0.0.1:4317".to_owned(),
            service_name: "lianban".to_owned(),
            json_logs: false,
            pii_key: DEVELOPMENT_PII_KEY.to_owned(),
            metrics_interval_seconds: 60,
        }
    }
}

/// The personal-data key of the zero-configuration start: known to everyone, so refused off
/// the loopback interface.
pub const DEVELOPMENT_PII_KEY: &str = "lianban-development-key";

thread_local! {
    /// Ids the next span must take (the application root), set only around its creation.
    static NEXT_IDS: Cell<Option<(TraceId, SpanId)>> = const { Cell::new(None) };
}

/// Random ids, except for an application's root span, whose ids come from the application id.
#[derive(Debug, Default)]
struct ApplicationIds {
    random: RandomIdGenerator,
}

impl IdGenerator for ApplicationIds {
    fn new_trace_id(&self) -> TraceId {
        NEXT_IDS
            .with(|next| next.get())
            .map_or_else(|| self.random.new_trace_id(), |(trace, _)| trace)
    }

    fn new_span_id(&self) -> SpanId {
        NEXT_IDS
            .with(|next| next.get())
            .map_or_else(|| self.random.new_span_id(), |(_, span)| span)
    }
}

/// The trace id of an application: its UUID's 16 bytes.
pub fn trace_id_of(application_id: Uuid) -> TraceId {
    TraceId::from_bytes(*application_id.as_bytes())
}

/// The span id of an application's root span: the UUID's last 8 bytes (its random part).
fn root_span_id_of(application_id: Uuid) -> SpanId {
    let bytes = application_id.as_bytes();
    let mut id = [0u8; 8];
    id.copy_from_slice(&bytes[8..16]);
    if id == [0; 8] {
        id[7] = 1;
    }
    SpanId::from_bytes(id)
}

/// The context of an application's root span, as a parent for its calls and changes.
fn application_context(application_id: Uuid) -> Context {
    let root = SpanContext::new(
        trace_id_of(application_id),
        root_span_id_of(application_id),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    Context::new().with_remote_span_context(root)
}

/// A W3C `traceparent` header as a span context, if well-formed.
pub fn parse_traceparent(value: &str) -> Option<SpanContext> {
    let parts: Vec<&str> = value.trim().split('-').collect();
    let [version, trace, span, flags] = parts.as_slice() else {
        return None;
    };
    if *version == "ff"
        || version.len() != 2
        || trace.len() != 32
        || span.len() != 16
        || flags.len() != 2
    {
        return None;
    }
    let trace_id = TraceId::from_hex(trace).ok()?;
    let span_id = SpanId::from_hex(span).ok()?;
    let flags = u8::from_str_radix(flags, 16).ok()?;
    let context = SpanContext::new(
        trace_id,
        span_id,
        TraceFlags::new(flags),
        true,
        TraceState::default(),
    );
    context.is_valid().then_some(context)
}

/// The gRPC call a change happens in.
#[derive(Debug, Clone)]
pub struct Call {
    /// The full method, e.g. `/lianban.v1.TaskService/DecideTask`.
    pub method: String,
    /// The caller's W3C `traceparent`, if it sent one.
    pub traceparent: Option<String>,
}

tokio::task_local! {
    /// The call being served on this task, set by the server's call layer.
    pub static CURRENT_CALL: Call;
}

/// What the metric callbacks report, refreshed from the store now and then.
#[derive(Debug, Default, Clone)]
pub struct GaugeSnapshot {
    /// Applications by state.
    pub applications: BTreeMap<String, u64>,
    /// Open branches by (department, colour).
    pub open_branches: BTreeMap<(String, String), u64>,
}

/// The metric instruments.
struct Instruments {
    decisions: opentelemetry::metrics::Counter<u64>,
    decided: opentelemetry::metrics::Counter<u64>,
    deemed_consents: opentelemetry::metrics::Counter<u64>,
    escalations: opentelemetry::metrics::Counter<u64>,
    rpc_duration: opentelemetry::metrics::Histogram<f64>,
    refusals: opentelemetry::metrics::Counter<u64>,
    timer_lag: opentelemetry::metrics::Histogram<f64>,
}

/// Traces, metrics and the personal-data key of one server.
pub struct Telemetry {
    tracer: Option<SdkTracer>,
    tracer_provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
    instruments: Option<Instruments>,
    gauges: Arc<Mutex<GaugeSnapshot>>,
    pii_key: Vec<u8>,
    metrics_interval: Duration,
}

impl Telemetry {
    /// Telemetry as configured. Off: one log line, and nothing is exported.
    pub fn from_config(config: &TelemetryConfig) -> Result<Telemetry, Error> {
        let mut telemetry = Telemetry {
            tracer: None,
            tracer_provider: None,
            meter_provider: None,
            instruments: None,
            gauges: Arc::default(),
            pii_key: config.pii_key.as_bytes().to_vec(),
            metrics_interval: Duration::from_secs(config.metrics_interval_seconds.max(1)),
        };
        if !config.enabled {
            return Ok(telemetry);
        }
        let export_error = |e: opentelemetry_otlp::ExporterBuildError| {
            Error::Config(format!("telemetry.endpoint: {e}"))
        };
        let resource = Resource::builder()
            .with_service_name(config.service_name.clone())
            .build();
        let spans = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(config.endpoint.clone())
            .build()
            .map_err(export_error)?;
        let tracer_provider = SdkTracerProvider::builder()
            .with_batch_exporter(spans)
            .with_id_generator(ApplicationIds::default())
            .with_resource(resource.clone())
            .build();
        let metrics = opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .with_endpoint(config.endpoint.clone())
            .build()
            .map_err(export_error)?;
        let reader = PeriodicReader::builder(metrics)
            .with_interval(telemetry.metrics_interval)
            .build();
        let meter_provider = SdkMeterProvider::builder()
            .with_reader(reader)
            .with_resource(resource)
            .build();
        global::set_tracer_provider(tracer_provider.clone());
        let meter = opentelemetry::metrics::MeterProvider::meter(&meter_provider, "lianban");
        telemetry.instruments = Some(Instruments {
            decisions: meter
                .u64_counter("lianban_decisions")
                .with_description("Decisions by department and outcome")
                .build(),
            decided: meter
                .u64_counter("lianban_branches_decided")
                .with_description("Branches decided, by department and whether by their deadline")
                .build(),
            deemed_consents: meter
                .u64_counter("lianban_deemed_consents")
                .with_description("Deemed consents by department")
                .build(),
            escalations: meter
                .u64_counter("lianban_escalations")
                .with_description("Escalations by department")
                .build(),
            rpc_duration: meter
                .f64_histogram("lianban_rpc_duration")
                .with_unit("s")
                .with_description("gRPC call latency by method")
                .with_boundaries(vec![
                    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ])
                .build(),
            refusals: meter
                .u64_counter("lianban_refused_calls")
                .with_description("Calls refused by authentication or the access policy")
                .build(),
            timer_lag: meter
                .f64_histogram("lianban_timer_lag")
                .with_unit("s")
                .with_description("How late after its deadline a deadline was acted on")
                .with_boundaries(vec![
                    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 30.0, 60.0, 300.0,
                ])
                .build(),
        });
        let applications = Arc::clone(&telemetry.gauges);
        meter
            .u64_observable_gauge("lianban_applications")
            .with_description("Applications by state")
            .with_callback(move |gauge| {
                let snapshot = applications.lock().expect("gauge lock").clone();
                for (state, count) in snapshot.applications {
                    gauge.observe(count, &[KeyValue::new("state", state)]);
                }
            })
            .build();
        let branches = Arc::clone(&telemetry.gauges);
        meter
            .u64_observable_gauge("lianban_open_branches")
            .with_description("Open branches by department and warning colour")
            .with_callback(move |gauge| {
                let snapshot = branches.lock().expect("gauge lock").clone();
                for ((department, colour), count) in snapshot.open_branches {
                    gauge.observe(
                        count,
                        &[
                            KeyValue::new("department", department),
                            KeyValue::new("colour", colour),
                        ],
                    );
                }
            })
            .build();
        telemetry.tracer = Some(tracer_provider.tracer("lianban"));
        telemetry.tracer_provider = Some(tracer_provider);
        telemetry.meter_provider = Some(meter_provider);
        Ok(telemetry)
    }

    /// Says in one log line whether telemetry is exported, and where.
    pub fn announce(&self, config: &TelemetryConfig) {
        if self.is_enabled() {
            tracing::info!(endpoint = %config.endpoint, "telemetry on: traces and metrics exported over OTLP");
        } else {
            tracing::info!(
                "telemetry off: no traces or metrics are exported (set telemetry.enabled = true to export over OTLP)"
            );
        }
    }

    /// Whether anything is exported.
    pub fn is_enabled(&self) -> bool {
        self.tracer.is_some()
    }

    /// The tracer, for the log layer.
    pub fn tracer(&self) -> Option<SdkTracer> {
        self.tracer.clone()
    }

    /// How often gauges are refreshed.
    pub fn metrics_interval(&self) -> Duration {
        self.metrics_interval
    }

    /// Replaces what the gauges report.
    pub fn set_gauges(&self, snapshot: GaugeSnapshot) {
        *self.gauges.lock().expect("gauge lock") = snapshot;
    }

    /// A keyed hash standing in for a personal identifier.
    pub fn pii_hash(&self, value: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.pii_key).expect("HMAC takes any key length");
        mac.update(value.as_bytes());
        let bytes = mac.finalize().into_bytes();
        bytes.iter().take(12).map(|b| format!("{b:02x}")).collect()
    }

    /// Records one gRPC call's latency.
    pub fn record_rpc(&self, method: &str, seconds: f64) {
        if let Some(instruments) = &self.instruments {
            instruments
                .rpc_duration
                .record(seconds, &[KeyValue::new("method", method.to_owned())]);
        }
    }

    /// Counts one call refused by authentication or the policy, by method and reason.
    pub fn record_refusal(&self, method: &str, reason: &str) {
        if let Some(instruments) = &self.instruments {
            let labels = [
                KeyValue::new("method", method.to_owned()),
                KeyValue::new("reason", reason.to_owned()),
            ];
            instruments.refusals.add(1, &labels);
        }
    }

    /// Emits the spans and metrics of one committed change: the call's span (or the root, for a
    /// new application) and one child span per event.
    pub fn record_change(
        &self,
        application: &Application,
        events: &[Event],
        actor: &str,
        at: DateTime<Utc>,
        calendar: &Calendar,
        policy: &WarningPolicy,
    ) {
        self.record_metrics(application, events, at);
        let Some(tracer) = &self.tracer else { return };
        let app_attributes = self.application_attributes(application);
        if events.iter().any(|e| matches!(e, Event::Submitted)) {
            NEXT_IDS.with(|next| {
                next.set(Some((
                    trace_id_of(application.id),
                    root_span_id_of(application.id),
                )))
            });
            let mut root = tracer
                .span_builder("application")
                .with_kind(SpanKind::Internal)
                .with_attributes(app_attributes.clone())
                .start_with_context(tracer, &Context::new());
            NEXT_IDS.with(|next| next.set(None));
            root.end();
        }
        let parent = application_context(application.id);
        // The system's own changes (deadlines) hang off the root, whichever call woke the timer.
        let call = if actor == "system" {
            None
        } else {
            CURRENT_CALL.try_with(Call::clone).ok()
        };
        let mut call_span = call.as_ref().map(|call| {
            let links: Vec<Link> = call
                .traceparent
                .as_deref()
                .and_then(parse_traceparent)
                .map(|context| vec![Link::with_context(context)])
                .unwrap_or_default();
            let mut attributes = app_attributes.clone();
            attributes.push(KeyValue::new("rpc.system", "grpc"));
            attributes.push(KeyValue::new("rpc.method", call.method.clone()));
            attributes.push(KeyValue::new("lianban.actor_kind", actor_kind(actor)));
            tracer
                .span_builder(call.method.trim_start_matches('/').to_owned())
                .with_kind(SpanKind::Server)
                .with_links(links)
                .with_attributes(attributes)
                .start_with_context(tracer, &parent)
        });
        let change_parent = match &call_span {
            Some(span) => parent.with_remote_span_context(span.span_context().clone()),
            None => parent,
        };
        for event in events {
            let mut attributes = app_attributes.clone();
            attributes.push(KeyValue::new("lianban.actor_kind", actor_kind(actor)));
            attributes.extend(event_attributes(application, event, calendar, policy, at));
            let mut span = tracer
                .span_builder(event.kind().to_owned())
                .with_kind(SpanKind::Internal)
                .with_attributes(attributes)
                .start_with_context(tracer, &change_parent);
            span.end();
        }
        if let Some(span) = call_span.as_mut() {
            span.end();
        }
    }

    fn record_metrics(&self, application: &Application, events: &[Event], at: DateTime<Utc>) {
        let Some(instruments) = &self.instruments else {
            return;
        };
        for event in events {
            let Some(branch) = event.branch_id().and_then(|id| application.branch(id)) else {
                continue;
            };
            let department = KeyValue::new("department", branch.department_code.clone());
            match event {
                Event::BranchDecided { state, .. } => {
                    instruments.decisions.add(
                        1,
                        &[department.clone(), KeyValue::new("outcome", state.name())],
                    );
                }
                Event::BranchDeemedConsent { deadline, .. } => {
                    instruments
                        .deemed_consents
                        .add(1, &[department.clone(), KeyValue::new("basis", "deadline")]);
                    instruments
                        .timer_lag
                        .record(lag_seconds(*deadline, at), &[]);
                }
                Event::BranchEscalated { deadline, .. } => {
                    instruments
                        .escalations
                        .add(1, std::slice::from_ref(&department));
                    instruments
                        .timer_lag
                        .record(lag_seconds(*deadline, at), &[]);
                }
                Event::BranchDeemedConsentByAbsence { .. } => {
                    instruments.deemed_consents.add(
                        1,
                        &[
                            department.clone(),
                            KeyValue::new("basis", "session_absence"),
                        ],
                    );
                }
                _ => {}
            }
            if matches!(
                event,
                Event::BranchDecided { .. }
                    | Event::BranchDeemedConsent { .. }
                    | Event::BranchDeemedConsentByAbsence { .. }
            ) {
                let on_time = branch.deadline.is_none_or(|d| at <= d.at);
                instruments.decided.add(
                    1,
                    &[department, KeyValue::new("on_time", on_time.to_string())],
                );
            }
        }
    }

    fn application_attributes(&self, application: &Application) -> Vec<KeyValue> {
        let applicant = &application.applicant;
        let mut attributes = vec![
            KeyValue::new("lianban.application_id", application.id.to_string()),
            KeyValue::new("lianban.bundle", application.bundle_code.clone()),
            KeyValue::new("lianban.application_state", application.state.name()),
            KeyValue::new("lianban.applicant.key", self.pii_hash(&applicant.id_number)),
        ];
        match applicant.kind {
            ApplicantKind::Organisation => {
                attributes.push(KeyValue::new("lianban.applicant.kind", "organisation"));
                attributes.push(KeyValue::new(
                    "lianban.applicant.credit_code",
                    applicant.id_number.clone(),
                ));
            }
            ApplicantKind::NaturalPerson => {
                attributes.push(KeyValue::new("lianban.applicant.kind", "natural_person"));
                attributes.push(KeyValue::new(
                    "lianban.applicant.name_masked",
                    mask_name(&applicant.name),
                ));
            }
        }
        if let Some(receipt) = &application.receipt_number {
            attributes.push(KeyValue::new("lianban.receipt_number", receipt.clone()));
        }
        attributes
    }

    /// Flushes and stops the exporters (on shutdown).
    pub async fn shutdown(&self) {
        let tracer = self.tracer_provider.clone();
        let meter = self.meter_provider.clone();
        // The SDK's shutdown blocks until the export finishes: keep it off the async workers.
        let _ = tokio::task::spawn_blocking(move || {
            if let Some(provider) = tracer {
                let _ = provider.shutdown();
            }
            if let Some(provider) = meter {
                let _ = provider.shutdown();
            }
        })
        .await;
    }
}

fn lag_seconds(deadline: DateTime<Utc>, at: DateTime<Utc>) -> f64 {
    (at - deadline).num_milliseconds().max(0) as f64 / 1000.0
}

/// The kind of actor behind an actor string.
fn actor_kind(actor: &str) -> &'static str {
    match actor.split(':').next() {
        Some("front-desk") => "front_desk",
        Some("department") => "department",
        Some("supervisor") => "supervisor",
        Some("dispatch") => "dispatch",
        Some("applicant") => "applicant",
        _ => "system",
    }
}

/// A natural person's name for display: the first character and one `*` per other character.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

fn event_attributes(
    application: &Application,
    event: &Event,
    calendar: &Calendar,
    policy: &WarningPolicy,
    at: DateTime<Utc>,
) -> Vec<KeyValue> {
    let mut attributes = Vec::new();
    let Some(branch) = event.branch_id().and_then(|id| application.branch(id)) else {
        return attributes;
    };
    attributes.push(KeyValue::new("lianban.branch_id", branch.id.to_string()));
    attributes.push(KeyValue::new(
        "lianban.department",
        branch.department_code.clone(),
    ));
    attributes.push(KeyValue::new("lianban.matter", branch.matter_code.clone()));
    attributes.push(KeyValue::new("lianban.branch_state", branch.state.name()));
    if let Some(deadline) = branch.deadline {
        attributes.push(KeyValue::new("lianban.deadline", deadline.at.to_rfc3339()));
        let assessment = warning::assess(
            calendar,
            policy,
            &deadline,
            branch.limit_days + branch.extension_days,
            at,
        );
        attributes.push(KeyValue::new(
            "lianban.remaining_working_days",
            i64::from(assessment.remaining_days),
        ));
        let colour = match assessment.colour {
            Colour::Green => "green",
            Colour::Yellow => "yellow",
            Colour::Red => "red",
        };
        attributes.push(KeyValue::new("lianban.colour", colour));
    }
    if let Some(outcome) = &branch.outcome {
        attributes.push(KeyValue::new("lianban.outcome", outcome.state.name()));
    }
    attributes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trace_id_is_the_application_id() {
        let id = Uuid::parse_str("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b").unwrap();
        assert_eq!(
            trace_id_of(id).to_string(),
            "0193a1b2c3d47e5f8a9b0c1d2e3f4a5b"
        );
        assert_eq!(root_span_id_of(id).to_string(), "8a9b0c1d2e3f4a5b");
    }

    #[test]
    fn traceparents_are_parsed_strictly() {
        let context =
            parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
        assert_eq!(
            context.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert!(
            parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01").is_none()
        );
        assert!(parse_traceparent("garbage").is_none());
    }

    #[test]
    fn names_are_masked_and_identifiers_hashed() {
        assert_eq!(mask_name("王小明"), "王**");
        let telemetry = Telemetry::from_config(&TelemetryConfig::default()).unwrap();
        let hash = telemetry.pii_hash("11010519491231002X");
        assert_eq!(hash.len(), 24);
        assert!(!hash.contains("1101"));
        assert!(!telemetry.is_enabled());
    }
}
