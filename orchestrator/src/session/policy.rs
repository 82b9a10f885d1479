//! How the centre runs its sessions: the notice period that makes absence consent, and the grace
//! after a session's end before the system closes it.

use chrono::Duration;

/// How the centre runs its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A department notified fewer working days than this before the session starts is not
    /// deemed to consent by its absence.
    pub notice_working_days: u32,
    /// How long after its scheduled end the system closes a session the lead left open.
    pub grace: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            notice_working_days: 1,
            grace: Duration::hours(2),
        }
    }
}
