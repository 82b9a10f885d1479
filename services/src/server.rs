//! The gRPC server: wiring, health (its statuses and the store probe in `health`), reflection
//! and graceful shutdown.
//!
//! `serve` takes a bound listener and a shutdown future, so that tests bind 127.0.0.1:0 and
//! decide when to stop, and the binary passes SIGTERM / Ctrl-C.

use std::future::Future;
use std::sync::Arc;

use lianban_proto::v1 as pb;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;

use crate::api::{
    AdminApi, AssessmentApi, CaseApi, CatalogApi, DispatchApi, ExchangeApi, HealthApi, IntakeApi,
    NotificationApi, ProjectApi, SessionApi, StaffApi, StatisticsApi, SupervisionApi, TaskApi,
};
use crate::config::{CalendarConfig, ClockKind, Config, redact_url};
use crate::deadlines::Schedules;
use crate::error::Error;
use crate::health::Readiness;
use crate::identity::{AuthLayer, Authenticator};
use crate::limits::{LimitLayer, LimitsConfig};
use crate::runtime::{Clock, ManualClock, Runtime, RuntimeClock};
use crate::store::{Store, StoreConfig};
use crate::telemetry::{CURRENT_CALL, Call, GaugeSnapshot, Telemetry};

/// Everything a running server needs, built from the configuration.
pub struct Prepared {
    runtime: Runtime,
    schedules: Schedules,
    calendar_config: CalendarConfig,
    assessment: lianban_orchestrator::assessment::AssessmentWeights,
    limits: LimitsConfig,
    tls: Option<Arc<rustls::ServerConfig>>,
    authenticator: Arc<Authenticator>,
    drain: std::time::Duration,
    follow: std::time::Duration,
    store: StoreConfig,
    /// The health-only plaintext listener (`probe_listen`), bound while preparing.
    probe_listener: Option<TcpListener>,
    /// The web console and its listener, bound while preparing, when it is served.
    console: Option<(Arc<crate::console::Console>, TcpListener)>,
    /// The data exchange's format (`[exchange]`).
    exchange: Arc<dyn crate::exchange::ExchangeFormat>,
}

impl Prepared {
    /// Loads the catalogue and the calendar, connects the store and runs migrations. Fails before
    /// listening, so that a bad catalogue, calendar or database stops start-up with its reason.
    pub async fn from_config(config: &Config) -> Result<Self, Error> {
        let telemetry = Arc::new(Telemetry::from_config(&config.telemetry)?);
        telemetry.announce(&config.telemetry);
        Self::with_telemetry(config, telemetry).await
    }

