//! A service centre for one browser test: a server on a manual clock whose console signs people
//! in through a fake OpenID Connect provider (the gRPC API accepts that provider's tokens too),
//! a headless Chromium, and the gRPC calls the other systems make, each as its own person.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use lianban_proto::v1 as pb;
use lianban_services::Config;
use lianban_services::config::ClockKind;
use lianban_services::console::OidcConfig;
use lianban_tests::browser::Browser;
use lianban_tests::credentials::bearer;
use lianban_tests::oidc::{CLIENT_ID, Provider};
use lianban_tests::{Backend, TestDatabase, TestServer};
use serde_json::{Value, json};
use tonic::transport::Channel;

/// The people of the scenarios: (sub, roles).
pub const FRONT_DESK: (&str, &[&str]) = ("desk-01", &["front_desk"]);
/// The centre's clock keeper.
pub const ADMIN: (&str, &[&str]) = ("admin-01", &["admin"]);
/// An auditor, who reads everything and changes nothing.
pub const AUDITOR: (&str, &[&str]) = ("shenji-01", &["auditor"]);
/// A supervisor (督查).
pub const SUPERVISOR: (&str, &[&str]) = ("jiancha-01", &["supervisor"]);

/// A server, its provider, its database and a browser.
pub struct Centre {
    /// The centre's identity provider.
    pub provider: Provider,
    /// The server.
    pub server: TestServer,
    /// The browser.
    pub browser: Browser,
    _database: TestDatabase,
}

impl Centre {
    /// A centre on `backend` whose manual clock stands at `start` (Beijing time,
    /// `YYYY-MM-DD HH:MM`).
    pub async fn open(backend: Backend, start: &str) -> Centre {
        let provider = Provider::start().await;
        let database = TestDatabase::create(backend).await;
        let mut config = provider.credentials().tokens_only(Config {
            database_url: database.url.clone(),
            clock: ClockKind::Manual,
            manual_clock_start: Some(beijing(start)),
            ..Config::default()
        });
        config.console.oidc = Some(OidcConfig {
            authorization_endpoint: provider.authorization_endpoint(),
            token_endpoint: provider.token_endpoint(),
            client_id: CLIENT_ID.to_owned(),
            client_secret_file: None,
            scope: "openid".to_owned(),
            token_ca: None,
        });
        let server = TestServer::start_with(config)
            .await
            .expect("a server with a console starts");
        assert!(server.console.is_some(), "the server serves its console");
        let browser = Browser::start().await;
        Centre {
            provider,
            server,
            browser,
            _database: database,
        }
    }

    /// The console's address for `path`.
    pub fn url(&self, path: &str) -> String {
        let console = self.server.console.expect("a console");
        format!("http://{console}{path}")
    }

    /// Opens `path` of the console.
    pub async fn open_page(&self, path: &str) {
        self.browser.open(&self.url(path)).await;
    }

    /// A token for `person` (sub, roles).
    pub fn token(&self, person: (&str, &[&str])) -> String {
        self.provider
            .credentials()
            .sign(&self.provider.claims(person.0, person.1))
    }

    /// Claims of a department clerk `sub` of `department`.
    pub fn clerk(&self, sub: &str, department: &str) -> Value {
        let mut claims = self.provider.claims(sub, &["department"]);
        claims["department"] = json!(department);
        claims
    }

    /// A token of a department clerk `sub` of `department`.
    pub fn clerk_token(&self, sub: &str, department: &str) -> String {
        self.provider
            .credentials()
            .sign(&self.clerk(sub, department))
    }

    /// Signs in through the provider as whoever `claims` name, and waits for the home page.
    pub async fn sign_in(&self, claims: Value) {
        self.provider.sign_in_as(claims);
        self.open_page("/signin").await;
        self.browser
            .wait_for("a#signin-oidc")
            .await
            .click()
            .await
            .expect("click");
        self.browser.wait_for("#whoami").await;
    }

    /// A plaintext channel to the gRPC API.
    pub async fn channel(&self) -> Channel {
        self.server.channel().await
    }

    /// Sets the manual clock (Beijing time) as the admin.
    pub async fn set_time(&self, text: &str) {
        let request = pb::SetTimeRequest {
            time: Some(timestamp(beijing(text))),
        };
        pb::admin_service_client::AdminServiceClient::new(self.channel().await)
            .set_time(bearer(request, &self.token(ADMIN)))
            .await
            .expect("the admin sets the clock");
    }

