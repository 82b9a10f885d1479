//! An application from acceptance to dispatch: parallel starts, cancellations, withdrawal, the one
//! hand-over, and a restart in the middle.

use lianban_proto::v1 as pb;
use lianban_tests::{Backend, TestServer};
use tonic::Code;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    dependants_start_the_moment_their_predecessor_is_approved,
    a_rejection_cancels_every_dependant_with_the_reason,
    joint_review_consents_start_dependants_and_an_objection_cancels_them,
    a_finished_application_is_handed_over_once_with_every_result,
    withdrawal_cancels_the_open_branches,
    everything_survives_a_restart,
    visits_are_counted_and_the_applicant_rates_once_per_stage,
);

async fn open_tasks(server: &TestServer, department: &str) -> Vec<pb::Task> {
    let request = pb::ListTasksRequest {
        department_code: department.into(),
        states: vec![pb::BranchState::Open as i32],
        ..Default::default()
    };
    server
        .tasks()
        .await
        .list_tasks(request)
        .await
        .unwrap()
        .into_inner()
        .tasks
}

async fn dependants_start_the_moment_their_predecessor_is_approved(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    assert_eq!(open_tasks(&running.server, "scjg").await.len(), 1);
    for (_, department) in COMPANY_PARALLEL {
        assert!(
            open_tasks(&running.server, department).await.is_empty(),
            "{department} waits for registration"
        );
    }
    let after = decide(
        &running.server,
        decision(
            &application,
            "scjg-qiye-sheli",
            approve("91350102MA2Y000001"),
        ),
    )
    .await;
    for (matter, department) in COMPANY_PARALLEL {
        assert_eq!(state_of(&after, matter), pb::BranchState::Open, "{matter}");
        let tasks = open_tasks(&running.server, department).await;
        assert_eq!(tasks.len(), 1, "{department} sees its branch");
        assert!(tasks[0].branch.as_ref().unwrap().started_at.is_some());
        assert_eq!(tasks[0].receipt_number, application.receipt_number);
    }
    let registration = branch(&after, "scjg-qiye-sheli").outcome.clone().unwrap();
    assert_eq!(registration.result_reference, "91350102MA2Y000001");
    assert_eq!(registration.decided_by.unwrap().clerk_id, "scjg-01");
}

async fn a_rejection_cancels_every_dependant_with_the_reason(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let after = decide(
        &running.server,
        decision(&application, "scjg-qiye-sheli", reject("企业名称已被占用")),
    )
    .await;
    assert_eq!(
        state_of(&after, "scjg-qiye-sheli"),
        pb::BranchState::Rejected
    );
    for (matter, _) in COMPANY_PARALLEL {
        let cancelled = branch(&after, matter);
        assert_eq!(
            cancelled.state,
            pb::BranchState::Cancelled as i32,
            "{matter}"
        );
        let reason = &cancelled.outcome.as_ref().unwrap().reason;
        assert!(
            reason.contains("scjg-qiye-sheli") && reason.contains("企业名称已被占用"),
            "{reason}"
        );
    }
    assert_eq!(
        after.state,
        pb::ApplicationState::ReadyForDispatch as i32,
        "the rejection itself is handed out"
    );
}

async fn joint_review_consents_start_dependants_and_an_objection_cancels_them(backend: Backend) {
    let running = start(backend).await;
    let mut request = joint_acceptance();
    request.applicant = Some(pb::Applicant {
        kind: pb::ApplicantKind::Organisation as i32,
        name: "榕城实业有限公司".into(),
        id_number: "91350100M000100Y43".into(),
        phone: String::new(),
    });
    let application = running
        .server
        .intake()
        .await
        .submit_application(request)
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    let consent = || {
        pb::decide_task_request::Decision::Consent(pb::Consent {
            comment: "符合".into(),
        })
    };
    // The wrong kind of decision for the role names the decision field and changes nothing.
    let wrong = running
        .server
        .tasks()
        .await
        .decide_task(decision(&application, "zrzy-guihua-heshi", approve("X")))
        .await;
    assert_status(wrong, Code::InvalidArgument, "decision");
    for matter in [
        "zrzy-guihua-heshi",
        "zjj-xiaofang-yanshou",
        "rfb-renfang-yanshou",
    ] {
        let latest = decide(&running.server, decision(&application, matter, consent())).await;
        assert_eq!(
            state_of(&latest, "zjj-jungong-beian"),
            pb::BranchState::Waiting
        );
    }
    let objection = pb::decide_task_request::Decision::Object(pb::Object {
        reasons: "档案资料不全".into(),
    });
    let latest = decide(
        &running.server,
        decision(&application, "daj-dangan-yanshou", objection),
    )
    .await;
    assert_eq!(
        state_of(&latest, "daj-dangan-yanshou"),
        pb::BranchState::Objected
    );
    assert_eq!(
        state_of(&latest, "zrzy-guihua-heshi"),
        pb::BranchState::Consented
    );
    assert_eq!(
        state_of(&latest, "zjj-jungong-beian"),
        pb::BranchState::Cancelled
    );
    assert_eq!(latest.state, pb::ApplicationState::ReadyForDispatch as i32);
}

