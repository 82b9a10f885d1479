//! Who counts what: the figures of a month and of the month before, per department and per
//! window clerk, fed one application at a time (so a caller can page through the store and never
//! hold them all), then the closed sessions and the supervision cases.
//!
//! Every fact counts in the month of the local date it happened on, on the centre's calendar: a
//! decision in the month of the decision, an overdue branch in the month its deadline passed, a
//! complaint in the month it was registered and upheld in the month of the ruling, a negative
//! review in the month it was given and its rectification in the month it fell due.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::facts::{CaseFact, CaseFactKind};
use super::figures::Figures;
use super::month::Month;
use super::weights::AssessmentWeights;
use crate::application::{Application, Branch};
use crate::calendar::Calendar;
use crate::machine::BranchState;
use crate::session::{Attendance, Session};

/// One subject's month, scored, beside the month before.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentRow {
    /// A department code or a clerk id.
    pub subject: String,
    /// The month's figures.
    pub figures: Figures,
    /// The month's score.
    pub score: f64,
    /// The month before's figures (all zero when the subject did nothing then).
    pub previous: Figures,
    /// The month before's score; `None` when the subject did nothing then.
    pub previous_score: Option<f64>,
}

impl AssessmentRow {
    /// Points gained (positive) or lost since the month before.
    pub fn change(&self) -> Option<f64> {
        self.previous_score
            .map(|previous| ((self.score - previous) * 100.0).round() / 100.0)
    }
}

/// A month's assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The month.
    pub month: Month,
    /// One row per department active in the month or the month before, by code.
    pub departments: Vec<AssessmentRow>,
    /// One row per window clerk active in the month or the month before, by id.
    pub clerks: Vec<AssessmentRow>,
}

/// Counts a month and the month before.
pub struct AssessmentBuilder<'a> {
    month: Month,
    calendar: &'a Calendar,
    now: DateTime<Utc>,
    departments: BTreeMap<String, [Figures; 2]>,
    clerks: BTreeMap<String, [Figures; 2]>,
}

/// Which of the two months a date belongs to: 0 the month assessed, 1 the month before.
type Slot = usize;

impl<'a> AssessmentBuilder<'a> {
    /// An empty assessment of `month`, as things stand at `now` (a deadline not yet passed at
    /// `now` is not overdue).
    pub fn new(month: Month, calendar: &'a Calendar, now: DateTime<Utc>) -> Self {
        AssessmentBuilder {
            month,
            calendar,
            now,
            departments: BTreeMap::new(),
            clerks: BTreeMap::new(),
        }
    }

    fn slot(&self, at: DateTime<Utc>) -> Option<Slot> {
        let day = self.calendar.local_date(at);
        if self.month.contains(day) {
            Some(0)
        } else if self.month.previous().contains(day) {
            Some(1)
        } else {
            None
        }
    }

    fn department(&mut self, code: &str, slot: Slot) -> &mut Figures {
        &mut self.departments.entry(code.to_owned()).or_default()[slot]
    }

    fn clerk(&mut self, id: &str, slot: Slot) -> &mut Figures {
        &mut self.clerks.entry(id.to_owned()).or_default()[slot]
    }

    /// Counts one application (any: only what happened in the two months counts).
    pub fn add_application(&mut self, application: &Application) {
        for branch in &application.branches {
            self.add_branch(branch);
        }
        let clerk = application.front_desk_clerk.as_str();
        if let (Some(ready), Some(_)) = (application.ready_at, application.accepted_at)
            && let Some(slot) = self.slot(ready)
        {
            let on_time = application.due.is_some_and(|due| ready <= due.at);
            let figures = self.clerk(clerk, slot);
            figures.decided += 1;
            figures.on_time += u32::from(on_time);
        }
        if let Some(slot) = application
            .hand_over
            .as_ref()
            .and_then(|h| self.slot(h.handed_at))
        {
            let one_visit = u32::from(application.visits <= 1);
            let mut departments: Vec<&str> = application
                .branches
                .iter()
                .map(|b| b.department_code.as_str())
                .collect();
            departments.sort_unstable();
            departments.dedup();
            for code in departments {
                let figures = self.department(code, slot);
                figures.dispatched += 1;
                figures.one_visit += one_visit;
            }
            let figures = self.clerk(clerk, slot);
            figures.dispatched += 1;
            figures.one_visit += one_visit;
        }
    }

