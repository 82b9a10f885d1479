//! The tallies of one subject (a department or a window clerk) over one month, and the shares
//! computed from them. A share with nothing to measure is `None`, not 0: a department that decided
//! nothing was not late.

/// What one subject did in one month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    /// A department: branches it decided in the month (deemed consents included). A clerk:
    /// applications they took that were completed in the month.
    pub decided: u32,
    /// Of those, decided (completed) by the deadline (due date).
    pub on_time: u32,
    /// A department: branches whose deadline passed in the month without its decision, deemed
    /// consents aside (escalated, decided late, or still open).
    pub overdue: u32,
    /// A department: branches deemed to consent in the month because it stayed silent.
    pub deemed_consents: u32,
    /// A department: joint review sessions closed in the month that it neither attended nor
    /// gave an opinion to, though told in time (late-notice absences are not its fault).
    pub session_absences: u32,
    /// Complaints registered in the month against it (or about the clerk).
    pub complaints_received: u32,
    /// Complaints a supervisor ruled upheld in the month.
    pub complaints_upheld: u32,
    /// Negative reviews (差评) in the month, less those overturned on appeal.
    pub negative_reviews: u32,
    /// Rectifications due in the month, less those overturned.
    pub rectifications_due: u32,
    /// Of those, rectified on or before their deadline.
    pub rectified_on_time: u32,
    /// Applications handed over in the month (a department: with a branch of it; a clerk: taken by them).
    pub dispatched: u32,
    /// Of those, finished in at most one visit to the hall.
    pub one_visit: u32,
}

impl Figures {
    /// `on_time / decided`.
    pub fn on_time_rate(&self) -> Option<f64> {
        share(self.on_time, self.decided)
    }

    /// `rectified_on_time / rectifications_due`.
    pub fn rectified_on_time_share(&self) -> Option<f64> {
        share(self.rectified_on_time, self.rectifications_due)
    }

    /// `one_visit / dispatched`.
    pub fn one_visit_share(&self) -> Option<f64> {
        share(self.one_visit, self.dispatched)
    }
}

fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}
