//! Tests of the engine's rules on a small catalogue, and property tests of the state machines:
//! whatever sequence of commands arrives, the invariants of the domain hold.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use crate::Application;
use crate::application::{
    Applicant, ApplicantKind, Channel, HandOverMethod, MaterialSubmission, PauseKind,
};
use crate::calendar::Calendar;
use crate::catalogue::{Catalogue, CatalogueSource};
use crate::engine::Rules;
use crate::engine::{self, Command, Submit, Verdict};
use crate::error::EngineError;
use crate::machine::{ApplicationState, BranchState};

const CATALOGUE: &str = r#"
[[department]]
code = "reg"
name = "Registry"
[[department]]
code = "seal"
name = "Seals"
[[department]]
code = "fire"
name = "Fire"
[[material]]
code = "id"
name = "ID"
[[material]]
code = "lease"
name = "Lease"
[[matter]]
code = "register"
name = "Register"
department = "reg"
legal_limit_days = 20
promised_limit_days = 1
materials = ["id", "lease"]
[[matter]]
code = "seal"
name = "Seal"
department = "seal"
legal_limit_days = 5
promised_limit_days = 1
materials = ["id"]
[[matter]]
code = "fire-opinion"
name = "Fire opinion"
department = "fire"
legal_limit_days = 10
promised_limit_days = 3
[[matter]]
code = "engrave"
name = "Engrave"
department = "seal"
legal_limit_days = 5
promised_limit_days = 1
[[bundle]]
code = "open"
name = "Open"
lead_department = "reg"
promised_limit_days = 5
form = [{ key = "name", label = "Name", required = true }, { key = "note", label = "Note" }]
[[bundle.branch]]
matter = "register"
role = "approval"
[[bundle.branch]]
matter = "fire-opinion"
role = "joint_review"
[[bundle.branch]]
matter = "seal"
role = "approval"
depends_on = ["register"]
[[bundle.branch]]
matter = "engrave"
role = "approval"
depends_on = ["seal", "fire-opinion"]
"#;

static TEST_CATALOGUE: LazyLock<Catalogue> = LazyLock::new(catalogue);
static STAFFING: LazyLock<crate::staffing::Staffing> = LazyLock::new(Default::default);
static CALENDAR: LazyLock<Calendar> = LazyLock::new(|| {
    Calendar::new(
        chrono_tz::Asia::Shanghai,
        NaiveTime::from_hms_opt(17, 30, 0).unwrap(),
    )
});

/// The test catalogue with a weekends-only calendar.
fn rules() -> Rules<'static> {
    Rules {
        catalogue: &TEST_CATALOGUE,
        calendar: &CALENDAR,
        staffing: &STAFFING,
    }
}

fn catalogue() -> Catalogue {
    Catalogue::from_sources(&[CatalogueSource {
        file: "test.toml".into(),
        text: CATALOGUE.into(),
    }])
    .unwrap()
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 2, 0, 0).unwrap()
}

fn material(code: &str) -> MaterialSubmission {
    MaterialSubmission {
        material_code: code.into(),
        document_ref: format!("doc-{code}"),
    }
}

fn submission(materials: &[&str]) -> Submit {
    Submit {
        application_id: Uuid::now_v7(),
        bundle_code: "open".into(),
        applicant: Applicant {
            kind: ApplicantKind::NaturalPerson,
            name: "张三".into(),
            id_number: "11010519491231002X".into(),
            phone: "13800138000".into(),
        },
        form: BTreeMap::from([("name".to_owned(), "Tea house".to_owned())]),
        materials: materials.iter().map(|code| material(code)).collect(),
        channel: Channel::OnSite,
        key_project_code: None,
        front_desk_clerk: "desk-1".into(),
    }
}

fn submit(materials: &[&str]) -> Result<Application, EngineError> {
    engine::submit(rules(), submission(materials), &mut Uuid::now_v7, at(2)).map(|d| d.application)
}

