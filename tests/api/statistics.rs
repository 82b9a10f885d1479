//! Statistics over a scripted month, checked against figures computed by hand.
//!
//! March 2026, Beijing time, manual clock:
//! - A1 开办企业, on site, complete, 2 Mar 09:00; rated 5 at acceptance; registration approved
//!   10:00, the six others 11:00: completed the same day (0 working days, due 5 Mar: on time);
//!   picked up at the window 4 Mar (2 visits).
//! - A2 开办企业, on site, lease missing, 2 Mar 11:00; lease supplied online 4 Mar 09:00 (accepted,
//!   due 9 Mar); its registration (due 5 Mar) is escalated when the clock passes; everything
//!   approved 10 Mar 10:00: completed in 4 working days (5, 6, 9, 10 Mar), late; sent
//!   electronically 11 Mar (1 visit).
//! - A3 联合竣工验收, on site, 2 Mar 14:00 (due 16 Mar); three reviews consent 3 Mar; the archive
//!   department stays silent and is deemed to consent 9 Mar 17:30; the filing is approved 10 Mar:
//!   completed in 6 working days, on time; picked up at the window 12 Mar (2 visits), rated 3.
//! - A4 开办企业, complete, 20 Mar; its registration asks for a 5-day extension, approved.
//!
//! Hand-computed for 1–31 March: received 4, accepted 4, completed 3, on time 2 (rate 2/3),
//! working days [0, 4, 6]: average 10/3, p90 6; deemed consents 1; escalations 1; extensions 1
//! requested, 1 approved; ratings 2, average 4 stars (one 非常满意, one 基本满意, no 差评);
//! dispatched 3, one visit 1/3, at most two 3/3.

use lianban_proto::v1 as pb;
use lianban_tests::{Backend, TestDatabase, TestServer};
use tonic::Code;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(statistics_of_a_scripted_month_match_the_hand_computed_figures);

async fn approve_parallel(server: &TestServer, application: &pb::Application) {
    for (matter, _) in COMPANY_PARALLEL {
        decide(
            server,
            decision(application, matter, approve(&format!("{matter}-1"))),
        )
        .await;
    }
}

async fn rate(server: &TestServer, id: &str, stage: pb::RatingStage, score: u32) {
    let request = pb::RateServiceRequest {
        application_id: id.into(),
        stage: stage as i32,
        score,
        ..Default::default()
    };
    server.intake().await.rate_service(request).await.unwrap();
}

