//! The monthly assessment (考核) of a scripted March 2026, checked against figures and scores
//! computed by hand, with February beside it for the trend.
//!
//! Beijing time, manual clock, default weights (60 × on-time rate + 20 × one-visit share + 20 ×
//! share rectified on time, full marks for a share with nothing to measure; −2 per overdue branch,
//! −1 per deemed consent by silence, −5 per upheld complaint, −1 per negative review).
//! - A0 开办企业 (desk-01), accepted Tue 24 Feb 09:00: 市场监管 (scjg, 1 working day, due 25 Feb)
//!   stays silent, is escalated when the clock passes and approves 26 Feb 10:00 (late, overdue);
//!   the six others (0–1 day) approve 26 Feb 11:00 on time; ready 26 Feb, due 27 Feb: on time.
//! - A1 开办企业 (desk-01), accepted Mon 2 Mar 09:00: everything approved 2 Mar (on time); sent
//!   electronically 3 Mar (one visit).
//! - A2 开办企业 (desk-02), accepted 2 Mar 09:00: scjg silent past 3 Mar 17:30 (escalated),
//!   approves 4 Mar 10:00 (late, overdue); the six others approve 4 Mar 11:00 (on time); ready
//!   4 Mar, due 5 Mar: on time; picked up at the window 5 Mar (two visits).
//! - A3 联合竣工验收 (desk-01), accepted 2 Mar 14:00: three reviews consent 3 Mar; 城建档案 (daj)
//!   stays silent and is deemed to consent 9 Mar 17:30 (at its deadline); the filing (zjj) is
//!   approved 10 Mar; ready 10 Mar, due 16 Mar: on time; not handed over.
//! - Ratings: A1's acceptance (desk-01) rated 不满意 2 Mar, its rectification (scjg) appealed and
//!   overturned the same day; A2's acceptance (desk-02) rated 非常不满意 2 Mar, rectified by scjg
//!   20 Mar, before its deadline (15 working days: 23 Mar).
//! - A complaint about 住建 (zjj) lodged 3 Mar, replied 5 Mar, ruled upheld 6 Mar.
//!
//! March by hand:
//! - scjg: decided 2, on time 1 (½), overdue 1, handed over 2 with one visit 1 (½), one negative
//!   review (the overturned one does not count) rectified on time (1/1):
//!   60·½ + 20·½ + 20·1 − 2 − 1 = 57. February: decided 1, on time 0, overdue 1, nothing handed
//!   over: 0 + 20 + 20 − 2 = 38. Change +19.
//! - gaj (and each of the six): decided 2 on time, one visit ½: 60 + 10 + 20 = 90; February 100;
//!   change −10.
//! - daj: decided 1 on time, deemed consent 1: 100 − 1 = 99, nothing in February.
//! - zjj: two decisions on time, a complaint received and upheld: 100 − 5 = 95.
//! - desk-01: A1 and A3 completed on time, A1 handed over in one visit: 100; February (A0 on time)
//!   100; change 0 (its overturned review does not count). desk-02: A2 on time, handed over in
//!   two visits, one negative review rectified on time: 60 + 0 + 20 − 1 = 79.

use lianban_proto::v1 as pb;
use lianban_tests::{Backend, TestDatabase, TestServer};
use tonic::Code;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    the_assessment_of_a_scripted_month_matches_the_hand_computed_scores,
    an_assessment_asks_for_a_month_written_year_dash_month,
);

async fn approve_parallel(server: &TestServer, application: &pb::Application) {
    for (matter, _) in COMPANY_PARALLEL {
        decide(
            server,
            decision(application, matter, approve(&format!("{matter}-1"))),
        )
        .await;
    }
}

async fn company_taken_by(server: &TestServer, clerk: &str) -> pb::Application {
    let mut request = company(&COMPANY_MATERIALS);
    request.front_desk_clerk = clerk.into();
    server
        .intake()
        .await
        .submit_application(request)
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap()
}

async fn rate_acceptance(server: &TestServer, id: &str, satisfaction: pb::Satisfaction) {
    let request = pb::RateServiceRequest {
        application_id: id.into(),
        stage: pb::RatingStage::Acceptance as i32,
        satisfaction: satisfaction as i32,
        channel: pb::RatingChannel::HallTablet as i32,
        ..Default::default()
    };
    server.intake().await.rate_service(request).await.unwrap();
}

/// The rectification a negative review of `id` opened.
async fn rectification_of(server: &TestServer, id: &str) -> String {
    let request = pb::ListCasesRequest {
        kind: pb::CaseKind::Rectification as i32,
        ..Default::default()
    };
    let cases = server.cases().await.list_cases(request).await.unwrap();
    cases
        .into_inner()
        .cases
        .into_iter()
        .find(|case| case.rating.as_ref().unwrap().application_id == id)
        .expect("a rectification")
        .case_id
}

