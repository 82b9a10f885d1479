//! What a closed session means for each branch it reviewed ([`SessionVerdict`]), which every
//! application it touched then applies once through the engine.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::model::{Attendance, DepartmentOutcome, Opinion, OpinionKind, Session};
use crate::application::Decider;
use crate::vocabulary::SessionVerdict;

impl Session {
    /// What the closing means for each branch, by application; empty unless closed. Branches of
    /// a department that attended without a standing opinion get nothing: their department still
    /// decides them.
    pub fn verdicts(&self) -> BTreeMap<Uuid, Vec<(Uuid, SessionVerdict)>> {
        let mut out: BTreeMap<Uuid, Vec<(Uuid, SessionVerdict)>> = BTreeMap::new();
        let Some(closing) = &self.closing else {
            return out;
        };
        for item in &self.items {
            let Some(outcome) = closing
                .outcomes
                .iter()
                .find(|o| o.department_code == item.department_code)
            else {
                continue;
            };
            let Some(verdict) = self.verdict_of(outcome) else {
                continue;
            };
            out.entry(item.application_id)
                .or_default()
                .push((item.branch_id, verdict));
        }
        out
    }

    /// What one department's outcome means for its branches, if anything.
    fn verdict_of(&self, outcome: &DepartmentOutcome) -> Option<SessionVerdict> {
        match (&outcome.opinion, outcome.attendance) {
            (Some(opinion), _) => Some(standing(opinion)),
            (None, Attendance::Absent) => Some(SessionVerdict::Absent {
                rule: format!("absent from session {}", self.id),
                evidence: outcome.evidence.clone(),
            }),
            (None, Attendance::AbsentExcused) => Some(SessionVerdict::Excused {
                reason: outcome.evidence.clone(),
            }),
            (None, _) => None,
        }
    }
}

/// A department's standing opinion as the verdict on its branches.
fn standing(opinion: &Opinion) -> SessionVerdict {
    let decider = Decider {
        department_code: opinion.department_code.clone(),
        clerk_id: opinion.clerk_id.clone(),
    };
    if opinion.kind == OpinionKind::Object {
        SessionVerdict::Object {
            decider,
            reasons: opinion.text.clone(),
        }
    } else {
        SessionVerdict::Consent {
            decider,
            comment: opinion.text.clone(),
        }
    }
}
