//! A clerk releasing a claim, and a directed hand-over by a department head or a supervisor.

use uuid::Uuid;

use super::fixtures::{CALENDAR, TEST_CATALOGUE, approve, at, branch_of, rules, submission};
use crate::application::Application;
use crate::engine::{self, AssignerRole, Command, Event, Rules};
use crate::error::EngineError;
use crate::machine::BranchState;
use crate::staffing::{Post, Staffing};

fn staffing() -> Staffing {
    Staffing::new(vec![Post {
        department: "reg".into(),
        code: "dengji".into(),
        matters: vec!["register".into()],
        a: "zhang".into(),
        b: vec!["li".into(), "wang".into()],
    }])
}

fn rules_with(staffing: &Staffing) -> Rules<'_> {
    Rules {
        catalogue: &TEST_CATALOGUE,
        calendar: &CALENDAR,
        staffing,
    }
}

fn submitted(staffing: &Staffing) -> Application {
    engine::submit(
        rules_with(staffing),
        submission(&["id", "lease"]),
        &mut Uuid::now_v7,
        at(2),
    )
    .unwrap()
    .application
}

fn claimed_by(application: &Application, clerk: &str) -> Application {
    let claim = Command::Claim {
        branch_id: branch_of(application, "register"),
        department_code: "reg".into(),
        clerk_id: clerk.into(),
    };
    engine::execute(rules(), application, claim, at(2))
        .unwrap()
        .application
}

fn release(application: &Application, clerk: &str) -> Result<engine::Decision, EngineError> {
    let command = Command::Release {
        branch_id: branch_of(application, "register"),
        department_code: "reg".into(),
        clerk_id: clerk.into(),
        reason: "leaving early".into(),
    };
    engine::execute(rules(), application, command, at(3))
}

fn assign(to: &str, role: AssignerRole, application: &Application) -> Command {
    Command::Assign {
        branch_id: branch_of(application, "register"),
        to_clerk: to.into(),
        by: "boss".into(),
        role,
        reason: "workload".into(),
    }
}

fn head_of(department: &str) -> AssignerRole {
    AssignerRole::DepartmentHead {
        department_code: department.into(),
    }
}

#[test]
fn the_holder_releases_a_claim_and_another_clerk_claims() {
    let application = claimed_by(&submitted(&Staffing::default()), "zhang");
    let released = release(&application, "zhang").unwrap();
    let register = branch_of(&application, "register");
    let branch = released.application.branch(register).unwrap();
    assert_eq!(branch.state, BranchState::Open);
    assert_eq!(branch.claimed_by, None);
    assert_eq!(
        released.events,
        vec![Event::BranchReleased {
            branch_id: register,
            clerk_id: "zhang".into(),
            reason: "leaving early".into(),
        }]
    );
    let again = claimed_by(&released.application, "li");
    assert_eq!(
        again.branch(register).unwrap().claimed_by.as_deref(),
        Some("li")
    );
}

#[test]
fn a_release_by_another_clerk_or_of_an_unclaimed_branch_is_refused() {
    let open = submitted(&Staffing::default());
    assert!(matches!(
        release(&open, "zhang"),
        Err(EngineError::InvalidTransition { .. })
    ));
    let claimed = claimed_by(&open, "zhang");
    assert!(matches!(
        release(&claimed, "li"),
        Err(EngineError::ClaimedByOther { .. })
    ));
    let other_department = Command::Release {
        branch_id: branch_of(&claimed, "register"),
        department_code: "seal".into(),
        clerk_id: "zhang".into(),
        reason: "x".into(),
    };
    assert!(matches!(
        engine::execute(rules(), &claimed, other_department, at(3)),
        Err(EngineError::WrongDepartment { .. })
    ));
}

#[test]
fn a_directed_hand_over_moves_the_branch_and_releases_the_claim() {
    let staffing = staffing();
    let application = claimed_by(&submitted(&staffing), "zhang");
    let register = branch_of(&application, "register");
    let decision = engine::execute(
        rules_with(&staffing),
        &application,
        assign("wang", head_of("reg"), &application),
        at(3),
    )
    .unwrap();
    let branch = decision.application.branch(register).unwrap();
    assert_eq!(branch.assignee.as_deref(), Some("wang"));
    assert_eq!(branch.claimed_by, None);
    assert_eq!(branch.state, BranchState::Open);
    let handover = branch.handovers.last().unwrap();
    assert_eq!(handover.from.as_deref(), Some("zhang"));
    assert!(handover.reason.contains("workload") && handover.reason.contains("boss"));
    assert!(matches!(
        &decision.events[..],
        [Event::BranchAssigned { to, .. }] if to == "wang"
    ));
    let again = engine::execute(
        rules_with(&staffing),
        &decision.application,
        assign("wang", AssignerRole::Supervisor, &application),
        at(3),
    )
    .unwrap();
    assert!(
        again.events.is_empty(),
        "handing it to its holder changes nothing"
    );
}

#[test]
fn a_directed_hand_over_is_refused_outside_the_rules() {
    let mut staffing = staffing();
    staffing.set_away("reg", "li", true);
    let application = submitted(&staffing);
    let refused = |command| engine::execute(rules_with(&staffing), &application, command, at(3));
    assert!(matches!(
        refused(assign("zhao", AssignerRole::Supervisor, &application)),
        Err(EngineError::InvalidArgument { field, .. }) if field == "to_clerk"
    ));
    assert!(matches!(
        refused(assign("li", AssignerRole::Supervisor, &application)),
        Err(EngineError::ClerkAway { .. })
    ));
    assert!(matches!(
        refused(assign("wang", head_of("seal"), &application)),
        Err(EngineError::WrongDepartment { .. })
    ));
    let register = branch_of(&application, "register");
    let decide = Command::Decide {
        branch_id: register,
        department_code: "reg".into(),
        clerk_id: "zhang".into(),
        verdict: approve(),
    };
    let decided = engine::execute(rules_with(&staffing), &application, decide, at(3))
        .unwrap()
        .application;
    assert!(matches!(
        engine::execute(
            rules_with(&staffing),
            &decided,
            assign("wang", AssignerRole::Supervisor, &decided),
            at(4)
        ),
        Err(EngineError::InvalidTransition { .. })
    ));
}
