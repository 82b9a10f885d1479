//! Opening a case and carrying out the commands on one: the department replies or appeals, a
//! supervisor rules, decides the appeal and closes, the call-back is recorded, and the system
//! escalates a case left without an answer past its deadline.
//!
//! Each handler works on a copy of the case and returns the event it caused, if any: a refused
//! command changes nothing, and a command that changes nothing yields no event.

use chrono::{DateTime, Utc};

use super::commands::{CaseCommand, CaseDecision, CaseEvent, OpenCase};
use super::model::{Appeal, AppealDecision, CallBack, Case, CaseOutcome, Closing, Reply, Ruling};
use super::policy::CasePolicy;
use super::state::{CaseKind, CaseState, CaseTrigger};
use crate::application::Decider;
use crate::calendar::Calendar;
use crate::error::EngineError;
use crate::vocabulary::{limit_text, require_text};

/// What a handler yields: the event it caused, or `None` when nothing changed.
type Handled = Result<Option<CaseEvent>, EngineError>;

/// Opens a case: routed to its department with a deadline of the policy's working days from
/// `now` on the centre's calendar (the closing time of the last one, through holidays).
pub fn open(
    calendar: &Calendar,
    policy: CasePolicy,
    command: OpenCase,
    now: DateTime<Utc>,
) -> Result<CaseDecision, EngineError> {
    require_text("department_code", &command.department_code)?;
    match command.kind {
        CaseKind::Complaint => {
            require_text("facts", &command.facts)?;
            let complainant = command
                .complainant
                .as_ref()
                .ok_or_else(|| EngineError::invalid("complainant", "required"))?;
            require_text("complainant.name", &complainant.name)?;
            if command.subject.is_none() {
                return Err(EngineError::invalid("subject", "required"));
            }
        }
        CaseKind::Rectification => {
            limit_text("facts", &command.facts)?;
            if command.rating.is_none() {
                return Err(EngineError::invalid("rating", "required"));
            }
        }
    }
    let days = match command.kind {
        CaseKind::Complaint => policy.complaint_days,
        CaseKind::Rectification => policy.rectification_days,
    };
    let due_at = calendar.deadline(now, days).at;
    let call_back_required = match command.kind {
        CaseKind::Complaint => true,
        CaseKind::Rectification => command.rating.as_ref().is_some_and(|r| r.real_name),
    };
    let case = Case {
        id: command.case_id,
        kind: command.kind,
        number: command.number,
        state: CaseState::Open,
        department_code: command.department_code,
        channel: command.channel,
        subject: command.subject,
        complainant: command.complainant,
        facts: command.facts,
        rating: command.rating,
        opened_by: command.opened_by,
        opened_at: now,
        due_at,
        call_back_required,
        reply: None,
        ruling: None,
        appeals: Vec::new(),
        call_back: None,
        escalated_at: None,
        closing: None,
        version: 1,
    };
    let event = CaseEvent::Opened {
        case_kind: case.kind,
        number: case.number.clone(),
        department_code: case.department_code.clone(),
        due_at,
    };
    Ok(CaseDecision {
        case,
        events: vec![event],
    })
}

/// Carries out a command on a case at `now`.
pub fn execute(
    current: &Case,
    command: CaseCommand,
    now: DateTime<Utc>,
) -> Result<CaseDecision, EngineError> {
    let mut case = current.clone();
    let events: Vec<CaseEvent> = carry_out(&mut case, command, now)?.into_iter().collect();
    if !events.is_empty() {
        case.version += 1;
    }
    Ok(CaseDecision { case, events })
}

fn carry_out(case: &mut Case, command: CaseCommand, now: DateTime<Utc>) -> Handled {
    match command {
        CaseCommand::Reply {
            department_code,
            clerk_id,
            text,
        } => reply(case, Decider::new(department_code, clerk_id), text, now),
        CaseCommand::Rule {
            supervisor,
            upheld,
            reason,
        } => rule(case, supervisor, upheld, reason, now),
        CaseCommand::Appeal {
            department_code,
            clerk_id,
            reason,
        } => appeal(case, Decider::new(department_code, clerk_id), reason, now),
        CaseCommand::DecideAppeal {
            supervisor,
            overturn,
            reason,
        } => decide_appeal(case, supervisor, overturn, reason, now),
        CaseCommand::RecordCallBack {
            by,
            called_at,
            said,
            satisfied,
        } => record_call_back(case, by, called_at, said, satisfied, now),
        CaseCommand::Close { supervisor, note } => close(case, supervisor, note, now),
        CaseCommand::EscalateOverdue => escalate(case, now),
    }
}

/// Moves the case along its kind's table, or refuses the command as undefined in its state.
fn move_case(case: &mut Case, trigger: CaseTrigger) -> Result<(), EngineError> {
    let next =
        case.state
            .next(case.kind, trigger)
            .ok_or_else(|| EngineError::InvalidTransition {
                entity: "case",
                id: case.id.to_string(),
                state: case.state.name(),
                command: trigger.name(),
            })?;
    case.state = next;
    Ok(())
}

