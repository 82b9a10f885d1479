//! What a supervision case contributes to an assessment, reduced to the facts the figures need,
//! so the assessment does not depend on how cases are stored or moved.

use chrono::{DateTime, Utc};

/// The two kinds of supervision case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseFactKind {
    /// A complaint (投诉).
    Complaint,
    /// The rectification (整改) a negative review (差评) opened.
    Rectification,
}

/// One case as the assessment sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFact {
    /// Complaint or rectification.
    pub kind: CaseFactKind,
    /// The department it was routed to.
    pub department_code: String,
    /// The window clerk it is about: the clerk complained of, or the clerk the review rated.
    pub clerk_id: Option<String>,
    /// When it was registered (a complaint) or opened by the review (a rectification).
    pub opened_at: DateTime<Utc>,
    /// Its deadline.
    pub due_at: DateTime<Utc>,
    /// When the department replied (a rectification: reported what it rectified).
    pub replied_at: Option<DateTime<Utc>>,
    /// When a supervisor ruled the complaint upheld; `None` when not upheld or not yet ruled.
    pub upheld_at: Option<DateTime<Utc>>,
    /// A rectification whose review a supervisor found malicious or mistaken on appeal: it no
    /// longer counts as a negative review.
    pub overturned: bool,
}