    /// The same with telemetry the caller built (the binary builds it first to hand its tracer to
    /// the log subscriber).
    pub async fn with_telemetry(config: &Config, telemetry: Arc<Telemetry>) -> Result<Self, Error> {
        config.validate()?;
        // Bound first, so that a taken probe port stops start-up with its reason; connections
        // wait in its backlog until the server serves.
        let probe_listener = match config.probe_listen {
            Some(address) => Some(crate::probe::bind(address).await?),
            None => None,
        };
        let catalogue = crate::catalogue::load(config.catalogue_dir.as_deref())?;
        tracing::info!(
            bundles = catalogue.bundles().count(),
            matters = catalogue.matters().count(),
            source = %config.catalogue_dir.as_ref().map_or("built-in sample".to_owned(), |d| d.display().to_string()),
            "catalogue loaded"
        );
        let calendar_files = crate::calendar::files(&config.calendar)?;
        let calendar = crate::calendar::build(&config.calendar, &calendar_files)?;
        let years: Vec<i32> = calendar.covered_years().collect();
        tracing::info!(zone = %calendar.zone(), closing = %calendar.closing(), ?years, "calendar loaded");
        let clock = match config.clock {
            ClockKind::System => RuntimeClock::System,
            ClockKind::Manual => {
                let start = config.manual_clock_start.unwrap_or_else(chrono::Utc::now);
                tracing::warn!(%start, "manual clock: time moves only through the admin RPC");
                RuntimeClock::Manual(Arc::new(
                    ManualClock::new(start).with_horizon(config.manual_clock_horizon_days),
                ))
            }
        };
        let keys = Arc::new(config.audit.keys()?);
        match keys.signing_key_id() {
            Some(key_id) => tracing::info!(key_id, "audit chain keyed"),
            None => tracing::warn!(
                "the audit chain is not keyed: whoever can write the database can rewrite it \
                 unnoticed; set audit.key_id and audit.key_file"
            ),
        }
        let store = Store::connect_with_settings(&config.database_url, keys, &config.store).await?;
        tracing::info!(database = %redact_url(&config.database_url), "store ready");
        // Replicas share one calendar (the files of the last to start or reload) and one clock.
        if store
            .publish_calendar_files(&calendar_files)
            .await?
            .is_some()
        {
            tracing::info!(
                files = calendar_files.len(),
                "calendar files published to every replica"
            );
        }
        if let RuntimeClock::Manual(manual) = &clock {
            let joined = store.join_manual_clock(manual.now()).await?;
            manual.catch_up(joined);
            tracing::info!(now = %joined, "joined the store's manual clock");
        }
        for post in &config.posts {
            crate::staff::check_post(&catalogue, post)
                .map_err(|e| Error::Config(format!("posts: {e}")))?;
            store.save_post(post).await?;
        }
        let staffing = store.versioned_staffing().await?;
        let runtime = Runtime::new(
            store,
            Arc::new(catalogue),
            Arc::new(calendar),
            staffing,
            config.warnings,
            clock,
            telemetry,
        )
        .with_session_policy(config.sessions.policy())
        .with_case_policy(config.cases.policy());
        let tls = crate::identity::server_config(&config.tls)?;
        let departments = runtime.catalogue().departments().map(|d| d.code.clone());
        let counting = runtime.clone();
        let authenticator = Authenticator::from_config(
            &config.tls,
            &config.identity,
            departments.collect(),
            Box::new(move |method, reason| counting.telemetry().record_refusal(method, reason)),
        )
        .await?;
        let console = prepare_console(config, &runtime, &authenticator).await?;
        let schedules = Schedules {
            sweep: config.sweep_schedule()?,
            digest: config.digest_schedule()?,
        };
        Ok(Prepared {
            runtime,
            schedules,
            calendar_config: config.calendar.clone(),
            exchange: crate::exchange::format_named(
                &config.exchange.format,
                &config.exchange.region_code,
            )
            .map(Arc::from)
            .ok_or_else(|| {
                Error::Config(format!("exchange.format {:?}", config.exchange.format))
            })?,
            assessment: config.assessment,
            limits: config.limits,
            tls,
            authenticator,
            drain: std::time::Duration::from_secs(config.drain_seconds),
            follow: std::time::Duration::from_millis(config.follow_milliseconds),
            store: config.store,
            probe_listener,
            console,
        })
    }

    /// Where the web console listens, when it is served.
    pub fn console_address(&self) -> Option<std::net::SocketAddr> {
        self.console
            .as_ref()
            .and_then(|(_, listener)| listener.local_addr().ok())
    }

