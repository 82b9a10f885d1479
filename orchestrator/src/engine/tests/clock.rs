//! A branch's clock: deadlines counted in working days, deemed consent and escalation when they
//! pass, pauses that move them by the working days they took, and extensions within the legal
//! limit.

use chrono::{DateTime, TimeZone, Utc};

use super::fixtures::{
    CALENDAR, approve, at, branch_of, decide, material, rules, state_of, submit,
};
use crate::application::{Application, Channel, PauseKind};
use crate::engine::{self, Command, Verdict};
use crate::error::EngineError;
use crate::machine::BranchState;

fn deadline_passed(application: &Application, matter: &str, day: u32) -> engine::Decision {
    let command = Command::DeadlinePassed {
        branch_id: branch_of(application, matter),
    };
    engine::execute(rules(), application, command, at(day)).unwrap()
}

#[test]
fn branches_get_deadlines_in_working_days_when_they_start() {
    // Accepted Monday 2 March 2026 (10:00 Beijing): registration has 1 working day, the fire
    // opinion 3; the bundle 5.
    let application = submit(&["id", "lease"]).unwrap();
    let day_of = |matter: &str| {
        let deadline = application
            .branch(branch_of(&application, matter))
            .unwrap()
            .deadline
            .unwrap();
        CALENDAR.local_date(deadline.at).to_string()
    };
    assert_eq!(day_of("register"), "2026-03-03");
    assert_eq!(day_of("fire-opinion"), "2026-03-05");
    assert!(
        application
            .branch(branch_of(&application, "seal"))
            .unwrap()
            .deadline
            .is_none(),
        "not started yet"
    );
    assert_eq!(
        CALENDAR.local_date(application.due.unwrap().at).to_string(),
        "2026-03-09"
    );
    // The seal starts when registration is approved on 3 March and counts from then.
    let application = decide(&application, "register", approve()).unwrap();
    let seal = application.branch(branch_of(&application, "seal")).unwrap();
    assert_eq!(
        CALENDAR.local_date(seal.deadline.unwrap().at).to_string(),
        "2026-03-04"
    );
}

#[test]
fn a_silent_joint_review_is_deemed_to_consent_and_its_dependants_start() {
    let application = submit(&["id", "lease"]).unwrap();
    let early = deadline_passed(&application, "fire-opinion", 5);
    assert!(
        early.events.is_empty(),
        "not due until closing time on 5 March"
    );
    let application = decide(&application, "register", approve()).unwrap();
    let application = decide(&application, "seal", approve()).unwrap();
    let deemed = deadline_passed(&application, "fire-opinion", 6);
    let fire = deemed
        .application
        .branch(branch_of(&application, "fire-opinion"))
        .unwrap();
    assert_eq!(fire.state, BranchState::DeemedConsent);
    let outcome = fire.outcome.as_ref().unwrap();
    assert!(outcome.decided_by.is_none(), "recorded by the system");
    assert!(!outcome.rule.is_empty());
    assert_eq!(
        state_of(&deemed.application, "engrave"),
        BranchState::Open,
        "dependants start"
    );
    let again = engine::execute(
        rules(),
        &deemed.application,
        Command::DeadlinePassed { branch_id: fire.id },
        at(7),
    )
    .unwrap();
    assert!(again.events.is_empty(), "acted on exactly once");
}

#[test]
fn an_overdue_approval_is_escalated_once_and_stays_open() {
    let application = submit(&["id", "lease"]).unwrap();
    let escalated = deadline_passed(&application, "register", 4);
    let register = escalated
        .application
        .branch(branch_of(&application, "register"))
        .unwrap();
    assert_eq!(register.state, BranchState::Open);
    assert!(register.escalated_at.is_some());
    assert!(matches!(
        escalated.events.as_slice(),
        [engine::Event::BranchEscalated { .. }]
    ));
    assert!(
        deadline_passed(&escalated.application, "register", 5)
            .events
            .is_empty()
    );
    let approved = decide(&escalated.application, "register", approve()).unwrap();
    assert_eq!(
        state_of(&approved, "register"),
        BranchState::Approved,
        "the department can still decide"
    );
}

