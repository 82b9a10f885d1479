//! Complaints and the rectification of negative reviews: a complaint answered late turns red and
//! is escalated exactly once, is ruled, and closes only after its call-back, on an intact trail; a
//! 非常不满意 rating opens its rectification by itself, once; an appeal overturns a review or is
//! rejected; a department sees and touches only its own cases; bad input is refused by field.

use lianban_proto::v1 as pb;
use lianban_services::Config;
use lianban_services::config::ClockKind;
use lianban_tests::{Backend, TestDatabase, TestServer};
use tonic::Code;

use crate::credentials::{Credentials, bearer};
use crate::on_every_backend;
use crate::support::{
    COMPANY_MATERIALS, Spoil, accepted_company, assert_refused, beijing, company, key,
    notifications_of, set_time, set_time_at_once, shown,
};

on_every_backend!(
    a_complaint_answered_late_is_escalated_once_and_closes_after_ruling_and_call_back,
    a_very_dissatisfied_rating_opens_one_rectification_rectified_on_time,
    an_appeal_overturns_one_review_and_a_rejected_one_goes_on,
    a_department_sees_and_touches_only_its_own_cases,
    bad_complaints_and_steps_are_refused_by_field_and_change_nothing,
    replicas_sweeping_together_escalate_each_overdue_case_once,
);

async fn start(backend: Backend, now: &str) -> (TestServer, TestDatabase) {
    let database = TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing(now)).await;
    (server, database)
}

fn complainant() -> pb::Applicant {
    pb::Applicant {
        kind: pb::ApplicantKind::NaturalPerson as i32,
        name: "李四".into(),
        id_number: "11010519491231002X".into(),
        phone: "13900139000".into(),
    }
}

fn about_department(code: &str) -> Option<pb::CaseSubject> {
    Some(pb::CaseSubject {
        subject: Some(pb::case_subject::Subject::DepartmentCode(code.into())),
    })
}

fn lodge(subject: Option<pb::CaseSubject>, department: &str) -> pb::LodgeComplaintRequest {
    pb::LodgeComplaintRequest {
        subject,
        department_code: department.into(),
        complainant: Some(complainant()),
        facts: "窗口人员推诿，三次往返仍未受理".into(),
        channel: pb::CaseChannel::Phone as i32,
        registered_by: "desk-01".into(),
        idempotency_key: key(),
    }
}

fn reply(case: &pb::Case, department: &str) -> pb::ReplyToCaseRequest {
    pb::ReplyToCaseRequest {
        case_id: case.case_id.clone(),
        department_code: department.into(),
        clerk_id: format!("{department}-clerk-01"),
        text: "已核实并整改，窗口人员已约谈".into(),
        idempotency_key: key(),
    }
}

fn close(case: &pb::Case) -> pb::CloseCaseRequest {
    pb::CloseCaseRequest {
        case_id: case.case_id.clone(),
        supervisor_id: "jiancha-01".into(),
        note: "办结".into(),
        idempotency_key: key(),
    }
}

fn call_back(case: &pb::Case) -> pb::RecordCallBackRequest {
    pb::RecordCallBackRequest {
        case_id: case.case_id.clone(),
        called_at: None,
        by: "desk-01".into(),
        said: "对处理结果满意".into(),
        satisfied: true,
        idempotency_key: key(),
    }
}

async fn get(server: &TestServer, case: &pb::Case) -> pb::Case {
    server
        .cases()
        .await
        .get_case(pb::GetCaseRequest {
            case_id: case.case_id.clone(),
        })
        .await
        .expect("get case")
        .into_inner()
}

async fn list(server: &TestServer, request: pb::ListCasesRequest) -> Vec<pb::Case> {
    server
        .cases()
        .await
        .list_cases(request)
        .await
        .expect("list cases")
        .into_inner()
        .cases
}

async fn trail(server: &TestServer, case: &pb::Case) -> pb::CaseTrail {
    server
        .cases()
        .await
        .get_case_trail(pb::GetCaseTrailRequest {
            case_id: case.case_id.clone(),
            page_size: 100,
            page_token: String::new(),
        })
        .await
        .expect("trail")
        .into_inner()
}

