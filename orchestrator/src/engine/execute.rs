//! The dispatch of a command on an existing application to the one handler that carries it out.
//!
//! The handlers work on a copy: a refused command returns its error and the current application
//! is untouched, so a caller can only ever store a whole change or none of it.

use chrono::{DateTime, Utc};

use super::change::Change;
use super::{assignment, deadlines, decisions, dispatch, extensions, handover, intake, pauses};
use super::{sessions, supplement};
use crate::application::{Application, Decider};
use crate::error::EngineError;
use crate::vocabulary::{Command, Decision, Rules};

/// Carries out a command on an existing application.
pub fn execute(
    rules: Rules<'_>,
    current: &Application,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Decision, EngineError> {
    let mut change = Change::of(rules, current, now);
    carry_out(&mut change, command)?;
    Ok(change.into_decision())
}

/// Hands the command's fields to its handler.
fn carry_out(change: &mut Change<'_>, command: Command) -> Result<(), EngineError> {
    match command {
        Command::Supplement { materials, channel } => {
            supplement::supplement(change, materials, channel)
        }
        Command::Withdraw { reason } => intake::withdraw(change, reason),
        Command::Claim {
            branch_id,
            department_code,
            clerk_id,
        } => decisions::claim(change, branch_id, &department_code, clerk_id),
        Command::Release {
            branch_id,
            department_code,
            clerk_id,
            reason,
        } => handover::release(change, branch_id, &department_code, clerk_id, reason),
        Command::Assign {
            branch_id,
            to_clerk,
            by,
            role,
            reason,
        } => handover::assign(change, branch_id, to_clerk, by, role, reason),
        Command::Decide {
            branch_id,
            department_code,
            clerk_id,
            verdict,
        } => {
            let by = Decider::new(department_code, clerk_id);
            decisions::decide(change, branch_id, by, verdict)
        }
        Command::DeadlinePassed { branch_id } => deadlines::deadline_passed(change, branch_id),
        Command::Pause {
            branch_id,
            department_code,
            clerk_id,
            kind,
            reason,
            expected_days,
            material_codes,
        } => {
            let by = Decider::new(department_code, clerk_id);
            pauses::pause(
                change,
                branch_id,
                by,
                kind,
                reason,
                expected_days,
                material_codes,
            )
        }
        Command::Resume {
            branch_id,
            department_code,
            clerk_id,
        } => pauses::resume(change, branch_id, &department_code, clerk_id),
        Command::RequestExtension {
            branch_id,
            department_code,
            clerk_id,
            days,
            reason,
            identity,
        } => {
            let by = Decider::new(department_code, clerk_id);
            extensions::request_extension(change, branch_id, (by, identity), days, reason)
        }
        Command::DecideExtension {
            branch_id,
            number,
            supervisor_id,
            approve,
            note,
            identity,
        } => {
            let decision = (supervisor_id, identity, approve, note);
            extensions::decide_extension(change, branch_id, number, decision)
        }
        Command::RecountDeadline { branch_id } => deadlines::recount_deadline(change, branch_id),
        Command::Reassign { branch_id, reason } => assignment::reassign(change, branch_id, reason),
        Command::Rate {
            stage,
            satisfaction,
            channel,
            indicators,
            comment,
            rater,
        } => {
            let rating = dispatch::NewRating {
                stage,
                satisfaction,
                channel,
                indicators,
                comment,
                rater,
            };
            dispatch::rate(change, rating)
        }
        Command::ApplySession {
            session_id,
            verdicts,
        } => sessions::apply_session(change, session_id, verdicts),
        Command::Dispatch {
            method,
            handed_by,
            recipient,
            tracking_reference,
        } => dispatch::dispatch(change, method, handed_by, recipient, tracking_reference),
    }
}
