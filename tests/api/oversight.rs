//! Pauses, extensions, warnings, the digest and calendar updates, over gRPC with the manual clock.

use lianban_proto::v1 as pb;
use lianban_services::Config;
use lianban_services::config::{CalendarConfig, ClockKind};
use lianban_tests::{Backend, TestDatabase, TestServer};
use tonic::Code;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    a_special_procedure_pauses_and_resumes_with_the_deadline_moved,
    a_supplement_request_waits_for_the_applicant_at_the_front_desk,
    an_extension_asked_by_a_department_is_approved_by_a_supervisor,
    supervisors_list_warnings_and_read_the_daily_digest,
);

fn deadline_day(branch: &pb::Branch) -> String {
    shown(branch.deadline.as_ref().expect("a deadline").at.as_ref())
}

async fn manual(backend: Backend, start: &str) -> (TestServer, TestDatabase) {
    let database = TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing(start)).await;
    (server, database)
}

async fn a_special_procedure_pauses_and_resumes_with_the_deadline_moved(backend: Backend) {
    // 开办餐饮店: the licence check first, then the food licence (5 working days).
    let (server, _database) = manual(backend, "2026-03-02 09:00").await;
    let mut request = company(&[]);
    request.bundle_code = "kaiban-canyin".into();
    request.form = [
        ("shop_name", "榕城茶馆"),
        ("address", "福州市鼓楼区"),
        ("area_m2", "80"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    request.materials = [
        "yingye-zhizhao",
        "shipin-jingying-shenqingshu",
        "changsuo-pingmiantu",
        "shipin-anquan-zhidu",
        "xiaofang-chengnuoshu",
        "zhaopai-xiaoguotu",
    ]
    .iter()
    .map(|c| material(c))
    .collect();
    let application = server
        .intake()
        .await
        .submit_application(request)
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    let consent = pb::decide_task_request::Decision::Consent(pb::Consent {
        comment: String::new(),
    });
    let started = decide(
        &server,
        decision(&application, "scjg-zhizhao-hejian", consent),
    )
    .await;
    let licence = branch(&started, "scjg-shipin-jingying-xuke");
    // Started Monday 2 March: 5 working days end Monday 9 March.
    assert_eq!(deadline_day(licence), "2026-03-09 17:30");

    let mut tasks = server.tasks().await;
    set_time(&server, "2026-03-03 10:00").await;
    let inspection = pb::StartSpecialProcedureRequest {
        idempotency_key: String::new(),
        branch_id: licence.id.clone(),
        department_code: "scjg".into(),
        clerk_id: "scjg-02".into(),
        kind: pb::PauseKind::OnSiteInspection as i32,
        reason: "经营场所现场核查".into(),
        expected_days: 3,
    };
    let unspecified = pb::StartSpecialProcedureRequest {
        kind: 0,
        ..inspection.clone()
    };
    assert_status(
        tasks.start_special_procedure(unspecified).await,
        Code::InvalidArgument,
        "kind",
    );
    let paused = tasks
        .start_special_procedure(inspection)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paused.state, pb::BranchState::Paused as i32);
    assert_eq!(
        paused.pauses[0].expected_days, 3,
        "the applicant is told how long"
    );
    // While paused, the department cannot decide, the deadline does not pass, the warning holds.
    let approve_now = tasks
        .decide_task(decision(
            &started,
            "scjg-shipin-jingying-xuke",
            approve("JY1"),
        ))
        .await;
    let refusal = assert_refused(
        approve_now,
        Code::FailedPrecondition,
        "BRANCH_NOT_ACTIONABLE",
        "branch",
    );
    assert_eq!(refusal.metadata["state"], "paused");
    set_time(&server, "2026-03-10 09:00").await;
    let during = reread(&server, &application.id).await;
    let held = branch(&during, "scjg-shipin-jingying-xuke");
    assert_eq!(held.state, pb::BranchState::Paused as i32);
    assert_eq!(
        held.deadline.as_ref().unwrap().colour,
        pb::WarningColour::Green as i32
    );
    assert!(held.escalated_at.is_none());

    // Resumed Tuesday 10 March 09:00: closings of 3, 4, 5, 6 and 9 March fell inside the pause.
    let resume = pb::ResumeTaskRequest {
        idempotency_key: String::new(),
        branch_id: licence.id.clone(),
        department_code: "scjg".into(),
        clerk_id: "scjg-02".into(),
    };
    let resumed = tasks
        .resume_task(resume.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resumed.state, pb::BranchState::Open as i32);
    assert_eq!(resumed.pauses[0].counted_days, 5);
    assert_eq!(deadline_day(&resumed), "2026-03-16 17:30");
    assert_eq!(resumed.deadline_moves.len(), 1);
    assert_eq!(
        shown(resumed.deadline_moves[0].from.as_ref()),
        "2026-03-09 17:30"
    );
    let refusal = assert_refused(
        tasks.resume_task(resume).await,
        Code::FailedPrecondition,
        "BRANCH_NOT_ACTIONABLE",
        "branch",
    );
    assert_eq!(refusal.metadata["state"], "open");
}

async fn a_supplement_request_waits_for_the_applicant_at_the_front_desk(backend: Backend) {
    let (server, _database) = manual(backend, "2026-03-02 09:00").await;
    let application = accepted_company(&server).await;
    let registration = branch(&application, "scjg-qiye-sheli");
    let mut tasks = server.tasks().await;
    let ask = pb::RequestSupplementRequest {
        idempotency_key: String::new(),
        branch_id: registration.id.clone(),
        department_code: "scjg".into(),
        clerk_id: "scjg-01".into(),
        reason: "章程缺少全体股东签字".into(),
        material_codes: vec!["gongsi-zhangcheng".into()],
    };
    let none = pb::RequestSupplementRequest {
        material_codes: vec![],
        ..ask.clone()
    };
    assert_status(
        tasks.request_supplement(none).await,
        Code::InvalidArgument,
        "material_codes",
    );
    let paused = tasks.request_supplement(ask).await.unwrap().into_inner();
    assert_eq!(paused.pauses[0].kind, pb::PauseKind::Supplement as i32);

    set_time(&server, "2026-03-04 09:00").await;
    let mut intake = server.intake().await;
    let supplement = |code: &str| pb::SupplementMaterialsRequest {
        idempotency_key: String::new(),
        application_id: application.id.clone(),
        materials: vec![pb::MaterialSubmission {
            material_code: code.into(),
            document_ref: "dms://zhangcheng-v2.pdf".into(),
        }],
        channel: pb::Channel::OnSite as i32,
    };
    assert_status(
        intake
            .supplement_materials(supplement("jingbanren-shenfen"))
            .await,
        Code::InvalidArgument,
        "materials[0]",
    );
    let answered = intake
        .supplement_materials(supplement("gongsi-zhangcheng"))
        .await
        .unwrap()
        .into_inner();
    let after = answered.application.unwrap();
    let registration = branch(&after, "scjg-qiye-sheli");
    assert_eq!(registration.state, pb::BranchState::Open as i32);
    // Paused Monday 2 March 09:00 until Wednesday 4 March 09:00: two closings, two working days.
    assert_eq!(registration.pauses[0].counted_days, 2);
    assert_eq!(deadline_day(registration), "2026-03-05 17:30");
    let material = after
        .materials
        .iter()
        .find(|m| m.material_code == "gongsi-zhangcheng")
        .unwrap();
    assert_eq!(material.document_ref, "dms://zhangcheng-v2.pdf");
}

async fn an_extension_asked_by_a_department_is_approved_by_a_supervisor(backend: Backend) {
    let (server, _database) = manual(backend, "2026-03-02 09:00").await;
    let application = accepted_company(&server).await;
    let registration = branch(&application, "scjg-qiye-sheli");
    assert_eq!(deadline_day(registration), "2026-03-03 17:30");
    let mut tasks = server.tasks().await;
    let ask = |days| pb::RequestExtensionRequest {
        idempotency_key: String::new(),
        branch_id: registration.id.clone(),
        department_code: "scjg".into(),
        clerk_id: "scjg-01".into(),
        days,
        reason: "股东为境外机构，需核验主体资格".into(),
    };
    // 企业设立登记: promised 1, legal 15 working days.
    assert_status(
        tasks.request_extension(ask(15)).await,
        Code::InvalidArgument,
        "legal limit of 15",
    );
    assert_status(
        tasks.request_extension(ask(0)).await,
        Code::InvalidArgument,
        "days",
    );
    tasks.request_extension(ask(5)).await.unwrap();
    let mut supervision = server.supervision().await;
    let pending = supervision
        .list_extension_requests(pb::ListExtensionRequestsRequest {
            department_code: "scjg".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .requests;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].number, 1);
    let decide = |who: &str| pb::DecideExtensionRequest {
        idempotency_key: String::new(),
        branch_id: registration.id.clone(),
        number: 1,
        supervisor_id: who.into(),
        approve: true,
        note: "同意延期".into(),
    };
    let refusal = assert_refused(
        supervision.decide_extension(decide("scjg-01")).await,
        Code::PermissionDenied,
        "SAME_PERSON",
        "",
    );
    assert_eq!(refusal.metadata["who"], "scjg-01");
    let extended = supervision
        .decide_extension(decide("jiancha-01"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deadline_day(&extended), "2026-03-10 17:30");
    let extension = &extended.extensions[0];
    assert!(extension.decided && extension.approved);
    assert_eq!(
        extension.reason, "股东为境外机构，需核验主体资格",
        "the applicant sees the reason"
    );
    assert_eq!(extended.deadline_moves.len(), 1);
    let refusal = assert_refused(
        supervision.decide_extension(decide("jiancha-02")).await,
        Code::FailedPrecondition,
        "EXTENSION_DECIDED",
        "extension request",
    );
    assert_eq!(refusal.subject(), format!("{}/1", registration.id));
    let none = supervision
        .list_extension_requests(pb::ListExtensionRequestsRequest::default())
        .await
        .unwrap();
    assert!(none.into_inner().requests.is_empty());
    // The old deadline passes without escalation.
    set_time(&server, "2026-03-04 09:00").await;
    let later = reread(&server, &application.id).await;
    assert!(branch(&later, "scjg-qiye-sheli").escalated_at.is_none());
}

async fn supervisors_list_warnings_and_read_the_daily_digest(backend: Backend) {
    let (server, _database) = manual(backend, "2026-03-02 09:00").await;
    let application = accepted_company(&server).await;
    let mut supervision = server.supervision().await;
    // Registration (1 working day) is on its last day tomorrow: yellow already.
    let warnings = supervision
        .list_warnings(pb::ListWarningsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .tasks;
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        warnings[0]
            .branch
            .as_ref()
            .unwrap()
            .deadline
            .as_ref()
            .unwrap()
            .colour,
        pb::WarningColour::Yellow as i32
    );
    let other = pb::ListWarningsRequest {
        department_code: "gaj".into(),
        ..Default::default()
    };
    assert!(
        supervision
            .list_warnings(other)
            .await
            .unwrap()
            .into_inner()
            .tasks
            .is_empty()
    );

    // Wednesday 08:00: overdue and escalated; the 08:30 digest is not written yet.
    set_time(&server, "2026-03-04 08:00").await;
    let red = pb::ListWarningsRequest {
        colours: vec![pb::WarningColour::Red as i32],
        ..Default::default()
    };
    let overdue = supervision
        .list_warnings(red)
        .await
        .unwrap()
        .into_inner()
        .tasks;
    assert_eq!(
        overdue[0].branch.as_ref().unwrap().id,
        branch(&application, "scjg-qiye-sheli").id
    );
    let today = pb::GetDigestRequest {
        day: "2026-03-04".into(),
    };
    let refusal = assert_refused(
        supervision.get_digest(today.clone()).await,
        Code::NotFound,
        "NOT_FOUND",
        "digest",
    );
    assert_eq!(refusal.subject(), "2026-03-04");
    set_time(&server, "2026-03-04 08:30").await;
    let digest = supervision.get_digest(today).await.unwrap().into_inner();
    // Written at 08:30 in Beijing, the time the schedule was found due.
    assert_eq!(
        digest.generated_at.map(|at| (at.seconds, at.nanos)),
        Some((
            chrono::DateTime::parse_from_rfc3339("2026-03-04T00:30:00Z")
                .unwrap()
                .timestamp(),
            0
        ))
    );
    assert_eq!(digest.red_total, 1);
    assert_eq!(digest.departments[0].department_code, "scjg");
    assert!(digest.departments[0].red[0].escalated_at.is_some());
    assert_refused(
        supervision
            .get_digest(pb::GetDigestRequest {
                day: "4 March".into(),
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "day",
    );
    // No digest on a weekend.
    set_time(&server, "2026-03-07 09:00").await;
    let saturday = pb::GetDigestRequest {
        day: "2026-03-07".into(),
    };
    assert_status(
        supervision.get_digest(saturday).await,
        Code::NotFound,
        "2026-03-07",
    );
}

#[tokio::test]
async fn loading_next_years_calendar_moves_a_provisional_deadline() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let folder = tempfile::tempdir().unwrap();
    let config = Config {
        database_url: database.url.clone(),
        clock: ClockKind::Manual,
        manual_clock_start: Some(beijing("2026-12-28 09:00")),
        calendar: CalendarConfig {
            dir: Some(folder.path().to_owned()),
            ..CalendarConfig::default()
        },
        ..Config::default()
    };
    let server = TestServer::start_with(config).await.unwrap();
    let application = accepted_company(&server).await;
    let decided = approve_registration(&server, &application).await;
    // The seal (1 working day) started 28 December: 29 December, exact.
    assert!(
        !branch(&decided, "gaj-yinzhang-beian")
            .deadline
            .as_ref()
            .unwrap()
            .provisional
    );
    set_time(&server, "2026-12-31 10:00").await;
    let mut request = company(&COMPANY_MATERIALS);
    request
        .form
        .insert("company_name".into(), "榕城新年茶业有限公司".into());
    let late = server
        .intake()
        .await
        .submit_application(request)
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    let registration = branch(&late, "scjg-qiye-sheli");
    let before = registration.deadline.unwrap();
    // 2027 is not published: weekends only, so Friday 1 January counts, provisionally.
    assert!(before.provisional);
    assert_eq!(shown(before.at.as_ref()), "2027-01-01 17:30");

    std::fs::write(
        folder.path().join("cn-mainland-2027.csv"),
        "2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-01-03,holiday,元旦\n",
    )
    .unwrap();
    let reloaded = server
        .admin()
        .await
        .reload_calendar(pb::ReloadCalendarRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reloaded.covered_years, vec![2025, 2026, 2027]);
    assert_eq!(reloaded.deadlines_moved, 1);
    let after = reread(&server, &late.id).await;
    let registration = branch(&after, "scjg-qiye-sheli");
    let exact = registration.deadline.unwrap();
    assert!(!exact.provisional);
    assert_eq!(shown(exact.at.as_ref()), "2027-01-04 17:30");
    let moved = &registration.deadline_moves[0];
    assert_eq!(shown(moved.from.as_ref()), "2027-01-01 17:30");
    assert!(moved.reason.contains("calendar"));

    // A refused file is named to the admin with its line, and the running calendar stays.
    std::fs::write(
        folder.path().join("cn-zz-local.csv"),
        "not-a-date,closure,x\n",
    )
    .unwrap();
    let refused = server
        .admin()
        .await
        .reload_calendar(pb::ReloadCalendarRequest {})
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Internal);
    assert!(
        refused.message().contains("cn-zz-local.csv") && refused.message().contains("line 1"),
        "{}",
        refused.message()
    );
    assert_eq!(reread(&server, &late.id).await, after);
    server.stop().await;
}