fn branch_of(application: &Application, matter: &str) -> Uuid {
    application
        .branches
        .iter()
        .find(|b| b.matter_code == matter)
        .unwrap()
        .id
}

fn state_of(application: &Application, matter: &str) -> BranchState {
    application
        .branches
        .iter()
        .find(|b| b.matter_code == matter)
        .unwrap()
        .state
}

fn decide(
    application: &Application,
    matter: &str,
    verdict: Verdict,
) -> Result<Application, EngineError> {
    let branch = application
        .branches
        .iter()
        .find(|b| b.matter_code == matter)
        .unwrap();
    let command = Command::Decide {
        branch_id: branch.id,
        department_code: branch.department_code.clone(),
        clerk_id: "clerk".into(),
        verdict,
    };
    engine::execute(rules(), application, command, at(3)).map(|d| d.application)
}

fn approve() -> Verdict {
    Verdict::Approve {
        result_reference: "LIC-1".into(),
    }
}

#[test]
fn complete_materials_are_accepted_and_only_free_branches_start() {
    let application = submit(&["id", "lease"]).unwrap();
    assert_eq!(application.state, ApplicationState::InProgress);
    assert!(
        application
            .receipt_number
            .as_deref()
            .unwrap()
            .starts_with("LB20260302")
    );
    assert_eq!(state_of(&application, "register"), BranchState::Open);
    assert_eq!(state_of(&application, "fire-opinion"), BranchState::Open);
    assert_eq!(state_of(&application, "seal"), BranchState::Waiting);
    assert_eq!(state_of(&application, "engrave"), BranchState::Waiting);
}

#[test]
fn missing_materials_give_one_notice_listing_every_matter() {
    let application = submit(&[]).unwrap();
    assert_eq!(application.state, ApplicationState::AwaitingMaterials);
    let notice = application.open_notice().unwrap();
    let id = notice
        .missing
        .iter()
        .find(|m| m.material_code == "id")
        .unwrap();
    assert_eq!(id.matter_codes, vec!["register", "seal"]);
    assert_eq!(id.department_codes, vec!["reg", "seal"]);
    assert_eq!(notice.missing.len(), 2);
    assert!(
        application
            .branches
            .iter()
            .all(|b| b.state == BranchState::Pending)
    );
}

#[test]
fn a_partial_supplement_issues_a_new_complete_notice_then_acceptance() {
    let cat = rules();
    let application = submit(&[]).unwrap();
    let supplement = |materials: &[&str]| Command::Supplement {
        materials: materials.iter().map(|c| material(c)).collect(),
        channel: Channel::Online,
    };
    let second = engine::execute(cat, &application, supplement(&["id"]), at(3))
        .unwrap()
        .application;
    assert_eq!(second.notices.len(), 2);
    assert_eq!(second.open_notice().unwrap().missing.len(), 1);
    let third = engine::execute(cat, &second, supplement(&["lease"]), at(4))
        .unwrap()
        .application;
    assert_eq!(third.state, ApplicationState::InProgress);
    assert_eq!(third.accepted_at, Some(at(4)));
    let again = engine::execute(cat, &third, supplement(&["lease"]), at(4)).unwrap_err();
    assert!(
        matches!(
            again,
            EngineError::InvalidTransition {
                state: "in_progress",
                ..
            }
        ),
        "{again}"
    );
}

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
fn withdrawal_cancels_open_branches_and_dispatch_needs_readiness() {
    let cat = rules();
    let application = submit(&["id", "lease"]).unwrap();
    let dispatch = Command::Dispatch {
        method: HandOverMethod::Electronic,
        handed_by: "window-1".into(),
        recipient: String::new(),
        tracking_reference: String::new(),
    };
    let error = engine::execute(cat, &application, dispatch, at(3)).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("is in_progress: cannot record a hand-over"),
        "{error}"
    );
    let withdrawn = engine::execute(
        cat,
        &application,
        Command::Withdraw {
            reason: "moved".into(),
        },
        at(3),
    )
    .unwrap()
    .application;
    assert_eq!(withdrawn.state, ApplicationState::Withdrawn);
    assert!(
        withdrawn
            .branches
            .iter()
            .all(|b| b.state == BranchState::Cancelled)
    );
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