async fn overturn_on_appeal(server: &TestServer, case_id: &str) {
    let mut cases = server.cases().await;
    let appeal = pb::AppealRectificationRequest {
        case_id: case_id.into(),
        department_code: "scjg".into(),
        clerk_id: "scjg-clerk-01".into(),
        reason: "评价人并非本件申请人".into(),
        idempotency_key: key(),
    };
    cases.appeal_rectification(appeal).await.unwrap();
    let decision = pb::DecideAppealRequest {
        case_id: case_id.into(),
        supervisor_id: "jiancha-01".into(),
        overturn: true,
        reason: "经调取录像核实".into(),
        idempotency_key: key(),
    };
    cases.decide_appeal(decision).await.unwrap();
}

async fn reply(server: &TestServer, case_id: &str, department: &str) {
    let request = pb::ReplyToCaseRequest {
        case_id: case_id.into(),
        department_code: department.into(),
        clerk_id: format!("{department}-clerk-01"),
        text: "已核实并整改".into(),
        idempotency_key: key(),
    };
    server.cases().await.reply_to_case(request).await.unwrap();
}

/// A complaint about 住建, returning its id.
async fn complain_about_zjj(server: &TestServer) -> String {
    let request = pb::LodgeComplaintRequest {
        subject: Some(pb::CaseSubject {
            subject: Some(pb::case_subject::Subject::DepartmentCode("zjj".into())),
        }),
        department_code: "zjj".into(),
        complainant: Some(pb::Applicant {
            kind: pb::ApplicantKind::NaturalPerson as i32,
            name: "李四".into(),
            id_number: "11010519491231002X".into(),
            phone: "13900139000".into(),
        }),
        facts: "验收材料要求反复变化".into(),
        channel: pb::CaseChannel::Phone as i32,
        registered_by: "desk-01".into(),
        idempotency_key: key(),
    };
    let lodged = server.cases().await.lodge_complaint(request).await.unwrap();
    lodged.into_inner().case_id
}

async fn uphold(server: &TestServer, case_id: &str) {
    let request = pb::RuleOnComplaintRequest {
        case_id: case_id.into(),
        supervisor_id: "jiancha-01".into(),
        upheld: true,
        reason: "经核查属实".into(),
        idempotency_key: key(),
    };
    server
        .cases()
        .await
        .rule_on_complaint(request)
        .await
        .unwrap();
}

/// February's A0, then March's A1–A3, as the module's documentation tells.
async fn script_february_and_march(server: &TestServer) {
    set_time(server, "2026-02-24 09:00").await;
    let a0 = company_taken_by(server, "desk-01").await;
    set_time(server, "2026-02-26 09:00").await;
    set_time(server, "2026-02-26 10:00").await;
    decide(server, decision(&a0, "scjg-qiye-sheli", approve("R-A0"))).await;
    set_time(server, "2026-02-26 11:00").await;
    approve_parallel(server, &a0).await;

    set_time(server, "2026-03-02 09:00").await;
    let a1 = company_taken_by(server, "desk-01").await;
    let a2 = company_taken_by(server, "desk-02").await;
    rate_acceptance(server, &a1.id, pb::Satisfaction::Dissatisfied).await;
    let overturned = rectification_of(server, &a1.id).await;
    overturn_on_appeal(server, &overturned).await;
    rate_acceptance(server, &a2.id, pb::Satisfaction::VeryDissatisfied).await;
    let rectification = rectification_of(server, &a2.id).await;
    set_time(server, "2026-03-02 10:00").await;
    decide(server, decision(&a1, "scjg-qiye-sheli", approve("R-A1"))).await;
    set_time(server, "2026-03-02 11:00").await;
    approve_parallel(server, &a1).await;
    set_time(server, "2026-03-02 14:00").await;
    let a3 = server
        .intake()
        .await
        .submit_application(joint_acceptance())
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    set_time(server, "2026-03-03 09:00").await;
    hand_over(server, &a1.id, pb::HandOverMethod::Electronic).await;
    set_time(server, "2026-03-03 10:00").await;
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
        decide(server, decision(&a3, matter, consent())).await;
    }
    let complaint = complain_about_zjj(server).await;
    set_time(server, "2026-03-04 09:00").await;
    set_time(server, "2026-03-04 10:00").await;
    decide(server, decision(&a2, "scjg-qiye-sheli", approve("R-A2"))).await;
    set_time(server, "2026-03-04 11:00").await;
    approve_parallel(server, &a2).await;
    set_time(server, "2026-03-05 09:00").await;
    hand_over(server, &a2.id, pb::HandOverMethod::OnSite).await;
    reply(server, &complaint, "zjj").await;
    set_time(server, "2026-03-06 09:00").await;
    uphold(server, &complaint).await;
    set_time(server, "2026-03-09 17:30").await;
    set_time(server, "2026-03-10 10:00").await;
    decide(server, decision(&a3, "zjj-jungong-beian", approve("BA-A3"))).await;
    set_time(server, "2026-03-20 10:00").await;
    reply(server, &rectification, "scjg").await;
    set_time(server, "2026-04-01 09:00").await;
}

