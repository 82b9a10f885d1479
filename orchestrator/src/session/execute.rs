//! The commands on an existing session: departments acknowledge and put opinions on record, the
//! lead reschedules, cancels or closes, and the system closes a session the lead left open.
//!
//! Each handler works on a copy of the session and returns the event it caused, if any: a
//! refused command changes nothing, and a command that changes nothing yields no event.

use chrono::{DateTime, Utc};

use super::closing::close;
use super::commands::{SessionCommand, SessionDecision, SessionEvent};
use super::model::{Acknowledgement, Cancellation, Opinion, OpinionKind, Reschedule, Session};
use super::policy::SessionPolicy;
use super::rules::{check_times, invitation_mut, is_late, lead, local, move_session};
use super::state::{SessionState, SessionTrigger};
use crate::application::Decider;
use crate::calendar::Calendar;
use crate::error::EngineError;
use crate::vocabulary::{Rules, limit_text, require_text};

/// What every session command is carried out with.
#[derive(Clone, Copy)]
struct Context<'a> {
    calendar: &'a Calendar,
    policy: SessionPolicy,
    now: DateTime<Utc>,
}

/// What a handler yields: the event it caused, or `None` when nothing changed.
type Handled = Result<Option<SessionEvent>, EngineError>;

/// Carries out a command on a session.
pub fn execute(
    rules: Rules<'_>,
    policy: SessionPolicy,
    current: &Session,
    command: SessionCommand,
    now: DateTime<Utc>,
) -> Result<SessionDecision, EngineError> {
    let mut session = current.clone();
    let context = Context {
        calendar: rules.calendar,
        policy,
        now,
    };
    let events: Vec<SessionEvent> = carry_out(&mut session, context, command)?
        .into_iter()
        .collect();
    if !events.is_empty() {
        session.version += 1;
    }
    Ok(SessionDecision { session, events })
}

/// Hands the command's fields to its handler.
fn carry_out(session: &mut Session, context: Context<'_>, command: SessionCommand) -> Handled {
    match command {
        SessionCommand::Acknowledge {
            department_code,
            clerk_id,
        } => acknowledge(session, context, department_code, clerk_id),
        SessionCommand::RecordOpinion {
            department_code,
            clerk_id,
            kind,
            text,
        } => record_opinion(
            session,
            context,
            Decider::new(department_code, clerk_id),
            kind,
            text,
        ),
        SessionCommand::Reschedule {
            department_code,
            clerk_id,
            starts_at,
            ends_at,
            place,
            reason,
        } => {
            let by = Decider::new(department_code, clerk_id);
            reschedule(session, context, by, starts_at, ends_at, place, reason)
        }
        SessionCommand::Cancel {
            department_code,
            clerk_id,
            reason,
        } => cancel(
            session,
            context,
            Decider::new(department_code, clerk_id),
            reason,
        ),
        SessionCommand::Close {
            department_code,
            clerk_id,
            minutes,
        } => close_by_lead(
            session,
            context,
            Decider::new(department_code, clerk_id),
            minutes,
        ),
        SessionCommand::CloseOverdue => close_overdue(session, context),
    }
}

/// An invited department signs for the current notice; signing again changes nothing.
fn acknowledge(
    session: &mut Session,
    context: Context<'_>,
    department_code: String,
    clerk_id: String,
) -> Handled {
    require_text("clerk_id", &clerk_id)?;
    move_session(session, SessionTrigger::Acknowledge)?;
    let invitation = invitation_mut(session, &department_code)?;
    if invitation.acknowledgement.is_some() {
        return Ok(None);
    }
    invitation.acknowledgement = Some(Acknowledgement {
        clerk_id,
        at: context.now,
    });
    Ok(Some(SessionEvent::Acknowledged { department_code }))
}

