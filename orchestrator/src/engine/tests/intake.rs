//! Submission, the one-time notice, completion and acceptance, withdrawal, and the refusals that
//! name the faulty field.

use uuid::Uuid;

use super::fixtures::{at, material, rules, state_of, submission, submit};
use crate::application::{Channel, HandOverMethod};
use crate::engine::{self, Command, Submit};
use crate::error::EngineError;
use crate::machine::{ApplicationState, BranchState};

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
