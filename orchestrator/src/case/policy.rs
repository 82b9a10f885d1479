//! How long a department has to answer a case, in working days on the centre's calendar. Local
//! rules differ (a rectification in 5, 7 or 15 working days), so both are configured.

/// The deadlines of cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CasePolicy {
    /// Working days a department has to reply to a complaint.
    pub complaint_days: u32,
    /// Working days a department has to rectify after a negative review.
    pub rectification_days: u32,
}

impl Default for CasePolicy {
    fn default() -> Self {
        CasePolicy {
            complaint_days: 5,
            rectification_days: 15,
        }
    }
}