/// Refuses a department other than the case's.
fn responsible(case: &Case, by: &Decider) -> Result<(), EngineError> {
    require_text("clerk_id", &by.clerk_id)?;
    if by.department_code != case.department_code {
        return Err(EngineError::NotResponsible {
            case_id: case.id.to_string(),
            department_code: case.department_code.clone(),
            caller: by.department_code.clone(),
        });
    }
    Ok(())
}

fn reply(case: &mut Case, by: Decider, text: String, now: DateTime<Utc>) -> Handled {
    require_text("text", &text)?;
    responsible(case, &by)?;
    move_case(case, CaseTrigger::Reply)?;
    let on_time = now <= case.due_at;
    case.reply = Some(Reply {
        by,
        text,
        at: now,
        on_time,
    });
    Ok(Some(CaseEvent::Replied { on_time }))
}

fn rule(
    case: &mut Case,
    supervisor: String,
    upheld: bool,
    reason: String,
    now: DateTime<Utc>,
) -> Handled {
    require_text("supervisor_id", &supervisor)?;
    require_text("reason", &reason)?;
    move_case(case, CaseTrigger::Rule)?;
    case.ruling = Some(Ruling {
        upheld,
        reason: reason.clone(),
        by: supervisor,
        at: now,
    });
    Ok(Some(CaseEvent::Ruled { upheld, reason }))
}

fn appeal(case: &mut Case, by: Decider, reason: String, now: DateTime<Utc>) -> Handled {
    require_text("reason", &reason)?;
    responsible(case, &by)?;
    move_case(case, CaseTrigger::Appeal)?;
    case.appeals.push(Appeal {
        by,
        reason: reason.clone(),
        at: now,
        decision: None,
    });
    Ok(Some(CaseEvent::Appealed { reason }))
}

fn decide_appeal(
    case: &mut Case,
    supervisor: String,
    overturn: bool,
    reason: String,
    now: DateTime<Utc>,
) -> Handled {
    require_text("supervisor_id", &supervisor)?;
    require_text("reason", &reason)?;
    let trigger = if overturn {
        CaseTrigger::Overturn
    } else {
        CaseTrigger::RejectAppeal
    };
    move_case(case, trigger)?;
    let decision = AppealDecision {
        overturned: overturn,
        reason: reason.clone(),
        by: supervisor.clone(),
        at: now,
    };
    if let Some(pending) = case.pending_appeal_mut() {
        pending.decision = Some(decision);
    }
    if overturn {
        case.closing = Some(Closing {
            by: supervisor,
            note: reason.clone(),
            at: now,
            outcome: CaseOutcome::Overturned,
        });
    }
    Ok(Some(CaseEvent::AppealDecided {
        overturned: overturn,
        reason,
    }))
}

fn record_call_back(
    case: &mut Case,
    by: String,
    called_at: DateTime<Utc>,
    said: String,
    satisfied: bool,
    now: DateTime<Utc>,
) -> Handled {
    require_text("by", &by)?;
    require_text("said", &said)?;
    if called_at > now {
        return Err(EngineError::invalid("called_at", "is in the future"));
    }
    if called_at < case.opened_at {
        return Err(EngineError::invalid(
            "called_at",
            "is before the case was opened",
        ));
    }
    move_case(case, CaseTrigger::CallBack)?;
    case.call_back = Some(CallBack {
        called_at,
        by,
        said,
        satisfied,
        recorded_at: now,
    });
    Ok(Some(CaseEvent::CalledBack { satisfied }))
}

/// A supervisor closes the case: a complaint once ruled, and either kind once the call-back is
/// on record where one is owed.
fn close(case: &mut Case, supervisor: String, note: String, now: DateTime<Utc>) -> Handled {
    require_text("supervisor_id", &supervisor)?;
    limit_text("note", &note)?;
    if case.state != CaseState::Closed {
        if case.kind == CaseKind::Complaint && case.ruling.is_none() {
            return Err(missing(case, "ruling"));
        }
        if case.call_back_required && case.call_back.is_none() {
            return Err(missing(case, "call_back"));
        }
    }
    move_case(case, CaseTrigger::Close)?;
    let outcome = match (&case.ruling, case.kind) {
        (Some(ruling), _) if ruling.upheld => CaseOutcome::Upheld,
        (Some(_), _) => CaseOutcome::NotUpheld,
        (None, _) => CaseOutcome::Rectified,
    };
    case.closing = Some(Closing {
        by: supervisor,
        note,
        at: now,
        outcome,
    });
    Ok(Some(CaseEvent::Closed { outcome }))
}

fn missing(case: &Case, step: &'static str) -> EngineError {
    EngineError::CaseStepMissing {
        case_id: case.id.to_string(),
        step,
    }
}

/// The system escalates a case whose department still owes its answer after the deadline, once.
fn escalate(case: &mut Case, now: DateTime<Utc>) -> Handled {
    if !case.state.awaits_department() || case.escalated_at.is_some() || now <= case.due_at {
        return Ok(None);
    }
    move_case(case, CaseTrigger::Escalate)?;
    case.escalated_at = Some(now);
    Ok(Some(CaseEvent::Escalated {
        due_at: case.due_at,
    }))
}
