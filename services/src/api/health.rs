//! `grpc.health.v1.Health`: the statuses `crate::health` sets, answered by tonic-health, with one
//! change: a `Watch` stream ends when the server begins to stop, after a last `NOT_SERVING`, with
//! `UNAVAILABLE` and the hint to reconnect, like every other server stream, so that a client
//! watching health (gRPC's client-side health checking does) never holds a shutdown up.

use tokio::sync::mpsc;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_server::Health;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tonic_health::server::{HealthReporter, HealthService};

use super::streams::{STOPPING, Streamed};
use crate::runtime::Runtime;

/// The health service over the statuses of a [`HealthReporter`].
pub struct HealthApi {
    statuses: HealthService,
    runtime: Runtime,
}

impl HealthApi {
    /// Answers with what `reporter` sets; `Watch` streams end when `runtime` begins to drain.
    pub fn new(reporter: HealthReporter, runtime: Runtime) -> Self {
        HealthApi {
            statuses: HealthService::from_health_reporter(reporter),
            runtime,
        }
    }
}

#[tonic::async_trait]
impl Health for HealthApi {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        self.statuses.check(request).await
    }

    type WatchStream = Streamed<HealthCheckResponse>;

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let mut statuses = self.statuses.watch(request).await?.into_inner();
        let runtime = self.runtime.clone();
        let (sender, receiver) = mpsc::channel(4);
        tokio::spawn(async move {
            let drained = runtime.drained();
            tokio::pin!(drained);
            loop {
                tokio::select! {
                    next = statuses.next() => {
                        let Some(status) = next else { return };
                        if sender.send(status).await.is_err() {
                            return;
                        }
                    }
                    () = &mut drained => break,
                }
            }
            // Never waits on the client: a full channel only loses these last two.
            let last = HealthCheckResponse {
                status: ServingStatus::NotServing as i32,
            };
            let _ = sender.try_send(Ok(last));
            let _ = sender.try_send(Err(Status::unavailable(STOPPING)));
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }
}
