//! The console's listener and routes: bound while the server prepares (a taken port stops
//! start-up with its reason), served beside gRPC, closed when the server drains (live feeds end
//! first). Every answer carries headers that keep pages out of frames, caches and other sites'
//! reach; form bodies are small.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;

use super::state::Console;
use super::{
    applications, assessment, extensions, home, projects, queue, queue_actions, signin, statistics,
    supervision, wall,
};
use crate::error::Error;

/// The largest form body accepted.
const MOST_FORM_BYTES: usize = 64 * 1024;

/// Binds the console's address.
pub async fn bind(address: std::net::SocketAddr) -> Result<TcpListener, Error> {
    TcpListener::bind(address)
        .await
        .map_err(|e| Error::Config(format!("console.listen {address}: {e}")))
}

/// Every route of the console.
pub fn router(console: Arc<Console>) -> Router {
    Router::new()
        .route("/", get(home::home))
        .route("/signin", get(signin::page))
        .route("/signin/dev", post(signin::development))
        .route("/signin/start", get(signin::start))
        .route("/signin/callback", get(signin::callback))
        .route("/signout", post(signin::sign_out))
        .route("/projects", get(projects::list))
        .route("/projects/{code}", get(projects::board))
        .route("/projects/{code}/events", get(projects::events))
        .route("/supervision", get(supervision::desk))
        .route("/supervision/extensions", post(extensions::decide))
        .route("/statistics", get(statistics::page))
        .route("/assessment", get(assessment::page))
        .route("/assessment.csv", get(assessment::sheet))
        .route("/wall", get(wall::wall))
        .route("/applications", get(applications::search))
        .route("/applications/{id}", get(applications::show))
        .route("/queue", get(queue::queue))
        .route("/queue/claim", post(queue_actions::claim))
        .route("/queue/release", post(queue_actions::release))
        .route("/queue/decide", post(queue_actions::decide))
        .route("/queue/supplement", post(queue_actions::supplement))
        .route("/queue/special", post(queue_actions::special))
        .route("/queue/resume", post(queue_actions::resume))
        .route("/queue/extend", post(queue_actions::extend))
        .route("/assets/console.css", get(stylesheet))
        .route("/assets/console.js", get(script))
        .layer(DefaultBodyLimit::max(MOST_FORM_BYTES))
        .layer(middleware::from_fn(protective_headers))
        .with_state(console)
}

/// Serves the console until `stop` completes.
pub async fn serve(
    listener: TcpListener,
    console: Arc<Console>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    if let Ok(address) = listener.local_addr() {
        console.bound_at(address);
        tracing::info!(%address, sign_in = ?console.sign_in, "console listening");
    }
    axum::serve(listener, router(console))
        .with_graceful_shutdown(stop)
        .await
        .map_err(|e| Error::Server(format!("console: {e}")))
}

async fn protective_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let fixed = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Not `no-referrer`: under it a browser sends `Origin: null` with form posts, which the
        // same-origin check must refuse; `same-origin` still keeps the sign-in's code (in the
        // callback's address) from other sites.
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

async fn stylesheet() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("assets/console.css"),
    )
}

async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("assets/console.js"),
    )
}

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
