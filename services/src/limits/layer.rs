//! The tower layer that keeps callers within `[limits]`: calls in flight per connection, open
//! server streams per connection and per caller (the authenticated principal; the peer's IP
//! address when authentication is off), and the request size. What is beyond a limit is refused at once with
//! `RESOURCE_EXHAUSTED` and the `LIMIT_EXCEEDED` reason, never queued.
//!
//! A call holds its slots until its response body is dropped, which for a server stream is when
//! the stream ends or the client goes away.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Frame;
use tonic::Status;

use super::settings::LimitsConfig;
use super::slots::{Slot, Slots};
use crate::error::Error;
use crate::identity::{PeerInfo, Principal};

/// The server-streaming methods whose open streams are counted.
pub const SERVER_STREAMS: [&str; 3] = [
    "/lianban.v1.TaskService/WatchTasks",
    "/lianban.v1.NotificationService/Subscribe",
    "/lianban.v1.ProjectService/WatchProject",
];

/// The gRPC code tonic answers when a request message is larger than the decoder accepts
/// (`OUT_OF_RANGE`); no handler of this server answers it.
const TOO_LARGE_CODE: &str = "11";

/// Counts calls and streams across every connection of the server.
#[derive(Clone)]
pub struct LimitLayer {
    limits: LimitsConfig,
    calls: Slots<SocketAddr>,
    connection_streams: Slots<SocketAddr>,
    caller_streams: Slots<String>,
}

impl LimitLayer {
    /// A layer enforcing `limits`, with nothing open.
    pub fn new(limits: LimitsConfig) -> Self {
        LimitLayer {
            limits,
            calls: Slots::new(),
            connection_streams: Slots::new(),
            caller_streams: Slots::new(),
        }
    }

    /// The slots a call on `path` from `peer` takes, or the limit it is beyond.
    fn admit(&self, peer: SocketAddr, caller: &str, path: &str) -> Result<Held, Error> {
        let limits = &self.limits;
        let call = self
            .calls
            .take(&peer, limits.max_calls_per_connection)
            .ok_or(Error::LimitExceeded {
                limit: "max_calls_per_connection",
                allowed: limits.max_calls_per_connection,
                what: "calls in flight on this connection",
            })?;
        let mut held = Held {
            _call: Some(call),
            _connection_stream: None,
            _caller_stream: None,
        };
        if SERVER_STREAMS.contains(&path) {
            held._connection_stream = Some(
                self.connection_streams
                    .take(&peer, limits.max_streams_per_connection)
                    .ok_or(Error::LimitExceeded {
                        limit: "max_streams_per_connection",
                        allowed: limits.max_streams_per_connection,
                        what: "open streams on this connection",
                    })?,
            );
            held._caller_stream = Some(
                self.caller_streams
                    .take(&caller.to_owned(), limits.max_streams_per_caller)
                    .ok_or(Error::LimitExceeded {
                        limit: "max_streams_per_caller",
                        allowed: limits.max_streams_per_caller,
                        what: "open streams from this caller",
                    })?,
            );
        }
        Ok(held)
    }
}

impl<S> tower::Layer<S> for LimitLayer {
    type Service = LimitService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        LimitService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`LimitLayer`] wraps.
#[derive(Clone)]
pub struct LimitService<S> {
    inner: S,
    layer: LimitLayer,
}

/// The answer to a call beyond a limit.
fn refusal(error: Error, peer: Option<SocketAddr>) -> http::Response<tonic::body::Body> {
    tracing::info!(peer = ?peer, %error, "call refused: limit reached");
    Status::from(error).into_http()
}

impl<S, B, R> tower::Service<http::Request<B>> for LimitService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>> + Send,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    R: http_body::Body<Data = Bytes> + Send + 'static,
    R::Error: Into<tonic::codegen::StdError>,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let peer = request
            .extensions()
            .get::<PeerInfo>()
            .and_then(|peer| peer.remote);
        // The caller is who authenticated; with authentication off, the peer's address.
        let caller = request
            .extensions()
            .get::<Arc<Principal>>()
            .filter(|principal| !principal.is_open())
            .map(|principal| principal.id.clone());
        let held = match peer {
            Some(address) => match self.layer.admit(
                address,
                &caller.unwrap_or_else(|| address.ip().to_string()),
                request.uri().path(),
            ) {
                Ok(held) => held,
                Err(error) => {
                    let response = refusal(error, peer);
                    return Box::pin(async move { Ok(response) });
                }
            },
            None => Held::default(),
        };
        let allowed = self.layer.limits.max_request_bytes;
        let future = self.inner.call(request);
        Box::pin(async move {
            let response = future.await?;
            let too_large = response
                .headers()
                .get(Status::GRPC_STATUS)
                .is_some_and(|code| code == TOO_LARGE_CODE);
            if too_large {
                let error = Error::LimitExceeded {
                    limit: "max_request_bytes",
                    allowed,
                    what: "request bytes",
                };
                return Ok(refusal(error, peer));
            }
            Ok(response.map(|body| {
                tonic::body::Body::new(HeldBody {
                    body: tonic::body::Body::new(body),
                    _held: held,
                })
            }))
        })
    }
}

/// The slots a call holds.
#[derive(Default)]
struct Held {
    _call: Option<Slot<SocketAddr>>,
    _connection_stream: Option<Slot<SocketAddr>>,
    _caller_stream: Option<Slot<String>>,
}

/// A response body that gives its call's slots back when it is dropped.
struct HeldBody {
    body: tonic::body::Body,
    _held: Held,
}

impl http_body::Body for HeldBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use lianban_proto::v1 as pb;

    use super::*;

    #[test]
    fn the_counted_streams_are_the_contracts_server_streams() {
        let expected = [
            format!("/{}/WatchTasks", pb::task_service_server::SERVICE_NAME),
            format!(
                "/{}/Subscribe",
                pb::notification_service_server::SERVICE_NAME
            ),
            format!("/{}/WatchProject", pb::project_service_server::SERVICE_NAME),
        ];
        assert_eq!(SERVER_STREAMS.map(str::to_owned), expected);
    }

    #[test]
    fn a_stream_beyond_the_callers_limit_is_refused_and_its_slot_comes_back() {
        let layer = LimitLayer::new(LimitsConfig {
            max_streams_per_caller: 1,
            ..LimitsConfig::default()
        });
        let first: SocketAddr = "10.0.0.1:1000".parse().unwrap();
        let second: SocketAddr = "10.0.0.1:1001".parse().unwrap();
        let held = layer
            .admit(first, "10.0.0.1", SERVER_STREAMS[0])
            .expect("room");
        let refused = layer
            .admit(second, "10.0.0.1", SERVER_STREAMS[1])
            .err()
            .expect("full");
        assert!(matches!(
            refused,
            Error::LimitExceeded {
                limit: "max_streams_per_caller",
                ..
            }
        ));
        assert!(
            layer
                .admit(second, "10.0.0.1", "/lianban.v1.TaskService/ListTasks")
                .is_ok(),
            "a unary call is no stream"
        );
        drop(held);
        assert!(layer.admit(second, "10.0.0.1", SERVER_STREAMS[1]).is_ok());
    }
}
