//! 办件查询 and 办件详情: find an application by its 受理编号 (or id), list recent ones for the roles
//! that may list, and show one with everything the person may read of it — the application as
//! `GetApplication` returns it to them (a department sees its own branches, personal data masked
//! for whoever need not see it), its audit trail for readers, its notices and joint review
//! sessions. A part the person may not read is left out; a part whose read fails says why.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use lianban_proto::v1 as pb;
use lianban_proto::v1::intake_service_server::IntakeService as _;
use lianban_proto::v1::notification_service_server::NotificationService as _;
use lianban_proto::v1::session_service_server::SessionService as _;
use lianban_proto::v1::supervision_service_server::SupervisionService as _;
use maud::html;
use serde::Deserialize;
use tonic::Code;

use super::application_records::{self, Part};
use super::application_view;
use super::calls::{call, every_page, may};
use super::catalog;
use super::page;
use super::person::Person;
use super::refusal::Refused;
use super::state::Console;

/// The most pages of a trail, notices or sessions read for one view (at 500 a page).
const MOST_PAGES: usize = 10;

/// Applications on one page of the list.
const LIST_PAGE: u32 = 50;

/// The search and list filters in the address.
#[derive(Debug, Default, Deserialize)]
pub struct Search {
    /// A receipt number or id to open.
    #[serde(default)]
    receipt: String,
    /// The list page to show (the previous page's token).
    #[serde(default)]
    page: String,
}

/// GET /applications.
pub async fn search(
    State(console): State<Arc<Console>>,
    person: Person,
    Query(search): Query<Search>,
) -> Result<Response, Refused> {
    let wanted = search.receipt.trim();
    if !wanted.is_empty() {
        if !wanted
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            let mut refused = Refused::new(
                Code::InvalidArgument,
                "INVALID_FIELD",
                "a receipt number has letters, digits and dashes only",
            );
            refused.field = Some("receipt".to_owned());
            return Err(refused);
        }
        return Ok(Redirect::to(&format!("/applications/{wanted}")).into_response());
    }
    let listed = if may(
        &person.principal,
        "/lianban.v1.IntakeService/ListApplications",
    ) {
        let request = pb::ListApplicationsRequest {
            page_size: LIST_PAGE,
            page_token: search.page.clone(),
            ..Default::default()
        };
        Some(
            call(
                &person.principal,
                "/lianban.v1.IntakeService/ListApplications",
                request,
                |r| console.handlers.intake.list_applications(r),
            )
            .await?,
        )
    } else {
        None
    };
    let zone = console.runtime.calendar().zone();
    let main = html! {
        main id="main" {
            h1 { "办件查询" }
            form.filters method="get" action="/applications" {
                p {
                    label for="receipt" { "受理编号" }
                    input id="receipt" name="receipt" required autocomplete="off";
                }
                p { button type="submit" { "查询" } }
            }
            @if let Some(listed) = &listed {
                (application_view::list(&listed.applications, zone))
                @if !listed.next_page_token.is_empty() {
                    p { a href=(next_page(&listed.next_page_token)) { "下一页" } }
                }
            }
        }
    };
    Ok(page::shell("办件查询", &person, "/applications", main).into_response())
}

/// The list's next page, its token carried safely in the address.
fn next_page(token: &str) -> String {
    let token: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    format!("/applications?page={token}")
}

/// GET /applications/{id}.
pub async fn show(
    State(console): State<Arc<Console>>,
    person: Person,
    Path(id): Path<String>,
) -> Result<Response, Refused> {
    let application = call(
        &person.principal,
        "/lianban.v1.IntakeService/GetApplication",
        pb::GetApplicationRequest { application_id: id },
        |r| console.handlers.intake.get_application(r),
    )
    .await?;
    let principal = &person.principal;
    let trail = if may(principal, "/lianban.v1.SupervisionService/GetAuditTrail") {
        Some(trail(&console, &person, &application.id).await)
    } else {
        None
    };
    let notices = if may(
        principal,
        "/lianban.v1.NotificationService/ListNotifications",
    ) {
        Some(notices(&console, &person, &application.id).await)
    } else {
        None
    };
    let sessions = if may(principal, "/lianban.v1.SessionService/ListSessions") {
        Some(sessions(&console, &person, &application.id).await)
    } else {
        None
    };
    let bundle = catalog::bundle(&console, &person, &application.bundle_code).await;
    let calendar = console.runtime.calendar();
    let zone = calendar.zone();
    let back = format!("/applications/{}", application.id);
    let title = if application.receipt_number.is_empty() {
        application.id.clone()
    } else {
        application.receipt_number.clone()
    };
    let main = html! {
        main id="main" data-application=(application.id) {
            h1 { "办件详情：" (title) }
            (application_view::facts(&application, zone))
            (application_view::form_and_materials(&application, bundle.as_ref(), zone))
            (application_view::branches(&person, &application, zone, &back))
            @if let Some(notices) = &notices { (application_records::notices(notices, zone)) }
            @if let Some(sessions) = &sessions { (application_records::sessions(sessions, zone)) }
            @if let Some(trail) = &trail { (application_records::trail(trail, zone)) }
        }
    };
    Ok(page::shell(&format!("办件 {title}"), &person, "/applications", main).into_response())
}

/// The whole audit trail, with the verification of its last page (every page verifies the whole
/// chain, so the last one read says it for all).
async fn trail(console: &Console, person: &Person, id: &str) -> Part<pb::AuditTrail> {
    let mut whole = pb::AuditTrail::default();
    let mut token = String::new();
    for _ in 0..MOST_PAGES {
        let page = call(
            &person.principal,
            "/lianban.v1.SupervisionService/GetAuditTrail",
            pb::GetAuditTrailRequest {
                application_id: id.to_owned(),
                page_size: 500,
                page_token: token,
            },
            |r| console.handlers.supervision.get_audit_trail(r),
        )
        .await?;
        whole.events.extend(page.events);
        whole.verified = page.verified;
        whole.first_bad_seq = page.first_bad_seq;
        whole.problem = page.problem;
        whole.application_id = page.application_id;
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    whole.next_page_token = token;
    Ok(whole)
}

/// Every notification of the application (and of the sessions that review it).
async fn notices(console: &Console, person: &Person, id: &str) -> Part<Vec<pb::Notification>> {
    let all = every_page(MOST_PAGES, |token| async move {
        let page = call(
            &person.principal,
            "/lianban.v1.NotificationService/ListNotifications",
            pb::ListNotificationsRequest {
                application_id: id.to_owned(),
                page_size: 500,
                page_token: token,
                ..Default::default()
            },
            |r| console.handlers.notifications.list_notifications(r),
        )
        .await?;
        Ok((page.notifications, page.next_page_token))
    })
    .await?;
    Ok(all)
}

/// Every joint review session that reviews the application.
async fn sessions(console: &Console, person: &Person, id: &str) -> Part<Vec<pb::Session>> {
    let all = every_page(MOST_PAGES, |token| async move {
        let page = call(
            &person.principal,
            "/lianban.v1.SessionService/ListSessions",
            pb::ListSessionsRequest {
                application_id: id.to_owned(),
                page_size: 500,
                page_token: token,
                ..Default::default()
            },
            |r| console.handlers.sessions.list_sessions(r),
        )
        .await?;
        Ok((page.sessions, page.next_page_token))
    })
    .await?;
    Ok(all)
}
