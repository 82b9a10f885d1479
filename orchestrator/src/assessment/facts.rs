//! What a supervision case contributes to an assessment, reduced to the facts the figures need,
//! so the assessment does not depend on how cases are stored or moved.

use chrono::{DateTime, Utc};

use crate::case::{Case, CaseKind, Subject};

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

impl CaseFact {
    /// What `case` contributes. `rated_clerk` is the window clerk a rectification's review rated
    /// (the rating knows it, the case does not); a complaint's clerk is its subject's.
    pub fn of(case: &Case, rated_clerk: Option<String>) -> CaseFact {
        let (kind, clerk_id) = match case.kind {
            CaseKind::Complaint => (
                CaseFactKind::Complaint,
                match &case.subject {
                    Some(Subject::Clerk { clerk_id, .. }) => Some(clerk_id.clone()),
                    _ => None,
                },
            ),
            CaseKind::Rectification => (CaseFactKind::Rectification, rated_clerk),
        };
        CaseFact {
            kind,
            department_code: case.department_code.clone(),
            clerk_id,
            opened_at: case.opened_at,
            due_at: case.due_at,
            replied_at: case.reply.as_ref().map(|reply| reply.at),
            upheld_at: case
                .ruling
                .as_ref()
                .filter(|ruling| ruling.upheld)
                .map(|ruling| ruling.at),
            overturned: case
                .appeals
                .iter()
                .any(|appeal| appeal.decision.as_ref().is_some_and(|d| d.overturned)),
        }
    }
}
