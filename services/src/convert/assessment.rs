//! A month's assessment on the wire, and the month a request names.

use std::str::FromStr;

use lianban_orchestrator::Catalogue;
use lianban_orchestrator::assessment::{
    Assessment, AssessmentRow, AssessmentWeights, Figures, Month,
};
use lianban_proto::v1 as pb;

use crate::error::Error;

/// The month a request asks for: required, `YYYY-MM`.
pub fn month(field: &str, value: &str) -> Result<Month, Error> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid(field, "required: YYYY-MM"));
    }
    Month::from_str(value).map_err(|_| Error::invalid(field, "not a month: YYYY-MM"))
}

/// The assessment as the wire shows it, departments named from the catalogue.
pub fn assessment_to_wire(
    assessment: &Assessment,
    weights: &AssessmentWeights,
    catalogue: &Catalogue,
) -> pb::Assessment {
    let department_name = |code: &str| {
        catalogue
            .department(code)
            .map(|d| d.name.clone())
            .unwrap_or_default()
    };
    pb::Assessment {
        month: assessment.month.to_string(),
        previous_month: assessment.month.previous().to_string(),
        departments: assessment
            .departments
            .iter()
            .map(|r| row(r, department_name(&r.subject)))
            .collect(),
        clerks: assessment
            .clerks
            .iter()
            .map(|r| row(r, String::new()))
            .collect(),
        weights: Some(weights_to_wire(weights)),
        full_marks: weights.full_marks(),
    }
}

fn row(r: &AssessmentRow, name: String) -> pb::AssessmentRow {
    pb::AssessmentRow {
        subject: r.subject.clone(),
        name,
        figures: Some(figures(&r.figures)),
        score: r.score,
        previous: Some(figures(&r.previous)),
        previous_score: r.previous_score,
        change: r.change(),
    }
}

fn figures(f: &Figures) -> pb::AssessmentFigures {
    pb::AssessmentFigures {
        decided: f.decided,
        on_time: f.on_time,
        on_time_rate: f.on_time_rate(),
        overdue: f.overdue,
        deemed_consents: f.deemed_consents,
        session_absences: f.session_absences,
        complaints_received: f.complaints_received,
        complaints_upheld: f.complaints_upheld,
        negative_reviews: f.negative_reviews,
        rectifications_due: f.rectifications_due,
        rectified_on_time: f.rectified_on_time,
        rectified_on_time_share: f.rectified_on_time_share(),
        dispatched: f.dispatched,
        one_visit: f.one_visit,
        one_visit_share: f.one_visit_share(),
    }
}

fn weights_to_wire(w: &AssessmentWeights) -> pb::AssessmentWeights {
    pb::AssessmentWeights {
        on_time: w.on_time,
        one_visit: w.one_visit,
        rectified_on_time: w.rectified_on_time,
        per_overdue: w.per_overdue,
        per_deemed_consent: w.per_deemed_consent,
        per_absence: w.per_absence,
        per_complaint_upheld: w.per_complaint_upheld,
        per_negative_review: w.per_negative_review,
    }
}