async fn a_finished_application_is_handed_over_once_with_every_result(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let mut dispatch = running.server.dispatch().await;
    let hand_over = pb::RecordHandOverRequest {
        idempotency_key: String::new(),
        application_id: application.id.clone(),
        method: pb::HandOverMethod::OnSite as i32,
        handed_by: "window-03".into(),
        recipient: "王小明".into(),
        tracking_reference: String::new(),
    };
    let refusal = assert_refused(
        dispatch.record_hand_over(hand_over.clone()).await,
        Code::FailedPrecondition,
        "APPLICATION_STATE",
        "application",
    );
    assert_eq!(refusal.metadata["state"], "in_progress");
    let finished = approve_company(&running.server, &application).await;
    assert_eq!(
        finished.state,
        pb::ApplicationState::ReadyForDispatch as i32
    );
    assert!(finished.ready_at.is_some());
    let ready = dispatch
        .list_ready_for_dispatch(pb::ListReadyForDispatchRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        ready
            .applications
            .iter()
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>(),
        vec![application.id.as_str()]
    );

    let mut by_post = hand_over.clone();
    by_post.method = pb::HandOverMethod::Post as i32;
    assert_refused(
        dispatch.record_hand_over(by_post).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "tracking_reference",
    );

    let dispatched = dispatch
        .record_hand_over(hand_over.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(dispatched.state, pb::ApplicationState::Dispatched as i32);
    let record = dispatched.hand_over.unwrap();
    assert_eq!(record.handed_by, "window-03");
    assert_eq!(record.results.len(), 7, "every result at once");
    assert!(
        record
            .results
            .iter()
            .all(|r| r.outcome.as_ref().unwrap().state == pb::BranchState::Approved as i32)
    );
    assert_status(
        dispatch.record_hand_over(hand_over).await,
        Code::FailedPrecondition,
        "dispatched",
    );
    let ready = dispatch
        .list_ready_for_dispatch(pb::ListReadyForDispatchRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(ready.applications.is_empty());
}

async fn withdrawal_cancels_the_open_branches(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let approved = decide(
        &running.server,
        decision(
            &application,
            "scjg-qiye-sheli",
            approve("91350102MA2Y000001"),
        ),
    )
    .await;
    let mut intake = running.server.intake().await;
    let withdraw = pb::WithdrawApplicationRequest {
        idempotency_key: String::new(),
        application_id: approved.id.clone(),
        reason: "投资人决定暂缓开业".into(),
    };
    assert_status(
        intake
            .withdraw_application(pb::WithdrawApplicationRequest {
                reason: String::new(),
                ..withdraw.clone()
            })
            .await,
        Code::InvalidArgument,
        "reason",
    );
    let withdrawn = intake
        .withdraw_application(withdraw.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(withdrawn.state, pb::ApplicationState::Withdrawn as i32);
    assert_eq!(withdrawn.withdrawal_reason, "投资人决定暂缓开业");
    assert_eq!(
        state_of(&withdrawn, "scjg-qiye-sheli"),
        pb::BranchState::Approved,
        "decided results stay"
    );
    for (matter, department) in COMPANY_PARALLEL {
        assert_eq!(
            state_of(&withdrawn, matter),
            pb::BranchState::Cancelled,
            "{matter}"
        );
        assert!(open_tasks(&running.server, department).await.is_empty());
    }
    let refusal = assert_refused(
        intake.withdraw_application(withdraw).await,
        Code::FailedPrecondition,
        "APPLICATION_STATE",
        "application",
    );
    assert_eq!(refusal.metadata["state"], "withdrawn");
    let late = running
        .server
        .tasks()
        .await
        .decide_task(decision(&approved, "gaj-yinzhang-beian", approve("X")))
        .await;
    let refusal = assert_refused(
        late,
        Code::FailedPrecondition,
        "BRANCH_NOT_ACTIONABLE",
        "branch",
    );
    assert_eq!(refusal.metadata["state"], "cancelled");
}

async fn everything_survives_a_restart(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let half = decide(
        &running.server,
        decision(
            &application,
            "scjg-qiye-sheli",
            approve("91350102MA2Y000001"),
        ),
    )
    .await;
    let half = decide(
        &running.server,
        decision(&half, "gaj-yinzhang-beian", approve("GA-0001")),
    )
    .await;
    running.server.stop().await;

    let server = TestServer::start(&running.database.url).await;
    let reloaded = reread(&server, &application.id).await;
    assert_eq!(reloaded, half, "the application is exactly as it was left");
    assert_eq!(open_tasks(&server, "swj").await.len(), 1);
    let mut latest = reloaded.clone();
    for (matter, _) in COMPANY_PARALLEL.iter().skip(1) {
        latest = decide(&server, decision(&reloaded, matter, approve("R-1"))).await;
    }
    assert_eq!(latest.state, pb::ApplicationState::ReadyForDispatch as i32);
    let hand_over = pb::RecordHandOverRequest {
        application_id: application.id.clone(),
        method: pb::HandOverMethod::Electronic as i32,
        handed_by: "window-01".into(),
        ..Default::default()
    };
    let dispatched = server
        .dispatch()
        .await
        .record_hand_over(hand_over)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(dispatched.state, pb::ApplicationState::Dispatched as i32);
    server.stop().await;
}

async fn visits_are_counted_and_the_applicant_rates_once_per_stage(backend: Backend) {
    let running = start(backend).await;
    let mut intake = running.server.intake().await;
    let missing_lease: Vec<&str> = COMPANY_MATERIALS
        .iter()
        .copied()
        .filter(|c| *c != "zhusuo-shiyong-zhengming")
        .collect();
    let submitted = intake
        .submit_application(company(&missing_lease))
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    assert_eq!(submitted.visits, 1, "handed in at the window");
    let rate = |stage: pb::RatingStage, score: u32| pb::RateServiceRequest {
        idempotency_key: String::new(),
        application_id: submitted.id.clone(),
        stage: stage as i32,
        score,
        comment: "窗口服务热情".into(),
        ..Default::default()
    };
    assert_status(
        intake
            .rate_service(rate(pb::RatingStage::Acceptance, 5))
            .await,
        Code::FailedPrecondition,
        "awaiting_materials",
    );
    let online = pb::SupplementMaterialsRequest {
        idempotency_key: String::new(),
        application_id: submitted.id.clone(),
        materials: vec![material("zhusuo-shiyong-zhengming")],
        channel: pb::Channel::Online as i32,
    };
    let accepted = intake
        .supplement_materials(online)
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    assert_eq!(accepted.visits, 1, "an online supplement is not a visit");
    assert_refused(
        intake
            .rate_service(rate(pb::RatingStage::Acceptance, 6))
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "score",
    );
    let rated = intake
        .rate_service(rate(pb::RatingStage::Acceptance, 5))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rated.ratings.len(), 1);
    assert_status(
        intake
            .rate_service(rate(pb::RatingStage::Acceptance, 4))
            .await,
        Code::FailedPrecondition,
        "already rated",
    );
    assert_status(
        intake
            .rate_service(rate(pb::RatingStage::Dispatch, 4))
            .await,
        Code::FailedPrecondition,
        "in_progress",
    );
    approve_company(&running.server, &accepted).await;
    let pick_up = pb::RecordHandOverRequest {
        application_id: submitted.id.clone(),
        method: pb::HandOverMethod::OnSite as i32,
        handed_by: "window-03".into(),
        recipient: "王小明".into(),
        ..Default::default()
    };
    let dispatched = running
        .server
        .dispatch()
        .await
        .record_hand_over(pick_up)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        dispatched.visits, 2,
        "the pick-up at the window is the second visit"
    );
    let both = intake
        .rate_service(rate(pb::RatingStage::Dispatch, 4))
        .await
        .unwrap()
        .into_inner();
    let scores: Vec<u32> = both.ratings.iter().map(|r| r.score).collect();
    assert_eq!(scores, vec![5, 4]);
}
