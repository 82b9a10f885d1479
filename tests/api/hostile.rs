//! Malformed and hostile requests across the services, as a careless or hostile department system
//! would send them: overlong, empty and wrong-type ids, out-of-range numbers and timestamps,
//! control and invisible characters, repeated entries, bytes that decode to no message. Each is
//! refused with its code, reason and field; none changes the application, its trail, its
//! notifications, the clock or the number of applications; no refusal repeats more than a short,
//! escaped prefix of what was sent; and the server still answers its health check after each.
use std::future::Future;
use std::pin::Pin;

use lianban_proto::v1 as pb;
use lianban_tests::{Backend, TestServer};
use pb::admin_service_client::AdminServiceClient;
use pb::catalog_service_client::CatalogServiceClient;
use pb::dispatch_service_client::DispatchServiceClient;
use pb::intake_service_client::IntakeServiceClient;
use pb::notification_service_client::NotificationServiceClient;
use pb::project_service_client::ProjectServiceClient;
use pb::session_service_client::SessionServiceClient;
use pb::staff_service_client::StaffServiceClient;
use pb::statistics_service_client::StatisticsServiceClient;
use pb::supervision_service_client::SupervisionServiceClient;
use pb::task_service_client::TaskServiceClient;
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(hostile_requests_are_refused_by_reason_and_field_and_change_nothing);

/// The ids a case aims at: an application in progress, its open registration branch and a
/// parallel branch its clerk has claimed.
#[derive(Clone)]
struct Target {
    application_id: String,
    open_branch: String,
    open_department: String,
    claimed_branch: String,
    claimed_department: String,
}

type Outcome = Pin<Box<dyn Future<Output = Result<(), Status>> + Send>>;

/// One hostile request, and the refusal it must meet: code, reason and what it is about (the
/// field of an INVALID_ARGUMENT, the entity otherwise).
struct Case {
    name: &'static str,
    code: Code,
    reason: &'static str,
    about: String,
    call: Box<dyn Fn(Channel, Target) -> Outcome>,
}

fn case<F, Fut>(name: &'static str, code: Code, reason: &'static str, about: &str, call: F) -> Case
where
    F: Fn(Channel, Target) -> Fut + 'static,
    Fut: Future<Output = Result<(), Status>> + Send + 'static,
{
    Case {
        name,
        code,
        reason,
        about: about.to_owned(),
        call: Box::new(move |channel, target| Box::pin(call(channel, target))),
    }
}

/// A field refused as invalid.
fn invalid<F, Fut>(name: &'static str, field: &str, call: F) -> Case
where
    F: Fn(Channel, Target) -> Fut + 'static,
    Fut: Future<Output = Result<(), Status>> + Send + 'static,
{
    case(name, Code::InvalidArgument, "INVALID_FIELD", field, call)
}

fn timestamp(seconds: i64, nanos: i32) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp { seconds, nanos })
}

/// A start time an hour after the test server's clock.
fn soon() -> Option<prost_types::Timestamp> {
    timestamp(beijing("2026-03-02 10:00").timestamp(), 0)
}

fn session(target: &Target) -> pb::ScheduleSessionRequest {
    pb::ScheduleSessionRequest {
        kind: pb::SessionKind::Meeting as i32,
        lead_department_code: target.open_department.clone(),
        clerk_id: "lead-01".into(),
        application_ids: vec![target.application_id.clone()],
        starts_at: soon(),
        ends_at: timestamp(beijing("2026-03-02 11:00").timestamp(), 0),
        place: "三楼会议室".into(),
        ..Default::default()
    }
}

fn claim(target: &Target) -> pb::ClaimTaskRequest {
    pb::ClaimTaskRequest {
        branch_id: target.open_branch.clone(),
        department_code: target.open_department.clone(),
        clerk_id: "clerk-01".into(),
    }
}

