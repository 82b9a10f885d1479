//! 统计分析: the figures a director puts in a report, for any period (`?from=&to=`, by default
//! this month to today in the centre's zone): on-time rate by department, the one-, two- and
//! three-visit shares, working days taken, and each bundle's critical path against the serial
//! sum of its limits. Each chart is drawn by the server and followed by the same numbers in a
//! table, for screen readers and for print.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike as _, NaiveDate};
use lianban_proto::v1 as pb;
use maud::{Markup, html};
use serde::Deserialize;
use tonic::Code;

use super::catalog::{self, Names};
use super::charts::{BarChart, Row, Series, percent};
use super::person::Person;
use super::refusal::Refused;
use super::state::Console;
use super::{page, supervision, words};

const ON_TIME: Series = Series {
    name: "按时办结率",
    fill: "#0b4f8a",
};
const AVERAGE: Series = Series {
    name: "平均工作日",
    fill: "#0b4f8a",
};
const P90: Series = Series {
    name: "90%分位",
    fill: "#8a5a00",
};
const CRITICAL: Series = Series {
    name: "关键路径（并联）",
    fill: "#1b5e20",
};
const SERIAL: Series = Series {
    name: "串联合计",
    fill: "#8a1010",
};
const TAKEN: Series = Series {
    name: "实际平均用时",
    fill: "#0b4f8a",
};

/// The period asked for.
#[derive(Debug, Default, Deserialize)]
pub struct Period {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn day(field: &str, value: &str, default: NaiveDate) -> Result<NaiveDate, Refused> {
    match value.trim() {
        "" => Ok(default),
        value => NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| Refused {
            field: Some(field.to_owned()),
            ..Refused::new(
                Code::InvalidArgument,
                "INVALID_FIELD",
                "a day is YYYY-MM-DD",
            )
        }),
    }
}