#[test]
fn bad_submissions_name_the_field() {
    let cat = rules();
    let field_of = |submit: Submit| match engine::submit(cat, submit, &mut Uuid::now_v7, at(2)) {
        Err(EngineError::InvalidArgument { field, .. }) => field,
        other => panic!("expected invalid argument, got {other:?}"),
    };
    let mut s = submission(&["id"]);
    s.bundle_code = "nope".into();
    assert_eq!(field_of(s), "bundle_code");
    let mut s = submission(&["id"]);
    s.applicant.id_number = "110105194912310021".into();
    assert_eq!(field_of(s), "applicant.id_number");
    let mut s = submission(&["id"]);
    s.form.clear();
    assert_eq!(field_of(s), "form.name");
    let mut s = submission(&["id"]);
    s.form.insert("colour".into(), "red".into());
    assert_eq!(field_of(s), "form.colour");
    let mut s = submission(&["id", "lease"]);
    s.materials[1].material_code = "passport".into();
    assert_eq!(field_of(s), "materials[1].material_code");
    let mut s = submission(&["id", "id"]);
    s.materials[1].document_ref = "other".into();
    assert_eq!(field_of(s), "materials[1].material_code");
    let mut s = submission(&["id"]);
    s.materials[0].document_ref = String::new();
    assert_eq!(field_of(s), "materials[0].document_ref");
}

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
    };
    assert!(matches!(
        run(&asked, by("r1"), at_hour(2, 13)),
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

#[test]
fn a_branch_goes_to_the_first_available_clerk_and_moves_when_they_leave() {
    use crate::staffing::{Post, Staffing};
    let mut staffing = Staffing::new(vec![Post {
        department: "reg".into(),
        code: "dengji".into(),
        matters: vec!["register".into()],
        a: "zhang".into(),
        b: vec!["li".into()],
    }]);
    let rules = Rules {
        catalogue: &TEST_CATALOGUE,
        calendar: &CALENDAR,
        staffing: &staffing,
    };
    let application = engine::submit(
        rules,
        submission(&["id", "lease"]),
        &mut Uuid::now_v7,
        at(2),
    )
    .unwrap()
    .application;
    let register = branch_of(&application, "register");
    assert_eq!(
        application.branch(register).unwrap().assignee.as_deref(),
        Some("zhang")
    );
    assert_eq!(
        application
            .branch(branch_of(&application, "fire-opinion"))
            .unwrap()
            .assignee,
        None,
        "no post: common queue"
    );
    let claim = Command::Claim {
        branch_id: register,
        department_code: "reg".into(),
        clerk_id: "zhang".into(),
    };
    let claimed = engine::execute(rules, &application, claim, at(2))
        .unwrap()
        .application;

    staffing.set_away("reg", "zhang", true);
    let rules = Rules {
        catalogue: &TEST_CATALOGUE,
        calendar: &CALENDAR,
        staffing: &staffing,
    };
    let reassign = Command::Reassign {
        branch_id: register,
        reason: "zhang on leave".into(),
    };
    let moved = engine::execute(rules, &claimed, reassign.clone(), at(3))
        .unwrap()
        .application;
    let branch = moved.branch(register).unwrap();
    assert_eq!(branch.assignee.as_deref(), Some("li"));
    assert_eq!(
        branch.state,
        BranchState::Open,
        "the away clerk's claim is released"
    );
    assert_eq!(branch.handovers[0].from.as_deref(), Some("zhang"));
    assert_eq!(branch.handovers[0].reason, "zhang on leave");

    staffing.set_away("reg", "li", true);
    let rules = Rules {
        catalogue: &TEST_CATALOGUE,
        calendar: &CALENDAR,
        staffing: &staffing,
    };
    let nobody = engine::execute(rules, &moved, reassign, at(3)).unwrap();
    let branch = nobody.application.branch(register).unwrap();
    assert!(branch.assignee.is_none() && branch.unstaffed_since.is_some());
    assert!(
        nobody
            .events
            .iter()
            .any(|e| matches!(e, engine::Event::BranchUnstaffed { .. }))
    );
}

/// One step of a random walk over an application.
#[derive(Debug, Clone)]
enum Step {
    Decide { matter: usize, verdict: usize },
    Claim { matter: usize, clerk: usize },
    Supplement { material: usize },
    Withdraw,
    Dispatch,
    Deadline { matter: usize },
    Pause { matter: usize },
    Resume { matter: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..4usize, 0..4usize).prop_map(|(matter, verdict)| Step::Decide { matter, verdict }),
        2 => (0..4usize, 0..2usize).prop_map(|(matter, clerk)| Step::Claim { matter, clerk }),
        2 => (0..2usize).prop_map(|material| Step::Supplement { material }),
        1 => Just(Step::Withdraw),
        1 => Just(Step::Dispatch),
        2 => (0..4usize).prop_map(|matter| Step::Deadline { matter }),
        1 => (0..4usize).prop_map(|matter| Step::Pause { matter }),
        1 => (0..4usize).prop_map(|matter| Step::Resume { matter }),
    ]
}

fn command_for(application: &Application, step: &Step) -> Command {
    const MATTERS: [&str; 4] = ["register", "fire-opinion", "seal", "engrave"];
    match step {
        Step::Decide { matter, verdict } => {
            let branch = application
                .branches
                .iter()
                .find(|b| b.matter_code == MATTERS[*matter])
                .unwrap();
            let verdict = match verdict {
                0 => approve(),
                1 => Verdict::Reject {
                    reason: "no".into(),
                },
                2 => Verdict::Consent {
                    comment: String::new(),
                },
                _ => Verdict::Object {
                    reasons: "no".into(),
                },
            };
            Command::Decide {
                branch_id: branch.id,
                department_code: branch.department_code.clone(),
                clerk_id: "clerk-0".into(),
                verdict,
            }
        }
        Step::Claim { matter, clerk } => {
            let branch = application
                .branches
                .iter()
                .find(|b| b.matter_code == MATTERS[*matter])
                .unwrap();
            Command::Claim {
                branch_id: branch.id,
                department_code: branch.department_code.clone(),
                clerk_id: format!("clerk-{clerk}"),
            }
        }
        Step::Supplement { material } => Command::Supplement {
            materials: vec![material_of(*material)],
            channel: Channel::OnSite,
        },
        Step::Pause { matter } => {
            let branch = application
                .branches
                .iter()
                .find(|b| b.matter_code == MATTERS[*matter])
                .unwrap();
            Command::Pause {
                branch_id: branch.id,
                department_code: branch.department_code.clone(),
                clerk_id: "clerk-0".into(),
                kind: PauseKind::ExpertReview,
                reason: "专家评审".into(),
                expected_days: 3,
                material_codes: vec![],
            }
        }
        Step::Resume { matter } => {
            let branch = application
                .branches
                .iter()
                .find(|b| b.matter_code == MATTERS[*matter])
                .unwrap();
            Command::Resume {
                branch_id: branch.id,
                department_code: branch.department_code.clone(),
                clerk_id: "clerk-0".into(),
            }
        }
        Step::Deadline { matter } => Command::DeadlinePassed {
            branch_id: branch_of(application, MATTERS[*matter]),
        },
        Step::Withdraw => Command::Withdraw {
            reason: "changed plans".into(),
        },
        Step::Dispatch => Command::Dispatch {
            method: HandOverMethod::Electronic,
            handed_by: "window".into(),
            recipient: String::new(),
            tracking_reference: String::new(),
        },
    }
}

fn material_of(index: usize) -> MaterialSubmission {
    material(["id", "lease"][index])
}

fn check_invariants(application: &Application) {
    let all_final = application.branches.iter().all(|b| b.state.is_final());
    match application.state {
        ApplicationState::AwaitingMaterials => {
            assert!(
                application
                    .branches
                    .iter()
                    .all(|b| b.state == BranchState::Pending)
            );
            assert!(application.receipt_number.is_none());
        }
        ApplicationState::InProgress => assert!(!all_final),
        ApplicationState::ReadyForDispatch | ApplicationState::Dispatched => assert!(all_final),
        ApplicationState::Withdrawn => assert!(all_final),
    }
    for branch in &application.branches {
        if branch.state.is_actionable() {
            for predecessor in &branch.depends_on {
                let before = application
                    .branches
                    .iter()
                    .find(|b| &b.matter_code == predecessor)
                    .unwrap();
                assert!(
                    before.state.lets_dependants_start(),
                    "{} open before {predecessor}",
                    branch.matter_code
                );
            }
        }
        assert_eq!(
            branch.state.is_final(),
            branch.outcome.is_some(),
            "{}",
            branch.matter_code
        );
        if branch.state == BranchState::Approved {
            assert_eq!(
                branch.role,
                crate::catalogue::Role::Approval,
                "a joint review is never approved"
            );
        }
        if branch.state == BranchState::DeemedConsent {
            assert_eq!(
                branch.role,
                crate::catalogue::Role::JointReview,
                "an approval is never deemed"
            );
            assert!(
                branch
                    .deadline
                    .is_some_and(|d| d.at <= branch.outcome.as_ref().unwrap().decided_at)
            );
        }
        let open_pause = branch.pauses.last().is_some_and(|p| p.ended_at.is_none());
        assert_eq!(
            branch.state == BranchState::Paused,
            open_pause,
            "{}",
            branch.matter_code
        );
        if branch.state.is_actionable() {
            assert!(branch.deadline.is_some() && branch.started_at.is_some());
        }
    }
}

proptest! {
    #[test]
    fn any_command_sequence_keeps_the_invariants(initial in proptest::collection::vec(0..2usize, 0..3), steps in proptest::collection::vec(step(), 0..40)) {
        let cat = rules();
        let materials: Vec<&str> = initial.iter().map(|i| ["id", "lease"][*i]).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        let mut application = engine::submit(cat, submission(&materials), &mut Uuid::now_v7, at(2)).unwrap().application;
        check_invariants(&application);
        for (index, step) in steps.iter().enumerate() {
            let command = command_for(&application, step);
            // Time moves on through March, so deadlines fall due along the way.
            let now = at(3 + (index as u32) / 2);
            // A refused command changes nothing: `execute` only reads the current application.
            if let Ok(decision) = engine::execute(cat, &application, command, now) {
                prop_assert!(decision.application.version >= application.version);
                prop_assert_eq!(decision.events.is_empty(), decision.application == application);
                application = decision.application;
            }
            check_invariants(&application);
        }
    }
}

mod sessions {
    //! Joint review sessions: the transition table, absence and its evidence, late notice, and a
    //! property test over arbitrary sequences of session commands.

    use chrono::Duration;

    use super::*;
    use crate::session::{
        self, Attendance, OpinionKind, SESSION_TRANSITIONS, ScheduleSession, Session,
        SessionCommand, SessionKind, SessionPolicy, SessionState, SessionTrigger, SessionVerdict,
    };

    /// 2026-03-04 (a Wednesday) at `hour` in Beijing.
    fn wednesday(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, hour - 8, 0, 0).unwrap()
    }

    fn schedule_at(
        application: &Application,
        now: DateTime<Utc>,
        starts_at: DateTime<Utc>,
    ) -> Result<Session, EngineError> {
        let command = ScheduleSession {
            session_id: Uuid::now_v7(),
            kind: SessionKind::Meeting,
            lead_department_code: "reg".into(),
            clerk_id: "lead".into(),
            starts_at,
            ends_at: starts_at + Duration::hours(2),
            place: "room 3".into(),
            branch_ids: Vec::new(),
            invited_department_codes: Vec::new(),
        };
        session::schedule(
            rules(),
            SessionPolicy::default(),
            std::slice::from_ref(application),
            command,
            now,
        )
        .map(|d| d.session)
    }

    fn run(
        session: &Session,
        command: SessionCommand,
        now: DateTime<Utc>,
    ) -> Result<session::SessionDecision, EngineError> {
        session::execute(rules(), SessionPolicy::default(), session, command, now)
    }

    fn close(session: &Session, now: DateTime<Utc>) -> Session {
        let command = SessionCommand::Close {
            department_code: "reg".into(),
            clerk_id: "lead".into(),
            minutes: "minutes".into(),
        };
        run(session, command, now).unwrap().session
    }

    #[test]
    fn the_table_is_the_only_source_of_session_transitions() {
        for state in SessionState::ALL {
            for trigger in SessionTrigger::ALL {
                let listed = SESSION_TRANSITIONS
                    .iter()
                    .find(|(from, on, _)| *from == state && *on == trigger)
                    .map(|(_, _, to)| *to);
                assert_eq!(state.next(trigger), listed, "{state:?} {trigger:?}");
            }
        }
        for state in [SessionState::Closed, SessionState::Cancelled] {
            assert!(SessionTrigger::ALL.iter().all(|t| state.next(*t).is_none()));
        }
    }

    #[test]
    fn an_absent_department_is_deemed_to_consent_once_with_its_evidence() {
        let application = submit(&["id", "lease"]).unwrap();
        let session = schedule_at(&application, at(2), wednesday(9)).unwrap();
        assert_eq!(session.items.len(), 1, "only the joint review");
        assert_eq!(session.invitations[0].department_code, "fire");
        assert!(!session.invitations[0].late);
        let closed = close(&session, wednesday(11));
        let outcome = &closed.closing.as_ref().unwrap().outcomes[0];
        assert_eq!(outcome.attendance, Attendance::Absent);
        assert!(outcome.evidence.contains("never signed for"));
        let verdicts = closed.verdicts().remove(&application.id).unwrap();
        assert!(matches!(verdicts[0].1, SessionVerdict::Absent { .. }));
        let command = Command::ApplySession {
            session_id: closed.id,
            verdicts,
        };
        let applied = engine::execute(rules(), &application, command.clone(), wednesday(11))
            .unwrap()
            .application;
        assert_eq!(
            state_of(&applied, "fire-opinion"),
            BranchState::DeemedConsent
        );
        let fire = applied.branch(branch_of(&applied, "fire-opinion")).unwrap();
        let recorded = fire.outcome.as_ref().unwrap();
        assert_eq!(recorded.rule, format!("absent from session {}", closed.id));
        assert_eq!(recorded.session_id, Some(closed.id));
        let again = engine::execute(rules(), &applied, command, wednesday(12)).unwrap();
        assert!(again.events.is_empty(), "a session is applied once");
    }

    #[test]
    fn a_notice_shorter_than_one_working_day_excuses_absence() {
        let application = submit(&["id", "lease"]).unwrap();
        // Invited Monday morning for Monday afternoon.
        let session = schedule_at(&application, at(2), at(2) + Duration::hours(5)).unwrap();
        assert!(session.invitations[0].late);
        let closed = close(&session, at(2) + Duration::hours(8));
        let verdicts = closed.verdicts().remove(&application.id).unwrap();
        assert!(matches!(verdicts[0].1, SessionVerdict::Excused { .. }));
        let applied = engine::execute(
            rules(),
            &application,
            Command::ApplySession {
                session_id: closed.id,
                verdicts,
            },
            at(2) + Duration::hours(8),
        )
        .unwrap();
        assert_eq!(
            state_of(&applied.application, "fire-opinion"),
            BranchState::Open
        );
        assert!(
            applied
                .events
                .iter()
                .any(|e| matches!(e, engine::Event::BranchAbsenceNotDeemed { .. }))
        );
    }

    #[derive(Debug, Clone)]
    enum Step {
        Acknowledge(&'static str),
        Opinion(&'static str, OpinionKind),
        Reschedule(i64),
        Cancel,
        Close,
        CloseOverdue,
    }

    fn step() -> impl Strategy<Value = Step> {
        let department = prop_oneof![Just("fire"), Just("reg")];
        let kind = prop_oneof![
            Just(OpinionKind::Delegate),
            Just(OpinionKind::Consent),
            Just(OpinionKind::Object)
        ];
        prop_oneof![
            department.clone().prop_map(Step::Acknowledge),
            (department, kind).prop_map(|(d, k)| Step::Opinion(d, k)),
            (1i64..72).prop_map(Step::Reschedule),
            Just(Step::Cancel),
            Just(Step::Close),
            Just(Step::CloseOverdue),
        ]
    }

    fn command(step: &Step, now: DateTime<Utc>) -> SessionCommand {
        let lead = || ("reg".to_owned(), "lead".to_owned());
        match step {
            Step::Acknowledge(d) => SessionCommand::Acknowledge {
                department_code: (*d).into(),
                clerk_id: "c".into(),
            },
            Step::Opinion(d, kind) => SessionCommand::RecordOpinion {
                department_code: (*d).into(),
                clerk_id: "c".into(),
                kind: *kind,
                text: "why".into(),
            },
            Step::Reschedule(hours) => SessionCommand::Reschedule {
                department_code: lead().0,
                clerk_id: lead().1,
                starts_at: now + Duration::hours(*hours),
                ends_at: now + Duration::hours(*hours + 1),
                place: String::new(),
                reason: "moved".into(),
            },
            Step::Cancel => SessionCommand::Cancel {
                department_code: lead().0,
                clerk_id: lead().1,
                reason: "off".into(),
            },
            Step::Close => SessionCommand::Close {
                department_code: lead().0,
                clerk_id: lead().1,
                minutes: "m".into(),
            },
            Step::CloseOverdue => SessionCommand::CloseOverdue,
        }
    }

    proptest! {
        #[test]
        fn whatever_arrives_a_session_ends_once_and_absence_follows_the_record(
            steps in proptest::collection::vec((step(), 0i64..30), 1..25)
        ) {
            let application = submit(&["id", "lease"]).unwrap();
            let mut now = at(2);
            let mut session = schedule_at(&application, now, wednesday(9)).unwrap();
            for (step, hours) in steps {
                now += Duration::hours(hours);
                let before = session.clone();
                if let Ok(decision) = run(&session, command(&step, now), now) {
                        if decision.events.is_empty() {
                            prop_assert_eq!(&decision.session, &before);
                        } else {
                            prop_assert_eq!(decision.session.version, before.version + 1);
                            prop_assert_eq!(before.state, SessionState::Scheduled, "a final session never changes");
                        }
                        session = decision.session;
                }
                if matches!(step, Step::CloseOverdue) && before.state == SessionState::Scheduled {
                    let due = now >= before.ends_at + SessionPolicy::default().grace;
                    prop_assert_eq!(session.state == SessionState::Closed, due);
                }
            }
            if let Some(closing) = &session.closing {
                prop_assert_eq!(session.state, SessionState::Closed);
                prop_assert_eq!(closing.outcomes.len(), session.invitations.len());
                for outcome in &closing.outcomes {
                    let invitation = session.invitation(&outcome.department_code).unwrap();
                    let spoke = session.opinions.iter().any(|o| o.department_code == outcome.department_code);
                    let absent = matches!(outcome.attendance, Attendance::Absent | Attendance::AbsentExcused);
                    prop_assert_eq!(absent, !spoke);
                    if absent {
                        prop_assert_eq!(outcome.attendance == Attendance::AbsentExcused, invitation.late);
                    }
                }
            } else {
                prop_assert!(session.verdicts().is_empty());
            }
        }
    }
}
