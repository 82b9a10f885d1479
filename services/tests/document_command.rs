//! `lianban-server document ID`, run as an operator runs it: the store keeps documents compact,
//! and the command prints one as the JSON the engine wrote; an unknown id is an error.

mod common;

use chrono::{TimeZone, Utc};
use common::run;
use lianban_orchestrator::application::{Applicant, ApplicantKind, Channel, MaterialSubmission};
use lianban_orchestrator::engine::{self, Submit};
use lianban_orchestrator::{Calendar, Catalogue, Rules};
use lianban_services::store::{Change, Store};
use uuid::Uuid;

/// A 开办企业 application as the front desk accepts it.
fn submitted() -> lianban_orchestrator::Application {
    let catalogue: Catalogue = lianban_services::catalogue::sample().unwrap();
    let calendar: Calendar = lianban_services::calendar::load(&Default::default()).unwrap();
    let staffing = Default::default();
    let rules = Rules {
        catalogue: &catalogue,
        calendar: &calendar,
        staffing: &staffing,
    };
    let materials = [
        "fading-daibiaoren-shenfen",
        "gongsi-zhangcheng",
        "jingbanren-shenfen",
        "sheli-shenqingshu",
        "zhusuo-shiyong-zhengming",
    ];
    let submit = Submit {
        application_id: Uuid::now_v7(),
        bundle_code: "kaiban-qiye".into(),
        applicant: Applicant {
            kind: ApplicantKind::NaturalPerson,
            name: "王小明".into(),
            id_number: "11010519491231002X".into(),
            phone: String::new(),
        },
        form: [
            "company_name",
            "registered_capital",
            "business_scope",
            "address",
        ]
        .into_iter()
        .chain(["legal_representative"])
        .map(|key| (key.to_owned(), "值".to_owned()))
        .collect(),
        materials: materials
            .iter()
            .map(|code| MaterialSubmission {
                material_code: (*code).into(),
                document_ref: format!("doc-{code}"),
            })
            .collect(),
        channel: Channel::OnSite,
        key_project_code: None,
        front_desk_clerk: "desk".into(),
    };
    let at = Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap();
    let decision = engine::submit(rules, submit, &mut Uuid::now_v7, at).unwrap();
    decision.application
}

#[tokio::test]
async fn the_document_command_prints_a_stored_document_as_json() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        folder.path().join("lianban.db").display()
    );
    let store = Store::connect(&url).await.unwrap();
    let application = submitted();
    let change = Change {
        application: &application,
        previous: None,
        events: &[],
        actor: "test",
        at: application.submitted_at,
        idempotency: None,
        notices: &[],
    };
    store.commit(change).await.unwrap();

    // Read while the store is open, as it is under a running server.
    let shown = run(
        folder.path(),
        &url,
        &["document", &application.id.to_string()],
    );
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(printed, serde_json::to_value(&application).unwrap());
    assert_eq!(
        printed["receipt_number"],
        application.receipt_number.unwrap()
    );

    let unknown = Uuid::now_v7().to_string();
    let missing = run(folder.path(), &url, &["document", &unknown]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains(&unknown));
    let malformed = run(folder.path(), &url, &["document", "not-an-id"]);
    assert_eq!(malformed.status.code(), Some(2));
    store.close().await.unwrap();
}
