//! A month's assessment as `lianban assessment` prints it: departments, then window clerks, each
//! with its score beside the month before and the figures the score comes from.

use lianban_proto::v1 as pb;

use super::table::table;

/// Two tables, departments then clerks, under a line naming the month and the full marks.
pub fn render_assessment(assessment: &pb::Assessment) -> String {
    let mut text = format!(
        "Assessment of {} (previous {}), full marks {}\n\n",
        assessment.month, assessment.previous_month, assessment.full_marks
    );
    text.push_str(&rows_table("DEPARTMENT", &assessment.departments));
    text.push('\n');
    text.push_str(&rows_table("CLERK", &assessment.clerks));
    text
}

fn rows_table(subject: &str, rows: &[pb::AssessmentRow]) -> String {
    let points = |p: Option<f64>| p.map(|p| format!("{p:.2}")).unwrap_or_else(|| "-".into());
    let share = |s: Option<f64>| {
        s.map(|s| format!("{:.1}%", s * 100.0))
            .unwrap_or_else(|| "-".into())
    };
    let lines = rows
        .iter()
        .map(|r| {
            let f = r.figures.unwrap_or_default();
            vec![
                r.subject.clone(),
                r.name.clone(),
                points(Some(r.score)),
                points(r.previous_score),
                points(r.change),
                share(f.on_time_rate),
                f.overdue.to_string(),
                f.deemed_consents.to_string(),
                f.session_absences.to_string(),
                format!("{}/{}", f.complaints_upheld, f.complaints_received),
                f.negative_reviews.to_string(),
                share(f.rectified_on_time_share),
                share(f.one_visit_share),
            ]
        })
        .collect();
    table(
        &[
            subject,
            "NAME",
            "SCORE",
            "PREVIOUS",
            "CHANGE",
            "ON TIME",
            "OVERDUE",
            "DEEMED",
            "ABSENT",
            "UPHELD",
            "NEGATIVE",
            "RECTIFIED",
            "ONE VISIT",
        ],
        lines,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_shows_its_score_trend_and_shares() {
        let assessment = pb::Assessment {
            month: "2026-03".into(),
            previous_month: "2026-02".into(),
            departments: vec![pb::AssessmentRow {
                subject: "fire".into(),
                name: "消防".into(),
                figures: Some(pb::AssessmentFigures {
                    decided: 4,
                    on_time: 3,
                    on_time_rate: Some(0.75),
                    complaints_received: 2,
                    complaints_upheld: 1,
                    ..Default::default()
                }),
                score: 88.5,
                previous_score: Some(90.0),
                change: Some(-1.5),
                ..Default::default()
            }],
            full_marks: 100.0,
            ..Default::default()
        };
        let text = render_assessment(&assessment);
        assert!(text.starts_with("Assessment of 2026-03 (previous 2026-02), full marks 100"));
        let row = text.lines().find(|l| l.starts_with("fire")).unwrap();
        for cell in ["88.50", "90.00", "-1.50", "75.0%", "1/2"] {
            assert!(row.contains(cell), "{cell} in {row}");
        }
    }
}
