//! The lifecycle of a case: its kinds and states, what moves it, and the one table of transitions,
//! per kind (a complaint is ruled on; a rectification may be appealed).

use serde::{Deserialize, Serialize};

/// A complaint or the rectification of a negative review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// A complaint (投诉).
    Complaint,
    /// The rectification of a negative review (差评整改).
    Rectification,
}

impl CaseKind {
    /// The name used on the wire, in the store and in the CLI.
    pub fn name(self) -> &'static str {
        match self {
            CaseKind::Complaint => "complaint",
            CaseKind::Rectification => "rectification",
        }
    }

    /// The kind with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        [CaseKind::Complaint, CaseKind::Rectification]
            .into_iter()
            .find(|kind| kind.name() == name)
    }

    /// The prefix of its numbers: 投诉 TS, 整改 ZG.
    pub fn number_prefix(self) -> &'static str {
        match self {
            CaseKind::Complaint => "TS",
            CaseKind::Rectification => "ZG",
        }
    }

    /// The name the notices use.
    pub(super) fn label(self) -> &'static str {
        match self {
            CaseKind::Complaint => "投诉",
            CaseKind::Rectification => "差评整改",
        }
    }
}

/// The lifecycle of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Routed to its department, which has not replied yet.
    Open,
    /// The department replied (a complaint) or reported its rectification.
    Replied,
    /// A supervisor ruled on the complaint: upheld or not.
    Ruled,
    /// The department appealed the review; a supervisor decides.
    Appealed,
    /// Closed by a supervisor, or overturned on appeal. Final.
    Closed,
}

impl CaseState {
    /// Every state.
    pub const ALL: [CaseState; 5] = [
        CaseState::Open,
        CaseState::Replied,
        CaseState::Ruled,
        CaseState::Appealed,
        CaseState::Closed,
    ];

    /// The name used in errors, the store and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::Replied => "replied",
            CaseState::Ruled => "ruled",
            CaseState::Appealed => "appealed",
            CaseState::Closed => "closed",
        }
    }

    /// The state with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.name() == name)
    }

    /// Whether the department still owes an answer: its deadline runs.
    pub fn awaits_department(self) -> bool {
        matches!(self, CaseState::Open | CaseState::Appealed)
    }

    /// The state a case of `kind` reaches on `trigger`, or `None` when the table has none.
    pub fn next(self, kind: CaseKind, trigger: CaseTrigger) -> Option<CaseState> {
        CASE_TRANSITIONS
            .iter()
            .find(|(k, from, on, _)| *k == kind && *from == self && *on == trigger)
            .map(|(_, _, _, to)| *to)
    }
}

/// What moves a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseTrigger {
    /// The department replies, or reports its rectification.
    Reply,
    /// A supervisor rules on a complaint.
    Rule,
    /// The department appeals a review (申诉).
    Appeal,
    /// A supervisor overturns the review on appeal.
    Overturn,
    /// A supervisor rejects the appeal.
    RejectAppeal,
    /// The call-back to the person is recorded (回访).
    CallBack,
    /// A supervisor closes the case.
    Close,
    /// The system escalates a case with no answer by its deadline.
    Escalate,
}

impl CaseTrigger {
    /// Every trigger, for tests.
    pub const ALL: [CaseTrigger; 8] = [
        CaseTrigger::Reply,
        CaseTrigger::Rule,
        CaseTrigger::Appeal,
        CaseTrigger::Overturn,
        CaseTrigger::RejectAppeal,
        CaseTrigger::CallBack,
        CaseTrigger::Close,
        CaseTrigger::Escalate,
    ];

    /// The name used in errors.
    pub fn name(self) -> &'static str {
        match self {
            CaseTrigger::Reply => "reply",
            CaseTrigger::Rule => "rule",
            CaseTrigger::Appeal => "appeal",
            CaseTrigger::Overturn => "overturn on appeal",
            CaseTrigger::RejectAppeal => "reject the appeal",
            CaseTrigger::CallBack => "record the call-back",
            CaseTrigger::Close => "close",
            CaseTrigger::Escalate => "escalate",
        }
    }
}

/// Every case transition: (kind, from, trigger, to).
pub const CASE_TRANSITIONS: &[(CaseKind, CaseState, CaseTrigger, CaseState)] = {
    use CaseKind::*;
    use CaseState::*;
    use CaseTrigger::*;
    &[
        (Complaint, Open, Reply, Replied),
        (Complaint, Open, Escalate, Open),
        (Complaint, Replied, Rule, Ruled),
        (Complaint, Replied, CallBack, Replied),
        (Complaint, Ruled, CallBack, Ruled),
        (Complaint, Ruled, Close, Closed),
        (Rectification, Open, Reply, Replied),
        (Rectification, Open, Escalate, Open),
        (Rectification, Open, Appeal, Appealed),
        (Rectification, Appealed, Escalate, Appealed),
        (Rectification, Appealed, Overturn, Closed),
        (Rectification, Appealed, RejectAppeal, Open),
        (Rectification, Replied, CallBack, Replied),
        (Rectification, Replied, Close, Closed),
    ]
};