    /// The runtime, for tests that look behind the API.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Serves until `shutdown` completes, then drains in-flight calls and closes the store.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), Error> {
        let address = listener
            .local_addr()
            .map_err(|e| Error::Server(e.to_string()))?;
        let health_reporter = tonic_health::server::HealthReporter::new();
        let readiness = Readiness::new(health_reporter.clone()).await;
        // Both versions of reflection: grpcurl and most tools speak v1, older ones v1alpha.
        let reflection = || {
            tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(lianban_proto::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        };
        let reflection_v1 = reflection()
            .build_v1()
            .map_err(|e| Error::Server(e.to_string()))?;
        let reflection_v1alpha = reflection()
            .build_v1alpha()
            .map_err(|e| Error::Server(e.to_string()))?;
        // An undecodable request is the caller's fault, refused with the lianban.v1 details.
        lianban_proto::codec::on_undecodable(crate::error::undecodable);
        let limits = self.limits;
        let size = limits.max_request_size();
        let runtime = self.runtime;
        let follower =
            crate::follow::Follower::start(runtime.clone(), self.calendar_config.clone()).await?;
        let (stop_follower, follower_stopped) = tokio::sync::oneshot::channel::<()>();
        let following = tokio::spawn(follower.run(self.follow, async {
            let _ = follower_stopped.await;
        }));
        // Catch up with every deadline that passed while the server was down, before serving.
        let caught_up = crate::deadlines::sweep(&runtime).await?;
        tracing::info!(caught_up, "passed deadlines acted on at start-up");
        let (stop_timer, timer_stopped) = tokio::sync::oneshot::channel::<()>();
        let timer = tokio::spawn(crate::deadlines::run_timer(
            runtime.clone(),
            self.schedules.clone(),
            async {
                let _ = timer_stopped.await;
            },
        ));
        let gauges = runtime
            .telemetry()
            .is_enabled()
            .then(|| tokio::spawn(refresh_gauges(runtime.clone())));
        let probe = tokio::spawn(crate::health::probe_store(
            runtime.store().clone(),
            readiness.clone(),
            self.store.health_interval(),
            self.store.health_timeout(),
            {
                // The database may come back without what it acknowledged last (a failover to
                // a standby that lacked it): what this process holds may be newer than the store.
                let runtime = runtime.clone();
                move || runtime.forget_held_documents()
            },
            {
                let runtime = runtime.clone();
                async move { runtime.drained().await }
            },
        ));
        let drain = self.drain;
        let (drain_started, drain_began) = tokio::sync::oneshot::channel::<()>();
        // The health service alone, in plaintext on loopback, for exec probes: it reads the same
        // statuses and ends its watches with the same drain; it closes once the server has.
        let (stop_probe, probe_stopped) = tokio::sync::oneshot::channel::<()>();
        let probe_serving = match self.probe_listener {
            Some(listener) => {
                let probe_address = listener.local_addr().ok();
                tracing::info!(address = ?probe_address, "health probe listening (plaintext, health only)");
                Some(tokio::spawn(crate::probe::serve(
                    listener,
                    HealthApi::new(health_reporter.clone(), runtime.clone()),
                    async {
                        let _ = probe_stopped.await;
                    },
                )))
            }
            None => None,
        };
        // The console closes with the drain: its live feeds end when the runtime drains.
        let console_serving = self.console.map(|(console, listener)| {
            let runtime = runtime.clone();
            tokio::spawn(crate::console::serve(listener, console, async move {
                runtime.drained().await
            }))
        });
        tracing::info!(%address, tls = self.tls.is_some(), "lianban listening");
        let serving = Server::builder()
            .timeout(limits.request_timeout())
            .http2_keepalive_interval(Some(limits.http2_keepalive_interval()))
            .http2_keepalive_timeout(Some(limits.http2_keepalive_timeout()))
            .max_concurrent_streams(limits.http2_max_concurrent_streams)
            .layer(AuthLayer::new(self.authenticator))
            .layer(LimitLayer::new(limits))
            .layer(CallLayer {
                runtime: runtime.clone(),
            })
            .add_service(tonic_health::pb::health_server::HealthServer::new(
                HealthApi::new(health_reporter, runtime.clone()),
            ))
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha)
            .add_service(
                pb::intake_service_server::IntakeServiceServer::new(IntakeApi::new(
                    runtime.clone(),
                ))
                .max_decoding_message_size(size),
            )
            .add_service(
                pb::task_service_server::TaskServiceServer::new(TaskApi::new(runtime.clone()))
                    .max_decoding_message_size(size),
            )
            .add_service(
                pb::dispatch_service_server::DispatchServiceServer::new(DispatchApi::new(
                    runtime.clone(),
                ))
                .max_decoding_message_size(size),
            )
            .add_service(
                pb::catalog_service_server::CatalogServiceServer::new(CatalogApi::new(
                    runtime.clone(),
                ))
                .max_decoding_message_size(size),
            )
            .add_service(
                pb::supervision_service_server::SupervisionServiceServer::new(SupervisionApi::new(
                    runtime.clone(),
                ))
                .max_decoding_message_size(size),
            )
            .add_service(
                pb::notification_service_server::NotificationServiceServer::new(
                    NotificationApi::new(runtime.clone()),
                )
                .max_decoding_message_size(size),
            )
            .add_service(
                pb::project_service_server::ProjectServiceServer::new(ProjectApi::new(
                    runtime.clone(),
                ))
                .max_decoding_message_size(size),
            )
            .add_service(
                pb::staff_service_server::StaffServiceServer::new(StaffApi::new(runtime.clone()))
                    .max_decoding_message_size(size),
            )
            .add_service(
                pb::statistics_service_server::StatisticsServiceServer::new(StatisticsApi::new(
                    runtime.clone(),
                ))
                .max_decoding_message_size(size),
            )
            .add_service(
                pb::assessment_service_server::AssessmentServiceServer::new(AssessmentApi::new(
                    runtime.clone(),
                    self.assessment,
                ))
                .max_decoding_message_size(size),
            )
            .add_service(
                pb::session_service_server::SessionServiceServer::new(SessionApi::new(
                    runtime.clone(),
                ))
                .max_decoding_message_size(size),
            )
            // The national data exchange.
            .add_service(
                pb::exchange_service_server::ExchangeServiceServer::new(ExchangeApi::new(
                    runtime.clone(),
                    self.exchange,
                ))
                .max_decoding_message_size(size),
            )
            .add_service(
                pb::case_service_server::CaseServiceServer::new(CaseApi::new(runtime.clone()))
                    .max_decoding_message_size(size),
            )
            .add_service(
                pb::admin_service_server::AdminServiceServer::new(AdminApi::new(
                    runtime.clone(),
                    self.calendar_config,
                    self.schedules.digest,
                ))
                .max_decoding_message_size(size),
            )
            .serve_with_incoming_shutdown(
                crate::limits::accept(listener, &limits, self.tls),
                stopping(shutdown, readiness, runtime.clone(), drain_started),
            );
        // Once stopping began, in-flight calls have `drain` to finish; then the server closes.
        let bound = async {
            match drain_began.await {
                Ok(()) => tokio::time::sleep(drain).await,
                Err(_) => std::future::pending().await,
            }
        };
        tokio::select! {
            served = serving => served.map_err(|e| Error::Server(e.to_string()))?,
            () = bound => tracing::warn!(?drain, "drain bound reached: closing with calls still open"),
        }
        let _ = stop_probe.send(());
        if let Some(probe_serving) = probe_serving {
            match probe_serving.await {
                Ok(Err(error)) => tracing::warn!(%error, "probe listener stopped"),
                Err(error) => tracing::warn!(%error, "probe listener stopped"),
                Ok(Ok(())) => {}
            }
        }
        if let Some(console_serving) = console_serving {
            match tokio::time::timeout(drain, console_serving).await {
                Ok(Ok(Err(error))) => tracing::warn!(%error, "console stopped"),
                Ok(Err(error)) => tracing::warn!(%error, "console stopped"),
                Ok(Ok(Ok(()))) => {}
                Err(_) => tracing::warn!(?drain, "console drain bound reached"),
            }
        }
        let _ = stop_timer.send(());
        let _ = timer.await;
        let _ = stop_follower.send(());
        let _ = following.await;
        probe.abort();
        if let Some(gauges) = gauges {
            gauges.abort();
        }
        runtime.telemetry().shutdown().await;
        tracing::info!("drained; closing the store");
        runtime.store().clone().close().await?;
        Ok(())
    }
}