fn row<'a>(rows: &'a [pb::AssessmentRow], subject: &str) -> &'a pb::AssessmentRow {
    rows.iter()
        .find(|r| r.subject == subject)
        .unwrap_or_else(|| panic!("no row for {subject}"))
}

fn figures(row: &pb::AssessmentRow) -> pb::AssessmentFigures {
    row.figures.unwrap()
}

async fn the_assessment_of_a_scripted_month_matches_the_hand_computed_scores(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-02-24 08:00")).await;
    script_february_and_march(&server).await;

    let mut assessment = server.assessment().await;
    let march = pb::AssessMonthRequest {
        month: "2026-03".into(),
    };
    let report = assessment
        .assess_month(march.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (report.month.as_str(), report.previous_month.as_str()),
        ("2026-03", "2026-02")
    );
    assert_eq!(report.full_marks, 100.0);

    let scjg = row(&report.departments, "scjg");
    assert_eq!(scjg.name, "市场监督管理局");
    let f = figures(scjg);
    assert_eq!((f.decided, f.on_time, f.overdue), (2, 1, 1));
    assert_eq!((f.dispatched, f.one_visit), (2, 1));
    assert_eq!((f.on_time_rate, f.one_visit_share), (Some(0.5), Some(0.5)));
    assert_eq!(
        (
            f.negative_reviews,
            f.rectifications_due,
            f.rectified_on_time
        ),
        (1, 1, 1),
        "the overturned review does not count"
    );
    assert_eq!(f.rectified_on_time_share, Some(1.0));
    assert_eq!(
        (scjg.score, scjg.previous_score, scjg.change),
        (57.0, Some(38.0), Some(19.0))
    );
    let february = scjg.previous.unwrap();
    assert_eq!(
        (february.decided, february.on_time, february.overdue),
        (1, 0, 1)
    );

    for (_, department) in COMPANY_PARALLEL {
        let parallel = row(&report.departments, department);
        let f = figures(parallel);
        assert_eq!((f.decided, f.on_time, f.overdue), (2, 2, 0), "{department}");
        assert_eq!(
            (parallel.score, parallel.previous_score, parallel.change),
            (90.0, Some(100.0), Some(-10.0)),
            "{department}"
        );
    }

    let daj = row(&report.departments, "daj");
    let f = figures(daj);
    assert_eq!((f.decided, f.on_time, f.deemed_consents), (1, 1, 1));
    assert_eq!((daj.score, daj.previous_score), (99.0, None));
    let zjj = row(&report.departments, "zjj");
    let f = figures(zjj);
    assert_eq!(
        (f.decided, f.complaints_received, f.complaints_upheld),
        (2, 1, 1)
    );
    assert_eq!(zjj.score, 95.0);

    let desk1 = row(&report.clerks, "desk-01");
    let f = figures(desk1);
    assert_eq!(
        (f.decided, f.on_time, f.dispatched, f.one_visit),
        (2, 2, 1, 1)
    );
    assert_eq!(
        (desk1.score, desk1.previous_score, desk1.change),
        (100.0, Some(100.0), Some(0.0))
    );
    assert_eq!(f.negative_reviews, 0, "overturned on appeal");
    let desk2 = row(&report.clerks, "desk-02");
    let f = figures(desk2);
    assert_eq!(
        (
            f.negative_reviews,
            f.rectifications_due,
            f.rectified_on_time
        ),
        (1, 1, 1)
    );
    assert_eq!((desk2.score, desk2.previous_score), (79.0, None));

    let sheet = assessment
        .export_assessment_csv(march)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sheet.file_name, "lianban-assessment-2026-03.csv");
    let text = sheet.csv.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("类别,编码,名称,月份,得分,上月得分,环比变化"));
    assert_eq!(
        lines.len(),
        1 + report.departments.len() + report.clerks.len()
    );
    let scjg_line = lines
        .iter()
        .find(|l| l.starts_with("部门,scjg,"))
        .expect("a line for scjg");
    assert!(
        scjg_line.starts_with("部门,scjg,市场监督管理局,2026-03,57.00,38.00,19.00,2,1,0.5000,1,"),
        "{scjg_line}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("窗口人员,desk-02,,2026-03,79.00,,,"))
    );
}

async fn an_assessment_asks_for_a_month_written_year_dash_month(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-03-02 09:00")).await;
    let mut assessment = server.assessment().await;
    for month in ["", "2026-3", "2026-13", "March"] {
        let request = pb::AssessMonthRequest {
            month: month.into(),
        };
        let refused = assessment.assess_month(request).await.unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{month:?}");
        assert_eq!(Refusal::of(&refused).fields[0].0, "month", "{month:?}");
    }
    let empty = assessment
        .assess_month(pb::AssessMonthRequest {
            month: "2026-03".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(empty.departments.is_empty() && empty.clerks.is_empty());
}
