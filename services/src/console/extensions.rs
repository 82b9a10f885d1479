//! 延期申请 on 督查台: each pending request with its reason and the days asked, and for a
//! supervisor the form that approves or refuses it (`DecideExtension`, as the supervisor signed
//! in; the handler refuses the clerk who asked). Auditors see the requests without the form.

use std::sync::Arc;

use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use lianban_proto::v1 as pb;
use lianban_proto::v1::supervision_service_server::SupervisionService as _;
use maud::{Markup, html};
use serde::Deserialize;
use tonic::Code;

use super::calls::{call, may};
use super::desk::Desk;
use super::filters::Filters;
use super::person::Person;
use super::refusal::Refused;
use super::state::Console;
use super::words;

const DECIDE: &str = "/lianban.v1.SupervisionService/DecideExtension";

/// The pending requests, with a decision form each when the person may decide.
pub fn section(desk: &Desk<'_>, person: &Person, requests: &[pb::PendingExtension]) -> Markup {
    let decides = may(&person.principal, DECIDE);
    html! {
        section aria-labelledby="h-extensions" {
            h2 #h-extensions { "待审批的延期申请（" (requests.len()) "）" }
            @if !decides { p.notice { "您以只读身份查看：审批延期由督查人员办理。" } }
            @if requests.is_empty() {
                p { "没有待审批的延期申请。" }
            } @else {
                table.list {
                    caption { "按申请时间，最早的在前" }
                    thead {
                        tr {
                            th scope="col" { "受理编号" }
                            th scope="col" { "事项" }
                            th scope="col" { "部门 · 申请人" }
                            th scope="col" { "申请延期" }
                            th scope="col" { "理由" }
                            th scope="col" { "当前期限" }
                            th scope="col" { "申请时间" }
                            @if decides { th scope="col" { "审批" } }
                        }
                    }
                    tbody {
                        @for request in requests {
                            (row(desk, person, request, decides))
                        }
                    }
                }
            }
        }
    }
}

fn row(desk: &Desk<'_>, person: &Person, request: &pb::PendingExtension, decides: bool) -> Markup {
    let Some(task) = &request.task else {
        return html! {};
    };
    let Some(branch) = &task.branch else {
        return html! {};
    };
    let Some(extension) = branch
        .extensions
        .iter()
        .find(|e| e.number == request.number)
    else {
        return html! {};
    };
    let key = format!("{}/{}", branch.id, request.number);
    let asked_by = extension
        .requested_by
        .as_ref()
        .map(|d| d.clerk_id.as_str())
        .unwrap_or("—");
    let deadline = branch.deadline.as_ref().and_then(|d| d.at.as_ref());
    html! {
        tr data-extension-request=(key) {
            th scope="row" { a href=(format!("/applications/{}", branch.application_id)) { (task.receipt_number) } }
            td { (branch.matter_name) }
            td { (desk.departments.get(&branch.department_code).unwrap_or(&branch.department_code)) " · " (asked_by) }
            td.number { (extension.days) " 个工作日" }
            td { (extension.reason) }
            td.deadline { (words::date(deadline, desk.zone)) }
            td { (words::moment(extension.requested_at.as_ref(), desk.zone)) }
            @if decides { td { (form(desk, person, &branch.id, request.number, &key)) } }
        }
    }
}

fn form(desk: &Desk<'_>, person: &Person, branch_id: &str, number: u32, key: &str) -> Markup {
    let note = format!("note-{branch_id}-{number}");
    html! {
        form.decide method="post" action="/supervision/extensions" data-extension=(key) {
            input type="hidden" name="csrf" value=(person.csrf);
            input type="hidden" name="request_key" value=(uuid::Uuid::new_v4());
            input type="hidden" name="branch_id" value=(branch_id);
            input type="hidden" name="number" value=(number);
            input type="hidden" name="back" value=(desk.filters.query());
            p {
                label for=(note) { "审批意见" }
                textarea id=(note) name="note" rows="2" cols="24" {}
            }
            p {
                button type="submit" name="decision" value="approve" { "批准" }
                " "
                button.secondary type="submit" name="decision" value="refuse" { "不批准" }
            }
        }
    }
}

/// A decision as the form sends it.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    csrf: String,
    request_key: String,
    branch_id: String,
    number: u32,
    decision: String,
    #[serde(default)]
    note: String,
    /// The desk's filters to return to, as a query.
    #[serde(default)]
    back: String,
}

/// POST /supervision/extensions.
pub async fn decide(
    State(console): State<Arc<Console>>,
    person: Person,
    Form(form): Form<DecisionForm>,
) -> Result<Response, Refused> {
    person.check_form(&form.csrf)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => {
            return Err(Refused {
                field: Some("decision".to_owned()),
                ..Refused::new(
                    Code::InvalidArgument,
                    "INVALID_FIELD",
                    "decision is approve or refuse",
                )
            });
        }
    };
    call(
        &person.principal,
        DECIDE,
        pb::DecideExtensionRequest {
            idempotency_key: form.request_key,
            branch_id: form.branch_id,
            number: form.number,
            supervisor_id: String::new(),
            approve,
            note: form.note,
        },
        |r| console.handlers.supervision.decide_extension(r),
    )
    .await?;
    Ok(Redirect::to(&back_to(&form.back)).into_response())
}

/// The desk with the filters it was opened with; the query is parsed and written again, so
/// nothing but the desk's own filters goes into the redirect.
fn back_to(query: &str) -> String {
    let filters: Filters = url::form_urlencoded::parse(query.as_bytes()).fold(
        Filters::default(),
        |mut filters, (name, value)| {
            let value = value.into_owned();
            match name.as_ref() {
                "department" => filters.department = value,
                "bundle" => filters.bundle = value,
                "colour" => filters.colour = value,
                "day" => filters.day = value,
                _ => {}
            }
            filters
        },
    );
    match filters.query() {
        query if query.is_empty() => "/supervision".to_owned(),
        query => format!("/supervision?{query}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_back_keeps_only_the_desks_filters() {
        assert_eq!(back_to(""), "/supervision");
        assert_eq!(
            back_to("department=scjg&colour=red&next=//evil.example"),
            "/supervision?department=scjg&colour=red"
        );
        assert_eq!(
            back_to("bundle=a%26b"),
            "/supervision?bundle=a%26b",
            "a value stays one value"
        );
    }
}
