//! The front desk: one-time notices, supplements, shared materials and refused input.

use lianban_proto::v1 as pb;
use lianban_tests::Backend;
use tonic::Code;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    missing_materials_give_one_notice_listing_every_matter_at_once,
    a_partial_supplement_gets_a_new_complete_notice_and_the_rest_is_accepted,
    a_material_needed_by_several_matters_is_handed_in_once,
    bad_input_names_the_field_and_creates_nothing,
    unknown_applications_are_not_found,
    supplementing_an_accepted_application_names_its_state,
);

async fn missing_materials_give_one_notice_listing_every_matter_at_once(backend: Backend) {
    let running = start(backend).await;
    let response = running
        .server
        .intake()
        .await
        .submit_application(company(&["sheli-shenqingshu"]))
        .await
        .unwrap();
    let response = response.into_inner();
    let application = response.application.unwrap();
    assert_eq!(
        application.state,
        pb::ApplicationState::AwaitingMaterials as i32
    );
    assert!(
        application.receipt_number.is_empty(),
        "not accepted: no receipt number"
    );
    assert!(
        application
            .branches
            .iter()
            .all(|b| b.state == pb::BranchState::Pending as i32 && b.started_at.is_none())
    );
    let notice = response.notice.expect("a one-time notice");
    assert_eq!(notice.number, 1);
    let listed: Vec<(&str, Vec<&str>)> = notice
        .missing
        .iter()
        .map(|m| {
            (
                m.material_code.as_str(),
                m.department_codes.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (
                "fading-daibiaoren-shenfen",
                vec!["scjg", "gaj", "swj", "yh"]
            ),
            ("gongsi-zhangcheng", vec!["scjg"]),
            (
                "jingbanren-shenfen",
                vec!["gaj", "swj", "rsj", "ybj", "gjj"]
            ),
            ("zhusuo-shiyong-zhengming", vec!["scjg"]),
        ]
    );
    assert!(notice.missing.iter().all(|m| !m.material_name.is_empty()));
    let jingbanren = &notice.missing[2];
    assert_eq!(
        jingbanren.matter_codes.len(),
        5,
        "every matter that needs it is named"
    );
    // No department sees anything to do yet.
    let tasks = running.server.tasks().await;
    for department in ["scjg", "gaj", "swj"] {
        let request = pb::ListTasksRequest {
            department_code: department.into(),
            ..Default::default()
        };
        let listed = tasks
            .clone()
            .list_tasks(request)
            .await
            .unwrap()
            .into_inner()
            .tasks;
        assert!(
            listed
                .iter()
                .all(|t| t.branch.as_ref().unwrap().state == pb::BranchState::Pending as i32)
        );
    }
}

async fn a_partial_supplement_gets_a_new_complete_notice_and_the_rest_is_accepted(
    backend: Backend,
) {
    let running = start(backend).await;
    let mut intake = running.server.intake().await;
    let first = intake
        .submit_application(company(&["sheli-shenqingshu"]))
        .await
        .unwrap()
        .into_inner();
    let id = first.application.unwrap().id;
    let supplement = |codes: &[&str]| pb::SupplementMaterialsRequest {
        idempotency_key: String::new(),
        application_id: id.clone(),
        materials: codes.iter().map(|c| material(c)).collect(),
        channel: pb::Channel::Online as i32,
    };
    let second = intake
        .supplement_materials(supplement(&["gongsi-zhangcheng", "jingbanren-shenfen"]))
        .await
        .unwrap();
    let second = second.into_inner();
    let notice = second.notice.expect("still missing: a new notice");
    assert_eq!(notice.number, 2);
    let still: Vec<&str> = notice
        .missing
        .iter()
        .map(|m| m.material_code.as_str())
        .collect();
    assert_eq!(
        still,
        vec!["fading-daibiaoren-shenfen", "zhusuo-shiyong-zhengming"]
    );
    assert_eq!(
        second.application.unwrap().state,
        pb::ApplicationState::AwaitingMaterials as i32
    );

    let third = intake
        .supplement_materials(supplement(&[
            "fading-daibiaoren-shenfen",
            "zhusuo-shiyong-zhengming",
        ]))
        .await
        .unwrap()
        .into_inner();
    assert!(third.notice.is_none());
    let application = third.application.unwrap();
    assert_eq!(application.state, pb::ApplicationState::InProgress as i32);
    assert!(
        application.receipt_number.starts_with("LB"),
        "{}",
        application.receipt_number
    );
    assert!(application.accepted_at.is_some());
    assert_eq!(application.notices.len(), 2, "both notices stay on record");
    assert_eq!(
        state_of(&application, "scjg-qiye-sheli"),
        pb::BranchState::Open
    );
    for (matter, _) in COMPANY_PARALLEL {
        assert_eq!(
            state_of(&application, matter),
            pb::BranchState::Waiting,
            "{matter}"
        );
    }
    // The receipt number finds it too.
    let by_receipt = reread(&running.server, &application.receipt_number).await;
    assert_eq!(by_receipt.id, application.id);
}

async fn a_material_needed_by_several_matters_is_handed_in_once(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    assert_eq!(application.materials.len(), COMPANY_MATERIALS.len());
    let holders: Vec<&str> = application
        .branches
        .iter()
        .filter(|b| {
            b.materials
                .iter()
                .any(|m| m.material_code == "fading-daibiaoren-shenfen")
        })
        .map(|b| b.department_code.as_str())
        .collect();
    assert_eq!(holders, vec!["scjg", "gaj", "swj", "yh"]);
    for branch in application
        .branches
        .iter()
        .filter(|b| holders.contains(&b.department_code.as_str()))
    {
        let shared = branch
            .materials
            .iter()
            .find(|m| m.material_code == "fading-daibiaoren-shenfen")
            .unwrap();
        assert_eq!(
            shared.document_ref, "dms://fading-daibiaoren-shenfen",
            "the one document serves every matter"
        );
    }
}

async fn bad_input_names_the_field_and_creates_nothing(backend: Backend) {
    let running = start(backend).await;
    let mut intake = running.server.intake().await;
    let cases: Vec<(&str, Spoil<pb::SubmitApplicationRequest>)> = vec![
        ("idempotency_key", Box::new(|r| r.idempotency_key.clear())),
        (
            "bundle_code",
            Box::new(|r| r.bundle_code = "kaiban-yinhang".into()),
        ),
        ("applicant", Box::new(|r| r.applicant = None)),
        (
            "applicant.kind",
            Box::new(|r| r.applicant.as_mut().unwrap().kind = 0),
        ),
        (
            "applicant.id_number",
            Box::new(|r| r.applicant.as_mut().unwrap().id_number = "110105194912310021".into()),
        ),
        (
            "applicant.name",
            Box::new(|r| r.applicant.as_mut().unwrap().name = " ".into()),
        ),
        (
            "applicant.phone",
            Box::new(|r| r.applicant.as_mut().unwrap().phone = "call me".into()),
        ),
        (
            "form.company_name",
            Box::new(|r| drop(r.form.remove("company_name"))),
        ),
        (
            "form.favourite_colour",
            Box::new(|r| drop(r.form.insert("favourite_colour".into(), "red".into()))),
        ),
        (
            "materials[1].material_code",
            Box::new(|r| r.materials[1].material_code = "passport".into()),
        ),
        (
            "materials[2].document_ref",
            Box::new(|r| r.materials[2].document_ref.clear()),
        ),
        ("channel", Box::new(|r| r.channel = 0)),
        ("front_desk_clerk", Box::new(|r| r.front_desk_clerk.clear())),
    ];
    for (field, spoil) in cases {
        let mut request = company(&COMPANY_MATERIALS);
        spoil(&mut request);
        assert_refused(
            intake.submit_application(request).await,
            Code::InvalidArgument,
            "INVALID_FIELD",
            field,
        );
    }
    assert_eq!(
        application_count(&running.server).await,
        0,
        "no refused request left anything behind"
    );
}

async fn unknown_applications_are_not_found(backend: Backend) {
    let running = start(backend).await;
    let mut intake = running.server.intake().await;
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_status(
        intake
            .get_application(pb::GetApplicationRequest {
                application_id: unknown.clone(),
            })
            .await,
        Code::NotFound,
        &unknown,
    );
    assert_status(
        intake
            .get_application(pb::GetApplicationRequest {
                application_id: "LB20260101AAAAAAAAAAAA".into(),
            })
            .await,
        Code::NotFound,
        "LB20260101AAAAAAAAAAAA",
    );
    let withdraw = pb::WithdrawApplicationRequest {
        idempotency_key: String::new(),
        application_id: unknown.clone(),
        reason: "x".into(),
    };
    assert_status(
        intake.withdraw_application(withdraw).await,
        Code::NotFound,
        &unknown,
    );
    let malformed = pb::SupplementMaterialsRequest {
        application_id: "not-an-id".into(),
        materials: vec![material("gongsi-zhangcheng")],
        channel: pb::Channel::OnSite as i32,
        ..Default::default()
    };
    assert_status(
        intake.supplement_materials(malformed).await,
        Code::InvalidArgument,
        "application_id",
    );
}

async fn supplementing_an_accepted_application_names_its_state(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let request = pb::SupplementMaterialsRequest {
        application_id: application.id.clone(),
        materials: vec![material("gongsi-zhangcheng")],
        channel: pb::Channel::OnSite as i32,
        ..Default::default()
    };
    let result = running
        .server
        .intake()
        .await
        .supplement_materials(request)
        .await;
    let refusal = assert_refused(
        result,
        Code::FailedPrecondition,
        "APPLICATION_STATE",
        "application",
    );
    assert_eq!(refusal.subject(), application.id);
    assert_eq!(refusal.metadata["state"], "in_progress");
    assert_eq!(
        reread(&running.server, &application.id).await.version,
        application.version
    );
}
