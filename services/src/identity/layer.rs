//! The tower layer every call passes first: it finds who is calling (the client certificate the
//! connection proved, or the bearer token, which wins when both are there: a person acting
//! through a system), asks the policy whether that principal may call the method, and hands the
//! principal to the handlers in the request's extensions. A refusal is answered at once,
//! UNAUTHENTICATED or PERMISSION_DENIED with its reason, logged and counted with the principal,
//! the method and the reason, never with what the request carried.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tonic::Status;

use super::Authenticator;
use super::PeerInfo;
use super::policy::{self, Access};
use crate::error::Error;

/// The gRPC code of `PERMISSION_DENIED`, as it travels in the `grpc-status` header.
const PERMISSION_DENIED_CODE: &str = "7";

/// Authenticates and authorises every call.
#[derive(Clone)]
pub struct AuthLayer {
    authenticator: Arc<Authenticator>,
}

impl AuthLayer {
    /// A layer asking `authenticator`.
    pub fn new(authenticator: Arc<Authenticator>) -> Self {
        AuthLayer { authenticator }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            authenticator: Arc::clone(&self.authenticator),
        }
    }
}

/// The service [`AuthLayer`] wraps.
#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    authenticator: Arc<Authenticator>,
}

impl<S, B> tower::Service<http::Request<B>> for AuthService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The clone is not ready; the ready one serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let authenticator = Arc::clone(&self.authenticator);
        Box::pin(async move {
            let method = request.uri().path().to_owned();
            if policy::access(&method) == Some(Access::Public) {
                return inner.call(request).await;
            }
            let token = bearer(request.headers());
            let peer = request.extensions().get::<PeerInfo>().cloned();
            let principal = match authenticator.principal(peer.as_ref(), token).await {
                Ok(principal) => principal,
                Err(error) => {
                    return Ok(refusal(&authenticator, "unauthenticated", &method, error));
                }
            };
            if let Err(error) = policy::authorize(&principal, &method) {
                return Ok(refusal(&authenticator, principal.label(), &method, error));
            }
            let label = principal.label().to_owned();
            request.extensions_mut().insert(Arc::new(principal));
            let response = inner.call(request).await?;
            // A handler's scope refusal (another department's branch…) is counted as well.
            let denied = response
                .headers()
                .get(Status::GRPC_STATUS)
                .is_some_and(|code| code == PERMISSION_DENIED_CODE);
            if denied {
                tracing::warn!(principal = %label, method, "call refused: out of the caller's scope");
                authenticator.count_refusal(&method, "PERMISSION_DENIED");
            }
            Ok(response)
        })
    }
}

/// The bearer token of the `authorization` header, if there is one.
fn bearer(headers: &http::HeaderMap) -> Option<Result<String, Error>> {
    let value = headers.get(http::header::AUTHORIZATION)?;
    let text = match value.to_str() {
        Ok(text) => text.trim(),
        Err(_) => {
            return Some(Err(Error::Unauthenticated(
                "the authorization header is not text".to_owned(),
            )));
        }
    };
    let token = text
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    Some(token.ok_or_else(|| {
        Error::Unauthenticated("the authorization header must be `Bearer <token>`".to_owned())
    }))
}

/// The answer to a refused call, logged and counted.
fn refusal(
    authenticator: &Authenticator,
    principal: &str,
    method: &str,
    error: Error,
) -> http::Response<tonic::body::Body> {
    let reason = error.reason().as_str_name();
    tracing::warn!(principal, method, reason, %error, "call refused");
    authenticator.count_refusal(method, reason);
    Status::from(error).into_http()
}
