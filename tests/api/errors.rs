//! Refusals a client can branch on: a failing store answers `UNAVAILABLE` with reason
//! `STORE_UNAVAILABLE` and a generic message, never the database driver's text.

use lianban_proto::v1 as pb;
use lianban_services::error::STORE_UNAVAILABLE_MESSAGE;
use lianban_services::store::Store;
use lianban_tests::Backend;
use sea_orm::ConnectionTrait;
use tonic::Code;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(a_failing_store_answers_unavailable_without_its_text);

async fn a_failing_store_answers_unavailable_without_its_text(backend: Backend) {
    let running = start(backend).await;
    let mut projects = running.server.projects().await;
    projects
        .list_projects(pb::ListProjectsRequest::default())
        .await
        .expect("the store answers");
    // The table disappears behind the server's back: every read of it now fails in the driver.
    let store = Store::connect(&running.database.url).await.unwrap();
    store
        .connection()
        .execute_unprepared("DROP TABLE projects")
        .await
        .unwrap();
    let result = projects
        .list_projects(pb::ListProjectsRequest::default())
        .await;
    let status = result.as_ref().expect_err("the store failed").clone();
    let refusal = assert_refused(result, Code::Unavailable, "STORE_UNAVAILABLE", "");
    assert!(refusal.fields.is_empty() && refusal.preconditions.is_empty());
    assert!(refusal.metadata.is_empty(), "{:?}", refusal.metadata);
    assert_eq!(status.message(), STORE_UNAVAILABLE_MESSAGE);
    running.server.stop().await;
}
