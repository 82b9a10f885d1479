//! The commands on sessions — scheduling one ([`ScheduleSession`]) and every command on an
//! existing one ([`SessionCommand`]) — with what they yield: the events ([`SessionEvent`]) and
//! the new session ([`SessionDecision`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::{OpinionKind, Session, SessionKind};

/// Schedule a session.
#[derive(Debug, Clone)]
pub struct ScheduleSession {
    /// The new session's id.
    pub session_id: Uuid,
    /// Meeting or on-site survey.
    pub kind: SessionKind,
    /// The convening department.
    pub lead_department_code: String,
    /// Its clerk.
    pub clerk_id: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Place or link.
    pub place: String,
    /// The branches to review; empty: every joint-review branch still to decide.
    pub branch_ids: Vec<Uuid>,
    /// The departments to invite; empty: the departments of the branches.
    pub invited_department_codes: Vec<String>,
}

/// Every command on an existing session.
#[derive(Debug, Clone)]
pub enum SessionCommand {
    /// An invited department signs for its invitation.
    Acknowledge {
        /// The department.
        department_code: String,
        /// Its clerk.
        clerk_id: String,
    },
    /// An invited department gives an opinion or names its delegate.
    RecordOpinion {
        /// The department.
        department_code: String,
        /// Its clerk.
        clerk_id: String,
        /// Delegate, consent or objection.
        kind: OpinionKind,
        /// Delegate's name, comment or reasons.
        text: String,
    },
    /// The lead moves the session.
    Reschedule {
        /// The lead department.
        department_code: String,
        /// Its clerk.
        clerk_id: String,
        /// New start.
        starts_at: DateTime<Utc>,
        /// New end.
        ends_at: DateTime<Utc>,
        /// New place; empty keeps the old one.
        place: String,
        /// Why.
        reason: String,
    },
    /// The lead calls the session off.
    Cancel {
        /// The lead department.
        department_code: String,
        /// Its clerk.
        clerk_id: String,
        /// Why.
        reason: String,
    },
    /// The lead closes the session with its minutes.
    Close {
        /// The lead department.
        department_code: String,
        /// Its clerk.
        clerk_id: String,
        /// The minutes.
        minutes: String,
    },
    /// The system closes a session left open past its end and the grace period. Acting on a
    /// session that is not overdue, or no longer scheduled, changes nothing.
    CloseOverdue,
}

/// What happened to a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SessionEvent {
    /// Scheduled; invitations went out.
    Scheduled,
    /// A department signed for its invitation.
    Acknowledged {
        /// The department.
        department_code: String,
    },
    /// A department gave an opinion or named its delegate.
    OpinionRecorded {
        /// The department.
        department_code: String,
        /// What kind.
        opinion: OpinionKind,
    },
    /// The lead moved the session.
    Rescheduled,
    /// The lead called it off.
    Cancelled,
    /// Closed with minutes.
    Closed {
        /// Whether the system closed it.
        by_system: bool,
    },
}

/// A session command's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDecision {
    /// The session after the command.
    pub session: Session,
    /// What happened; empty when nothing changed.
    pub events: Vec<SessionEvent>,
}
