//! The commands on cases — opening one ([`OpenCase`]) and every command on an existing one
//! ([`CaseCommand`]) — with what they yield: the events ([`CaseEvent`], one entry each on the
//! case's trail) and the new case ([`CaseDecision`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::{Case, CaseOutcome, Channel, Complainant, RatedService, Subject};
use super::state::CaseKind;

/// Open a case: a complaint lodged, or the rectification a negative review calls for.
#[derive(Debug, Clone)]
pub struct OpenCase {
    /// The new case's id.
    pub case_id: Uuid,
    /// Complaint or rectification.
    pub kind: CaseKind,
    /// Its number, allocated by the store.
    pub number: String,
    /// The responsible department, already checked against the catalogue.
    pub department_code: String,
    /// How it came in.
    pub channel: Channel,
    /// A complaint's subject.
    pub subject: Option<Subject>,
    /// A complaint's complainant.
    pub complainant: Option<Complainant>,
    /// The facts (required for a complaint).
    pub facts: String,
    /// A rectification's rating.
    pub rating: Option<RatedService>,
    /// Who registers it.
    pub opened_by: String,
}

/// Every command on an existing case.
#[derive(Debug, Clone)]
pub enum CaseCommand {
    /// The responsible department replies, or reports its rectification.
    Reply {
        /// The department.
        department_code: String,
        /// Its clerk.
        clerk_id: String,
        /// The reply.
        text: String,
    },
    /// A supervisor rules on a complaint.
    Rule {
        /// The supervisor.
        supervisor: String,
        /// Founded or not.
        upheld: bool,
        /// Why (required).
        reason: String,
    },
    /// The department appeals a review as malicious or mistaken.
    Appeal {
        /// The department.
        department_code: String,
        /// Its clerk.
        clerk_id: String,
        /// Why (required).
        reason: String,
    },
    /// A supervisor decides the pending appeal.
    DecideAppeal {
        /// The supervisor.
        supervisor: String,
        /// Overturn the review (the case closes) or reject the appeal (the case goes on).
        overturn: bool,
        /// Why (required).
        reason: String,
    },
    /// The call-back to the person is recorded.
    RecordCallBack {
        /// Who called.
        by: String,
        /// When they called (not after now).
        called_at: DateTime<Utc>,
        /// What the person said (required).
        said: String,
        /// Whether they are satisfied.
        satisfied: bool,
    },
    /// A supervisor closes the case.
    Close {
        /// The supervisor.
        supervisor: String,
        /// Closing note (optional).
        note: String,
    },
    /// The system escalates a case with no answer by its deadline; acting on a case that is not
    /// overdue, or already escalated, changes nothing.
    EscalateOverdue,
}

/// What happened to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseEvent {
    /// Registered and routed.
    Opened {
        /// Complaint or rectification.
        case_kind: CaseKind,
        /// Its number.
        number: String,
        /// The responsible department.
        department_code: String,
        /// Its deadline.
        due_at: DateTime<Utc>,
    },
    /// The department replied or reported its rectification.
    Replied {
        /// On or before the deadline.
        on_time: bool,
    },
    /// A supervisor ruled.
    Ruled {
        /// Founded or not.
        upheld: bool,
        /// Why.
        reason: String,
    },
    /// The department appealed.
    Appealed {
        /// Why.
        reason: String,
    },
    /// A supervisor decided the appeal.
    AppealDecided {
        /// Whether the review was overturned.
        overturned: bool,
        /// Why.
        reason: String,
    },
    /// The call-back was recorded.
    CalledBack {
        /// Whether the person is satisfied.
        satisfied: bool,
    },
    /// No answer by the deadline: escalated to supervision.
    Escalated {
        /// The deadline that passed.
        due_at: DateTime<Utc>,
    },
    /// Closed.
    Closed {
        /// How it ended.
        outcome: CaseOutcome,
    },
}

impl CaseEvent {
    /// The event's kind, as the trail names it.
    pub fn kind(&self) -> &'static str {
        match self {
            CaseEvent::Opened { .. } => "case_opened",
            CaseEvent::Replied { .. } => "case_replied",
            CaseEvent::Ruled { .. } => "case_ruled",
            CaseEvent::Appealed { .. } => "case_appealed",
            CaseEvent::AppealDecided { .. } => "case_appeal_decided",
            CaseEvent::CalledBack { .. } => "case_called_back",
            CaseEvent::Escalated { .. } => "case_escalated",
            CaseEvent::Closed { .. } => "case_closed",
        }
    }
}

/// A case command's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDecision {
    /// The case after the command.
    pub case: Case,
    /// What happened; empty when nothing changed.
    pub events: Vec<CaseEvent>,
}