/// GET /statistics.
pub async fn page(
    State(console): State<Arc<Console>>,
    person: Person,
    Query(period): Query<Period>,
) -> Result<Response, Refused> {
    let today = console.runtime.calendar().local_date(console.runtime.now());
    let from = day("from", &period.from, today.with_day(1).unwrap_or(today))?;
    let to = day("to", &period.to, today)?;
    let figures = supervision::statistics(&console, &person, from, to).await?;
    let departments = catalog::departments(&console, &person).await?;
    let bundles = catalog::bundles(&console, &person).await?;
    let overall = figures.overall.unwrap_or_default();
    let main = html! {
        main id="main" {
            h1 { "统计分析（" (from) " 至 " (to) "）" }
            form.filters method="get" action="/statistics" aria-label="统计期间" {
                p { label for="s-from" { "自" } input #s-from type="date" name="from" value=(from); }
                p { label for="s-to" { "至" } input #s-to type="date" name="to" value=(to); }
                p { button type="submit" { "统计" } }
            }
            (summary(&overall))
            (on_time(&figures.departments, &departments))
            (visits(&overall))
            (working_days(&figures.departments, &departments))
            (critical_paths(&figures.bundles, &bundles))
        }
    };
    Ok(page::shell("统计分析", &person, "/statistics", main).into_response())
}

/// The ratings at each level: 非常满意 3 · 满意 1 · ….
fn levels(counts: &[pb::SatisfactionCount]) -> String {
    counts
        .iter()
        .map(|c| {
            let level = pb::Satisfaction::try_from(c.satisfaction).unwrap_or_default();
            format!("{} {}", words::satisfaction(level), c.count)
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn summary(overall: &pb::ApplicationFigures) -> Markup {
    let facts = [
        ("收件", overall.received.to_string()),
        ("受理", overall.accepted.to_string()),
        ("办结", overall.completed.to_string()),
        ("按时办结率", percent(overall.on_time_rate)),
        ("出件", overall.dispatched.to_string()),
        ("到期默认同意", overall.deemed_consents.to_string()),
        (
            "缺席联审默认同意",
            overall.deemed_consents_by_absence.to_string(),
        ),
        ("升级督办", overall.escalations.to_string()),
        (
            "延期（批准/申请）",
            format!(
                "{}/{}",
                overall.extensions_approved, overall.extensions_requested
            ),
        ),
        (
            "评价（条数·平均星级）",
            format!("{} · {:.1} 星", overall.ratings, overall.average_rating),
        ),
        ("差评", overall.negative_ratings.to_string()),
        ("满意度分布", levels(&overall.ratings_by_level)),
    ];
    html! {
        section aria-labelledby="h-summary" {
            h2 #h-summary { "总体" }
            dl.facts {
                @for (name, value) in &facts { dt { (name) } dd { (value) } }
            }
        }
    }
}

fn on_time(rows: &[pb::DepartmentFigures], names: &Names) -> Markup {
    let decided: Vec<&pb::DepartmentFigures> = rows.iter().filter(|d| d.decided > 0).collect();
    let chart = BarChart {
        title: "各部门按时办结率".into(),
        label: "各部门按时办结率条形图，满格为100%".into(),
        series: vec![ON_TIME],
        rows: decided
            .iter()
            .map(|d| Row {
                label: catalog::name(names, &d.department_code).to_owned(),
                values: vec![d.on_time_rate],
                texts: vec![percent(d.on_time_rate)],
            })
            .collect(),
        max: 1.0,
    };
    html! {
        section aria-labelledby="h-on-time" {
            h2 #h-on-time { "按时办结率（按部门）" }
            (chart.render())
            (table("各部门办结与按时情况", &["部门", "开始", "办结", "按时", "按时办结率"], decided.iter().map(|d| {
                (catalog::name(names, &d.department_code).to_owned(), vec![
                    d.started.to_string(), d.decided.to_string(), d.on_time.to_string(), percent(d.on_time_rate),
                ])
            })))
        }
    }
}

fn visits(overall: &pb::ApplicationFigures) -> Markup {
    let shares = [
        ("一次办结", overall.one_visit_share),
        ("两次以内", overall.two_visits_share),
        ("三次以内", overall.three_visits_share),
    ];
    let chart = BarChart {
        title: "跑动次数".into(),
        label: format!(
            "出件 {} 件中一次办结、两次以内、三次以内的占比条形图",
            overall.dispatched
        ),
        series: vec![ON_TIME],
        // Without a hand-over in the period there is no share to draw.
        rows: shares
            .iter()
            .filter(|_| overall.dispatched > 0)
            .map(|(name, share)| Row {
                label: (*name).to_owned(),
                values: vec![*share],
                texts: vec![percent(*share)],
            })
            .collect(),
        max: 1.0,
    };
    html! {
        section aria-labelledby="h-visits" {
            h2 #h-visits { "一次办成率（出件 " (overall.dispatched) " 件）" }
            (chart.render())
            (table("到窗口次数的占比", &["次数", "占比"], shares.iter().map(|(name, share)| {
                ((*name).to_owned(), vec![percent(*share)])
            })))
        }
    }
}

fn working_days(rows: &[pb::DepartmentFigures], names: &Names) -> Markup {
    let decided: Vec<&pb::DepartmentFigures> = rows.iter().filter(|d| d.decided > 0).collect();
    let chart = BarChart {
        title: "各部门办理用时（工作日）".into(),
        label: "各部门从开始到办结的平均工作日与90%分位条形图".into(),
        series: vec![AVERAGE, P90],
        rows: decided
            .iter()
            .map(|d| Row {
                label: catalog::name(names, &d.department_code).to_owned(),
                values: vec![d.average_working_days, f64::from(d.p90_working_days)],
                texts: vec![
                    format!("{:.1} 天", d.average_working_days),
                    format!("{} 天", d.p90_working_days),
                ],
            })
            .collect(),
        max: 0.0,
    };
    html! {
        section aria-labelledby="h-days" {
            h2 #h-days { "办理用时（工作日）" }
            (chart.render())
            (table("各部门办理用时", &["部门", "平均工作日", "90%分位", "到期默认", "缺席联审默认", "升级督办"], decided.iter().map(|d| {
                (catalog::name(names, &d.department_code).to_owned(), vec![
                    format!("{:.1}", d.average_working_days), d.p90_working_days.to_string(),
                    d.deemed_consents.to_string(), d.deemed_consents_by_absence.to_string(), d.escalations.to_string(),
                ])
            })))
        }
    }
}

fn critical_paths(rows: &[pb::BundleFigures], names: &Names) -> Markup {
    let taken = |b: &pb::BundleFigures| b.figures.as_ref().map_or(0.0, |f| f.average_working_days);
    let chart = BarChart {
        title: "并联审批节省的时间".into(),
        label: "各一件事的关键路径、串联合计与实际平均用时（工作日）条形图".into(),
        series: vec![CRITICAL, SERIAL, TAKEN],
        rows: rows
            .iter()
            .map(|b| Row {
                label: catalog::name(names, &b.bundle_code).to_owned(),
                values: vec![
                    f64::from(b.critical_path_days),
                    f64::from(b.serial_sum_days),
                    taken(b),
                ],
                texts: vec![
                    format!("{} 天", b.critical_path_days),
                    format!("{} 天", b.serial_sum_days),
                    format!("{:.1} 天", taken(b)),
                ],
            })
            .collect(),
        max: 0.0,
    };
    html! {
        section aria-labelledby="h-paths" {
            h2 #h-paths { "关键路径与串联合计（工作日）" }
            (chart.render())
            (table("各一件事的承诺时限：并联（关键路径）与串联合计", &["一件事", "关键路径", "串联合计", "节省", "办结", "实际平均用时"], rows.iter().map(|b| {
                (catalog::name(names, &b.bundle_code).to_owned(), vec![
                    b.critical_path_days.to_string(), b.serial_sum_days.to_string(),
                    b.serial_sum_days.saturating_sub(b.critical_path_days).to_string(),
                    b.figures.as_ref().map_or(0, |f| f.completed).to_string(), format!("{:.1}", taken(b)),
                ])
            })))
        }
    }
}

/// The numbers of a chart as a table: a row header and its values.
fn table(
    caption: &str,
    headers: &[&str],
    rows: impl Iterator<Item = (String, Vec<String>)>,
) -> Markup {
    let rows: Vec<(String, Vec<String>)> = rows.collect();
    html! {
        @if !rows.is_empty() {
            table.list.figures {
                caption { (caption) }
                thead { tr { @for header in headers { th scope="col" { (header) } } } }
                tbody {
                    @for (name, values) in &rows {
                        tr { th scope="row" { (name) } @for value in values { td.number { (value) } } }
                    }
                }
            }
        }
    }
}