fn at_hour(day: u32, hour: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 3, day, hour, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn run(
    application: &Application,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Application, EngineError> {
    engine::execute(rules(), application, command, now).map(|d| d.application)
}

#[test]
fn a_special_procedure_moves_the_deadline_by_the_working_days_it_took() {
    // Fire opinion: started Monday 2 March 10:00, 3 working days: Thursday 5 March 17:30.
    let application = submit(&["id", "lease"]).unwrap();
    let fire = branch_of(&application, "fire-opinion");
    let pause = Command::Pause {
        branch_id: fire,
        department_code: "fire".into(),
        clerk_id: "f1".into(),
        kind: PauseKind::OnSiteInspection,
        reason: "现场踏勘".into(),
        expected_days: 2,
        material_codes: vec![],
    };
    // Paused Tuesday 3 March 11:00, resumed Friday 6 March 09:00: the closings of 3, 4 and 5 March.
    let paused = run(&application, pause, at_hour(3, 11)).unwrap();
    assert_eq!(state_of(&paused, "fire-opinion"), BranchState::Paused);
    let decide_while_paused = decide(
        &paused,
        "fire-opinion",
        Verdict::Consent {
            comment: String::new(),
        },
    );
    assert!(
        decide_while_paused
            .unwrap_err()
            .to_string()
            .contains("is paused")
    );
    let resume = Command::Resume {
        branch_id: fire,
        department_code: "fire".into(),
        clerk_id: "f1".into(),
    };
    let resumed = run(&paused, resume, at_hour(6, 9)).unwrap();
    let branch = resumed.branch(fire).unwrap();
    assert_eq!(branch.state, BranchState::Open);
    assert_eq!(branch.pauses[0].counted_days, 3);
    assert_eq!(
        CALENDAR.local_date(branch.deadline.unwrap().at).to_string(),
        "2026-03-10"
    );
    assert_eq!(branch.deadline_moves.len(), 1);
}

#[test]
fn a_supplement_request_waits_for_the_applicant() {
    let application = submit(&["id", "lease"]).unwrap();
    let register = branch_of(&application, "register");
    let pause = Command::Pause {
        branch_id: register,
        department_code: "reg".into(),
        clerk_id: "r1".into(),
        kind: PauseKind::Supplement,
        reason: "租赁合同缺少出租方签章".into(),
        expected_days: 0,
        material_codes: vec!["lease".into()],
    };
    let paused = run(&application, pause, at_hour(2, 11)).unwrap();
    let wrong = Command::Supplement {
        materials: vec![material("id")],
        channel: Channel::OnSite,
    };
    let error = run(&paused, wrong, at_hour(3, 9)).unwrap_err();
    assert!(
        matches!(&error, EngineError::InvalidArgument { field, .. } if field == "materials[0].material_code"),
        "{error}"
    );
    let right = Command::Supplement {
        materials: vec![material("lease")],
        channel: Channel::OnSite,
    };
    let resumed = run(&paused, right, at_hour(4, 9)).unwrap();
    let branch = resumed.branch(register).unwrap();
    assert_eq!(branch.state, BranchState::Open);
    // Closings of 2 and 3 March fell inside the pause: 1 + 2 working days from 2 March.
    assert_eq!(branch.paused_days, 2);
    assert_eq!(
        CALENDAR.local_date(branch.deadline.unwrap().at).to_string(),
        "2026-03-05"
    );
}

#[test]
fn an_extension_needs_a_second_person_and_stays_within_the_legal_limit() {
    let application = submit(&["id", "lease"]).unwrap();
    let register = branch_of(&application, "register");
    let ask = |days| Command::RequestExtension {
        branch_id: register,
        department_code: "reg".into(),
        clerk_id: "r1".into(),
        days,
        reason: "需要核查股东信息".into(),
        identity: "person:r1".into(),
    };
    // Register: promised 1, legal 20.
    let error = run(&application, ask(20), at_hour(2, 11)).unwrap_err();
    assert!(error.to_string().contains("legal limit of 20"), "{error}");
    let asked = run(&application, ask(5), at_hour(2, 11)).unwrap();
    assert!(
        run(&asked, ask(1), at_hour(2, 12))
            .unwrap_err()
            .to_string()
            .contains("awaiting")
    );
    let by = |who: &str| Command::DecideExtension {
        branch_id: register,
        number: 1,
        supervisor_id: who.into(),
        approve: true,
        note: String::new(),
        identity: format!("person:{who}"),
    };
    assert!(matches!(
        run(&asked, by("r1"), at_hour(2, 13)),
        Err(EngineError::SamePerson { .. })
    ));
    // The same identity under another name is still the same identity.
    let same_identity = Command::DecideExtension {
        branch_id: register,
        number: 1,
        supervisor_id: "someone-else".into(),
        approve: true,
        note: String::new(),
        identity: "person:r1".into(),
    };
    assert!(matches!(
        run(&asked, same_identity, at_hour(2, 13)),
        Err(EngineError::SamePerson { .. })
    ));
    let approved = run(&asked, by("supervisor-1"), at_hour(2, 13)).unwrap();
    let branch = approved.branch(register).unwrap();
    assert_eq!(
        CALENDAR.local_date(branch.deadline.unwrap().at).to_string(),
        "2026-03-10"
    );
    assert!(
        run(&approved, by("supervisor-2"), at_hour(2, 14)).is_err(),
        "decided once"
    );
}