/// An invited department names its delegate, or — when it has branches in the session — gives
/// its consent or objection.
fn record_opinion(
    session: &mut Session,
    context: Context<'_>,
    by: Decider,
    kind: OpinionKind,
    text: String,
) -> Handled {
    let Decider {
        department_code,
        clerk_id,
    } = by;
    require_text("clerk_id", &clerk_id)?;
    limit_text("text", &text)?;
    if kind != OpinionKind::Consent {
        require_text("text", &text)?;
    }
    move_session(session, SessionTrigger::RecordOpinion)?;
    invitation_mut(session, &department_code)?;
    if kind != OpinionKind::Delegate
        && !session
            .items
            .iter()
            .any(|item| item.department_code == department_code)
    {
        return Err(EngineError::invalid(
            "kind",
            format!(
                "department {department_code} has no branch in this session: it can send a delegate, not an opinion"
            ),
        ));
    }
    session.opinions.push(Opinion {
        department_code: department_code.clone(),
        clerk_id,
        kind,
        text,
        at: context.now,
    });
    Ok(Some(SessionEvent::OpinionRecorded {
        department_code,
        opinion: kind,
    }))
}

/// The lead moves the session: every department is notified again and must sign again, and
/// whether its absence counts as consent follows the new notice.
fn reschedule(
    session: &mut Session,
    context: Context<'_>,
    by: Decider,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    place: String,
    reason: String,
) -> Handled {
    let now = context.now;
    let by = lead(session, by)?;
    require_text("reason", &reason)?;
    limit_text("place", &place)?;
    check_times(context.calendar, now, starts_at, ends_at)?;
    move_session(session, SessionTrigger::Reschedule)?;
    session.reschedules.push(Reschedule {
        from_starts_at: session.starts_at,
        to_starts_at: starts_at,
        reason,
        by,
        at: now,
    });
    session.starts_at = starts_at;
    session.ends_at = ends_at;
    if !place.trim().is_empty() {
        session.place = place;
    }
    let late = is_late(context.calendar, context.policy, now, starts_at);
    for invitation in &mut session.invitations {
        invitation.notified_at = now;
        invitation.late = late;
        invitation.acknowledgement = None;
    }
    Ok(Some(SessionEvent::Rescheduled))
}

/// The lead calls the session off.
fn cancel(session: &mut Session, context: Context<'_>, by: Decider, reason: String) -> Handled {
    let by = lead(session, by)?;
    require_text("reason", &reason)?;
    move_session(session, SessionTrigger::Cancel)?;
    session.cancellation = Some(Cancellation {
        by,
        reason,
        at: context.now,
    });
    Ok(Some(SessionEvent::Cancelled))
}

/// The lead closes the session with its minutes, once it has begun.
fn close_by_lead(
    session: &mut Session,
    context: Context<'_>,
    by: Decider,
    minutes: String,
) -> Handled {
    let by = lead(session, by)?;
    require_text("minutes", &minutes)?;
    if context.now < session.starts_at {
        return Err(EngineError::NotYet {
            entity: "session",
            id: session.id.to_string(),
            message: format!(
                "it starts at {}; absence can only be recorded once it has begun",
                local(context.calendar, session.starts_at)
            ),
        });
    }
    move_session(session, SessionTrigger::Close)?;
    close(context.calendar, session, Some(by), minutes, context.now);
    Ok(Some(SessionEvent::Closed { by_system: false }))
}

/// The system closes a session left open past its end and the grace period; one that is not
/// overdue, or no longer scheduled, is left alone.
fn close_overdue(session: &mut Session, context: Context<'_>) -> Handled {
    let due_at = session.ends_at + context.policy.grace;
    if session.state != SessionState::Scheduled || context.now < due_at {
        return Ok(None);
    }
    move_session(session, SessionTrigger::CloseOverdue)?;
    let minutes = format!(
        "系统关闭：会议至 {} 未由牵头部门关闭",
        local(context.calendar, due_at)
    );
    close(context.calendar, session, None, minutes, context.now);
    Ok(Some(SessionEvent::Closed { by_system: true }))
}
