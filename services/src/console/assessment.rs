//! 月度考核: a month's assessment of every department and every window clerk as supervision reads
//! it (`?month=YYYY-MM`, by default the month before today in the centre's zone): the score, the
//! month before's and the change, and the figures the score comes from; and the same as the CSV
//! sheet a centre files its assessment in (`/assessment.csv`). Both are the `AssessmentService`
//! answers, called as the signed-in person.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use lianban_orchestrator::assessment::Month;
use lianban_proto::v1 as pb;
use lianban_proto::v1::assessment_service_server::AssessmentService as _;
use maud::{Markup, html};
use serde::Deserialize;

use super::calls::call;
use super::page;
use super::person::Person;
use super::refusal::Refused;
use super::state::Console;

/// The month asked for.
#[derive(Debug, Default, Deserialize)]
pub struct Asked {
    #[serde(default)]
    month: String,
}

impl Asked {
    /// The month asked for, or the month before today's.
    fn month(&self, today: NaiveDate) -> String {
        match self.month.trim() {
            "" => Month::of(today).previous().to_string(),
            month => month.to_owned(),
        }
    }
}

fn today(console: &Console) -> NaiveDate {
    console.runtime.calendar().local_date(console.runtime.now())
}

/// GET /assessment.
pub async fn page(
    State(console): State<Arc<Console>>,
    person: Person,
    Query(asked): Query<Asked>,
) -> Result<Response, Refused> {
    let month = asked.month(today(&console));
    let assessment = call(
        &person.principal,
        "/lianban.v1.AssessmentService/AssessMonth",
        pb::AssessMonthRequest {
            month: month.clone(),
        },
        |r| console.handlers.assessment.assess_month(r),
    )
    .await?;
    let main = html! {
        main id="main" {
            h1 { "月度考核（" (assessment.month) "）" }
            form.filters method="get" action="/assessment" aria-label="考核月份" {
                p { label for="a-month" { "月份" } input #a-month type="month" name="month" value=(month); }
                p { button type="submit" { "考核" } }
            }
            p {
                "满分 " (points(assessment.full_marks)) "，与上月（" (assessment.previous_month) "）比较。"
                a href=(format!("/assessment.csv?month={}", assessment.month)) download { "下载考核表（CSV）" }
            }
            (rows("部门", "department", &assessment.departments))
            (rows("窗口人员", "clerk", &assessment.clerks))
            @if assessment.departments.is_empty() && assessment.clerks.is_empty() {
                p { "本月没有可考核的办件。" }
            }
        }
    };
    Ok(page::shell("月度考核", &person, "/assessment", main).into_response())
}

/// GET /assessment.csv.
pub async fn sheet(
    State(console): State<Arc<Console>>,
    person: Person,
    Query(asked): Query<Asked>,
) -> Result<Response, Refused> {
    let sheet = call(
        &person.principal,
        "/lianban.v1.AssessmentService/ExportAssessmentCsv",
        pb::AssessMonthRequest {
            month: asked.month(today(&console)),
        },
        |r| console.handlers.assessment.export_assessment_csv(r),
    )
    .await?;
    let disposition = format!("attachment; filename=\"{}\"", sheet.file_name);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        sheet.csv,
    )
        .into_response())
}

const HEADERS: [&str; 12] = [
    "得分",
    "上月得分",
    "环比",
    "按时办结",
    "超期",
    "默认同意",
    "缺席联审",
    "投诉（属实）",
    "差评",
    "按时整改",
    "一次办结",
    "名称",
];

/// One table of subjects, each row marked `data-subject="<kind>/<code>"`.
fn rows(caption: &str, kind: &str, rows: &[pb::AssessmentRow]) -> Markup {
    html! {
        @if !rows.is_empty() {
            table.list.figures {
                caption { (caption) }
                thead { tr { th scope="col" { "编码" } @for header in HEADERS { th scope="col" { (header) } } } }
                tbody {
                    @for row in rows {
                        @let f = row.figures.unwrap_or_default();
                        tr data-subject=(format!("{kind}/{}", row.subject)) {
                            th scope="row" { (row.subject) }
                            td.number data-score { (points(row.score)) }
                            td.number { (row.previous_score.map(points).unwrap_or_else(|| "—".into())) }
                            td.number { (row.change.map(change).unwrap_or_else(|| "—".into())) }
                            td.number { (share_of(f.on_time, f.decided, f.on_time_rate)) }
                            td.number { (f.overdue) }
                            td.number { (f.deemed_consents) }
                            td.number { (f.session_absences) }
                            td.number { (f.complaints_received) "（" (f.complaints_upheld) "）" }
                            td.number { (f.negative_reviews) }
                            td.number { (share_of(f.rectified_on_time, f.rectifications_due, f.rectified_on_time_share)) }
                            td.number { (share_of(f.one_visit, f.dispatched, f.one_visit_share)) }
                            td { (row.name) }
                        }
                    }
                }
            }
        }
    }
}

fn points(points: f64) -> String {
    format!("{points:.2}")
}

fn change(change: f64) -> String {
    format!("{change:+.2}")
}

/// `3/4（75.0%）`, or `—` when there was nothing to measure.
fn share_of(count: u32, of: u32, share: Option<f64>) -> String {
    match share {
        Some(share) => format!("{count}/{of}（{:.1}%）", share * 100.0),
        None => "—".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_month_before_is_the_default() {
        let asked = Asked::default();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(asked.month(day(2026, 4, 1)), "2026-03");
        assert_eq!(asked.month(day(2026, 1, 15)), "2025-12");
        let named = Asked {
            month: " 2026-02 ".into(),
        };
        assert_eq!(named.month(day(2026, 4, 1)), "2026-02");
    }

    #[test]
    fn shares_say_what_they_count() {
        assert_eq!(share_of(3, 4, Some(0.75)), "3/4（75.0%）");
        assert_eq!(share_of(0, 0, None), "—");
        assert_eq!(change(-10.0), "-10.00");
        assert_eq!(change(19.0), "+19.00");
    }
}
