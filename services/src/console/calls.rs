//! The console's one way to the product: every page and every form calls the same gRPC handler
//! a department system would, in process, as the signed-in person, after the same policy check.
//! So nobody sees or does through the console what they could not do over gRPC, and every act
//! goes through the same commands, idempotency and audit trail.

use std::future::Future;
use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::refusal::Refused;
use crate::identity::{Principal, authorize};

/// Calls a handler as `principal`: refused at once when the policy does not let the principal
/// call `method` (the gRPC path, e.g. `/lianban.v1.ProjectService/GetProjectBoard`).
pub async fn call<M, R, F, Fut>(
    principal: &Arc<Principal>,
    method: &str,
    message: M,
    handler: F,
) -> Result<R, Refused>
where
    F: FnOnce(Request<M>) -> Fut,
    Fut: Future<Output = Result<Response<R>, Status>>,
{
    authorize(principal, method).map_err(|e| Refused::from(Status::from(e)))?;
    let mut request = Request::new(message);
    request.extensions_mut().insert(Arc::clone(principal));
    handler(request)
        .await
        .map(Response::into_inner)
        .map_err(Refused::from)
}

/// Every item of a paged list, read a page at a time by `read` (given the page token, it answers
/// the page's items and the next token), at most `pages` pages: a view shows what fits a person's
/// screen, never an unbounded read.
pub async fn every_page<T, I, F, Fut>(pages: usize, mut read: F) -> Result<Vec<T>, Refused>
where
    I: IntoIterator<Item = T>,
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(I, String), Refused>>,
{
    let mut items = Vec::new();
    let mut token = String::new();
    for _ in 0..pages {
        let (page, next) = read(token).await?;
        items.extend(page);
        if next.is_empty() {
            break;
        }
        token = next;
    }
    Ok(items)
}

/// Whether the policy lets `principal` call `method` (to show a view or a button at all).
pub fn may(principal: &Principal, method: &str) -> bool {
    authorize(principal, method).is_ok()
}