/// The refusals of the intake, catalogue and dispatch windows.
fn front_desk_cases() -> Vec<Case> {
    let get = |id: String| pb::GetApplicationRequest { application_id: id };
    vec![
        invalid(
            "an overlong application id",
            "application_id",
            move |c, _| async move {
                let id = "7".repeat(100_000);
                IntakeServiceClient::new(c)
                    .get_application(get(id))
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "an empty application id",
            "application_id",
            move |c, _| async move {
                IntakeServiceClient::new(c)
                    .get_application(get(String::new()))
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "an application id that is not a UUID",
            "application_id",
            move |c, _| async move {
                let id = "application-1; DROP TABLE applications".to_owned();
                IntakeServiceClient::new(c)
                    .get_application(get(id))
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a terminal escape in an id",
            "application_id",
            move |c, t| async move {
                let id = format!("\u{1b}]0;owned\u{7}{}", t.application_id);
                IntakeServiceClient::new(c)
                    .get_application(get(id))
                    .await
                    .map(drop)
            },
        ),
        case(
            "an id of no application",
            Code::NotFound,
            "NOT_FOUND",
            "application",
            move |c, _| async move {
                IntakeServiceClient::new(c)
                    .get_application(get(uuid::Uuid::nil().to_string()))
                    .await
                    .map(drop)
            },
        ),
        case(
            "a branch id where an application id belongs",
            Code::NotFound,
            "NOT_FOUND",
            "application",
            move |c, t| async move {
                IntakeServiceClient::new(c)
                    .get_application(get(t.open_branch))
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a form value beyond the free-text limit",
            "form[company_name]",
            move |c, _| async move {
                let mut request = company(&COMPANY_MATERIALS);
                request
                    .form
                    .insert("company_name".into(), "茶".repeat(2001));
                IntakeServiceClient::new(c)
                    .submit_application(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a control character in a form key",
            "form",
            move |c, _| async move {
                let mut request = company(&COMPANY_MATERIALS);
                request.form.insert("company\u{0}name".into(), "x".into());
                IntakeServiceClient::new(c)
                    .submit_application(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "an applicant name of a thousand characters",
            "applicant.name",
            move |c, _| async move {
                let mut request = company(&COMPANY_MATERIALS);
                request.applicant.as_mut().unwrap().name = "王".repeat(1000);
                IntakeServiceClient::new(c)
                    .submit_application(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a line break in an identity number",
            "applicant.id_number",
            move |c, _| async move {
                let mut request = company(&COMPANY_MATERIALS);
                request.applicant.as_mut().unwrap().id_number = "110105\n19491231002X".into();
                IntakeServiceClient::new(c)
                    .submit_application(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "an overlong document reference",
            "materials[1].document_ref",
            move |c, _| async move {
                let mut request = company(&COMPANY_MATERIALS);
                request.materials[1].document_ref = format!("dms://{}", "x".repeat(600));
                IntakeServiceClient::new(c)
                    .submit_application(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a material handed in twice",
            "materials[5].material_code",
            move |c, _| async move {
                let mut request = company(&COMPANY_MATERIALS);
                request.materials.push(material(COMPANY_MATERIALS[0]));
                IntakeServiceClient::new(c)
                    .submit_application(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "an idempotency key of 129 characters",
            "idempotency_key",
            move |c, _| async move {
                let mut request = company(&COMPANY_MATERIALS);
                request.idempotency_key = "k".repeat(129);
                IntakeServiceClient::new(c)
                    .submit_application(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a bundle no catalogue has",
            "bundle_code",
            move |c, _| async move {
                let mut request = company(&COMPANY_MATERIALS);
                request.bundle_code = "no-such-bundle".into();
                IntakeServiceClient::new(c)
                    .submit_application(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a rating score of a thousand",
            "score",
            move |c, t| async move {
                let request = pb::RateServiceRequest {
                    idempotency_key: key(),
                    application_id: t.application_id,
                    stage: pb::RatingStage::Acceptance as i32,
                    score: 1000,
                    ..Default::default()
                };
                IntakeServiceClient::new(c)
                    .rate_service(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a withdrawal reason beyond the free-text limit",
            "reason",
            move |c, t| async move {
                let request = pb::WithdrawApplicationRequest {
                    idempotency_key: key(),
                    application_id: t.application_id,
                    reason: "不办了".repeat(1000),
                };
                IntakeServiceClient::new(c)
                    .withdraw_application(request)
                    .await
                    .map(drop)
            },
        ),
        invalid("a page of 501", "page_size", move |c, _| async move {
            let request = pb::ListApplicationsRequest {
                page_size: 501,
                ..Default::default()
            };
            IntakeServiceClient::new(c)
                .list_applications(request)
                .await
                .map(drop)
        }),
        invalid(
            "a page token this server never issued",
            "page_token",
            move |c, _| async move {
                let request = pb::ListApplicationsRequest {
                    page_token: "../../etc/passwd".into(),
                    ..Default::default()
                };
                IntakeServiceClient::new(c)
                    .list_applications(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a bundle code of ten thousand characters",
            "code",
            move |c, _| async move {
                let request = pb::GetBundleRequest {
                    code: "b".repeat(10_000),
                };
                CatalogServiceClient::new(c)
                    .get_bundle(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a terminal escape in a hand-over recipient",
            "recipient",
            move |c, t| async move {
                let request = pb::RecordHandOverRequest {
                    idempotency_key: key(),
                    application_id: t.application_id,
                    method: pb::HandOverMethod::OnSite as i32,
                    handed_by: "window-01".into(),
                    recipient: "王小明\u{1b}[2J".into(),
                    ..Default::default()
                };
                DispatchServiceClient::new(c)
                    .record_hand_over(request)
                    .await
                    .map(drop)
            },
        ),
    ]
}

/// The refusals of department systems' task commands.
fn department_cases() -> Vec<Case> {
    vec![
        invalid(
            "an overlong department code",
            "department_code",
            move |c, t| async move {
                let mut request = claim(&t);
                request.department_code = "d".repeat(65);
                TaskServiceClient::new(c)
                    .claim_task(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a line break in a clerk id",
            "clerk_id",
            move |c, t| async move {
                let mut request = claim(&t);
                request.clerk_id = "clerk-01\nclerk-02".into();
                TaskServiceClient::new(c)
                    .claim_task(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a right-to-left override in a clerk id",
            "clerk_id",
            move |c, t| async move {
                let mut request = claim(&t);
                request.clerk_id = "clerk\u{202E}10-".into();
                TaskServiceClient::new(c)
                    .claim_task(request)
                    .await
                    .map(drop)
            },
        ),
        invalid("an empty branch id", "branch_id", move |c, t| async move {
            let mut request = claim(&t);
            request.branch_id = "  ".into();
            TaskServiceClient::new(c)
                .claim_task(request)
                .await
                .map(drop)
        }),
        case(
            "an application id where a branch id belongs",
            Code::NotFound,
            "NOT_FOUND",
            "branch",
            move |c, t| async move {
                let mut request = claim(&t);
                request.branch_id = t.application_id.clone();
                TaskServiceClient::new(c)
                    .claim_task(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a rejection reason beyond the free-text limit",
            "reject.reason",
            move |c, t| async move {
                let request = pb::DecideTaskRequest {
                    idempotency_key: key(),
                    branch_id: t.claimed_branch,
                    department_code: t.claimed_department,
                    clerk_id: "clerk-01".into(),
                    decision: Some(reject(&"不".repeat(2001))),
                };
                TaskServiceClient::new(c)
                    .decide_task(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a decision that decides nothing",
            "decision",
            move |c, t| async move {
                let request = pb::DecideTaskRequest {
                    idempotency_key: key(),
                    branch_id: t.claimed_branch,
                    department_code: t.claimed_department,
                    clerk_id: "clerk-01".into(),
                    ..Default::default()
                };
                TaskServiceClient::new(c)
                    .decide_task(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a material asked for twice",
            "material_codes[1]",
            move |c, t| async move {
                let request = supplement(
                    &t,
                    vec![COMPANY_MATERIALS[0].into(), COMPANY_MATERIALS[0].into()],
                );
                TaskServiceClient::new(c)
                    .request_supplement(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a supplement asking for 501 materials",
            "material_codes",
            move |c, t| async move {
                let request = supplement(&t, (0..501).map(|i| format!("m{i}")).collect());
                TaskServiceClient::new(c)
                    .request_supplement(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a material no catalogue has",
            "material_codes[0]",
            move |c, t| async move {
                let request = supplement(&t, vec!["no-such-material".into()]);
                TaskServiceClient::new(c)
                    .request_supplement(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "an extension of 4294967295 working days",
            "days",
            move |c, t| async move {
                TaskServiceClient::new(c)
                    .request_extension(extension(&t, u32::MAX))
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "an extension of 0 working days",
            "days",
            move |c, t| async move {
                TaskServiceClient::new(c)
                    .request_extension(extension(&t, 0))
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a special procedure expected to take 4294967295 working days",
            "expected_days",
            move |c, t| async move {
                let request = pb::StartSpecialProcedureRequest {
                    idempotency_key: key(),
                    branch_id: t.claimed_branch,
                    department_code: t.claimed_department,
                    clerk_id: "clerk-01".into(),
                    kind: pb::PauseKind::ExpertReview as i32,
                    reason: "专家评审".into(),
                    expected_days: u32::MAX,
                };
                TaskServiceClient::new(c)
                    .start_special_procedure(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a malformed application filter on tasks",
            "application_id",
            move |c, t| async move {
                let request = pb::ListTasksRequest {
                    department_code: t.open_department,
                    application_id: "not-an-id".into(),
                    ..Default::default()
                };
                TaskServiceClient::new(c)
                    .list_tasks(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a watch over a department nobody knows",
            "department_code",
            move |c, _| async move {
                let request = pb::WatchTasksRequest {
                    department_code: "nobody".into(),
                };
                TaskServiceClient::new(c)
                    .watch_tasks(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a clerk away with a null byte in the reason's clerk",
            "clerk_id",
            move |c, t| async move {
                let request = pb::SetClerkAvailabilityRequest {
                    department_code: t.open_department,
                    clerk_id: "clerk\u{0}01".into(),
                    away: true,
                    reason: "休假".into(),
                };
                StaffServiceClient::new(c)
                    .set_clerk_availability(request)
                    .await
                    .map(drop)
            },
        ),
    ]
}

fn supplement(target: &Target, material_codes: Vec<String>) -> pb::RequestSupplementRequest {
    pb::RequestSupplementRequest {
        idempotency_key: key(),
        branch_id: target.claimed_branch.clone(),
        department_code: target.claimed_department.clone(),
        clerk_id: "clerk-01".into(),
        reason: "材料不清晰".into(),
        material_codes,
    }
}

fn extension(target: &Target, days: u32) -> pb::RequestExtensionRequest {
    pb::RequestExtensionRequest {
        idempotency_key: key(),
        branch_id: target.claimed_branch.clone(),
        department_code: target.claimed_department.clone(),
        clerk_id: "clerk-01".into(),
        days,
        reason: "需现场核查".into(),
    }
}

/// The refusals of sessions, supervision, statistics, projects, notifications and the clock.
fn oversight_cases() -> Vec<Case> {
    vec![
        invalid(
            "a session in the year 9000",
            "starts_at",
            move |c, t| async move {
                let mut request = session(&t);
                request.starts_at = timestamp(beijing("9000-01-01 09:00").timestamp(), 0);
                SessionServiceClient::new(c)
                    .schedule_session(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a session starting beyond the range of a timestamp",
            "starts_at",
            move |c, t| async move {
                let mut request = session(&t);
                request.starts_at = timestamp(i64::MAX, 0);
                SessionServiceClient::new(c)
                    .schedule_session(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a session ending at negative nanoseconds",
            "ends_at",
            move |c, t| async move {
                let mut request = session(&t);
                request.ends_at = timestamp(beijing("2026-03-02 11:00").timestamp(), -1);
                SessionServiceClient::new(c)
                    .schedule_session(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a session reviewing the same application twice",
            "application_ids[1]",
            move |c, t| async move {
                let mut request = session(&t);
                request.application_ids.push(t.application_id.clone());
                SessionServiceClient::new(c)
                    .schedule_session(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a department invited twice",
            "invited_department_codes[1]",
            move |c, t| async move {
                let mut request = session(&t);
                request.invited_department_codes =
                    vec![t.claimed_department.clone(), t.claimed_department.clone()];
                SessionServiceClient::new(c)
                    .schedule_session(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a session id that is not one",
            "session_id",
            move |c, _| async move {
                let request = pb::GetSessionRequest {
                    session_id: "%n%n%n%n".into(),
                };
                SessionServiceClient::new(c)
                    .get_session(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "an extension decision on a malformed branch",
            "branch_id",
            move |c, _| async move {
                let request = pb::DecideExtensionRequest {
                    idempotency_key: key(),
                    branch_id: "x".into(),
                    number: 1,
                    supervisor_id: "sup-01".into(),
                    ..Default::default()
                };
                SupervisionServiceClient::new(c)
                    .decide_extension(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a supervisor's note with a bell and a backspace",
            "note",
            move |c, t| async move {
                let request = pb::DecideExtensionRequest {
                    idempotency_key: key(),
                    branch_id: t.claimed_branch,
                    number: 1,
                    supervisor_id: "sup-01".into(),
                    note: "ok\u{7}\u{8}".into(),
                    ..Default::default()
                };
                SupervisionServiceClient::new(c)
                    .decide_extension(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a digest of a day that is not a date",
            "day",
            move |c, _| async move {
                let request = pb::GetDigestRequest {
                    day: "2026-02-30".into(),
                };
                SupervisionServiceClient::new(c)
                    .get_digest(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "statistics from a month thirteen",
            "from",
            move |c, _| async move {
                let request = pb::GetStatisticsRequest {
                    from: "2026-13-01".into(),
                    to: "2026-12-31".into(),
                };
                StatisticsServiceClient::new(c)
                    .get_statistics(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a project with a negative investment",
            "project.investment_wan",
            move |c, _| async move {
                let request = pb::RegisterProjectRequest {
                    project: Some(pb::Project {
                        code: "P-HOSTILE".into(),
                        name: "负投资".into(),
                        investor: "某公司".into(),
                        investment_wan: i64::MIN,
                        facilitator: "fac-01".into(),
                        registered_at: None,
                    }),
                };
                ProjectServiceClient::new(c)
                    .register_project(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a project code of a thousand characters",
            "project.code",
            move |c, _| async move {
                let request = pb::RegisterProjectRequest {
                    project: Some(pb::Project {
                        code: "P".repeat(1000),
                        name: "长代码".into(),
                        investor: "某公司".into(),
                        investment_wan: 1,
                        facilitator: "fac-01".into(),
                        registered_at: None,
                    }),
                };
                ProjectServiceClient::new(c)
                    .register_project(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "a subscription after position -1",
            "after_position",
            move |c, _| async move {
                let request = pb::SubscribeRequest {
                    after_position: -1,
                    ..Default::default()
                };
                NotificationServiceClient::new(c)
                    .subscribe(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "the clock set to the year 9000",
            "time",
            move |c, _| async move {
                let request = pb::SetTimeRequest {
                    time: timestamp(beijing("9000-01-01 09:00").timestamp(), 0),
                };
                AdminServiceClient::new(c).set_time(request).await.map(drop)
            },
        ),
        invalid(
            "the clock set beyond the range of a timestamp",
            "time",
            move |c, _| async move {
                let request = pb::SetTimeRequest {
                    time: timestamp(i64::MIN, 0),
                };
                AdminServiceClient::new(c).set_time(request).await.map(drop)
            },
        ),
        invalid(
            "the clock advanced by 18446744073709551615 seconds",
            "seconds",
            move |c, _| async move {
                let request = pb::AdvanceTimeRequest { seconds: u64::MAX };
                AdminServiceClient::new(c)
                    .advance_time(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "the clock advanced by nothing",
            "seconds",
            move |c, _| async move {
                AdminServiceClient::new(c)
                    .advance_time(pb::AdvanceTimeRequest { seconds: 0 })
                    .await
                    .map(drop)
            },
        ),
    ]
}

/// Filters naming what the catalogue does not have: a typo is an error, not an empty list.
fn filter_cases() -> Vec<Case> {
    vec![
        invalid(
            "warnings of a bundle nobody offers",
            "bundle_code",
            move |c, _| async move {
                let request = pb::ListWarningsRequest {
                    bundle_code: "kaiban-qiey".into(),
                    ..Default::default()
                };
                SupervisionServiceClient::new(c)
                    .list_warnings(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "sessions of a department nobody knows",
            "department_code",
            move |c, _| async move {
                let request = pb::ListSessionsRequest {
                    department_code: "scjgg".into(),
                    ..Default::default()
                };
                SessionServiceClient::new(c)
                    .list_sessions(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "posts of a department nobody knows",
            "department_code",
            move |c, _| async move {
                let request = pb::ListPostsRequest {
                    department_code: "nobody".into(),
                    ..Default::default()
                };
                StaffServiceClient::new(c)
                    .list_posts(request)
                    .await
                    .map(drop)
            },
        ),
        invalid(
            "ready applications of a bundle nobody offers",
            "bundle_code",
            move |c, _| async move {
                let request = pb::ListReadyForDispatchRequest {
                    bundle_code: "nothing".into(),
                    ..Default::default()
                };
                DispatchServiceClient::new(c)
                    .list_ready_for_dispatch(request)
                    .await
                    .map(drop)
            },
        ),
    ]
}

/// Bytes that are no message of the method's type.
fn undecodable_cases() -> Vec<Case> {
    let garbage = |path: &'static str, bytes: &'static [u8]| {
        move |c: Channel, _: Target| async move { send_raw(c, path, bytes.to_vec()).await.map(drop) }
    };
    let undecodable = |name, call| case(name, Code::InvalidArgument, "UNDECODABLE", "", call);
    vec![
        // A field tag whose varint never ends.
        undecodable(
            "a decision whose bytes never end",
            garbage("/lianban.v1.TaskService/DecideTask", &[0xff, 0xff, 0xff]),
        ),
        // Field 2 (branch_id) claims 100 bytes and brings 3.
        undecodable(
            "a claim whose branch id is cut short",
            garbage(
                "/lianban.v1.TaskService/ClaimTask",
                &[0x12, 0x64, b'a', b'b', b'c'],
            ),
        ),
        // Field 1 (application_id) holds bytes that are not UTF-8.
        undecodable(
            "an application id that is not UTF-8",
            garbage(
                "/lianban.v1.IntakeService/GetApplication",
                &[0x0a, 0x02, 0xc3, 0x28],
            ),
        ),
        // Wire type 7 does not exist.
        undecodable(
            "a withdrawal in a wire type that does not exist",
            garbage(
                "/lianban.v1.IntakeService/WithdrawApplication",
                &[0x0f, 0x01],
            ),
        ),
    ]
}

/// What a refused request must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    application: pb::Application,
    trail: pb::AuditTrail,
    notifications: Vec<pb::Notification>,
    applications: usize,
    now: Option<prost_types::Timestamp>,
}

async fn snapshot(server: &TestServer, target: &Target) -> Snapshot {
    let application = reread(server, &target.application_id).await;
    let trail = server
        .supervision()
        .await
        .get_audit_trail(pb::GetAuditTrailRequest {
            application_id: target.application_id.clone(),
            page_size: 500,
            page_token: String::new(),
        })
        .await
        .expect("audit trail")
        .into_inner();
    let now = server
        .admin()
        .await
        .get_time(pb::GetTimeRequest {})
        .await
        .expect("time")
        .into_inner()
        .now;
    Snapshot {
        notifications: notifications_of(server, &application).await,
        application,
        trail,
        applications: application_count(server).await,
        now,
    }
}

/// Whether the server reads SERVING within 20 s.
async fn serving(channel: Channel) -> bool {
    let request = tonic_health::pb::HealthCheckRequest {
        service: String::new(),
    };
    let Ok(watch) = HealthClient::new(channel).watch(request).await else {
        return false;
    };
    let patience = std::time::Duration::from_secs(20);
    health_turns(&mut watch.into_inner(), ServingStatus::Serving, patience).await
}

/// A refusal repeats little of what was sent, and nothing a terminal would act on.
fn assert_contained(name: &str, status: &Status) {
    let message = status.message();
    assert!(
        message.chars().count() <= 401 && !message.chars().any(char::is_control),
        "{name}: the message repeats too much: {message:?}"
    );
    let refusal = Refusal::of(status);
    for value in refusal.metadata.values() {
        assert!(
            value.chars().count() <= 129 && !value.chars().any(char::is_control),
            "{name}: metadata {value:?}"
        );
    }
}

async fn hostile_requests_are_refused_by_reason_and_field_and_change_nothing(backend: Backend) {
    let database = lianban_tests::TestDatabase::create(backend).await;
    let running = TestServer::start_manual(&database.url, beijing("2026-03-02 09:00")).await;
    let server = &running;
    let application = accepted_company(server).await;
    let parallel = branch(&application, COMPANY_PARALLEL[0].0).clone();
    let registration = branch(&application, "scjg-qiye-sheli").clone();
    let target = Target {
        application_id: application.id.clone(),
        open_branch: registration.id.clone(),
        open_department: registration.department_code.clone(),
        claimed_branch: registration.id.clone(),
        claimed_department: registration.department_code.clone(),
    };
    server
        .tasks()
        .await
        .claim_task(claim(&target))
        .await
        .expect("the registration clerk claims the branch");
    let target = Target {
        open_branch: parallel.id.clone(),
        open_department: parallel.department_code.clone(),
        ..target
    };
    let cases: Vec<Case> = [
        front_desk_cases(),
        department_cases(),
        oversight_cases(),
        filter_cases(),
        undecodable_cases(),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let before = snapshot(server, &target).await;
    for case in &cases {
        let result = (case.call)(server.channel().await, target.clone()).await;
        if let Err(status) = &result {
            assert_contained(case.name, status);
        }
        let refusal = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            assert_refused(result, case.code, case.reason, &case.about)
        }));
        assert!(refusal.is_ok(), "case: {}", case.name);
        assert_eq!(
            snapshot(server, &target).await,
            before,
            "{} changed something",
            case.name
        );
        assert!(
            serving(server.channel().await).await,
            "the server stopped answering after {}",
            case.name
        );
    }
    refusals_read_times_in_the_centres_zone(server, &target).await;
    running.stop().await;
}

/// A refusal that names a time names it as the clerks read it: Beijing time, not UTC.
async fn refusals_read_times_in_the_centres_zone(server: &TestServer, target: &Target) {
    let back = pb::SetTimeRequest {
        time: timestamp(beijing("2026-03-01 09:00").timestamp(), 0),
    };
    let status = server.admin().await.set_time(back).await.unwrap_err();
    assert!(
        status.message().contains("2026-03-02 09:00") && !status.message().contains("UTC"),
        "{}",
        status.message()
    );
    let mut past = session(target);
    past.starts_at = timestamp(beijing("2026-03-02 08:00").timestamp(), 0);
    let status = server
        .sessions()
        .await
        .schedule_session(past)
        .await
        .unwrap_err();
    assert!(
        status.message().contains("2026-03-02 08:00") && !status.message().contains("UTC"),
        "{}",
        status.message()
    );
}
