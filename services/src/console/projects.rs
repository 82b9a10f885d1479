//! 项目看板, for facilitators (and supervisors, who read every project): the projects a person
//! follows, one project's board, and its live feed (server-sent events carrying each changed
//! application's section, rendered as on the page, from the same `WatchProject` stream a gRPC
//! client gets; the feed ends when the server drains).

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use lianban_proto::v1 as pb;
use lianban_proto::v1::project_service_server::ProjectService as _;
use maud::html;

use super::board;
use super::calls::{call, every_page};
use super::page;
use super::person::Person;
use super::refusal::Refused;
use super::state::Console;

/// The most pages of a board read for one view (at 200 applications a page).
const MOST_PAGES: usize = 10;

/// GET /projects.
pub async fn list(
    State(console): State<Arc<Console>>,
    person: Person,
) -> Result<Response, Refused> {
    let (console, person) = (&console, &person);
    let projects = every_page(MOST_PAGES, |token| async move {
        let page = call(
            &person.principal,
            "/lianban.v1.ProjectService/ListProjects",
            pb::ListProjectsRequest {
                facilitator: String::new(),
                page_size: 200,
                page_token: token,
            },
            |r| console.handlers.projects.list_projects(r),
        )
        .await?;
        Ok((page.projects, page.next_page_token))
    })
    .await?;
    let main = html! {
        main id="main" {
            h1 { "项目看板" }
            @if projects.is_empty() {
                p { "您目前没有跟踪的重点项目。" }
            } @else {
                table.list {
                    caption { "我跟踪的重点项目" }
                    thead { tr { th scope="col" { "项目" } th scope="col" { "投资主体" } th scope="col" { "投资额（万元）" } th scope="col" { "帮办员" } } }
                    tbody {
                        @for project in &projects {
                            tr {
                                th scope="row" { a data-project=(project.code) href=(format!("/projects/{}", project.code)) { (project.name) } }
                                td { (project.investor) }
                                td.number { (project.investment_wan) }
                                td { (project.facilitator) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page::shell("项目看板", person, "/projects", main).into_response())
}

/// GET /projects/{code}.
pub async fn board(
    State(console): State<Arc<Console>>,
    person: Person,
    Path(code): Path<String>,
) -> Result<Response, Refused> {
    let mut project = None;
    let mut applications = Vec::new();
    let mut token = String::new();
    for _ in 0..MOST_PAGES {
        let page = call(
            &person.principal,
            "/lianban.v1.ProjectService/GetProjectBoard",
            pb::GetProjectBoardRequest {
                code: code.clone(),
                page_size: 200,
                page_token: token,
            },
            |r| console.handlers.projects.get_project_board(r),
        )
        .await?;
        project = project.or(page.project);
        applications.extend(page.applications);
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    let project = project.unwrap_or_default();
    let calendar = console.runtime.calendar();
    let today = calendar.local_date(console.runtime.now());
    let main = html! {
        main id="main" data-live-source=(format!("/projects/{}/events", project.code)) {
            h1 { "项目看板：" (project.name) }
            dl.facts {
                dt { "项目代码" } dd { (project.code) }
                dt { "投资主体" } dd { (project.investor) }
                dt { "投资额" } dd { (project.investment_wan) " 万元" }
                dt { "帮办员" } dd { (project.facilitator) }
                dt { "今天" } dd #today { (today) }
            }
            p.legend {
                "剩余工作日按本中心工作日历计算（节假日、调休已计入）。"
                span.badge.green { "正常" } " " span.badge.yellow { "黄牌" } " " span.badge.red { "红牌" }
            }
            p.live role="status" aria-live="polite" { "看板实时更新，无需刷新页面。" }
            div #applications {
                @if applications.is_empty() { p { "该项目尚无办件。" } }
                @for application in &applications {
                    (board::application(application, &calendar, today))
                }
            }
        }
    };
    Ok(page::shell(
        &format!("项目看板 · {}", project.name),
        &person,
        "/projects",
        main,
    )
    .into_response())
}

/// GET /projects/{code}/events: the board's changes as server-sent events.
pub async fn events(
    State(console): State<Arc<Console>>,
    person: Person,
    Path(code): Path<String>,
) -> Result<Response, Refused> {
    let slot = console.live.take(&person.principal.id)?;
    let stream = call(
        &person.principal,
        "/lianban.v1.ProjectService/WatchProject",
        pb::WatchProjectRequest { code },
        |r| console.handlers.projects.watch_project(r),
    )
    .await?;
    let runtime = console.runtime.clone();
    let drained = async move { runtime.drained().await };
    let rendering = Arc::clone(&console);
    let events = stream
        .take_until(drained)
        .take_while(|item| std::future::ready(item.is_ok()))
        .filter_map(move |item| {
            // The feed holds its slot until the browser goes and the body is dropped.
            let _held = &slot;
            let event = item.ok().and_then(|event| event.application).map(|entry| {
                let calendar = rendering.runtime.calendar();
                let today = calendar.local_date(rendering.runtime.now());
                let section = board::application(&entry, &calendar, today);
                Ok::<_, Infallible>(
                    Event::default()
                        .event("application")
                        .data(section.into_string()),
                )
            });
            std::future::ready(event)
        });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}