/// The web console over the runtime, bound, when the configuration serves one.
async fn prepare_console(
    config: &Config,
    runtime: &Runtime,
    authenticator: &Arc<Authenticator>,
) -> Result<Option<(Arc<crate::console::Console>, TcpListener)>, Error> {
    let console = crate::console::Console::new(
        &config.console,
        runtime.clone(),
        Arc::clone(authenticator),
        crate::identity::authentication_on(&config.tls, &config.identity),
        config.identity.jwks_ca.clone(),
        config.assessment,
    )?;
    match console {
        Some(console) => {
            let listener = crate::console::bind(config.console.listen).await?;
            Ok(Some((Arc::new(console), listener)))
        }
        None => {
            if config.console.enabled {
                tracing::warn!(
                    "the web console is not served: authentication is on and console.oidc names \
                     no identity provider to sign people in through"
                );
            }
            Ok(None)
        }
    }
}

/// Resolves when the server is to stop, after turning health to NOT_SERVING (so that load
/// balancers send nothing new) and telling open streams to reconnect elsewhere; `started` marks
/// the beginning of the drain.
async fn stopping(
    shutdown: impl Future<Output = ()>,
    readiness: Readiness,
    runtime: Runtime,
    started: tokio::sync::oneshot::Sender<()>,
) {
    shutdown.await;
    tracing::info!("stopping: health NOT_SERVING, open streams told to reconnect, calls draining");
    readiness.stopping().await;
    runtime.begin_drain();
    let _ = started.send(());
}

