//! Readiness: what the gRPC health service (`grpc.health.v1.Health`) says, and the store probe.
//!
//! Health answers for the whole server (`""`) and for each of the contract's services
//! ([`SERVICES`]). They read `SERVING` while the server can do its work, and `NOT_SERVING`
//! - while the store is unreachable: every `store.health_interval_ms` the probe runs a trivial
//!   query with `store.health_timeout_ms` to answer; the first failure turns health NOT_SERVING
//!   (logged once), the first success after it SERVING again (logged once). Meanwhile calls are
//!   answered `UNAVAILABLE` with the reason `STORE_UNAVAILABLE` within `store.acquire_timeout_ms`,
//!   and the pool opens new connections by itself once the database is back;
//! - from the first stop signal on, for good: the drain never turns back to SERVING, whatever the
//!   probe finds.
//!
//! Liveness is the process answering at all: the health service itself never depends on the
//! store, so a replica whose database is down stays alive (it is not restarted) but is taken out
//! of rotation. Readiness is read over the server's own port and TLS, e.g.
//! `grpc_health_probe -addr=127.0.0.1:50051 -tls -tls-ca-cert=ca.pem -tls-server-name=<the
//! certificate's name>` (health is public: no client certificate or token is needed, only the CA
//! that signed the server's certificate). The kubelet's built-in gRPC probe cannot
//! speak TLS, so with `probe_listen` set the same statuses are also served in plaintext on a
//! loopback address (`crate::probe`), which `lianban-server probe` reads: `deploy/kubernetes`
//! runs it as the exec readiness probe, while liveness only checks the TCP port.

use std::sync::Arc;
use std::time::Duration;

use lianban_proto::v1 as pb;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::store::Store;

/// The services health reports on: the whole server (`""`) and each of the contract's.
pub const SERVICES: [&str; 15] = [
    "",
    pb::intake_service_server::SERVICE_NAME,
    pb::task_service_server::SERVICE_NAME,
    pb::dispatch_service_server::SERVICE_NAME,
    pb::catalog_service_server::SERVICE_NAME,
    pb::admin_service_server::SERVICE_NAME,
    pb::statistics_service_server::SERVICE_NAME,
    pb::session_service_server::SERVICE_NAME,
    pb::staff_service_server::SERVICE_NAME,
    pb::project_service_server::SERVICE_NAME,
    pb::notification_service_server::SERVICE_NAME,
    pb::supervision_service_server::SERVICE_NAME,
    pb::case_service_server::SERVICE_NAME,
    pb::exchange_service_server::SERVICE_NAME,
    pb::assessment_service_server::SERVICE_NAME,
];

/// What readiness depends on.
#[derive(Debug, Default)]
struct State {
    /// The server began to stop.
    stopping: bool,
    /// The last probe failed.
    store_down: bool,
}

impl State {
    fn status(&self) -> ServingStatus {
        if self.stopping || self.store_down {
            ServingStatus::NotServing
        } else {
            ServingStatus::Serving
        }
    }
}

/// The health statuses of every service, set from the store probe and the stop signal.
#[derive(Clone)]
pub struct Readiness {
    reporter: HealthReporter,
    /// Held while a status is published, so that a probe and the stop never interleave.
    state: Arc<tokio::sync::Mutex<State>>,
}

impl Readiness {
    /// Reports through `reporter`; every service reads SERVING.
    pub async fn new(reporter: HealthReporter) -> Readiness {
        let readiness = Readiness {
            reporter,
            state: Arc::default(),
        };
        readiness.publish(ServingStatus::Serving).await;
        readiness
    }

    async fn publish(&self, status: ServingStatus) {
        for service in SERVICES {
            self.reporter.set_service_status(service, status).await;
        }
    }

    /// The server began to stop: NOT_SERVING from now on.
    pub async fn stopping(&self) {
        let mut state = self.state.lock().await;
        let before = state.status();
        state.stopping = true;
        if before != state.status() {
            self.publish(state.status()).await;
        }
    }

    /// Records what the probe found; publishes and logs only a change. True when the store
    /// came back after being unreachable.
    async fn store_probed(&self, probed: Result<(), String>) -> bool {
        let mut state = self.state.lock().await;
        let down = probed.is_err();
        if state.store_down == down {
            return false;
        }
        let before = state.status();
        state.store_down = down;
        match probed {
            Err(error) => {
                tracing::error!(%error, "the store is unreachable: health NOT_SERVING")
            }
            Ok(()) if state.stopping => {
                tracing::info!("the store is reachable again (the server is stopping)")
            }
            Ok(()) => tracing::info!("the store is reachable again: health SERVING"),
        }
        if before != state.status() {
            self.publish(state.status()).await;
        }
        !down
    }

    /// Whether the last probe found the store unreachable.
    pub async fn store_down(&self) -> bool {
        self.state.lock().await.store_down
    }
}

/// Probes the store every `interval` (each probe given `timeout`) until `stop` completes.
pub async fn probe_store(
    store: Store,
    readiness: Readiness,
    interval: Duration,
    timeout: Duration,
    came_back: impl Fn(),
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = &mut stop => return,
        }
        let probed = store.ping(timeout).await.map_err(|e| e.to_string());
        if readiness.store_probed(probed).await {
            came_back();
        }
    }
}

#[cfg(test)]
mod tests {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_server::Health;

    use super::*;

    async fn status_of(service: &tonic_health::server::HealthService, name: &str) -> i32 {
        service
            .check(tonic::Request::new(HealthCheckRequest {
                service: name.to_owned(),
            }))
            .await
            .expect("known service")
            .into_inner()
            .status
    }

    #[tokio::test]
    async fn the_probe_never_undoes_the_drain() {
        let reporter = HealthReporter::new();
        let service = tonic_health::server::HealthService::from_health_reporter(reporter.clone());
        let readiness = Readiness::new(reporter).await;
        let serving = tonic_health::pb::health_check_response::ServingStatus::Serving as i32;
        let not_serving = tonic_health::pb::health_check_response::ServingStatus::NotServing as i32;
        for name in SERVICES {
            assert_eq!(status_of(&service, name).await, serving);
        }
        assert!(!readiness.store_probed(Ok(())).await, "it never went away");
        assert!(!readiness.store_probed(Err("refused".into())).await);
        assert!(readiness.store_down().await);
        assert_eq!(status_of(&service, "").await, not_serving);
        assert!(readiness.store_probed(Ok(())).await, "it came back");
        assert!(!readiness.store_probed(Ok(())).await, "once");
        assert_eq!(status_of(&service, SERVICES[1]).await, serving);
        readiness.stopping().await;
        readiness.store_probed(Err("refused".into())).await;
        readiness.store_probed(Ok(())).await;
        for name in SERVICES {
            assert_eq!(status_of(&service, name).await, not_serving);
        }
    }
}
