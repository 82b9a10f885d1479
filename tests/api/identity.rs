//! Identity and access over real gRPC with certificates and tokens made at test time: nobody
//! without credentials gets in, a department acts only on its own branches and the trail names
//! the certificate's department and clerk, tokens that prove nothing are refused, each role
//! keeps to its duties, personal data is masked for whoever does not need it, and a server is
//! refused a non-loopback address without TLS.

use lianban_proto::v1 as pb;
use lianban_services::Config;
use lianban_services::config::ClockKind;
use lianban_tests::{Backend, TestDatabase, TestServer};
use serde_json::json;
use tonic::Code;
use tonic::transport::Channel;

use crate::credentials::{Credentials, JwksServer, bearer, tampered, unsigned};
use crate::on_every_backend;
use crate::support::{COMPANY_MATERIALS, Refusal, branch, company};

/// A server on `backend` asking for certificates and tokens of `credentials`.
pub(crate) async fn secure(
    backend: Backend,
    credentials: &Credentials,
) -> (TestServer, TestDatabase) {
    let database = TestDatabase::create(backend).await;
    let config = credentials.secure(Config {
        database_url: database.url.clone(),
        clock: ClockKind::Manual,
        manual_clock_start: Some("2026-03-02T01:00:00Z".parse().unwrap()),
        ..Config::default()
    });
    let server = TestServer::start_with(config)
        .await
        .expect("secure server starts");
    (server, database)
}

fn refusal<T: std::fmt::Debug>(result: Result<T, tonic::Status>) -> Refusal {
    Refusal::of(&result.expect_err("refused"))
}

fn code_and_reason<T: std::fmt::Debug>(result: Result<T, tonic::Status>) -> (Code, String) {
    let refusal = refusal(result);
    (refusal.code, refusal.reason)
}

fn intake(channel: &Channel) -> pb::intake_service_client::IntakeServiceClient<Channel> {
    pb::intake_service_client::IntakeServiceClient::new(channel.clone())
}

fn tasks(channel: &Channel) -> pb::task_service_client::TaskServiceClient<Channel> {
    pb::task_service_client::TaskServiceClient::new(channel.clone())
}

fn supervision(
    channel: &Channel,
) -> pb::supervision_service_client::SupervisionServiceClient<Channel> {
    pb::supervision_service_client::SupervisionServiceClient::new(channel.clone())
}

/// An accepted 开办企业 application, submitted by the front desk's system.
pub(crate) async fn submitted(server: &TestServer, credentials: &Credentials) -> pb::Application {
    let desk = credentials
        .channel(server.address, Some("lianban:front-desk:desk-1"))
        .await;
    intake(&desk)
        .submit_application(company(&COMPANY_MATERIALS))
        .await
        .expect("the front desk submits")
        .into_inner()
        .application
        .expect("application")
}

async fn nobody_without_a_certificate_or_a_token_gets_in(backend: Backend) {
    let credentials = Credentials::new();
    let (server, _database) = secure(backend, &credentials).await;
    let anonymous = credentials.channel(server.address, None).await;
    let mut admin = pb::admin_service_client::AdminServiceClient::new(anonymous.clone());
    let answer = admin.get_time(pb::GetTimeRequest::default()).await;
    assert_eq!(
        code_and_reason(answer),
        (Code::Unauthenticated, "UNAUTHENTICATED".to_owned())
    );
    let answer = intake(&anonymous)
        .submit_application(company(&COMPANY_MATERIALS))
        .await;
    assert_eq!(refusal(answer).code, Code::Unauthenticated);
    // Probes need no identity.
    let mut health = tonic_health::pb::health_client::HealthClient::new(anonymous.clone());
    let served = health
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .expect("health answers without credentials");
    assert_eq!(served.into_inner().status, 1, "SERVING");
    server.stop().await;
}

