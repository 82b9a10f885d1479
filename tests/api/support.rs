//! Requests and checks shared by the scenarios.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use lianban_proto::v1 as pb;
use lianban_tests::{Backend, TestDatabase, TestServer};
use tonic::Code;
use tonic_health::pb::HealthCheckResponse;
use tonic_health::pb::health_check_response::ServingStatus;

/// A server over a fresh database, with the database kept alive as long as the server.
pub struct Running {
    /// The server.
    pub server: TestServer,
    /// The database it uses.
    pub database: TestDatabase,
}

/// Starts a fresh server on `backend`.
pub async fn start(backend: Backend) -> Running {
    let database = TestDatabase::create(backend).await;
    let server = TestServer::start(&database.url).await;
    Running { server, database }
}

/// Every material of 开办企业.
pub const COMPANY_MATERIALS: [&str; 5] = [
    "fading-daibiaoren-shenfen",
    "gongsi-zhangcheng",
    "jingbanren-shenfen",
    "sheli-shenqingshu",
    "zhusuo-shiyong-zhengming",
];

/// The six parallel branches of 开办企业 after registration, as (matter, department).
pub const COMPANY_PARALLEL: [(&str, &str); 6] = [
    ("gaj-yinzhang-beian", "gaj"),
    ("swj-fapiao-shenling", "swj"),
    ("rsj-canbao-dengji", "rsj"),
    ("ybj-yibao-dengji", "ybj"),
    ("gjj-jiaocun-dengji", "gjj"),
    ("yh-yuyue-kaihu", "yh"),
];

/// A change that spoils one field of a valid request.
pub type Spoil<R> = Box<dyn Fn(&mut R)>;

/// A fresh idempotency key.
pub fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A 开办企业 submission handing in `materials`.
pub fn company(materials: &[&str]) -> pb::SubmitApplicationRequest {
    pb::SubmitApplicationRequest {
        idempotency_key: key(),
        bundle_code: "kaiban-qiye".into(),
        applicant: Some(pb::Applicant {
            kind: pb::ApplicantKind::NaturalPerson as i32,
            name: "王小明".into(),
            id_number: "11010519491231002X".into(),
            phone: "13800138000".into(),
        }),
        form: [
            ("company_name", "福州榕城茶业有限公司"),
            ("registered_capital", "100"),
            ("business_scope", "茶叶销售"),
            ("address", "福州市鼓楼区五四路88号"),
            ("legal_representative", "王小明"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        materials: materials.iter().map(|code| material(code)).collect(),
        channel: pb::Channel::OnSite as i32,
        key_project_code: String::new(),
        front_desk_clerk: "desk-01".into(),
    }
}

/// A material with a document reference derived from its code.
pub fn material(code: &str) -> pb::MaterialSubmission {
    pb::MaterialSubmission {
        material_code: code.into(),
        document_ref: format!("dms://{code}"),
    }
}

/// Submits a complete 开办企业 application and returns it accepted.
pub async fn accepted_company(server: &TestServer) -> pb::Application {
    let response = server
        .intake()
        .await
        .submit_application(company(&COMPANY_MATERIALS))
        .await
        .expect("submit");
    let application = response.into_inner().application.expect("application");
    assert_eq!(application.state, pb::ApplicationState::InProgress as i32);
    application
}

/// The branch of `matter`.
pub fn branch<'a>(application: &'a pb::Application, matter: &str) -> &'a pb::Branch {
    application
        .branches
        .iter()
        .find(|b| b.matter_code == matter)
        .unwrap_or_else(|| panic!("no branch {matter}"))
}

/// The state of the branch of `matter`.
pub fn state_of(application: &pb::Application, matter: &str) -> pb::BranchState {
    pb::BranchState::try_from(branch(application, matter).state).expect("known state")
}

/// Reads an application again.
pub async fn reread(server: &TestServer, id: &str) -> pb::Application {
    let request = pb::GetApplicationRequest {
        application_id: id.into(),
    };
    server
        .intake()
        .await
        .get_application(request)
        .await
        .expect("get application")
        .into_inner()
}

