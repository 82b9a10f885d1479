//! Claiming and deciding branches: dependants start when every predecessor succeeded, a
//! rejection cancels them, and a decision must fit the role, the state and the department.

use super::fixtures::{approve, at, branch_of, decide, rules, state_of, submit};
use crate::engine::{self, Command, Verdict};
use crate::error::EngineError;
use crate::machine::{ApplicationState, BranchState};

#[test]
fn dependants_start_when_every_predecessor_succeeded() {
    let application = submit(&["id", "lease"]).unwrap();
    let application = decide(&application, "register", approve()).unwrap();
    assert_eq!(state_of(&application, "seal"), BranchState::Open);
    let application = decide(&application, "seal", approve()).unwrap();
    assert_eq!(
        state_of(&application, "engrave"),
        BranchState::Waiting,
        "fire opinion still open"
    );
    let application = decide(
        &application,
        "fire-opinion",
        Verdict::Consent {
            comment: String::new(),
        },
    )
    .unwrap();
    assert_eq!(state_of(&application, "engrave"), BranchState::Open);
    let application = decide(&application, "engrave", approve()).unwrap();
    assert_eq!(application.state, ApplicationState::ReadyForDispatch);
}

#[test]
fn the_dependants_of_a_branch_are_those_waiting_on_it_directly_or_through_others() {
    let application = submit(&["id", "lease"]).unwrap();
    let matters = |id| -> Vec<String> {
        application
            .dependants(id)
            .map(|b| b.matter_code.clone())
            .collect()
    };
    // engrave waits on seal (which waits on register) and on fire-opinion.
    assert_eq!(
        matters(branch_of(&application, "register")),
        ["seal", "engrave"]
    );
    assert_eq!(matters(branch_of(&application, "seal")), ["engrave"]);
    assert!(matters(branch_of(&application, "engrave")).is_empty());
    assert_eq!(
        matters(branch_of(&application, "fire-opinion")),
        ["engrave"]
    );
    assert!(matters(uuid::Uuid::nil()).is_empty());
}

#[test]
fn a_rejection_cancels_every_dependant_with_the_reason() {
    let application = submit(&["id", "lease"]).unwrap();
    let application = decide(
        &application,
        "register",
        Verdict::Reject {
            reason: "name taken".into(),
        },
    )
    .unwrap();
    assert_eq!(state_of(&application, "seal"), BranchState::Cancelled);
    assert_eq!(state_of(&application, "engrave"), BranchState::Cancelled);
    let seal = application
        .branch(branch_of(&application, "engrave"))
        .unwrap();
    assert!(seal.outcome.as_ref().unwrap().reason.contains("name taken"));
    assert_eq!(state_of(&application, "fire-opinion"), BranchState::Open);
    let application = decide(
        &application,
        "fire-opinion",
        Verdict::Consent {
            comment: String::new(),
        },
    )
    .unwrap();
    assert_eq!(application.state, ApplicationState::ReadyForDispatch);
}

#[test]
fn the_wrong_verdict_for_the_role_names_the_decision_field() {
    let application = submit(&["id", "lease"]).unwrap();
    let error = decide(&application, "fire-opinion", approve()).unwrap_err();
    assert!(
        matches!(&error, EngineError::InvalidArgument { field, .. } if field == "decision"),
        "{error}"
    );
    let error = decide(
        &application,
        "fire-opinion",
        Verdict::Object {
            reasons: " ".into(),
        },
    )
    .unwrap_err();
    assert!(
        matches!(&error, EngineError::InvalidArgument { field, .. } if field == "object.reasons"),
        "{error}"
    );
}

#[test]
fn deciding_a_waiting_or_decided_branch_names_its_state() {
    let application = submit(&["id", "lease"]).unwrap();
    let error = decide(&application, "seal", approve()).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "branch {} is waiting: cannot approve",
            branch_of(&application, "seal")
        )
    );
    let application = decide(&application, "register", approve()).unwrap();
    let error = decide(&application, "register", approve()).unwrap_err();
    assert!(
        error.to_string().contains("is approved: cannot approve"),
        "{error}"
    );
}

#[test]
fn another_department_cannot_decide() {
    let application = submit(&["id", "lease"]).unwrap();
    let command = Command::Decide {
        branch_id: branch_of(&application, "register"),
        department_code: "fire".into(),
        clerk_id: "c".into(),
        verdict: approve(),
    };
    let error = engine::execute(rules(), &application, command, at(3)).unwrap_err();
    assert!(matches!(error, EngineError::WrongDepartment { .. }));
}

#[test]
fn a_claim_by_another_clerk_is_refused_and_a_repeat_changes_nothing() {
    let cat = rules();
    let application = submit(&["id", "lease"]).unwrap();
    let claim = |clerk: &str| Command::Claim {
        branch_id: branch_of(&application, "register"),
        department_code: "reg".into(),
        clerk_id: clerk.into(),
    };
    let claimed = engine::execute(cat, &application, claim("a"), at(3)).unwrap();
    assert_eq!(claimed.events.len(), 1);
    let repeat = engine::execute(cat, &claimed.application, claim("a"), at(3)).unwrap();
    assert!(repeat.events.is_empty());
    assert_eq!(repeat.application, claimed.application);
    let other = engine::execute(cat, &claimed.application, claim("b"), at(3)).unwrap_err();
    assert!(matches!(other, EngineError::ClaimedByOther { .. }));
}