async fn a_department_acts_on_its_own_branches_only_and_the_trail_names_it(backend: Backend) {
    let credentials = Credentials::new();
    let (server, _database) = secure(backend, &credentials).await;
    let application = submitted(&server, &credentials).await;
    let registration = branch(&application, "scjg-qiye-sheli").clone();
    let scjg = credentials
        .channel(server.address, Some("lianban:department:scjg"))
        .await;
    let swj = credentials
        .channel(server.address, Some("lianban:department:swj"))
        .await;
    let decide = |department: &str| pb::DecideTaskRequest {
        idempotency_key: crate::support::key(),
        branch_id: registration.id.clone(),
        department_code: department.into(),
        clerk_id: "clerk-7".into(),
        decision: Some(pb::decide_task_request::Decision::Approve(pb::Approve {
            result_reference: "91350100MA00000001".into(),
        })),
    };
    // Another department's certificate, even naming the branch's department: refused.
    let refused = refusal(tasks(&swj).decide_task(decide("scjg")).await);
    assert_eq!(
        (refused.code, refused.reason.as_str(), refused.about()),
        (Code::PermissionDenied, "OUT_OF_SCOPE", "department_code")
    );
    assert_eq!(refused.metadata["principal"], "system:department:swj");
    let refused = refusal(tasks(&swj).decide_task(decide("swj")).await);
    assert_eq!(
        (refused.code, refused.reason.as_str()),
        (Code::PermissionDenied, "NOT_OWNER")
    );
    // Nothing changed.
    let supervisor = credentials.token("jiancha-01", &["supervisor"]);
    let read = |id: String| pb::GetApplicationRequest { application_id: id };
    let desk = credentials
        .channel(server.address, Some("lianban:front-desk:desk-1"))
        .await;
    let unchanged = intake(&desk)
        .get_application(read(application.id.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        branch(&unchanged, "scjg-qiye-sheli").state,
        pb::BranchState::Open as i32
    );
    // The branch's own department decides; the request may leave its department out.
    let decided = tasks(&scjg)
        .decide_task(decide(""))
        .await
        .expect("scjg decides its branch")
        .into_inner();
    let decided_branch = decided.branch.expect("branch");
    assert_eq!(decided_branch.state, pb::BranchState::Approved as i32);
    // The trail names the certificate's department and the clerk it vouched for.
    let anonymous = credentials.channel(server.address, None).await;
    let trail = supervision(&anonymous)
        .get_audit_trail(bearer(
            pb::GetAuditTrailRequest {
                application_id: application.id.clone(),
                ..Default::default()
            },
            &supervisor,
        ))
        .await
        .expect("a supervisor reads the trail")
        .into_inner();
    assert!(trail.verified);
    let actors: Vec<&str> = trail.events.iter().map(|e| e.actor.as_str()).collect();
    assert!(actors.contains(&"department:scjg/clerk-7"), "{actors:?}");
    assert!(
        actors.iter().all(|a| !a.contains("swj")),
        "the refused calls left no trace: {actors:?}"
    );
    server.stop().await;
}

async fn personal_data_is_shown_only_to_whom_it_concerns(backend: Backend) {
    let credentials = Credentials::new();
    let (server, _database) = secure(backend, &credentials).await;
    let application = submitted(&server, &credentials).await;
    let read = || pb::GetApplicationRequest {
        application_id: application.id.clone(),
    };
    let anonymous = credentials.channel(server.address, None).await;
    let supervisor = credentials.token("jiancha-01", &["supervisor"]);
    let seen = intake(&anonymous)
        .get_application(bearer(read(), &supervisor))
        .await
        .unwrap()
        .into_inner();
    let applicant = seen.applicant.expect("applicant");
    assert_eq!(applicant.id_number, "110***********002X");
    assert_eq!(applicant.phone, "138****8000");
    assert_eq!(seen.branches.len(), application.branches.len());
    let listed = intake(&anonymous)
        .list_applications(bearer(pb::ListApplicationsRequest::default(), &supervisor))
        .await
        .unwrap()
        .into_inner()
        .applications;
    assert_eq!(
        listed[0].applicant.as_ref().unwrap().id_number,
        "110***********002X"
    );
    // The front desk that took it sees it in clear.
    let desk = credentials
        .channel(server.address, Some("lianban:front-desk:desk-1"))
        .await;
    let clear = intake(&desk)
        .get_application(read())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(clear.applicant.unwrap().id_number, "11010519491231002X");
    // A department sees its own branches (not the others' decisions) and the applicant.
    let scjg = credentials
        .channel(server.address, Some("lianban:department:scjg"))
        .await;
    let own = intake(&scjg)
        .get_application(read())
        .await
        .unwrap()
        .into_inner();
    assert!(!own.branches.is_empty());
    assert!(own.branches.iter().all(|b| b.department_code == "scjg"));
    assert_eq!(own.applicant.unwrap().phone, "13800138000");
    // A department with no branch in it does not see it.
    let fgw = credentials
        .channel(server.address, Some("lianban:department:zjj"))
        .await;
    let refused = refusal(intake(&fgw).get_application(read()).await);
    assert_eq!(
        (refused.code, refused.reason.as_str()),
        (Code::PermissionDenied, "OUT_OF_SCOPE")
    );
    server.stop().await;
}

async fn tokens_that_prove_nothing_are_refused(backend: Backend) {
    let credentials = Credentials::new();
    let (server, _database) = secure(backend, &credentials).await;
    let anonymous = credentials.channel(server.address, None).await;
    let mut digest = supervision(&anonymous);
    let now = chrono::Utc::now().timestamp();
    let good = credentials.claims("jiancha-01", &["supervisor"]);
    let spoilt = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut claims = good.clone();
        change(&mut claims);
        claims
    };
    let cases: Vec<(&str, String)> = vec![
        (
            "expired",
            credentials.sign(&spoilt(&|c| c["exp"] = json!(now - 3600))),
        ),
        (
            "not yet valid",
            credentials.sign(&spoilt(&|c| c["nbf"] = json!(now + 3600))),
        ),
        (
            "wrong audience",
            credentials.sign(&spoilt(&|c| c["aud"] = json!("another-system"))),
        ),
        (
            "wrong issuer",
            credentials.sign(&spoilt(&|c| c["iss"] = json!("https://evil.test"))),
        ),
        (
            "exp as a string",
            credentials.sign(&spoilt(&|c| c["exp"] = json!("never"))),
        ),
        (
            "no exp",
            credentials.sign(&spoilt(&|c| {
                c.as_object_mut().unwrap().remove("exp");
            })),
        ),
        ("unsigned", unsigned(&good)),
        (
            "tampered",
            tampered(
                &credentials.token("zhang", &["auditor"]),
                &credentials.claims("zhang", &["supervisor"]),
            ),
        ),
        (
            "another provider's key",
            Credentials::new().token("jiancha-01", &["supervisor"]),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    let ask = || pb::ListExtensionRequestsRequest::default();
    for (case, token) in cases {
        let answer = digest.list_extension_requests(bearer(ask(), &token)).await;
        assert_eq!(
            code_and_reason(answer),
            (Code::Unauthenticated, "UNAUTHENTICATED".to_owned()),
            "{case}"
        );
    }
    digest
        .list_extension_requests(bearer(ask(), &credentials.sign(&good)))
        .await
        .expect("the good token is accepted");
    server.stop().await;
}

async fn each_role_keeps_to_its_duties(backend: Backend) {
    let credentials = Credentials::new();
    let (server, _database) = secure(backend, &credentials).await;
    let application = submitted(&server, &credentials).await;
    let registration = branch(&application, "scjg-qiye-sheli").clone();
    let anonymous = credentials.channel(server.address, None).await;
    let admin = credentials.token("admin-01", &["admin"]);
    let decide = pb::DecideTaskRequest {
        idempotency_key: crate::support::key(),
        branch_id: registration.id.clone(),
        department_code: "scjg".into(),
        clerk_id: "admin-01".into(),
        decision: Some(pb::decide_task_request::Decision::Approve(pb::Approve {
            result_reference: "X".into(),
        })),
    };
    let refused = refusal(tasks(&anonymous).decide_task(bearer(decide, &admin)).await);
    assert_eq!(
        (refused.code, refused.reason.as_str()),
        (Code::PermissionDenied, "ROLE_NOT_ALLOWED")
    );
    assert_eq!(
        refused.metadata["method"],
        "/lianban.v1.TaskService/DecideTask"
    );
    // An auditor reads the trail but changes nothing, not even the time.
    let auditor = credentials.token("shenji-01", &["auditor"]);
    supervision(&anonymous)
        .get_audit_trail(bearer(
            pb::GetAuditTrailRequest {
                application_id: application.id.clone(),
                ..Default::default()
            },
            &auditor,
        ))
        .await
        .expect("an auditor reads the trail");
    let mut clock = pb::admin_service_client::AdminServiceClient::new(anonymous.clone());
    let moved = clock
        .advance_time(bearer(pb::AdvanceTimeRequest { seconds: 3600 }, &auditor))
        .await;
    assert_eq!(refusal(moved).reason, "ROLE_NOT_ALLOWED");
    let handed = pb::dispatch_service_client::DispatchServiceClient::new(anonymous.clone())
        .record_hand_over(bearer(
            pb::RecordHandOverRequest {
                application_id: application.id.clone(),
                ..Default::default()
            },
            &auditor,
        ))
        .await;
    assert_eq!(refusal(handed).reason, "ROLE_NOT_ALLOWED");
    // The admin moves the clock.
    clock
        .advance_time(bearer(pb::AdvanceTimeRequest { seconds: 3600 }, &admin))
        .await
        .expect("the admin moves the clock");
    server.stop().await;
}

async fn a_facilitator_reads_only_the_projects_it_follows(backend: Backend) {
    let credentials = Credentials::new();
    let (server, _database) = secure(backend, &credentials).await;
    let anonymous = credentials.channel(server.address, None).await;
    let mut projects = pb::project_service_client::ProjectServiceClient::new(anonymous.clone());
    let wang = credentials.token("wang", &["facilitator"]);
    let li = credentials.token("li", &["facilitator"]);
    let register = |code: &str| pb::RegisterProjectRequest {
        project: Some(pb::Project {
            code: code.into(),
            name: "榕城茶业产业园".into(),
            investor: "福州榕城茶业有限公司".into(),
            investment_wan: 50_000,
            facilitator: String::new(),
            registered_at: None,
        }),
    };
    let registered = projects
        .register_project(bearer(register("XM-1"), &wang))
        .await
        .expect("a facilitator registers a project")
        .into_inner();
    assert_eq!(registered.facilitator, "wang", "filled in from the token");
    projects
        .register_project(bearer(register("XM-2"), &li))
        .await
        .expect("another facilitator registers another");
    let board = |code: &str| pb::GetProjectBoardRequest {
        code: code.into(),
        ..Default::default()
    };
    projects
        .get_project_board(bearer(board("XM-1"), &wang))
        .await
        .expect("its own project");
    let refused = refusal(
        projects
            .get_project_board(bearer(board("XM-2"), &wang))
            .await,
    );
    assert_eq!(
        (refused.code, refused.reason.as_str()),
        (Code::PermissionDenied, "OUT_OF_SCOPE")
    );
    let listed = projects
        .list_projects(bearer(pb::ListProjectsRequest::default(), &wang))
        .await
        .unwrap()
        .into_inner()
        .projects;
    let codes: Vec<_> = listed.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["XM-1"]);
    // A facilitator may not register a project for someone else.
    let mut other = register("XM-3");
    other.project.as_mut().unwrap().facilitator = "li".into();
    let refused = refusal(projects.register_project(bearer(other, &wang)).await);
    assert_eq!(refused.reason, "OUT_OF_SCOPE");
    server.stop().await;
}

async fn nobody_approves_an_extension_their_own_identity_asked_for(backend: Backend) {
    let credentials = Credentials::new();
    let (server, _database) = secure(backend, &credentials).await;
    let application = submitted(&server, &credentials).await;
    let registration = branch(&application, "scjg-qiye-sheli").clone();
    let anonymous = credentials.channel(server.address, None).await;
    // One person holding both duties.
    let mut both = credentials.claims("zhao", &["department", "supervisor"]);
    both["department"] = json!("scjg");
    let both = credentials.sign(&both);
    tasks(&anonymous)
        .request_extension(bearer(
            pb::RequestExtensionRequest {
                branch_id: registration.id.clone(),
                days: 5,
                reason: "股东为境外机构，需核验主体资格".into(),
                ..Default::default()
            },
            &both,
        ))
        .await
        .expect("the department asks");
    let decide = |who: &str| pb::DecideExtensionRequest {
        branch_id: registration.id.clone(),
        number: 1,
        supervisor_id: who.into(),
        approve: true,
        note: "同意延期".into(),
        ..Default::default()
    };
    let refused = refusal(
        supervision(&anonymous)
            .decide_extension(bearer(decide(""), &both))
            .await,
    );
    assert_eq!(
        (refused.code, refused.reason.as_str()),
        (Code::PermissionDenied, "SAME_PERSON")
    );
    // Writing another name does not make another identity.
    let refused = refusal(
        supervision(&anonymous)
            .decide_extension(bearer(decide("jiancha-09"), &both))
            .await,
    );
    assert_eq!(refused.reason, "OUT_OF_SCOPE");
    let other = credentials.token("jiancha-01", &["supervisor"]);
    let approved = supervision(&anonymous)
        .decide_extension(bearer(decide(""), &other))
        .await
        .expect("another supervisor approves")
        .into_inner();
    assert!(approved.extensions[0].approved);
    server.stop().await;
}

async fn every_supported_flow_still_runs_with_a_certificate_per_system(backend: Backend) {
    // Department systems list and watch their own queue only.
    let credentials = Credentials::new();
    let (server, _database) = secure(backend, &credentials).await;
    submitted(&server, &credentials).await;
    let scjg = credentials
        .channel(server.address, Some("lianban:department:scjg"))
        .await;
    let own = tasks(&scjg)
        .list_tasks(pb::ListTasksRequest::default())
        .await
        .expect("its own queue without naming it")
        .into_inner()
        .tasks;
    assert_eq!(own.len(), 1);
    let refused = refusal(
        tasks(&scjg)
            .list_tasks(pb::ListTasksRequest {
                department_code: "swj".into(),
                ..Default::default()
            })
            .await,
    );
    assert_eq!(refused.reason, "OUT_OF_SCOPE");
    // A certificate naming a department the catalogue does not know proves nothing.
    let unknown = credentials
        .channel(server.address, Some("lianban:department:nowhere"))
        .await;
    let refused = refusal(
        tasks(&unknown)
            .list_tasks(pb::ListTasksRequest::default())
            .await,
    );
    assert_eq!(refused.code, Code::Unauthenticated);
    server.stop().await;
}

async fn keys_come_from_the_providers_url_and_follow_its_rotation(backend: Backend) {
    let credentials = Credentials::new();
    let provider = JwksServer::start(&credentials.jwks()).await;
    let database = TestDatabase::create(backend).await;
    let mut config = credentials.secure(Config {
        database_url: database.url.clone(),
        ..Config::default()
    });
    config.identity.jwks_file = None;
    config.identity.jwks_url = Some(provider.url.clone());
    config.identity.jwks_min_reload_seconds = 0;
    let server = TestServer::start_with(config)
        .await
        .expect("keys fetched at start-up");
    let anonymous = credentials.channel(server.address, None).await;
    let ask = || pb::ListExtensionRequestsRequest::default();
    supervision(&anonymous)
        .list_extension_requests(bearer(
            ask(),
            &credentials.token("jiancha-01", &["supervisor"]),
        ))
        .await
        .expect("a token signed with the provider's key");
    // The provider rotates to a new key: a token naming it makes the server fetch the set again.
    let rotated = Credentials::new();
    provider.replace(&rotated.jwks());
    supervision(&anonymous)
        .list_extension_requests(bearer(ask(), &rotated.token("jiancha-01", &["supervisor"])))
        .await
        .expect("a token signed with the rotated key");
    server.stop().await;
}

async fn notices_reach_only_their_audience(backend: Backend) {
    let credentials = Credentials::new();
    let (server, _database) = secure(backend, &credentials).await;
    let application = submitted(&server, &credentials).await;
    let list = || pb::ListNotificationsRequest {
        application_id: application.id.clone(),
        ..Default::default()
    };
    let notices = |channel: &Channel| {
        pb::notification_service_client::NotificationServiceClient::new(channel.clone())
    };
    let anonymous = credentials.channel(server.address, None).await;
    let supervisor = credentials.token("jiancha-01", &["supervisor"]);
    let scjg = credentials
        .channel(server.address, Some("lianban:department:scjg"))
        .await;
    // An extension decided: the department hears the decision, the applicant a new deadline.
    let registration = branch(&application, "scjg-qiye-sheli").id.clone();
    tasks(&scjg)
        .request_extension(pb::RequestExtensionRequest {
            branch_id: registration.clone(),
            clerk_id: "scjg-01".into(),
            days: 5,
            reason: "股东为境外机构，需核验主体资格".into(),
            ..Default::default()
        })
        .await
        .expect("scjg asks");
    supervision(&anonymous)
        .decide_extension(bearer(
            pb::DecideExtensionRequest {
                branch_id: registration,
                number: 1,
                approve: true,
                note: "同意延期".into(),
                ..Default::default()
            },
            &supervisor,
        ))
        .await
        .expect("a supervisor decides");
    let every = notices(&anonymous)
        .list_notifications(bearer(list(), &supervisor))
        .await
        .unwrap()
        .into_inner()
        .notifications;
    let department = pb::Audience::Department as i32;
    let of_scjg = |n: &&pb::Notification| n.audience == department && n.department_code == "scjg";
    let expected: Vec<i64> = every.iter().filter(of_scjg).map(|n| n.position).collect();
    assert!(!expected.is_empty(), "registration reached scjg: {every:?}");
    assert!(every.len() > expected.len(), "others were told too");
    let seen: Vec<i64> = notices(&scjg)
        .list_notifications(list())
        .await
        .unwrap()
        .into_inner()
        .notifications
        .iter()
        .map(|n| n.position)
        .collect();
    assert_eq!(seen, expected, "a department reads its own notices only");
    let desk = credentials
        .channel(server.address, Some("lianban:front-desk:desk-1"))
        .await;
    let applicants = notices(&desk)
        .list_notifications(list())
        .await
        .unwrap()
        .into_inner()
        .notifications;
    let applicant = pb::Audience::Applicant as i32;
    assert!(applicants.iter().all(|n| n.audience == applicant));
    let refused = refusal(
        notices(&scjg)
            .subscribe(pb::SubscribeRequest {
                department_code: "swj".into(),
                ..Default::default()
            })
            .await,
    );
    assert_eq!(
        (refused.reason.as_str(), refused.about()),
        ("OUT_OF_SCOPE", "department_code")
    );
    let refused = refusal(
        notices(&scjg)
            .subscribe(pb::SubscribeRequest {
                audience: pb::Audience::Supervision as i32,
                ..Default::default()
            })
            .await,
    );
    assert_eq!(
        (refused.reason.as_str(), refused.about()),
        ("OUT_OF_SCOPE", "audience")
    );
    server.stop().await;
}

async fn only_the_lead_schedules_and_cancels_its_sessions(backend: Backend) {
    let credentials = Credentials::new();
    let (server, _database) = secure(backend, &credentials).await;
    let desk = credentials
        .channel(server.address, Some("lianban:front-desk:desk-1"))
        .await;
    let application = intake(&desk)
        .submit_application(crate::support::joint_acceptance())
        .await
        .expect("the front desk submits")
        .into_inner()
        .application
        .expect("application");
    let sessions =
        |channel: &Channel| pb::session_service_client::SessionServiceClient::new(channel.clone());
    let at = |text: &str| {
        Some(prost_types::Timestamp {
            seconds: crate::support::beijing(text).timestamp(),
            nanos: 0,
        })
    };
    let meeting = pb::ScheduleSessionRequest {
        kind: pb::SessionKind::Meeting as i32,
        lead_department_code: "zjj".into(),
        clerk_id: "zjj-lead-01".into(),
        application_ids: vec![application.id.clone()],
        starts_at: at("2026-03-04 09:00"),
        ends_at: at("2026-03-04 11:00"),
        place: "政务服务中心三楼联审室".into(),
        idempotency_key: crate::support::key(),
        ..Default::default()
    };
    let zjj = credentials
        .channel(server.address, Some("lianban:department:zjj"))
        .await;
    let rfb = credentials
        .channel(server.address, Some("lianban:department:rfb"))
        .await;
    let refused = refusal(sessions(&rfb).schedule_session(meeting.clone()).await);
    assert_eq!(
        (refused.reason.as_str(), refused.about()),
        ("OUT_OF_SCOPE", "lead_department_code")
    );
    let session = sessions(&zjj)
        .schedule_session(meeting)
        .await
        .expect("the lead schedules")
        .into_inner()
        .session
        .expect("session");
    let cancel = |department: &str| pb::CancelSessionRequest {
        session_id: session.id.clone(),
        department_code: department.into(),
        clerk_id: "rfb-01".into(),
        reason: "改期".into(),
        ..Default::default()
    };
    let refused = refusal(sessions(&rfb).cancel_session(cancel("zjj")).await);
    assert_eq!(
        (refused.reason.as_str(), refused.about()),
        ("OUT_OF_SCOPE", "department_code")
    );
    let refused = refusal(sessions(&rfb).cancel_session(cancel("")).await);
    assert_eq!(refused.reason, "NOT_LEAD");
    let unchanged = sessions(&zjj)
        .get_session(pb::GetSessionRequest {
            session_id: session.id.clone(),
        })
        .await
        .expect("the lead reads it")
        .into_inner()
        .session
        .expect("session");
    assert_eq!(unchanged.state, session.state, "nothing changed");
    server.stop().await;
}

on_every_backend!(
    only_the_lead_schedules_and_cancels_its_sessions,
    notices_reach_only_their_audience,
    keys_come_from_the_providers_url_and_follow_its_rotation,
    nobody_without_a_certificate_or_a_token_gets_in,
    a_department_acts_on_its_own_branches_only_and_the_trail_names_it,
    personal_data_is_shown_only_to_whom_it_concerns,
    tokens_that_prove_nothing_are_refused,
    each_role_keeps_to_its_duties,
    a_facilitator_reads_only_the_projects_it_follows,
    nobody_approves_an_extension_their_own_identity_asked_for,
    every_supported_flow_still_runs_with_a_certificate_per_system,
);

#[tokio::test]
async fn a_server_is_refused_a_public_address_without_tls() {
    let config = Config {
        listen: "0.0.0.0:50051".parse().unwrap(),
        ..Config::default()
    };
    let refused = config.validate().expect_err("refused");
    assert!(refused.to_string().contains("without TLS"), "{refused}");
    assert!(refused.to_string().contains("tls.cert"), "{refused}");
    let credentials = Credentials::new();
    let mut secured = credentials.secure(config);
    let refused = secured
        .validate()
        .expect_err("an unkeyed audit chain is refused");
    assert!(refused.to_string().contains("audit.key_file"), "{refused}");
    secured.audit.key_id = Some("audit-2026".to_owned());
    secured.audit.key = Some(lianban_services::audit::InlineKey(
        "a-secret-of-at-least-thirty-two-bytes-0123456789".to_owned(),
    ));
    secured.telemetry.pii_key = lianban_services::telemetry::DEVELOPMENT_PII_KEY.to_owned();
    let refused = secured
        .validate()
        .expect_err("the built-in personal-data key is refused");
    assert!(
        refused.to_string().contains("telemetry.pii_key"),
        "{refused}"
    );
    secured.telemetry.pii_key = "a-secret-from-the-vault-0123456789".to_owned();
    secured
        .validate()
        .expect("TLS, authentication and a real key: accepted");
}