async fn rate(server: &TestServer, application: &pb::Application, score: u32, key: &str) {
    server
        .intake()
        .await
        .rate_service(pb::RateServiceRequest {
            idempotency_key: key.into(),
            application_id: application.id.clone(),
            stage: pb::RatingStage::Acceptance as i32,
            score,
            comment: "办事太慢".into(),
            ..Default::default()
        })
        .await
        .expect("rate");
}

/// A 非常不满意 by its national code, through the hall's tablet, by a rater who gives a name.
async fn rate_by_name(server: &TestServer, application: &pb::Application) {
    server
        .intake()
        .await
        .rate_service(pb::RateServiceRequest {
            idempotency_key: key(),
            application_id: application.id.clone(),
            stage: pb::RatingStage::Acceptance as i32,
            satisfaction: pb::Satisfaction::VeryDissatisfied as i32,
            channel: pb::RatingChannel::HallTablet as i32,
            comment: "材料被退回三次".into(),
            rater: Some(pb::Rater {
                name: "王五".into(),
                phone: "13700137000".into(),
            }),
            ..Default::default()
        })
        .await
        .expect("rate by name");
}

fn rectifications() -> pb::ListCasesRequest {
    pb::ListCasesRequest {
        kind: pb::CaseKind::Rectification as i32,
        ..Default::default()
    }
}

async fn a_complaint_answered_late_is_escalated_once_and_closes_after_ruling_and_call_back(
    backend: Backend,
) {
    // Monday 2 March 2026; five working days end on Monday 9 March at 17:30.
    let (server, _database) = start(backend, "2026-03-02 10:00").await;
    let application = accepted_company(&server).await;
    let subject = Some(pb::CaseSubject {
        subject: Some(pb::case_subject::Subject::ApplicationId(
            application.id.clone(),
        )),
    });
    let lodged = server
        .cases()
        .await
        .lodge_complaint(lodge(subject, "scjg"))
        .await
        .expect("lodge")
        .into_inner();
    assert!(lodged.number.starts_with("TS2026"), "{}", lodged.number);
    assert_eq!(lodged.number.len(), 12);
    assert_eq!(lodged.state, pb::CaseState::Open as i32);
    assert_eq!(lodged.department_code, "scjg");
    assert_eq!(shown(lodged.due_at.as_ref()), "2026-03-09 17:30");
    assert!(!lodged.overdue && lodged.call_back_required);

    set_time(&server, "2026-03-09 17:00").await;
    assert!(get(&server, &lodged).await.escalated_at.is_none());
    set_time(&server, "2026-03-10 09:00").await;
    let red = get(&server, &lodged).await;
    assert!(red.overdue && red.escalated_at.is_some());
    assert_eq!(red.colour, pb::WarningColour::Red as i32);
    set_time(&server, "2026-03-11 09:00").await;
    let overdue = list(
        &server,
        pb::ListCasesRequest {
            overdue: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(overdue.len(), 1);
    let escalations: Vec<_> = notifications_of(&server, &application)
        .await
        .into_iter()
        .filter(|n| n.kind == "case_escalated")
        .collect();
    assert_eq!(
        escalations.len(),
        2,
        "once, to the department and to supervision"
    );

    let mut cases = server.cases().await;
    let replied = cases
        .reply_to_case(reply(&lodged, "scjg"))
        .await
        .expect("reply")
        .into_inner();
    assert!(replied.overdue && !replied.answered_on_time);
    let refusal = assert_refused(
        cases.close_case(close(&lodged)).await,
        Code::FailedPrecondition,
        "RULING_REQUIRED",
        "case",
    );
    assert_eq!(refusal.metadata["missing"], "ruling");
    let rule = |reason: &str| pb::RuleOnComplaintRequest {
        case_id: lodged.case_id.clone(),
        supervisor_id: "jiancha-01".into(),
        upheld: true,
        reason: reason.into(),
        idempotency_key: key(),
    };
    assert_refused(
        cases.rule_on_complaint(rule(" ")).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "reason",
    );
    cases
        .rule_on_complaint(rule("经核查属实"))
        .await
        .expect("rule");
    assert_refused(
        cases.close_case(close(&lodged)).await,
        Code::FailedPrecondition,
        "CALL_BACK_REQUIRED",
        "case",
    );
    cases
        .record_call_back(call_back(&lodged))
        .await
        .expect("call back");
    let closed = cases
        .close_case(close(&lodged))
        .await
        .expect("close")
        .into_inner();
    assert_eq!(closed.state, pb::CaseState::Closed as i32);
    assert_eq!(closed.outcome, pb::CaseOutcome::Upheld as i32);

    let trail = trail(&server, &lodged).await;
    assert!(trail.verified, "{}", trail.problem);
    let kinds: Vec<&str> = trail.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "case_opened",
            "case_escalated",
            "case_replied",
            "case_ruled",
            "case_called_back",
            "case_closed"
        ]
    );
    let actors: Vec<&str> = trail.events.iter().map(|e| e.actor.as_str()).collect();
    assert_eq!(actors[1], "system");
    assert_eq!(actors[2], "department:scjg/scjg-clerk-01");
    assert_eq!(actors[3], "supervisor:jiancha-01");
}

