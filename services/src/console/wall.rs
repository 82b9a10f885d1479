//! 大屏, for the wall screen in the service hall: the open applications and branches by warning
//! colour and department, and today's deemed consents and escalations, in big type on a dark
//! ground. The page reloads itself every minute (`main[data-refresh-seconds]`, console.js).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use lianban_proto::v1 as pb;
use lianban_proto::v1::supervision_service_server::SupervisionService as _;
use maud::{Markup, html};

use super::calls::{call, every_page};
use super::catalog::{self, Names};
use super::person::Person;
use super::refusal::Refused;
use super::state::Console;
use super::{page, supervision, words};

/// The most pages of running branches read (at 500 a page).
const MOST_PAGES: usize = 20;

/// Counts by colour: green, yellow, red, and of them unstaffed.
type Counts = [u32; 4];

/// GET /wall.
pub async fn wall(
    State(console): State<Arc<Console>>,
    person: Person,
) -> Result<Response, Refused> {
    let calendar = console.runtime.calendar();
    let now = console.runtime.now();
    let zone = calendar.zone();
    let today = calendar.local_date(now);
    let running = running(&console, &person).await?;
    let of_today = supervision::statistics(&console, &person, today, today).await?;
    let departments = catalog::departments(&console, &person).await?;
    let escalated_today: Vec<&pb::Task> = running
        .iter()
        .filter(|t| {
            t.branch
                .as_ref()
                .and_then(|b| words::instant(b.escalated_at.as_ref()))
                .is_some_and(|at| calendar.local_date(at) == today)
        })
        .collect();
    let main = html! {
        main id="main" data-refresh-seconds="60" {
            h1 { "联办 · 并联审批实时大屏" }
            p.clock { (now.with_timezone(&zone).format("%Y-%m-%d %H:%M")) " 更新，每分钟刷新" }
            (applications(&running))
            (by_department(&running, &departments))
            (today_section(&of_today, &escalated_today, &departments, today, zone))
        }
    };
    Ok(page::wall("大屏", main).into_response())
}

/// Every running branch with a deadline, whatever its colour.
async fn running(console: &Console, person: &Person) -> Result<Vec<pb::Task>, Refused> {
    let colours = [
        pb::WarningColour::Green,
        pb::WarningColour::Yellow,
        pb::WarningColour::Red,
    ]
    .map(|c| c as i32)
    .to_vec();
    let colours = &colours;
    let tasks = every_page(MOST_PAGES, |token| async move {
        let page = call(
            &person.principal,
            "/lianban.v1.SupervisionService/ListWarnings",
            pb::ListWarningsRequest {
                department_code: String::new(),
                bundle_code: String::new(),
                colours: colours.clone(),
                page_size: 500,
                page_token: token,
            },
            |r| console.handlers.supervision.list_warnings(r),
        )
        .await?;
        Ok((page.tasks, page.next_page_token))
    })
    .await?;
    Ok(tasks)
}

/// A colour's place in `Counts` (green 0, yellow 1, red 2).
fn slot(task: &pb::Task) -> Option<usize> {
    let colour = task.branch.as_ref()?.deadline.as_ref()?.colour;
    match pb::WarningColour::try_from(colour).ok()? {
        pb::WarningColour::Green => Some(0),
        pb::WarningColour::Yellow => Some(1),
        pb::WarningColour::Red => Some(2),
        pb::WarningColour::Unspecified => None,
    }
}

/// Open applications by their most urgent branch's colour.
fn applications(running: &[pb::Task]) -> Markup {
    let mut worst: BTreeMap<&str, usize> = BTreeMap::new();
    for task in running {
        if let (Some(branch), Some(slot)) = (&task.branch, slot(task)) {
            let entry = worst.entry(branch.application_id.as_str()).or_insert(0);
            *entry = (*entry).max(slot);
        }
    }
    let mut counts = [0u32; 3];
    for slot in worst.values() {
        counts[*slot] += 1;
    }
    let tiles = [("green", "正常"), ("yellow", "黄牌"), ("red", "红牌")];
    html! {
        section aria-labelledby="h-wall-applications" {
            h2 #h-wall-applications { "在办办件 " strong { (worst.len()) } " 件" }
            ul.tiles {
                @for ((class, name), count) in tiles.iter().zip(counts) {
                    li class=(format!("tile {class}")) data-colour=(class) {
                        span.count { (count) } " " (name)
                    }
                }
            }
        }
    }
}

/// Running branches by department and colour.
fn by_department(running: &[pb::Task], names: &Names) -> Markup {
    let mut counts: BTreeMap<&str, Counts> = BTreeMap::new();
    for task in running {
        if let (Some(branch), Some(slot)) = (&task.branch, slot(task)) {
            let entry = counts.entry(branch.department_code.as_str()).or_default();
            entry[slot] += 1;
            if branch.unstaffed_since.is_some() {
                entry[3] += 1;
            }
        }
    }
    html! {
        section aria-labelledby="h-wall-departments" {
            h2 #h-wall-departments { "各部门在办事项" }
            @if counts.is_empty() {
                p { "目前没有在办事项。" }
            } @else {
                table.list {
                    caption.visually-hidden { "各部门在办事项，按预警颜色" }
                    thead { tr {
                        th scope="col" { "部门" } th scope="col" { "正常" } th scope="col" { "黄牌" }
                        th scope="col" { "红牌" } th scope="col" { "无人承办" }
                    } }
                    tbody {
                        @for (code, counts) in &counts {
                            tr data-department=(code) {
                                th scope="row" { (catalog::name(names, code)) }
                                @for count in counts { td.number { (count) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Today's deemed consents by department and today's escalations.
fn today_section(
    of_today: &pb::Statistics,
    escalated: &[&pb::Task],
    names: &Names,
    today: NaiveDate,
    zone: chrono_tz::Tz,
) -> Markup {
    let deemed: Vec<&pb::DepartmentFigures> = of_today
        .departments
        .iter()
        .filter(|d| d.deemed_consents + d.deemed_consents_by_absence > 0)
        .collect();
    html! {
        section aria-labelledby="h-wall-today" {
            h2 #h-wall-today { "今日（" (today) "）缺席默认与升级督办" }
            @if deemed.is_empty() {
                p { "今日没有缺席默认。" }
            } @else {
                table.list #wall-deemed {
                    caption.visually-hidden { "今日缺席默认，按部门" }
                    thead { tr { th scope="col" { "部门" } th scope="col" { "到期默认同意" } th scope="col" { "缺席联审默认同意" } } }
                    tbody {
                        @for d in &deemed {
                            tr data-department=(d.department_code) {
                                th scope="row" { (catalog::name(names, &d.department_code)) }
                                td.number { (d.deemed_consents) }
                                td.number { (d.deemed_consents_by_absence) }
                            }
                        }
                    }
                }
            }
            @if escalated.is_empty() {
                p { "今日没有升级督办的事项。" }
            } @else {
                table.list #wall-escalations {
                    caption.visually-hidden { "今日升级督办的事项" }
                    thead { tr { th scope="col" { "受理编号" } th scope="col" { "事项" } th scope="col" { "部门" } th scope="col" { "升级时间" } } }
                    tbody {
                        @for task in escalated {
                            @if let Some(branch) = &task.branch {
                                tr data-branch=(branch.id) {
                                    th scope="row" { (task.receipt_number) }
                                    td { (branch.matter_name) }
                                    td { (catalog::name(names, &branch.department_code)) }
                                    td { (words::moment(branch.escalated_at.as_ref(), zone)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
