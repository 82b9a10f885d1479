//! The probe listener (`probe_listen`) and the probe that reads it (`lianban-server probe`).
//!
//! The kubelet's gRPC probe cannot speak TLS, and the server's own port speaks only TLS off
//! loopback. So the server may also listen on a loopback address where it answers the health
//! service alone — the same [`HealthApi`] over the same statuses as the main port (NOT_SERVING
//! while the store is unreachable and from the first stop signal on, its `Watch` ended at the
//! drain) — in plaintext and without authentication; every other service there is
//! `UNIMPLEMENTED`. Validation keeps it on loopback: only a process inside the same network
//! namespace (an exec probe in the container) reaches it.
//!
//! [`check`] asks it for the whole server's status (service `""`) within a timeout.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::{Endpoint, Server};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::health_server::HealthServer;

use crate::api::HealthApi;
use crate::error::Error;

/// Serves `health` alone, in plaintext, on `listener` until `stop` completes.
pub async fn serve(
    listener: TcpListener,
    health: HealthApi,
    stop: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    Server::builder()
        .add_service(HealthServer::new(health))
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), stop)
        .await
        .map_err(|e| Error::Server(format!("probe listener: {e}")))
}

/// Binds `address` for [`serve`], naming the setting when it cannot.
pub async fn bind(address: SocketAddr) -> Result<TcpListener, Error> {
    TcpListener::bind(address)
        .await
        .map_err(|e| Error::Server(format!("cannot listen on probe_listen {address}: {e}")))
}

/// What a probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probed {
    /// The server answered with this status of service `""`.
    Status(ServingStatus),
    /// No answer: refused, failed or too late, with the reason.
    Unreachable(String),
}

impl Probed {
    /// Whether the server is ready for calls.
    pub fn is_serving(&self) -> bool {
        *self == Probed::Status(ServingStatus::Serving)
    }
}

impl std::fmt::Display for Probed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Probed::Status(status) => f.write_str(status.as_str_name()),
            Probed::Unreachable(reason) => write!(f, "UNREACHABLE ({reason})"),
        }
    }
}

/// Asks the health service in plaintext at `address` for the whole server's status, the
/// connection and the answer together given at most `timeout`.
pub async fn check(address: SocketAddr, timeout: Duration) -> Probed {
    let asked = async {
        let endpoint = Endpoint::from_shared(format!("http://{address}"))
            .map_err(|e| e.to_string())?
            .connect_timeout(timeout)
            .timeout(timeout);
        let channel = endpoint.connect().await.map_err(|e| e.to_string())?;
        let answer = HealthClient::new(channel)
            .check(HealthCheckRequest::default())
            .await
            .map_err(|status| format!("{:?}: {}", status.code(), status.message()))?;
        Ok::<_, String>(answer.into_inner().status)
    };
    match tokio::time::timeout(timeout, asked).await {
        Err(_) => Probed::Unreachable(format!("no answer within {} ms", timeout.as_millis())),
        Ok(Err(reason)) => Probed::Unreachable(reason),
        Ok(Ok(status)) => match ServingStatus::try_from(status) {
            Ok(status) => Probed::Status(status),
            Err(_) => Probed::Unreachable(format!("unknown status {status}")),
        },
    }
}