    /// Registers the key project `code` for facilitator `facilitator`, as a supervisor.
    pub async fn register_project(
        &self,
        code: &str,
        name: &str,
        investor: &str,
        facilitator: &str,
    ) {
        let request = pb::RegisterProjectRequest {
            project: Some(pb::Project {
                code: code.into(),
                name: name.into(),
                investor: investor.into(),
                investment_wan: 120_000,
                facilitator: facilitator.into(),
                registered_at: None,
            }),
        };
        pb::project_service_client::ProjectServiceClient::new(self.channel().await)
            .register_project(bearer(request, &self.token(SUPERVISOR)))
            .await
            .expect("a supervisor registers the project");
    }

    /// A complete 开办企业 application of `project` (or of none), submitted by the front desk.
    pub async fn submit_company(&self, project: &str, company_name: &str) -> pb::Application {
        let request = company(project, company_name);
        pb::intake_service_client::IntakeServiceClient::new(self.channel().await)
            .submit_application(bearer(request, &self.token(FRONT_DESK)))
            .await
            .expect("the front desk submits")
            .into_inner()
            .application
            .expect("the application")
    }

    /// The application as an auditor reads it over gRPC (every branch, nothing masked away).
    pub async fn application(&self, id: &str) -> pb::Application {
        let request = pb::GetApplicationRequest {
            application_id: id.into(),
        };
        pb::intake_service_client::IntakeServiceClient::new(self.channel().await)
            .get_application(bearer(request, &self.token(AUDITOR)))
            .await
            .expect("an auditor reads the application")
            .into_inner()
    }

    /// The branch of `matter` approved by its own department's clerk `<department>-01`.
    pub async fn approve(&self, application: &pb::Application, matter: &str) -> pb::Application {
        let branch = branch(application, matter);
        let clerk = format!("{}-01", branch.department_code);
        let request = pb::DecideTaskRequest {
            idempotency_key: uuid::Uuid::new_v4().to_string(),
            branch_id: branch.id.clone(),
            department_code: branch.department_code.clone(),
            clerk_id: clerk.clone(),
            decision: Some(pb::decide_task_request::Decision::Approve(pb::Approve {
                result_reference: format!("{matter}-0001"),
            })),
        };
        let token = self.clerk_token(&clerk, &branch.department_code);
        let decided = pb::task_service_client::TaskServiceClient::new(self.channel().await)
            .decide_task(bearer(request, &token))
            .await
            .expect("the department decides")
            .into_inner();
        self.application(&decided.application_id).await
    }

    /// Ends the browser session, then stops the server.
    pub async fn close(self) {
        self.browser.close().await;
        self.server.stop().await;
    }
}

/// A complete 开办企业 submission of `project` (empty: none).
pub fn company(project: &str, company_name: &str) -> pb::SubmitApplicationRequest {
    let materials = [
        "fading-daibiaoren-shenfen",
        "gongsi-zhangcheng",
        "jingbanren-shenfen",
        "sheli-shenqingshu",
        "zhusuo-shiyong-zhengming",
    ];
    pb::SubmitApplicationRequest {
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        bundle_code: "kaiban-qiye".into(),
        applicant: Some(pb::Applicant {
            kind: pb::ApplicantKind::NaturalPerson as i32,
            name: "王小明".into(),
            id_number: "11010519491231002X".into(),
            phone: "13800138000".into(),
        }),
        form: [
            ("company_name", company_name),
            ("registered_capital", "100"),
            ("business_scope", "茶叶销售"),
            ("address", "福州市鼓楼区五四路88号"),
            ("legal_representative", "王小明"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        materials: materials
            .iter()
            .map(|code| pb::MaterialSubmission {
                material_code: (*code).into(),
                document_ref: format!("dms://{code}"),
            })
            .collect(),
        channel: pb::Channel::OnSite as i32,
        key_project_code: project.into(),
        front_desk_clerk: FRONT_DESK.0.into(),
    }
}

/// The branch of `matter`.
pub fn branch<'a>(application: &'a pb::Application, matter: &str) -> &'a pb::Branch {
    application
        .branches
        .iter()
        .find(|b| b.matter_code == matter)
        .unwrap_or_else(|| panic!("no branch {matter}"))
}

