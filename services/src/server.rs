//! The gRPC server: wiring, health, reflection and graceful shutdown.
//!
//! `serve` takes a bound listener and a shutdown future, so that tests bind 127.0.0.1:0 and
//! decide when to stop, and the binary passes SIGTERM / Ctrl-C.

use std::future::Future;
use std::sync::Arc;

use lianban_proto::v1 as pb;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;

use crate::config::{Config, redact_url};
use crate::error::Error;
use crate::grpc::{CatalogApi, DispatchApi, IntakeApi, TaskApi};
use crate::runtime::{Clock, Runtime, SystemClock};
use crate::store::Store;

/// Everything a running server needs, built from the configuration.
pub struct Prepared {
    runtime: Runtime,
}

impl Prepared {
    /// Loads the catalogue, connects the store and runs migrations. Fails before listening, so that
    /// a bad catalogue or database stops start-up with its reason.
    pub async fn from_config(config: &Config) -> Result<Self, Error> {
        Self::with_clock(config, Arc::new(SystemClock)).await
    }

    /// The same with a given clock.
    pub async fn with_clock(config: &Config, clock: Arc<dyn Clock>) -> Result<Self, Error> {
        let catalogue = crate::catalogue::load(config.catalogue_dir.as_deref())?;
        tracing::info!(
            bundles = catalogue.bundles().count(),
            matters = catalogue.matters().count(),
            source = %config.catalogue_dir.as_ref().map_or("built-in sample".to_owned(), |d| d.display().to_string()),
            "catalogue loaded"
        );
        let store = Store::connect(&config.database_url).await?;
        tracing::info!(database = %redact_url(&config.database_url), "store ready");
        Ok(Prepared {
            runtime: Runtime::new(store, Arc::new(catalogue), clock),
        })
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
        let (health_reporter, health_service) = tonic_health::server::health_reporter();
        health_reporter
            .set_serving::<pb::intake_service_server::IntakeServiceServer<IntakeApi>>()
            .await;
        health_reporter
            .set_serving::<pb::task_service_server::TaskServiceServer<TaskApi>>()
            .await;
        health_reporter
            .set_serving::<pb::dispatch_service_server::DispatchServiceServer<DispatchApi>>()
            .await;
        health_reporter
            .set_serving::<pb::catalog_service_server::CatalogServiceServer<CatalogApi>>()
            .await;
        let reflection = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(lianban_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1()
            .map_err(|e| Error::Server(e.to_string()))?;
        let runtime = self.runtime;
        tracing::info!(%address, "lianban listening");
        Server::builder()
            .add_service(health_service)
            .add_service(reflection)
            .add_service(pb::intake_service_server::IntakeServiceServer::new(
                IntakeApi::new(runtime.clone()),
            ))
            .add_service(pb::task_service_server::TaskServiceServer::new(
                TaskApi::new(runtime.clone()),
            ))
            .add_service(pb::dispatch_service_server::DispatchServiceServer::new(
                DispatchApi::new(runtime.clone()),
            ))
            .add_service(pb::catalog_service_server::CatalogServiceServer::new(
                CatalogApi::new(runtime.clone()),
            ))
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
            .await
            .map_err(|e| Error::Server(e.to_string()))?;
        tracing::info!("drained; closing the store");
        runtime.store().clone().close().await?;
        Ok(())
    }
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
