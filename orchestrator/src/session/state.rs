//! The lifecycle of a session: its states, what moves it, and the one table of transitions.

use serde::{Deserialize, Serialize};

/// The lifecycle of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Invitations are out; departments acknowledge and give opinions.
    Scheduled,
    /// Closed with minutes, by the lead or by the system. Final.
    Closed,
    /// Called off by the lead. Final.
    Cancelled,
}

impl SessionState {
    /// Every state.
    pub const ALL: [SessionState; 3] = [
        SessionState::Scheduled,
        SessionState::Closed,
        SessionState::Cancelled,
    ];

    /// The name used in errors, the store and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            SessionState::Scheduled => "scheduled",
            SessionState::Closed => "closed",
            SessionState::Cancelled => "cancelled",
        }
    }

    /// The state with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.name() == name)
    }

    /// The state after `trigger`, or `None` when the table has no such transition.
    pub fn next(self, trigger: SessionTrigger) -> Option<SessionState> {
        SESSION_TRANSITIONS
            .iter()
            .find(|(from, on, _)| *from == self && *on == trigger)
            .map(|(_, _, to)| *to)
    }
}

/// What moves a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionTrigger {
    /// An invited department signs for its invitation.
    Acknowledge,
    /// An invited department gives an opinion or names its delegate.
    RecordOpinion,
    /// The lead moves the session.
    Reschedule,
    /// The lead calls it off.
    Cancel,
    /// The lead closes it with minutes.
    Close,
    /// The system closes it after its end and the grace period.
    CloseOverdue,
}

impl SessionTrigger {
    /// Every trigger, for tests.
    pub const ALL: [SessionTrigger; 6] = [
        SessionTrigger::Acknowledge,
        SessionTrigger::RecordOpinion,
        SessionTrigger::Reschedule,
        SessionTrigger::Cancel,
        SessionTrigger::Close,
        SessionTrigger::CloseOverdue,
    ];

    /// The name used in errors.
    pub fn name(self) -> &'static str {
        match self {
            SessionTrigger::Acknowledge => "acknowledge the invitation",
            SessionTrigger::RecordOpinion => "record an opinion",
            SessionTrigger::Reschedule => "reschedule",
            SessionTrigger::Cancel => "cancel",
            SessionTrigger::Close => "close",
            SessionTrigger::CloseOverdue => "close as overdue",
        }
    }
}

/// Every session transition: (from, trigger, to).
pub const SESSION_TRANSITIONS: &[(SessionState, SessionTrigger, SessionState)] = {
    use SessionState::*;
    use SessionTrigger::*;
    &[
        (Scheduled, Acknowledge, Scheduled),
        (Scheduled, RecordOpinion, Scheduled),
        (Scheduled, Reschedule, Scheduled),
        (Scheduled, Cancel, Cancelled),
        (Scheduled, Close, Closed),
        (Scheduled, CloseOverdue, Closed),
    ]
};