/// Refreshes what the gauges report (applications by state, open branches by department and
/// colour) every metrics interval.
async fn refresh_gauges(runtime: Runtime) {
    loop {
        match gauge_snapshot(&runtime).await {
            Ok(snapshot) => runtime.telemetry().set_gauges(snapshot),
            Err(error) => tracing::warn!(%error, "gauges not refreshed"),
        }
        tokio::time::sleep(runtime.telemetry().metrics_interval()).await;
    }
}

async fn gauge_snapshot(runtime: &Runtime) -> Result<GaugeSnapshot, Error> {
    use lianban_orchestrator::warning::Colour;
    let mut snapshot = GaugeSnapshot {
        applications: runtime
            .store()
            .count_by_state()
            .await?
            .into_iter()
            .collect(),
        ..GaugeSnapshot::default()
    };
    let mut open_branches = std::collections::BTreeMap::new();
    crate::supervision::assess_running(runtime, None, None, runtime.now(), |warned| {
        let Some(branch) = warned.application.branch(warned.branch_id) else {
            return;
        };
        let colour = match warned.colour {
            Colour::Green => "green",
            Colour::Yellow => "yellow",
            Colour::Red => "red",
        };
        *open_branches
            .entry((branch.department_code.clone(), colour.to_owned()))
            .or_default() += 1;
    })
    .await?;
    snapshot.open_branches = open_branches;
    Ok(snapshot)
}

/// Serves every call inside its `Call` (method and incoming `traceparent`), so that the spans of the
/// changes it causes know their call, and records the call's latency.
#[derive(Clone)]
struct CallLayer {
    runtime: Runtime,
}

impl<S> tower::Layer<S> for CallLayer {
    type Service = CallService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CallService {
            inner,
            runtime: self.runtime.clone(),
        }
    }
}

/// The service `CallLayer` wraps.
#[derive(Clone)]
struct CallService<S> {
    inner: S,
    runtime: Runtime,
}

impl<S, B> tower::Service<http::Request<B>> for CallService<S>
where
    S: tower::Service<http::Request<B>> + Send,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let method = request.uri().path().to_owned();
        let traceparent = request
            .headers()
            .get("traceparent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let call = Call {
            method: method.clone(),
            traceparent,
        };
        let runtime = self.runtime.clone();
        let future = self.inner.call(request);
        Box::pin(CURRENT_CALL.scope(call, async move {
            let started = std::time::Instant::now();
            let result = future.await;
            runtime
                .telemetry()
                .record_rpc(&method, started.elapsed().as_secs_f64());
            result
        }))
    }
}

/// The listener's connections with Nagle's algorithm off: a small gRPC response must not wait for
/// the client's delayed acknowledgement (40 ms per call otherwise).
pub fn no_delay(
    listener: TcpListener,
) -> impl tokio_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    use tokio_stream::StreamExt as _;
    TcpListenerStream::new(listener).map(|stream| {
        let stream = stream?;
        stream.set_nodelay(true)?;
        Ok(stream)
    })
}

/// Resolves on the first SIGTERM or Ctrl-C.
pub async fn termination_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("Ctrl-C received; shutting down"),
        _ = term => tracing::info!("SIGTERM received; shutting down"),
    }
}
