//! 部门待办: a department's branches that are running or coming (open, claimed, paused, waiting
//! for a predecessor), most urgent first, each with its deadline, remaining working days, colour
//! and the forms its clerk acts through; finished branches on request. Read through `ListTasks`
//! as the signed-in person, so a department sees its own queue only; a supervisor or auditor
//! names the department in the address.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use lianban_proto::v1 as pb;
use lianban_proto::v1::task_service_server::TaskService as _;
use maud::{Markup, html};
use serde::Deserialize;

use super::calls::{call, every_page};
use super::page;
use super::person::Person;
use super::queue_forms;
use super::refusal::Refused;
use super::state::Console;
use super::words;

/// The most pages of a queue read for one view (at 500 branches a page).
const MOST_PAGES: usize = 4;

/// The queue's address filters.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    /// The department (for readers who are not bound to one).
    #[serde(default)]
    department: String,
    /// `done` shows the finished branches instead of the running ones.
    #[serde(default)]
    show: String,
}

/// The states of the running view.
const RUNNING: [pb::BranchState; 4] = [
    pb::BranchState::Open,
    pb::BranchState::Claimed,
    pb::BranchState::Paused,
    pb::BranchState::Waiting,
];

/// The states of the finished view.
const FINISHED: [pb::BranchState; 6] = [
    pb::BranchState::Approved,
    pb::BranchState::Rejected,
    pb::BranchState::Consented,
    pb::BranchState::Objected,
    pb::BranchState::DeemedConsent,
    pb::BranchState::Cancelled,
];

/// GET /queue.
pub async fn queue(
    State(console): State<Arc<Console>>,
    person: Person,
    Query(filters): Query<Filters>,
) -> Result<Response, Refused> {
    let department = person
        .principal
        .department
        .clone()
        .unwrap_or_else(|| filters.department.trim().to_owned());
    let finished = filters.show == "done";
    if department.is_empty() {
        return Ok(page::shell("部门待办", &person, "/queue", pick_department()).into_response());
    }
    let states = if finished {
        &FINISHED[..]
    } else {
        &RUNNING[..]
    };
    let mut tasks = read(&console, &person, &department, states).await?;
    tasks.sort_by_key(urgency);
    let zone = console.runtime.calendar().zone();
    let back = if finished {
        "/queue?show=done"
    } else {
        "/queue"
    };
    let main = html! {
        main id="main" {
            h1 { "部门待办：" (department) }
            p {
                @if finished {
                    "已办结的事项。" a href=(with_department("/queue", &person, &department)) { "返回在办事项" }
                } @else {
                    "在办与待启动的事项，红牌、黄牌在前。剩余工作日按本中心工作日历计算。"
                    a href=(with_department("/queue?show=done", &person, &department)) { "查看已办结事项" }
                }
            }
            @if tasks.is_empty() {
                p { (if finished { "没有已办结的事项。" } else { "目前没有待办事项。" }) }
            } @else {
                table.queue {
                    caption { (if finished { "已办结事项" } else { "待办事项" }) "（" (tasks.len()) " 件）" }
                    thead {
                        tr {
                            th scope="col" { "事项" }
                            th scope="col" { "受理编号" }
                            th scope="col" { "状态" }
                            th scope="col" { "期限" }
                            th scope="col" { "剩余工作日" }
                            th scope="col" { "预警" }
                            th scope="col" { "认领人" }
                            th scope="col" { "办理" }
                        }
                    }
                    tbody {
                        @for task in &tasks { (row(&person, task, zone, back)) }
                    }
                }
            }
        }
    };
    Ok(page::shell("部门待办", &person, "/queue", main).into_response())
}

/// The department's tasks in `states`, every page up to the bound.
async fn read(
    console: &Console,
    person: &Person,
    department: &str,
    states: &[pb::BranchState],
) -> Result<Vec<pb::Task>, Refused> {
    let tasks = every_page(MOST_PAGES, |token| async move {
        let page = call(
            &person.principal,
            "/lianban.v1.TaskService/ListTasks",
            pb::ListTasksRequest {
                department_code: department.to_owned(),
                states: states.iter().map(|s| *s as i32).collect(),
                page_size: 500,
                page_token: token,
                ..Default::default()
            },
            |r| console.handlers.tasks.list_tasks(r),
        )
        .await?;
        Ok((page.tasks, page.next_page_token))
    })
    .await?;
    Ok(tasks)
}

/// Red before yellow before green before none; then the fewest working days left.
fn urgency(task: &pb::Task) -> (u8, u32) {
    let deadline = task.branch.as_ref().and_then(|b| b.deadline.as_ref());
    let rank = match deadline.map_or(0, |d| d.colour) {
        c if c == pb::WarningColour::Red as i32 => 0,
        c if c == pb::WarningColour::Yellow as i32 => 1,
        c if c == pb::WarningColour::Green as i32 => 2,
        _ => 3,
    };
    (
        rank,
        deadline.map_or(u32::MAX, |d| d.remaining_working_days),
    )
}

fn row(person: &Person, task: &pb::Task, zone: chrono_tz::Tz, back: &str) -> Markup {
    let Some(branch) = &task.branch else {
        return html! {};
    };
    let (state, state_words) = words::branch_state(branch.state);
    let deadline = branch.deadline.as_ref();
    let (colour, colour_words) = words::colour(deadline.map_or(0, |d| d.colour));
    let receipt = if task.receipt_number.is_empty() {
        &branch.application_id
    } else {
        &task.receipt_number
    };
    html! {
        tr data-branch=(branch.id) data-colour=(colour) data-state=(state) {
            th scope="row" { (branch.matter_name) small { " " (branch.matter_code) } }
            td { a href=(format!("/applications/{}", branch.application_id)) { (receipt) } small { " " (task.bundle_code) } }
            td.state { (state_words) }
            td.deadline { (words::date(deadline.and_then(|d| d.at.as_ref()), zone)) }
            td.remaining { (deadline.map(|d| d.remaining_working_days.to_string()).unwrap_or_else(|| "—".into())) }
            td { span class=(format!("badge {colour}")) { (colour_words) } }
            td.claimed-by { (if branch.claimed_by.is_empty() { "—" } else { &branch.claimed_by }) }
            td { (queue_forms::actions(person, branch, back)) }
        }
    }
}

/// A queue link that keeps the department a reader named.
fn with_department(path: &str, person: &Person, department: &str) -> String {
    if person.principal.department.is_some() {
        return path.to_owned();
    }
    let joiner = if path.contains('?') { '&' } else { '?' };
    let code: String = url::form_urlencoded::byte_serialize(department.as_bytes()).collect();
    format!("{path}{joiner}department={code}")
}

/// For a reader not bound to a department: which department's queue to read.
fn pick_department() -> Markup {
    html! {
        main id="main" {
            h1 { "部门待办" }
            form.filters method="get" action="/queue" {
                p {
                    label for="department" { "部门代码" }
                    input id="department" name="department" required;
                }
                p { button type="submit" { "查看" } }
            }
        }
    }
}
