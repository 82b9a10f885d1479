//! What a wire view of an application needs besides the application, and the deadlines it shows:
//! the remaining working days and the warning colour are computed when the view is taken, never
//! stored, so that every answer shows them as of its own time.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lianban_orchestrator::warning::{self, Colour, WarningPolicy};
use lianban_orchestrator::{Calendar, Catalogue, Deadline};
use lianban_proto::v1 as pb;

use super::fields::timestamp;

/// What a wire view of an application needs besides the application: names from the catalogue,
/// the calendar and policy for warnings, and the time the view is taken.
#[derive(Clone)]
pub struct View<'a> {
    /// The catalogue.
    pub catalogue: &'a Catalogue,
    /// The working calendar.
    pub calendar: Arc<Calendar>,
    /// When branches turn yellow.
    pub policy: &'a WarningPolicy,
    /// Now.
    pub now: DateTime<Utc>,
}

impl View<'_> {
    /// A deadline with its remaining working days, and its colour while `open`.
    pub(super) fn deadline(
        &self,
        deadline: &Deadline,
        limit_days: u32,
        open: bool,
    ) -> pb::DeadlineView {
        self.deadline_as_of(deadline, limit_days, open, self.now)
    }

    /// The same, assessed at `as_of` (a paused branch's warning stays as it was when it paused).
    pub(super) fn deadline_as_of(
        &self,
        deadline: &Deadline,
        limit_days: u32,
        open: bool,
        as_of: DateTime<Utc>,
    ) -> pb::DeadlineView {
        let assessment = warning::assess(&self.calendar, self.policy, deadline, limit_days, as_of);
        let colour = match assessment.colour {
            _ if !open => pb::WarningColour::Unspecified,
            Colour::Green => pb::WarningColour::Green,
            Colour::Yellow => pb::WarningColour::Yellow,
            Colour::Red => pb::WarningColour::Red,
        };
        pb::DeadlineView {
            at: Some(timestamp(deadline.at)),
            provisional: deadline.provisional,
            remaining_working_days: assessment.remaining_days,
            colour: colour as i32,
            limit_days,
        }
    }
}