/// Every notification of `application`, in outbox order (`ListNotifications`, every page).
pub async fn notifications_of(
    server: &TestServer,
    application: &pb::Application,
) -> Vec<pb::Notification> {
    let mut client = server.notifications().await;
    let mut all = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .list_notifications(pb::ListNotificationsRequest {
                application_id: application.id.clone(),
                page_size: 500,
                page_token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        all.extend(page.notifications);
        if page.next_page_token.is_empty() {
            return all;
        }
        page_token = page.next_page_token;
    }
}
/// A decision request for the branch of `matter`, by its own department.
pub fn decision(
    application: &pb::Application,
    matter: &str,
    decision: pb::decide_task_request::Decision,
) -> pb::DecideTaskRequest {
    let branch = branch(application, matter);
    pb::DecideTaskRequest {
        idempotency_key: key(),
        branch_id: branch.id.clone(),
        department_code: branch.department_code.clone(),
        clerk_id: format!("{}-01", branch.department_code),
        decision: Some(decision),
    }
}

/// An approval with a licence number.
pub fn approve(reference: &str) -> pb::decide_task_request::Decision {
    pb::decide_task_request::Decision::Approve(pb::Approve {
        result_reference: reference.into(),
    })
}

/// A rejection with a reason.
pub fn reject(reason: &str) -> pb::decide_task_request::Decision {
    pb::decide_task_request::Decision::Reject(pb::Reject {
        reason: reason.into(),
    })
}

/// Decides and returns the application afterwards, as read after the answer.
pub async fn decide(server: &TestServer, request: pb::DecideTaskRequest) -> pb::Application {
    let response = server
        .tasks()
        .await
        .decide_task(request)
        .await
        .expect("decide")
        .into_inner();
    reread(server, &response.application_id).await
}

/// Approves a 开办企业's registration, which starts its six parallel branches; the application
/// after.
pub async fn approve_registration(
    server: &TestServer,
    application: &pb::Application,
) -> pb::Application {
    decide(
        server,
        decision(
            application,
            "scjg-qiye-sheli",
            approve("91350102MA2Y000001"),
        ),
    )
    .await
}

/// Approves every open branch of 开办企业, registration first.
pub async fn approve_company(
    server: &TestServer,
    application: &pb::Application,
) -> pb::Application {
    let application = approve_registration(server, application).await;
    let mut latest = application.clone();
    for (matter, _) in COMPANY_PARALLEL {
        latest = decide(
            server,
            decision(&application, matter, approve(&format!("{matter}-0001"))),
        )
        .await;
    }
    latest
}

/// What a refusal says beyond its message: the parts a client branches on.
#[derive(Debug)]
pub struct Refusal {
    /// The status code.
    pub code: Code,
    /// The `ErrorInfo` reason (a `lianban.v1.ErrorReason` name).
    pub reason: String,
    /// The `ErrorInfo` metadata.
    pub metadata: std::collections::HashMap<String, String>,
    /// The `BadRequest` field violations: (field path, description).
    pub fields: Vec<(String, String)>,
    /// The `PreconditionFailure` violations: (type = entity, subject = id, description).
    pub preconditions: Vec<(String, String, String)>,
}

impl Refusal {
    /// Reads the details of `status`, checking the shape every refusal has: an `ErrorInfo` in
    /// domain `lianban.v1` whose reason is a declared `ErrorReason`, a field violation on every
    /// `INVALID_ARGUMENT` and a precondition violation on every `FAILED_PRECONDITION`.
    pub fn of(status: &tonic::Status) -> Refusal {
        use tonic_types::StatusExt;
        let details = status.get_error_details();
        let info = details
            .error_info()
            .unwrap_or_else(|| panic!("{status:?} carries no ErrorInfo"));
        assert_eq!(info.domain, "lianban.v1");
        assert!(
            pb::ErrorReason::from_str_name(&info.reason)
                .is_some_and(|reason| reason != pb::ErrorReason::Unspecified),
            "{:?} is not a declared reason",
            info.reason
        );
        let fields: Vec<(String, String)> = details
            .bad_request()
            .map(|bad| {
                bad.field_violations
                    .iter()
                    .map(|v| (v.field.clone(), v.description.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let preconditions: Vec<(String, String, String)> = details
            .precondition_failure()
            .map(|failure| {
                failure
                    .violations
                    .iter()
                    .map(|v| (v.r#type.clone(), v.subject.clone(), v.description.clone()))
                    .collect()
            })
            .unwrap_or_default();
        match status.code() {
            Code::InvalidArgument => assert!(!fields.is_empty(), "{status:?}: no field violation"),
            Code::FailedPrecondition => {
                assert!(
                    !preconditions.is_empty(),
                    "{status:?}: no precondition violation"
                )
            }
            _ => {}
        }
        Refusal {
            code: status.code(),
            reason: info.reason.clone(),
            metadata: info.metadata.clone(),
            fields,
            preconditions,
        }
    }

    /// What the refusal is about: the field of an `INVALID_ARGUMENT`, the entity of a
    /// `FAILED_PRECONDITION`, else the `entity` (or `field`) of the metadata.
    pub fn about(&self) -> &str {
        match self.code {
            Code::InvalidArgument => &self.fields[0].0,
            Code::FailedPrecondition => &self.preconditions[0].0,
            _ => self
                .metadata
                .get("entity")
                .or_else(|| self.metadata.get("field"))
                .map_or("", String::as_str),
        }
    }

    /// The id of the entity the refusal is about (precondition subject or metadata `id`).
    pub fn subject(&self) -> &str {
        self.preconditions
            .first()
            .map(|p| p.1.as_str())
            .or_else(|| self.metadata.get("id").map(String::as_str))
            .unwrap_or("")
    }
}

/// Asserts a refusal by code, reason and what it is about (see [`Refusal::about`]), never by
/// its message; returns it for further checks.
pub fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, tonic::Status>,
    code: Code,
    reason: &str,
    about: &str,
) -> Refusal {
    let status = match result {
        Ok(value) => panic!("expected {code:?} {reason} about {about:?}, got {value:?}"),
        Err(status) => status,
    };
    let refusal = Refusal::of(&status);
    assert_eq!(
        (refusal.code, refusal.reason.as_str(), refusal.about()),
        (code, reason, about),
        "{refusal:?} ({})",
        status.message()
    );
    refusal
}

/// Asserts a status code and that the message names `needle`; the refusal must also carry its
/// structured details (see [`Refusal::of`]).
pub fn assert_status<T: std::fmt::Debug>(
    result: Result<T, tonic::Status>,
    code: Code,
    needle: &str,
) {
    match result {
        Ok(value) => panic!("expected {code:?} naming {needle:?}, got {value:?}"),
        Err(status) => {
            assert_eq!(status.code(), code, "{}", status.message());
            assert!(
                status.message().contains(needle),
                "{:?} does not name {needle:?}",
                status.message()
            );
            Refusal::of(&status);
        }
    }
}

/// The number of applications on the server.
pub async fn application_count(server: &TestServer) -> usize {
    let request = pb::ListApplicationsRequest {
        page_size: 500,
        ..Default::default()
    };
    server
        .intake()
        .await
        .list_applications(request)
        .await
        .expect("list")
        .into_inner()
        .applications
        .len()
}

/// A Beijing-time instant.
pub fn beijing(text: &str) -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&local)
        .unwrap()
        .with_timezone(&Utc)
}

/// A wire timestamp in Beijing time.
pub fn shown(at: Option<&prost_types::Timestamp>) -> String {
    let at = at.expect("a timestamp");
    let utc = DateTime::from_timestamp(at.seconds, at.nanos as u32).unwrap();
    utc.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A request setting the manual clock to `text`, Beijing time.
pub fn set_time_request(text: &str) -> pb::SetTimeRequest {
    pb::SetTimeRequest {
        time: Some(prost_types::Timestamp {
            seconds: beijing(text).timestamp(),
            nanos: 0,
        }),
    }
}

/// Sets the manual clock through each of `servers` at once (each call sweeps); returns how many
/// deadlines the sweeps acted on together.
pub async fn set_time_at_once(servers: &[&TestServer], text: &str) -> u32 {
    let mut sweeps = Vec::new();
    for server in servers {
        let mut admin = server.admin().await;
        let request = set_time_request(text);
        sweeps.push(tokio::spawn(async move { admin.set_time(request).await }));
    }
    let mut acted = 0;
    for sweep in sweeps {
        acted += sweep
            .await
            .expect("sweep task")
            .expect("each sweep succeeds")
            .into_inner()
            .deadlines_acted_on;
    }
    acted
}

/// Sets the manual clock; returns how many deadlines the sweep acted on.
pub async fn set_time(server: &TestServer, text: &str) -> u32 {
    let request = set_time_request(text);
    server
        .admin()
        .await
        .set_time(request)
        .await
        .expect("set the manual clock")
        .into_inner()
        .deadlines_acted_on
}

/// A complete 工业建设工程联合竣工验收 submission.
pub fn joint_acceptance() -> pb::SubmitApplicationRequest {
    let mut request = company(&[]);
    request.bundle_code = "gongye-lianhe-yanshou".into();
    request.form = [
        ("project_name", "榕城工业园3号厂房"),
        ("project_address", "福州市"),
        ("floor_area_m2", "12000"),
        ("builder", "榕城实业"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    request.materials = [
        "jungong-celiang-baogao",
        "guihua-xukezheng",
        "jungong-tuzhi",
        "xiaofang-jiance-baogao",
        "renfang-ziliao",
        "dangan-ziliao",
        "jungong-yanshou-baogao",
    ]
    .iter()
    .map(|c| material(c))
    .collect();
    request
}

/// Sends and receives raw bytes, whatever the method expects.
#[derive(Debug, Clone, Copy, Default)]
pub struct Raw;

impl tonic::codec::Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl tonic::codec::Encoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(
        &mut self,
        item: Vec<u8>,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        prost::bytes::BufMut::put_slice(dst, &item);
        Ok(())
    }
}

impl tonic::codec::Decoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn decode(
        &mut self,
        src: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<Vec<u8>>, tonic::Status> {
        use prost::bytes::Buf;
        let mut bytes = vec![0; src.remaining()];
        src.copy_to_slice(&mut bytes);
        Ok(Some(bytes))
    }
}

/// Sends `bytes` to the unary method at `path` (`/package.Service/Method`) as they are, answering
/// the raw response.
pub async fn send_raw(
    channel: tonic::transport::Channel,
    path: &str,
    bytes: Vec<u8>,
) -> Result<Vec<u8>, tonic::Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("ready");
    let path = tonic::codegen::http::uri::PathAndQuery::try_from(path).expect("a method path");
    let response = grpc.unary(tonic::Request::new(bytes), path, Raw).await?;
    Ok(response.into_inner())
}

/// How many migrations to take down to undo `name` and every one after it, so that a test of an
/// upgrade keeps meaning the same thing as migrations are added.
pub fn migrations_from(name: &str) -> u32 {
    use lianban_services::store::migration::Migrator;
    use sea_orm_migration::MigratorTrait;
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|migration| migration.name().to_owned())
        .collect();
    let position = names
        .iter()
        .position(|known| known == name)
        .unwrap_or_else(|| panic!("no migration {name} among {names:?}"));
    u32::try_from(names.len() - position).expect("a few migrations")
}

/// Hands application `id` over at window-01 to 王小明 by `method`.
pub async fn hand_over(server: &TestServer, id: &str, method: pb::HandOverMethod) {
    let request = pb::RecordHandOverRequest {
        application_id: id.into(),
        method: method as i32,
        handed_by: "window-01".into(),
        recipient: "王小明".into(),
        ..Default::default()
    };
    server
        .dispatch()
        .await
        .record_hand_over(request)
        .await
        .unwrap();
}

/// Whether a health stream says `wanted` within `patience`: watched rather than read once,
/// because on a loaded machine one store probe slower than its timeout turns health NOT_SERVING
/// until the next probe. False when the stream fails or ends first.
pub async fn health_turns(
    watch: &mut tonic::Streaming<HealthCheckResponse>,
    wanted: ServingStatus,
    patience: std::time::Duration,
) -> bool {
    let turned = tokio::time::timeout(patience, async {
        while let Ok(Some(answer)) = watch.message().await {
            if answer.status == wanted as i32 {
                return true;
            }
        }
        false
    });
    turned.await.unwrap_or(false)
}
