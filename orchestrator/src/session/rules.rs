//! The checks session commands share: the transition table, who may act (the lead, an invited
//! department), times that make sense, the notice period — and local times as people read them.

use chrono::{DateTime, Utc};

use super::model::{Invitation, Session};
use super::policy::SessionPolicy;
use super::state::SessionTrigger;
use crate::application::Decider;
use crate::calendar::Calendar;
use crate::catalogue::Catalogue;
use crate::error::EngineError;
use crate::vocabulary::require_text;

/// Whether a department notified at `notified_at` of a session starting at `starts_at` was told
/// fewer working days ahead than the policy asks: then its absence is not consent.
pub(super) fn is_late(
    calendar: &Calendar,
    policy: SessionPolicy,
    notified_at: DateTime<Utc>,
    starts_at: DateTime<Utc>,
) -> bool {
    calendar.working_days_between(
        calendar.local_date(notified_at),
        calendar.local_date(starts_at),
    ) < policy.notice_working_days
}

/// Moves the session along `trigger`, or refuses.
pub(super) fn move_session(
    session: &mut Session,
    trigger: SessionTrigger,
) -> Result<(), EngineError> {
    let next = session
        .state
        .next(trigger)
        .ok_or_else(|| EngineError::InvalidTransition {
            entity: "session",
            id: session.id.to_string(),
            state: session.state.name(),
            command: trigger.name(),
        })?;
    session.state = next;
    Ok(())
}

/// The caller, refused unless it is the session's lead department.
pub(super) fn lead(session: &Session, by: Decider) -> Result<Decider, EngineError> {
    require_text("clerk_id", &by.clerk_id)?;
    if by.department_code != session.lead_department_code {
        return Err(EngineError::NotLead {
            session_id: session.id.to_string(),
            lead: session.lead_department_code.clone(),
            caller: by.department_code,
        });
    }
    Ok(by)
}

/// The invitation of `department_code`, refused when the session did not invite it.
pub(super) fn invitation_mut<'a>(
    session: &'a mut Session,
    department_code: &str,
) -> Result<&'a mut Invitation, EngineError> {
    let id = session.id;
    session
        .invitations
        .iter_mut()
        .find(|i| i.department_code == department_code)
        .ok_or_else(|| EngineError::NotInvited {
            session_id: id.to_string(),
            department_code: department_code.to_owned(),
        })
}

/// A start in the future and an end after it; the refusal reads the times in the centre's zone.
pub(super) fn check_times(
    calendar: &Calendar,
    now: DateTime<Utc>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> Result<(), EngineError> {
    if starts_at <= now {
        return Err(EngineError::invalid(
            "starts_at",
            format!(
                "{} is not in the future (now {})",
                local(calendar, starts_at),
                local(calendar, now)
            ),
        ));
    }
    if ends_at <= starts_at {
        return Err(EngineError::invalid(
            "ends_at",
            format!(
                "{} is not after starts_at {}",
                local(calendar, ends_at),
                local(calendar, starts_at)
            ),
        ));
    }
    Ok(())
}

/// Refuses a department the catalogue does not know, naming `field`.
pub(super) fn known_department(
    catalogue: &Catalogue,
    field: &str,
    code: &str,
) -> Result<(), EngineError> {
    if catalogue.department(code).is_none() {
        return Err(EngineError::invalid(
            field,
            format!("unknown department {code:?}"),
        ));
    }
    Ok(())
}

/// A time as the centre's clerks read it: local, to the minute.
pub(super) fn local(calendar: &Calendar, at: DateTime<Utc>) -> String {
    at.with_timezone(&calendar.zone())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