async fn statistics_of_a_scripted_month_match_the_hand_computed_figures(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-03-02 09:00")).await;
    let mut intake = server.intake().await;

    let a1 = accepted_company(&server).await;
    rate(&server, &a1.id, pb::RatingStage::Acceptance, 5).await;
    set_time(&server, "2026-03-02 10:00").await;
    decide(&server, decision(&a1, "scjg-qiye-sheli", approve("R-A1"))).await;
    set_time(&server, "2026-03-02 11:00").await;
    approve_parallel(&server, &a1).await;
    let lease_missing: Vec<&str> = COMPANY_MATERIALS
        .iter()
        .copied()
        .filter(|c| *c != "zhusuo-shiyong-zhengming")
        .collect();
    let a2 = intake
        .submit_application(company(&lease_missing))
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    set_time(&server, "2026-03-02 14:00").await;
    let a3 = intake
        .submit_application(joint_acceptance())
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    set_time(&server, "2026-03-03 10:00").await;
    let consent = || {
        pb::decide_task_request::Decision::Consent(pb::Consent {
            comment: String::new(),
        })
    };
    for matter in [
        "zrzy-guihua-heshi",
        "zjj-xiaofang-yanshou",
        "rfb-renfang-yanshou",
    ] {
        decide(&server, decision(&a3, matter, consent())).await;
    }
    set_time(&server, "2026-03-04 09:00").await;
    let supplement = pb::SupplementMaterialsRequest {
        idempotency_key: String::new(),
        application_id: a2.id.clone(),
        materials: vec![material("zhusuo-shiyong-zhengming")],
        channel: pb::Channel::Online as i32,
    };
    let a2 = intake
        .supplement_materials(supplement)
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    hand_over(&server, &a1.id, pb::HandOverMethod::OnSite).await;
    set_time(&server, "2026-03-09 17:30").await;
    set_time(&server, "2026-03-10 10:00").await;
    decide(&server, decision(&a2, "scjg-qiye-sheli", approve("R-A2"))).await;
    approve_parallel(&server, &a2).await;
    decide(
        &server,
        decision(&a3, "zjj-jungong-beian", approve("BA-A3")),
    )
    .await;
    set_time(&server, "2026-03-11 09:00").await;
    hand_over(&server, &a2.id, pb::HandOverMethod::Electronic).await;
    set_time(&server, "2026-03-12 09:00").await;
    hand_over(&server, &a3.id, pb::HandOverMethod::OnSite).await;
    rate(&server, &a3.id, pb::RatingStage::Dispatch, 3).await;
    set_time(&server, "2026-03-20 09:00").await;
    let a4 = accepted_company(&server).await;
    let extension = pb::RequestExtensionRequest {
        idempotency_key: String::new(),
        branch_id: branch(&a4, "scjg-qiye-sheli").id.clone(),
        department_code: "scjg".into(),
        clerk_id: "scjg-01".into(),
        days: 5,
        reason: "核查".into(),
    };
    server
        .tasks()
        .await
        .request_extension(extension)
        .await
        .unwrap();
    let approval = pb::DecideExtensionRequest {
        branch_id: branch(&a4, "scjg-qiye-sheli").id.clone(),
        number: 1,
        supervisor_id: "jiancha-01".into(),
        approve: true,
        ..Default::default()
    };
    server
        .supervision()
        .await
        .decide_extension(approval)
        .await
        .unwrap();

    let mut statistics = server.statistics().await;
    let march = pb::GetStatisticsRequest {
        from: "2026-03-01".into(),
        to: "2026-03-31".into(),
    };
    let figures = statistics.get_statistics(march).await.unwrap().into_inner();
    let overall = figures.overall.unwrap();
    assert_eq!(
        (
            overall.received,
            overall.accepted,
            overall.completed,
            overall.on_time
        ),
        (4, 4, 3, 2)
    );
    assert!(
        (overall.on_time_rate - 2.0 / 3.0).abs() < 1e-9,
        "{}",
        overall.on_time_rate
    );
    assert!(
        (overall.average_working_days - 10.0 / 3.0).abs() < 1e-9,
        "{}",
        overall.average_working_days
    );
    assert_eq!(overall.p90_working_days, 6);
    assert_eq!((overall.deemed_consents, overall.escalations), (1, 1));
    assert_eq!(
        (overall.extensions_requested, overall.extensions_approved),
        (1, 1)
    );
    assert_eq!(overall.ratings, 2);
    assert!((overall.average_rating - 4.0).abs() < 1e-9);
    let by_level: Vec<u32> = overall.ratings_by_level.iter().map(|c| c.count).collect();
    assert_eq!(
        by_level,
        [1, 0, 1, 0, 0],
        "5 stars is code 1, 3 stars code 3"
    );
    assert_eq!(overall.negative_ratings, 0);
    assert_eq!(overall.dispatched, 3);
    assert!(
        (overall.one_visit_share - 1.0 / 3.0).abs() < 1e-9,
        "{}",
        overall.one_visit_share
    );
    assert!((overall.two_visits_share - 1.0).abs() < 1e-9);
    assert!((overall.three_visits_share - 1.0).abs() < 1e-9);

    let department = |code: &str| {
        figures
            .departments
            .iter()
            .find(|d| d.department_code == code)
            .unwrap()
            .clone()
    };
    let scjg = department("scjg");
    // Registrations: A1, A2, A4 started; A1 (on time) and A2 (late) decided.
    assert_eq!((scjg.started, scjg.decided, scjg.on_time), (3, 2, 1));
    assert_eq!((scjg.escalations, scjg.extensions_requested), (1, 1));
    assert_eq!(department("daj").deemed_consents, 1);
    let bundle = |code: &str| {
        figures
            .bundles
            .iter()
            .find(|b| b.bundle_code == code)
            .unwrap()
            .clone()
    };
    let company = bundle("kaiban-qiye");
    assert_eq!(
        (company.critical_path_days, company.serial_sum_days),
        (2, 3)
    );
    let company_figures = company.figures.unwrap();
    assert_eq!(
        (
            company_figures.received,
            company_figures.completed,
            company_figures.on_time
        ),
        (3, 2, 1)
    );
    let acceptance = bundle("gongye-lianhe-yanshou");
    assert_eq!(
        (acceptance.critical_path_days, acceptance.serial_sum_days),
        (7, 22)
    );
    assert_eq!(acceptance.figures.unwrap().deemed_consents, 1);

    // A narrower period: only the first week.
    let week = pb::GetStatisticsRequest {
        from: "2026-03-02".into(),
        to: "2026-03-06".into(),
    };
    let first_week = statistics
        .get_statistics(week)
        .await
        .unwrap()
        .into_inner()
        .overall
        .unwrap();
    assert_eq!(
        (
            first_week.received,
            first_week.accepted,
            first_week.completed
        ),
        (3, 3, 1)
    );
    let backwards = pb::GetStatisticsRequest {
        from: "2026-03-31".into(),
        to: "2026-03-01".into(),
    };
    assert_refused(
        statistics.get_statistics(backwards).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "to",
    );
    server.stop().await;
}
