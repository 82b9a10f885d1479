//! The monthly assessment (考核) as supervision asks for it: the month's applications read a page at
//! a time, the sessions, the supervision cases, scored by the configured weights; and the same as
//! CSV for the spreadsheet a centre files its assessment in.

use std::collections::HashMap;

use lianban_orchestrator::assessment::{AssessmentBuilder, AssessmentWeights, CaseFact, Month};
use lianban_orchestrator::rating::RatingStage;
use lianban_proto::v1 as pb;
use uuid::Uuid;

use crate::convert;
use crate::error::Error;
use crate::runtime::Runtime;
use crate::store::{ApplicationFilter, CaseFilter, PageRequest, SessionFilter};

/// The assessment of `month` as things stand now, on the wire.
pub async fn assess(
    runtime: &Runtime,
    month: Month,
    weights: &AssessmentWeights,
) -> Result<pb::Assessment, Error> {
    let calendar = runtime.calendar();
    let mut builder = AssessmentBuilder::new(month, &calendar, runtime.now());
    // The clerk each rating was about, for the rectification a negative one opened.
    let mut rated_clerks: HashMap<(Uuid, RatingStage), String> = HashMap::new();
    runtime
        .store()
        .scan_applications(&ApplicationFilter::default(), |application| {
            for rating in &application.ratings {
                if let Some(clerk) = &rating.clerk_id {
                    rated_clerks.insert((application.id, rating.stage), clerk.clone());
                }
            }
            builder.add_application(&application)
        })
        .await?;
    let sessions = runtime
        .store()
        .all_sessions(&SessionFilter::default())
        .await?;
    builder.add_sessions(&sessions);
    add_cases(runtime, &mut builder, &rated_clerks).await?;
    let assessment = builder.finish(weights);
    Ok(convert::assessment_to_wire(
        &assessment,
        weights,
        runtime.catalogue(),
    ))
}

/// Every supervision case, a page at a time: a case opened in any earlier month may be ruled,
/// due or rectified in this one.
async fn add_cases(
    runtime: &Runtime,
    builder: &mut AssessmentBuilder<'_>,
    rated_clerks: &HashMap<(Uuid, RatingStage), String>,
) -> Result<(), Error> {
    let mut page = PageRequest {
        size: CASES_PER_PAGE,
        after: None,
    };
    loop {
        let cases = runtime.store().cases(&CaseFilter::default(), &page).await?;
        for case in &cases.items {
            let rated_clerk = case
                .rating
                .as_ref()
                .and_then(|rated| rated_clerks.get(&(rated.application_id, rated.stage)))
                .cloned();
            builder.add_case(&CaseFact::of(case, rated_clerk));
        }
        match cases.next_after {
            Some(after) => page.after = Some(after),
            None => return Ok(()),
        }
    }
}

/// Cases read per query while assessing.
const CASES_PER_PAGE: u64 = 200;

/// The columns, in the words of the centres' own assessment sheets.
const HEADER: [&str; 22] = [
    "类别",
    "编码",
    "名称",
    "月份",
    "得分",
    "上月得分",
    "环比变化",
    "办结数",
    "按时办结数",
    "按时办结率",
    "超期件数",
    "逾期默认同意数",
    "缺席联审次数",
    "投诉受理数",
    "投诉属实数",
    "差评数",
    "应整改数",
    "按时整改数",
    "按时整改率",
    "出件数",
    "一次办结数",
    "一次办结率",
];

/// The assessment as RFC 4180 CSV with a byte-order mark (spreadsheet programs need it to read
/// UTF-8): one row per department, then one per window clerk.
pub fn to_csv(assessment: &pb::Assessment) -> String {
    let mut csv = String::from('\u{feff}');
    push_line(&mut csv, HEADER.iter().map(|h| (*h).to_owned()));
    let kinds = [
        ("部门", &assessment.departments),
        ("窗口人员", &assessment.clerks),
    ];
    for (kind, rows) in kinds {
        for row in rows {
            push_line(&mut csv, cells(kind, &assessment.month, row));
        }
    }
    csv
}

fn cells<'a>(
    kind: &str,
    month: &str,
    row: &'a pb::AssessmentRow,
) -> impl Iterator<Item = String> + 'a {
    let f = row.figures.unwrap_or_default();
    let count = |n: u32| n.to_string();
    let share = |s: Option<f64>| s.map(|s| format!("{s:.4}")).unwrap_or_default();
    let points = |p: Option<f64>| p.map(|p| format!("{p:.2}")).unwrap_or_default();
    [
        kind.to_owned(),
        row.subject.clone(),
        row.name.clone(),
        month.to_owned(),
        points(Some(row.score)),
        points(row.previous_score),
        points(row.change),
        count(f.decided),
        count(f.on_time),
        share(f.on_time_rate),
        count(f.overdue),
        count(f.deemed_consents),
        count(f.session_absences),
        count(f.complaints_received),
        count(f.complaints_upheld),
        count(f.negative_reviews),
        count(f.rectifications_due),
        count(f.rectified_on_time),
        share(f.rectified_on_time_share),
        count(f.dispatched),
        count(f.one_visit),
        share(f.one_visit_share),
    ]
    .into_iter()
}

fn push_line(csv: &mut String, cells: impl Iterator<Item = String>) {
    let quoted: Vec<String> = cells.map(|cell| quote(&cell)).collect();
    csv.push_str(&quoted.join(","));
    csv.push_str("\r\n");
}

/// A cell quoted when it holds a comma, a quote or a line break; a leading `=`, `+`, `-` or `@`
/// is neutralised so that a name can never run as a spreadsheet formula.
fn quote(cell: &str) -> String {
    let cell = if cell.starts_with(['=', '+', '@'])
        || (cell.starts_with('-') && cell.parse::<f64>().is_err())
    {
        format!("'{cell}")
    } else {
        cell.to_owned()
    };
    if cell.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("=1+1"), "'=1+1");
        assert_eq!(quote("-3.50"), "-3.50");
        assert_eq!(quote("-cmd"), "'-cmd");
    }

    #[test]
    fn a_sheet_has_a_header_and_a_row_per_subject() {
        let row = pb::AssessmentRow {
            subject: "fire".into(),
            name: "消防, 救援".into(),
            figures: Some(pb::AssessmentFigures {
                decided: 3,
                on_time: 2,
                on_time_rate: Some(2.0 / 3.0),
                ..Default::default()
            }),
            score: 93.5,
            previous: None,
            previous_score: None,
            change: None,
        };
        let assessment = pb::Assessment {
            month: "2026-03".into(),
            departments: vec![row],
            ..Default::default()
        };
        let csv = to_csv(&assessment);
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert!(lines[0].starts_with("类别,编码,名称,月份,得分"));
        assert_eq!(
            lines[1],
            "部门,fire,\"消防, 救援\",2026-03,93.50,,,3,2,0.6667,0,0,0,0,0,0,0,0,,0,0,"
        );
        assert_eq!(lines[2], "");
    }
}
