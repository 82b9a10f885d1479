//! The scoring rule of an assessment, set by the centre (考核细则). Three shares earn points — the
//! on-time rate, the one-visit share and the share of negative reviews rectified on time — each up
//! to its weight, full marks when there was nothing to measure; every overdue branch, deemed
//! consent by silence, unexcused absence, upheld complaint and negative review deducts its
//! penalty. The score is kept between 0 and the sum of the three weights, and rounded to the
//! hundredth so that a person computing it by hand gets the same number.

use serde::{Deserialize, Serialize};

use super::figures::Figures;

/// Points and penalties.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AssessmentWeights {
    /// Points for an on-time rate of 100 %.
    pub on_time: f64,
    /// Points for a one-visit share of 100 %.
    pub one_visit: f64,
    /// Points for rectifying every negative review on time.
    pub rectified_on_time: f64,
    /// Deducted for each overdue branch.
    pub per_overdue: f64,
    /// Deducted for each deemed consent by silence.
    pub per_deemed_consent: f64,
    /// Deducted for each unexcused absence from a joint review session.
    pub per_absence: f64,
    /// Deducted for each complaint ruled upheld.
    pub per_complaint_upheld: f64,
    /// Deducted for each negative review not overturned.
    pub per_negative_review: f64,
}

impl Default for AssessmentWeights {
    /// A hundred-point rule: 60 for timeliness, 20 for one visit, 20 for rectification.
    fn default() -> Self {
        AssessmentWeights {
            on_time: 60.0,
            one_visit: 20.0,
            rectified_on_time: 20.0,
            per_overdue: 2.0,
            per_deemed_consent: 1.0,
            per_absence: 2.0,
            per_complaint_upheld: 5.0,
            per_negative_review: 1.0,
        }
    }
}

/// A weight that cannot score.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("assessment weight {field}: {message}")]
pub struct WeightsError {
    /// The weight's name.
    pub field: &'static str,
    /// What is wrong.
    pub message: &'static str,
}

impl AssessmentWeights {
    /// Every weight finite and not negative, and some points to earn.
    pub fn validate(&self) -> Result<(), WeightsError> {
        for (field, value) in self.named() {
            if !value.is_finite() || value < 0.0 {
                return Err(WeightsError {
                    field,
                    message: "must be a number of at least 0",
                });
            }
        }
        if self.full_marks() <= 0.0 {
            return Err(WeightsError {
                field: "on_time",
                message: "on_time, one_visit and rectified_on_time must earn some points together",
            });
        }
        Ok(())
    }

    /// The best score.
    pub fn full_marks(&self) -> f64 {
        self.on_time + self.one_visit + self.rectified_on_time
    }

    /// The score of one month's figures.
    pub fn score(&self, f: &Figures) -> f64 {
        let earned = self.on_time * f.on_time_rate().unwrap_or(1.0)
            + self.one_visit * f.one_visit_share().unwrap_or(1.0)
            + self.rectified_on_time * f.rectified_on_time_share().unwrap_or(1.0);
        let deducted = self.per_overdue * f64::from(f.overdue)
            + self.per_deemed_consent * f64::from(f.deemed_consents)
            + self.per_absence * f64::from(f.session_absences)
            + self.per_complaint_upheld * f64::from(f.complaints_upheld)
            + self.per_negative_review * f64::from(f.negative_reviews);
        let score = (earned - deducted).clamp(0.0, self.full_marks());
        (score * 100.0).round() / 100.0
    }

    fn named(&self) -> [(&'static str, f64); 8] {
        [
            ("on_time", self.on_time),
            ("one_visit", self.one_visit),
            ("rectified_on_time", self.rectified_on_time),
            ("per_overdue", self.per_overdue),
            ("per_deemed_consent", self.per_deemed_consent),
            ("per_absence", self.per_absence),
            ("per_complaint_upheld", self.per_complaint_upheld),
            ("per_negative_review", self.per_negative_review),
        ]
    }
}