    fn add_branch(&mut self, branch: &Branch) {
        let code = branch.department_code.as_str();
        let outcome = branch
            .outcome
            .as_ref()
            .filter(|o| o.state != BranchState::Cancelled);
        if let Some(outcome) = outcome
            && let Some(slot) = self.slot(outcome.decided_at)
        {
            let on_time = branch
                .deadline
                .is_some_and(|deadline| outcome.decided_at <= deadline.at);
            let silent =
                outcome.state == BranchState::DeemedConsent && outcome.session_id.is_none();
            let figures = self.department(code, slot);
            figures.decided += 1;
            figures.on_time += u32::from(on_time);
            figures.deemed_consents += u32::from(silent);
        }
        let cancelled = branch
            .outcome
            .as_ref()
            .is_some_and(|o| o.state == BranchState::Cancelled);
        if let Some(deadline) = branch.deadline.filter(|d| d.at <= self.now)
            && !cancelled
            && let Some(slot) = self.slot(deadline.at)
        {
            let overdue = match &branch.outcome {
                None => true,
                Some(o) => o.state != BranchState::DeemedConsent && o.decided_at > deadline.at,
            };
            self.department(code, slot).overdue += u32::from(overdue);
        }
    }

    /// Counts the unexcused absences of the sessions closed in the two months.
    pub fn add_sessions(&mut self, sessions: &[Session]) {
        for session in sessions {
            let Some(closing) = &session.closing else {
                continue;
            };
            let Some(slot) = self.slot(closing.at) else {
                continue;
            };
            for outcome in &closing.outcomes {
                if outcome.attendance == Attendance::Absent {
                    self.department(&outcome.department_code, slot)
                        .session_absences += 1;
                }
            }
        }
    }

    /// Counts complaints and rectifications.
    pub fn add_case(&mut self, case: &CaseFact) {
        let subjects = |builder: &mut Self, slot: Slot, count: &dyn Fn(&mut Figures)| {
            count(builder.department(&case.department_code, slot));
            if let Some(clerk) = &case.clerk_id {
                count(builder.clerk(clerk, slot));
            }
        };
        match case.kind {
            CaseFactKind::Complaint => {
                if let Some(slot) = self.slot(case.opened_at) {
                    subjects(self, slot, &|f| f.complaints_received += 1);
                }
                if let Some(slot) = case.upheld_at.and_then(|at| self.slot(at)) {
                    subjects(self, slot, &|f| f.complaints_upheld += 1);
                }
            }
            CaseFactKind::Rectification if !case.overturned => {
                if let Some(slot) = self.slot(case.opened_at) {
                    subjects(self, slot, &|f| f.negative_reviews += 1);
                }
                if let Some(slot) = self.slot(case.due_at) {
                    let on_time = case.replied_at.is_some_and(|at| at <= case.due_at);
                    subjects(self, slot, &|f| {
                        f.rectifications_due += 1;
                        f.rectified_on_time += u32::from(on_time);
                    });
                }
            }
            CaseFactKind::Rectification => {}
        }
    }

    /// The scored assessment.
    pub fn finish(self, weights: &AssessmentWeights) -> Assessment {
        let rows = |subjects: BTreeMap<String, [Figures; 2]>| {
            subjects
                .into_iter()
                .map(|(subject, [figures, previous])| AssessmentRow {
                    subject,
                    score: weights.score(&figures),
                    previous_score: (previous != Figures::default())
                        .then(|| weights.score(&previous)),
                    figures,
                    previous,
                })
                .collect()
        };
        Assessment {
            month: self.month,
            departments: rows(self.departments),
            clerks: rows(self.clerks),
        }
    }
}