/// A Beijing-time instant from `YYYY-MM-DD HH:MM`.
pub fn beijing(text: &str) -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("a time");
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&local)
        .unwrap()
        .with_timezone(&Utc)
}

/// A wire timestamp.
pub fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

/// A wire timestamp as the console shows it: the date in Beijing, or a dash.
pub fn shown_date(at: Option<&prost_types::Timestamp>) -> String {
    at.and_then(|at| DateTime::from_timestamp(at.seconds, 0))
        .map(|at| {
            at.with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_else(|| "—".to_owned())
}

/// The console's name of a branch state (`OPEN`, `APPROVED`, …).
pub fn state_name(state: i32) -> String {
    pb::BranchState::try_from(state)
        .expect("a known state")
        .as_str_name()
        .trim_start_matches("BRANCH_STATE_")
        .to_owned()
}

/// The console's name of a warning colour (`green`, `yellow`, `red`, `none`).
pub fn colour_name(colour: i32) -> &'static str {
    match pb::WarningColour::try_from(colour).unwrap_or(pb::WarningColour::Unspecified) {
        pb::WarningColour::Green => "green",
        pb::WarningColour::Yellow => "yellow",
        pb::WarningColour::Red => "red",
        pb::WarningColour::Unspecified => "none",
    }
}

/// One branch's row on a board or an application page, as the browser shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `data-colour`.
    pub colour: String,
    /// `data-state`.
    pub state: String,
    /// The remaining working days' cell.
    pub remaining: String,
    /// The deadline's cell (`YYYY-MM-DD`, then any note).
    pub deadline: String,
    /// What the branch waits for (the project board only; empty elsewhere).
    pub waiting: String,
}

/// The row of branch `id` on the page the browser shows (waited for).
pub async fn row(browser: &Browser, id: &str) -> Row {
    let css = format!("[data-branch=\"{id}\"]");
    let cell = |name: &'static str| {
        let css = format!("{css} .{name}");
        async move { browser.text(&css).await.trim().to_owned() }
    };
    Row {
        colour: browser
            .attribute(&css, "data-colour")
            .await
            .unwrap_or_default(),
        state: browser
            .attribute(&css, "data-state")
            .await
            .unwrap_or_default(),
        remaining: cell("remaining").await,
        deadline: cell("deadline").await,
        // Only the project board says what a branch waits for; other pages have no such cell.
        waiting: match browser.all(&format!("{css} .waiting")).await.is_empty() {
            true => String::new(),
            false => cell("waiting").await,
        },
    }
}

/// The row the console must show for `branch` as read over gRPC (what it waits for is not
/// compared: the console words it).
pub fn expected_row(branch: &pb::Branch) -> (String, String, String, String) {
    let deadline = branch.deadline.as_ref();
    (
        deadline
            .map_or("none", |d| colour_name(d.colour))
            .to_owned(),
        state_name(branch.state),
        deadline.map_or("—".to_owned(), |d| d.remaining_working_days.to_string()),
        shown_date(deadline.and_then(|d| d.at.as_ref())),
    )
}

impl Row {
    /// The parts [`expected_row`] gives; the deadline without the provisional note.
    pub fn compared(&self) -> (String, String, String, String) {
        let date = self.deadline.split_whitespace().next().unwrap_or("");
        (
            self.colour.clone(),
            self.state.clone(),
            self.remaining.clone(),
            date.to_owned(),
        )
    }
}

/// Waits until the page the form `form` (CSS) was on has been left after sending it, and fails
/// with the console's reason when the answer is its refusal page.
pub async fn sent_without_refusal(browser: &Browser, form: &str) {
    browser
        .wait_until(&format!("the page of {form} to be left"), async || {
            browser.all(form).await.is_empty().then_some(())
        })
        .await;
    if let Some(refusal) = browser.all("main[data-refusal]").await.into_iter().next() {
        let reason = refusal.attr("data-refusal").await.ok().flatten();
        let text = refusal.text().await.unwrap_or_default();
        panic!(
            "{form} was refused ({}): {reason:?}\n{text}",
            browser.current_url().await
        );
    }
}