async fn a_very_dissatisfied_rating_opens_one_rectification_rectified_on_time(backend: Backend) {
    let (server, _database) = start(backend, "2026-03-02 10:00").await;
    let pleased = accepted_company(&server).await;
    rate(&server, &pleased, 3, &key()).await;
    assert!(
        list(&server, rectifications()).await.is_empty(),
        "基本满意 is not negative"
    );

    let application = accepted_company(&server).await;
    let rating_key = key();
    rate(&server, &application, 1, &rating_key).await;
    // The client retries the same rating: no second case.
    rate(&server, &application, 1, &rating_key).await;
    let opened = list(&server, rectifications()).await;
    assert_eq!(opened.len(), 1);
    let case = &opened[0];
    assert!(case.number.starts_with("ZG2026"));
    assert_eq!(case.department_code, "scjg", "the bundle's lead department");
    let rating = case.rating.as_ref().expect("the rating");
    assert_eq!(
        (rating.application_id.as_str(), rating.satisfaction_code),
        (application.id.as_str(), 5)
    );
    assert!(!rating.real_name && !case.call_back_required);
    // Fifteen working days from Monday 2 March: Monday 23 March.
    assert_eq!(shown(case.due_at.as_ref()), "2026-03-23 17:30");

    set_time(&server, "2026-03-20 10:00").await;
    let mut cases = server.cases().await;
    let rectified = cases
        .reply_to_case(reply(case, "scjg"))
        .await
        .expect("rectify")
        .into_inner();
    assert!(rectified.answered_on_time && !rectified.overdue);
    let closed = cases
        .close_case(close(case))
        .await
        .expect("close")
        .into_inner();
    assert_eq!(closed.outcome, pb::CaseOutcome::Rectified as i32);
    let closed_on_time = list(
        &server,
        pb::ListCasesRequest {
            kind: pb::CaseKind::Rectification as i32,
            state: pb::CaseState::Closed as i32,
            department_code: "scjg".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(closed_on_time.len(), 1);
    assert!(trail(&server, case).await.verified);

    // A rater who gave a name is owed a call-back before the rectification closes.
    let named = accepted_company(&server).await;
    rate_by_name(&server, &named).await;
    let open = list(
        &server,
        pb::ListCasesRequest {
            kind: pb::CaseKind::Rectification as i32,
            state: pb::CaseState::Open as i32,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(open.len(), 1);
    let owed = &open[0];
    let rating = owed.rating.as_ref().expect("the rating");
    assert!(rating.real_name && owed.call_back_required);
    assert_eq!(rating.satisfaction_code, 5);
    cases
        .reply_to_case(reply(owed, "scjg"))
        .await
        .expect("rectify");
    assert_refused(
        cases.close_case(close(owed)).await,
        Code::FailedPrecondition,
        "CALL_BACK_REQUIRED",
        "case",
    );
    cases
        .record_call_back(call_back(owed))
        .await
        .expect("call back");
    let closed = cases
        .close_case(close(owed))
        .await
        .expect("close")
        .into_inner();
    assert_eq!(closed.outcome, pb::CaseOutcome::Rectified as i32);
}

async fn an_appeal_overturns_one_review_and_a_rejected_one_goes_on(backend: Backend) {
    let (server, _database) = start(backend, "2026-03-02 10:00").await;
    for _ in 0..2 {
        let application = accepted_company(&server).await;
        rate(&server, &application, 2, &key()).await;
    }
    let opened = list(&server, rectifications()).await;
    assert_eq!(opened.len(), 2, "不满意 is negative too");
    let mut cases = server.cases().await;
    let appeal = |case: &pb::Case| pb::AppealRectificationRequest {
        case_id: case.case_id.clone(),
        department_code: "scjg".into(),
        clerk_id: "scjg-clerk-01".into(),
        reason: "评价人并非本件申请人，系恶意差评".into(),
        idempotency_key: key(),
    };
    let decide = |case: &pb::Case, overturn: bool| pb::DecideAppealRequest {
        case_id: case.case_id.clone(),
        supervisor_id: "jiancha-01".into(),
        overturn,
        reason: "经调取录像核实".into(),
        idempotency_key: key(),
    };
    for case in &opened {
        let appealed = cases
            .appeal_rectification(appeal(case))
            .await
            .expect("appeal");
        assert_eq!(appealed.into_inner().state, pb::CaseState::Appealed as i32);
    }
    let overturned = cases
        .decide_appeal(decide(&opened[0], true))
        .await
        .expect("overturn")
        .into_inner();
    assert_eq!(
        (overturned.state, overturned.outcome),
        (
            pb::CaseState::Closed as i32,
            pb::CaseOutcome::Overturned as i32
        )
    );
    assert!(overturned.appeals[0].overturned);
    let rejected = cases
        .decide_appeal(decide(&opened[1], false))
        .await
        .expect("reject")
        .into_inner();
    assert_eq!(rejected.state, pb::CaseState::Open as i32);
    assert!(rejected.appeals[0].decided && !rejected.appeals[0].overturned);
    assert_refused(
        cases.decide_appeal(decide(&opened[1], true)).await,
        Code::FailedPrecondition,
        "CASE_STATE",
        "case",
    );
    let replied = cases
        .reply_to_case(reply(&opened[1], "scjg"))
        .await
        .expect("the case goes on")
        .into_inner();
    assert_eq!(replied.state, pb::CaseState::Replied as i32);
}

/// A server asking for certificates and tokens.
async fn secure(backend: Backend, credentials: &Credentials) -> (TestServer, TestDatabase) {
    let database = TestDatabase::create(backend).await;
    let config = credentials.secure(Config {
        database_url: database.url.clone(),
        clock: ClockKind::Manual,
        manual_clock_start: Some(beijing("2026-03-02 10:00")),
        ..Config::default()
    });
    let server = TestServer::start_with(config).await.expect("server starts");
    (server, database)
}

async fn a_department_sees_and_touches_only_its_own_cases(backend: Backend) {
    let credentials = Credentials::new();
    let (server, _database) = secure(backend, &credentials).await;
    let client = |channel| pb::case_service_client::CaseServiceClient::new(channel);
    let mut desk = client(
        credentials
            .channel(server.address, Some("lianban:front-desk:desk-1"))
            .await,
    );
    let mut scjg = client(
        credentials
            .channel(server.address, Some("lianban:department:scjg"))
            .await,
    );
    let mut swj = client(
        credentials
            .channel(server.address, Some("lianban:department:swj"))
            .await,
    );
    let lodged = desk
        .lodge_complaint(lodge(about_department("scjg"), ""))
        .await
        .expect("the front desk lodges")
        .into_inner();
    let taken = lodged.complainant.as_ref().unwrap();
    assert_eq!(taken.id_number, "11010519491231002X", "the desk took it");
    assert_eq!(
        lodged.opened_by, "front-desk:desk-01",
        "the desk's system names its clerk"
    );

    let read = || pb::GetCaseRequest {
        case_id: lodged.case_id.clone(),
    };
    assert_refused(
        swj.get_case(read()).await,
        Code::PermissionDenied,
        "OUT_OF_SCOPE",
        "case_id",
    );
    assert_refused(
        swj.reply_to_case(reply(&lodged, "swj")).await,
        Code::PermissionDenied,
        "OUT_OF_SCOPE",
        "case_id",
    );
    let mut trail_request = pb::GetCaseTrailRequest {
        case_id: lodged.case_id.clone(),
        ..Default::default()
    };
    assert_refused(
        swj.get_case_trail(trail_request.clone()).await,
        Code::PermissionDenied,
        "OUT_OF_SCOPE",
        "case_id",
    );
    let listed = swj
        .list_cases(pb::ListCasesRequest::default())
        .await
        .expect("a department lists its own")
        .into_inner()
        .cases;
    assert!(listed.is_empty());
    assert_refused(
        swj.list_cases(pb::ListCasesRequest {
            department_code: "scjg".into(),
            ..Default::default()
        })
        .await,
        Code::PermissionDenied,
        "OUT_OF_SCOPE",
        "department_code",
    );
    let seen = scjg.get_case(read()).await.expect("its own").into_inner();
    let masked = seen.complainant.as_ref().unwrap();
    assert!(masked.id_number.contains('*') && masked.phone.contains('*'));
    assert_refused(
        scjg.close_case(close(&lodged)).await,
        Code::PermissionDenied,
        "ROLE_NOT_ALLOWED",
        "",
    );
    scjg.reply_to_case(reply(&lodged, "scjg"))
        .await
        .expect("it replies to its own");
    // Nothing of swj's attempts reached the trail.
    trail_request.page_size = 50;
    let trail = scjg
        .get_case_trail(trail_request)
        .await
        .expect("its trail")
        .into_inner();
    assert!(trail.verified);
    let actors: Vec<&str> = trail.events.iter().map(|e| e.actor.as_str()).collect();
    assert_eq!(
        actors,
        ["front-desk:desk-01", "department:scjg/scjg-clerk-01"]
    );
    let supervisor = credentials.token("jiancha-01", &["supervisor"]);
    let mut anyone = client(credentials.channel(server.address, None).await);
    let ruled = anyone
        .rule_on_complaint(bearer(
            pb::RuleOnComplaintRequest {
                case_id: lodged.case_id.clone(),
                upheld: false,
                reason: "不属实".into(),
                ..Default::default()
            },
            &supervisor,
        ))
        .await
        .expect("a supervisor rules as themself")
        .into_inner();
    assert_eq!(ruled.ruling.unwrap().supervisor_id, "jiancha-01");
}

async fn bad_complaints_and_steps_are_refused_by_field_and_change_nothing(backend: Backend) {
    let (server, _database) = start(backend, "2026-03-02 10:00").await;
    let application = server
        .intake()
        .await
        .submit_application(company(&COMPANY_MATERIALS))
        .await
        .expect("submit")
        .into_inner()
        .application
        .unwrap();
    let subject = |s: pb::case_subject::Subject| Some(pb::CaseSubject { subject: Some(s) });
    use pb::case_subject::Subject as S;
    let spoils: Vec<(Spoil<pb::LodgeComplaintRequest>, &str)> = vec![
        (Box::new(|r| r.subject = None), "subject"),
        (
            Box::new(move |r| r.subject = subject(S::DepartmentCode("nope".into()))),
            "subject.department_code",
        ),
        (
            Box::new(move |r| {
                r.subject = subject(S::ApplicationId(uuid::Uuid::now_v7().to_string()))
            }),
            "subject.application_id",
        ),
        (
            Box::new(move |r| r.subject = subject(S::ClerkId("nobody".into()))),
            "subject.clerk_id",
        ),
        (
            Box::new(move |r| r.subject = subject(S::Window("3号窗口".into()))),
            "department_code",
        ),
        (
            Box::new(|r| r.department_code = "swj".into()),
            "department_code",
        ),
        (Box::new(|r| r.facts = "  ".into()), "facts"),
        (Box::new(|r| r.facts = "长".repeat(2001)), "facts"),
        (
            Box::new(|r| r.complainant.as_mut().unwrap().phone = "12".into()),
            "complainant.phone",
        ),
        (
            Box::new(|r| r.complainant.as_mut().unwrap().id_number = "123".into()),
            "complainant.id_number",
        ),
        (
            Box::new(|r| r.complainant.as_mut().unwrap().name = String::new()),
            "complainant.name",
        ),
        (
            Box::new(|r| r.channel = pb::CaseChannel::Rating as i32),
            "channel",
        ),
    ];
    let mut cases = server.cases().await;
    for (spoil, field) in spoils {
        let mut request = lodge(about_department("scjg"), "");
        spoil(&mut request);
        assert_refused(
            cases.lodge_complaint(request).await,
            Code::InvalidArgument,
            "INVALID_FIELD",
            field,
        );
    }
    assert!(
        list(&server, pb::ListCasesRequest::default())
            .await
            .is_empty()
    );
    // An application and a window are routed to the department the lodger names.
    let mut about_application = lodge(subject(S::ApplicationId(application.id.clone())), "swj");
    about_application.channel = pb::CaseChannel::FrontDesk as i32;
    let routed = cases
        .lodge_complaint(about_application)
        .await
        .expect("lodged")
        .into_inner();
    assert_eq!(routed.department_code, "swj");
    assert_refused(
        cases
            .reply_to_case(pb::ReplyToCaseRequest {
                text: String::new(),
                ..reply(&routed, "swj")
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "text",
    );
    assert_refused(
        cases.reply_to_case(reply(&routed, "scjg")).await,
        Code::PermissionDenied,
        "NOT_RESPONSIBLE",
        "case",
    );
    assert_refused(
        cases
            .record_call_back(pb::RecordCallBackRequest {
                called_at: Some(prost_types::Timestamp {
                    seconds: beijing("2026-03-05 10:00").timestamp(),
                    nanos: 0,
                }),
                ..call_back(&routed)
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "called_at",
    );
    assert_refused(
        cases
            .get_case(pb::GetCaseRequest {
                case_id: "not-a-case".into(),
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "case_id",
    );
    let unchanged = get(&server, &routed).await;
    assert_eq!(unchanged.version, 1);
    assert_eq!(trail(&server, &routed).await.events.len(), 1);
}

async fn replicas_sweeping_together_escalate_each_overdue_case_once(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(TestServer::start_manual(&database.url, beijing("2026-03-02 10:00")).await);
    }
    let mut lodged = Vec::new();
    for index in 0..6 {
        let case = replicas[index % 3]
            .cases()
            .await
            .lodge_complaint(lodge(about_department("scjg"), ""))
            .await
            .expect("lodged")
            .into_inner();
        lodged.push(case);
    }
    let numbers: std::collections::BTreeSet<_> = lodged.iter().map(|c| &c.number).collect();
    assert_eq!(numbers.len(), 6, "numbers are unique across replicas");
    // Every replica moves the clock past the deadlines at once, and sweeps.
    set_time_at_once(
        &[&replicas[0], &replicas[1], &replicas[2]],
        "2026-03-10 09:00",
    )
    .await;
    for case in &lodged {
        let trail = trail(&replicas[0], case).await;
        let escalations = trail
            .events
            .iter()
            .filter(|e| e.kind == "case_escalated")
            .count();
        assert_eq!(escalations, 1, "{:?}", trail.events);
        assert!(trail.verified);
    }
    for server in replicas {
        server.stop().await;
    }
}
