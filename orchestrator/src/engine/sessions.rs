//! Applying a closed joint review session to one application: standing opinions decide their
//! branches, absent departments are deemed to consent (缺席默认), excused ones keep their deadline
//! rule. A branch its department decided before the closing keeps that decision.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::change::Change;
use super::progress::{after_decision, finish_if_all_ended};
use super::transitions::move_branch;
use crate::application::{Application, Branch, Decider, Outcome};
use crate::error::EngineError;
use crate::machine::{BranchState, BranchTrigger};
use crate::vocabulary::{Event, Rules, SessionVerdict};

/// Applies a closed session's verdicts. Applying the same session twice changes nothing.
pub(super) fn apply_session(
    change: &mut Change<'_>,
    session_id: Uuid,
    verdicts: Vec<(Uuid, SessionVerdict)>,
) -> Result<(), EngineError> {
    let (rules, application, now, events) = change.parts();
    if application.settled_sessions.contains(&session_id) {
        return Ok(());
    }
    application.settled_sessions.push(session_id);
    events.push(Event::SessionApplied { session_id });
    for (branch_id, verdict) in verdicts {
        let Some(index) = application.branches.iter().position(|b| b.id == branch_id) else {
            continue;
        };
        apply_verdict(rules, application, index, session_id, verdict, now, events)?;
    }
    finish_if_all_ended(application, now, events)
}

/// Applies one branch's verdict. A branch that cannot be decided now is left alone; when its
/// department was absent, the notice says its deadline rule still applies.
fn apply_verdict(
    rules: Rules<'_>,
    application: &mut Application,
    index: usize,
    session_id: Uuid,
    verdict: SessionVerdict,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    let branch = &mut application.branches[index];
    let branch_id = branch.id;
    if !branch.state.is_actionable() {
        let absent = matches!(
            verdict,
            SessionVerdict::Absent { .. } | SessionVerdict::Excused { .. }
        );
        if absent && !branch.state.is_final() {
            events.push(Event::BranchAbsenceNotDeemed {
                branch_id,
                session_id,
                reason: format!(
                    "the branch was {} when the session closed: its deadline rule applies",
                    branch.state.name()
                ),
            });
        }
        return Ok(());
    }
    let settlement = match settlement(verdict) {
        Ok(settlement) => settlement,
        Err(reason) => {
            events.push(Event::BranchAbsenceNotDeemed {
                branch_id,
                session_id,
                reason,
            });
            return Ok(());
        }
    };
    settle(branch, settlement, session_id, now, events)?;
    after_decision(rules, application, index, now, events);
    Ok(())
}

/// How a session's verdict decides a branch.
struct Settlement {
    trigger: BranchTrigger,
    /// Who decided; nobody when an absent department is deemed to consent.
    decided_by: Option<Decider>,
    /// The comment, the reasons, or the evidence of absence.
    reason: String,
    /// The rule cited for a deemed consent; empty otherwise.
    rule: String,
}

/// How `verdict` decides a branch, or — for an excused absence — why it does not.
fn settlement(verdict: SessionVerdict) -> Result<Settlement, String> {
    let (trigger, decided_by, reason, rule) = match verdict {
        SessionVerdict::Consent { decider, comment } => (
            BranchTrigger::Consent,
            Some(decider),
            comment,
            String::new(),
        ),
        SessionVerdict::Object { decider, reasons } => {
            (BranchTrigger::Object, Some(decider), reasons, String::new())
        }
        SessionVerdict::Absent { rule, evidence } => {
            (BranchTrigger::DeemConsent, None, evidence, rule)
        }
        SessionVerdict::Excused { reason } => return Err(reason),
    };
    Ok(Settlement {
        trigger,
        decided_by,
        reason,
        rule,
    })
}

/// Decides the branch as the session settled it, recording the session on its outcome.
fn settle(
    branch: &mut Branch,
    settlement: Settlement,
    session_id: Uuid,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    let Settlement {
        trigger,
        decided_by,
        reason,
        rule,
    } = settlement;
    let next = move_branch(branch, trigger)?;
    branch.state = next;
    branch.version += 1;
    branch.outcome = Some(Outcome {
        state: next,
        result_reference: String::new(),
        reason,
        decided_by,
        rule: rule.clone(),
        session_id: Some(session_id),
        decided_at: now,
    });
    if next == BranchState::DeemedConsent {
        events.push(Event::BranchDeemedConsentByAbsence {
            branch_id: branch.id,
            session_id,
            rule,
        });
    } else {
        events.push(Event::BranchDecided {
            branch_id: branch.id,
            state: next,
        });
    }
    Ok(())
}
