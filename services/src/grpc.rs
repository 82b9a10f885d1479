//! The gRPC services of `lianban.v1` but sessions (`session_api`): intake, tasks, dispatch,
//! catalog, admin, supervision, notifications, projects, staff and statistics.
//!
//! Each handler checks the request's shape, turns it into an engine command, and lets the runtime
//! carry it out. Errors become status codes only through `From<Error> for Status`.

use std::collections::BTreeMap;
use std::pin::Pin;

use lianban_orchestrator::engine::{Command, Submit, Verdict};
use lianban_orchestrator::warning::Colour;
use lianban_orchestrator::{Application, BranchState};
use lianban_proto::v1 as pb;
use tokio::sync::broadcast::error::RecvError;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::convert::{self, required_text, uuid_field};
use crate::error::Error;
use crate::runtime::{Idempotency, Runtime};
use crate::store::{ApplicationFilter, BranchFilter};

type Reply<T> = Result<Response<T>, Status>;

pub(crate) fn ok<T>(value: T) -> Reply<T> {
    Ok(Response::new(value))
}

/// A trimmed text field, `None` when blank.
pub(crate) fn optional_text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// The front desk.
pub struct IntakeApi {
    runtime: Runtime,
}

impl IntakeApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        IntakeApi { runtime }
    }

    fn submission_response(&self, application: &Application) -> pb::SubmitApplicationResponse {
        let view = self.runtime.view();
        pb::SubmitApplicationResponse {
            application: Some(convert::application_to_wire(application, &view)),
            notice: application
                .open_notice()
                .map(|n| convert::notice_to_wire(n, view.catalogue)),
        }
    }

    /// Refuses a key-project code that is not registered.
    async fn check_project(&self, code: Option<&str>) -> Result<(), Error> {
        let Some(code) = code else { return Ok(()) };
        match self.runtime.store().project(code).await? {
            Some(_) => Ok(()),
            None => Err(Error::invalid(
                "key_project_code",
                format!("no key project with code {code:?}"),
            )),
        }
    }

    async fn find(&self, id_or_receipt: &str) -> Result<Application, Error> {
        let wanted = required_text("application_id", id_or_receipt)?;
        let found = match Uuid::parse_str(&wanted) {
            Ok(id) => self.runtime.store().application(id).await?,
            Err(_) => self.runtime.store().application_by_receipt(&wanted).await?,
        };
        found.ok_or(Error::NotFound {
            entity: "application",
            id: wanted,
        })
    }
}

#[tonic::async_trait]
impl pb::intake_service_server::IntakeService for IntakeApi {
    async fn submit_application(
        &self,
        request: Request<pb::SubmitApplicationRequest>,
    ) -> Reply<pb::SubmitApplicationResponse> {
        let request = request.into_inner();
        let key = convert::idempotency_key(&request.idempotency_key, true)?.unwrap_or_default();
        let idempotency = Idempotency::of("SubmitApplication".to_owned(), key, &request, |r| {
            r.idempotency_key.clear()
        });
        let command = Submit {
            application_id: Uuid::now_v7(),
            bundle_code: required_text("bundle_code", &request.bundle_code)?,
            applicant: convert::applicant(request.applicant)?,
            form: request.form.into_iter().collect::<BTreeMap<_, _>>(),
            materials: convert::materials(request.materials),
            channel: convert::channel("channel", request.channel)?,
            key_project_code: optional_text(&request.key_project_code),
            front_desk_clerk: request.front_desk_clerk.trim().to_owned(),
        };
        self.check_project(command.key_project_code.as_deref())
            .await?;
        let actor = format!("front-desk:{}", command.front_desk_clerk);
        let response = self
            .runtime
            .submit(command, &actor, Some(idempotency), |a| {
                self.submission_response(a)
            })
            .await?;
        ok(response)
    }

    async fn supplement_materials(
        &self,
        request: Request<pb::SupplementMaterialsRequest>,
    ) -> Reply<pb::SubmitApplicationResponse> {
        let request = request.into_inner();
        let id = uuid_field("application_id", &request.application_id)?;
        let idempotency = optional_key("SupplementMaterials", &id, &request)?;
        let command = Command::Supplement {
            materials: convert::materials(request.materials),
            channel: convert::channel("channel", request.channel)?,
        };
        let response = self
            .runtime
            .execute(id, command, "applicant", idempotency, |a| {
                self.submission_response(a)
            })
            .await?;
        ok(response)
    }

    async fn withdraw_application(
        &self,
        request: Request<pb::WithdrawApplicationRequest>,
    ) -> Reply<pb::Application> {
        let request = request.into_inner();
        let id = uuid_field("application_id", &request.application_id)?;
        let idempotency = optional_key("WithdrawApplication", &id, &request)?;
        let command = Command::Withdraw {
            reason: request.reason.trim().to_owned(),
        };
        ok(answer_with_application(&self.runtime, id, command, "applicant", idempotency).await?)
    }

    async fn rate_service(
        &self,
        request: Request<pb::RateServiceRequest>,
    ) -> Reply<pb::Application> {
        use lianban_orchestrator::application::RatingStage;
        let request = request.into_inner();
        let id = uuid_field("application_id", &request.application_id)?;
        let stage = match pb::RatingStage::try_from(request.stage) {
            Ok(pb::RatingStage::Acceptance) => RatingStage::Acceptance,
            Ok(pb::RatingStage::Dispatch) => RatingStage::Dispatch,
            _ => return Err(Error::invalid("stage", "required: acceptance or dispatch").into()),
        };
        let score = u8::try_from(request.score)
            .map_err(|_| Error::invalid("score", "1 (very poor) to 5 (very good)"))?;
        let idempotency = optional_key("RateService", &id, &request)?;
        let command = Command::Rate {
            stage,
            score,
            comment: request.comment.trim().to_owned(),
        };
        ok(answer_with_application(&self.runtime, id, command, "applicant", idempotency).await?)
    }

    async fn get_application(
        &self,
        request: Request<pb::GetApplicationRequest>,
    ) -> Reply<pb::Application> {
        let application = self.find(&request.into_inner().application_id).await?;
        ok(convert::application_to_wire(
            &application,
            &self.runtime.view(),
        ))
    }

    async fn list_applications(
        &self,
        request: Request<pb::ListApplicationsRequest>,
    ) -> Reply<pb::ListApplicationsResponse> {
        let request = request.into_inner();
        let filter = ApplicationFilter {
            bundle_code: optional_text(&request.bundle_code),
            states: convert::application_states(&request.states)?,
            key_project_code: optional_text(&request.key_project_code),
        };
        let page = convert::page_request(request.page_size, &request.page_token)?;
        let found = self
            .runtime
            .store()
            .applications(&filter, &page)
            .await
            .map_err(Error::from)?;
        let view = self.runtime.view();
        ok(pb::ListApplicationsResponse {
            applications: found
                .items
                .iter()
                .map(|a| convert::application_to_wire(a, &view))
                .collect(),
            next_page_token: convert::page_token(found.next_after),
        })
    }
}

/// Department systems.
pub struct TaskApi {
    runtime: Runtime,
}

impl TaskApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        TaskApi { runtime }
    }

    fn known_department(&self, code: &str) -> Result<String, Error> {
        let code = required_text("department_code", code)?;
        if self.runtime.catalogue().department(&code).is_none() {
            return Err(Error::invalid(
                "department_code",
                format!("no department with code {code:?}"),
            ));
        }
        Ok(code)
    }

    fn task(&self, application: &Application, branch_id: Uuid) -> Option<pb::Task> {
        let branch = application.branch(branch_id)?;
        Some(convert::task_to_wire(
            application,
            branch,
            &self.runtime.view(),
        ))
    }

    /// Runs a department's command on one of its branches and answers with the branch.
    #[allow(clippy::too_many_arguments)]
    async fn on_branch<M: prost::Message + Clone>(
        &self,
        rpc: &str,
        request: &M,
        key: &str,
        strip: impl FnOnce(&mut M),
        branch_id: &str,
        department_code: &str,
        clerk_id: &str,
        build: impl FnOnce(Uuid, String, String) -> Command,
    ) -> Reply<pb::Branch> {
        let branch_id = uuid_field("branch_id", branch_id)?;
        let department = self.known_department(department_code)?;
        let idempotency = convert::idempotency_key(key, false)?
            .map(|key| Idempotency::of(format!("{rpc}:{department}"), key, request, strip));
        let application_id = self.runtime.application_of_branch(branch_id).await?;
        let clerk = clerk_id.trim().to_owned();
        let actor = format!("department:{department}/{clerk}");
        let command = build(branch_id, department, clerk);
        ok(answer_with_branch(
            &self.runtime,
            application_id,
            branch_id,
            command,
            &actor,
            idempotency,
        )
        .await?)
    }

    async fn actionable(&self, department: &str) -> Result<Vec<pb::Task>, Error> {
        let filter = BranchFilter {
            department_code: Some(department.to_owned()),
            states: vec![BranchState::Open, BranchState::Claimed],
            bundle_code: None,
            ..Default::default()
        };
        let mut tasks = Vec::new();
        self.runtime
            .store()
            .scan_branches(&filter, |application, id| {
                tasks.extend(self.task(&application, id));
            })
            .await?;
        Ok(tasks)
    }
}

type TaskStream = Pin<Box<dyn Stream<Item = Result<pb::TaskEvent, Status>> + Send>>;

#[tonic::async_trait]
impl pb::task_service_server::TaskService for TaskApi {
    type WatchTasksStream = TaskStream;

    async fn list_tasks(
        &self,
        request: Request<pb::ListTasksRequest>,
    ) -> Reply<pb::ListTasksResponse> {
        let request = request.into_inner();
        let filter = BranchFilter {
            department_code: Some(self.known_department(&request.department_code)?),
            states: convert::branch_states(&request.states)?,
            bundle_code: optional_text(&request.bundle_code),
            assignee: optional_text(&request.clerk_id),
            ..Default::default()
        };
        let page = convert::page_request(request.page_size, &request.page_token)?;
        let found = self
            .runtime
            .store()
            .branches(&filter, &page)
            .await
            .map_err(Error::from)?;
        ok(pb::ListTasksResponse {
            tasks: found
                .items
                .iter()
                .filter_map(|(application, id)| self.task(application, *id))
                .collect(),
            next_page_token: convert::page_token(found.next_after),
        })
    }

    async fn watch_tasks(
        &self,
        request: Request<pb::WatchTasksRequest>,
    ) -> Reply<Self::WatchTasksStream> {
        let department = self.known_department(&request.into_inner().department_code)?;
        // Subscribe before reading the snapshot, so that nothing falls between the two.
        let mut changes = self.runtime.subscribe();
        let snapshot = self.actionable(&department).await?;
        let api = TaskApi {
            runtime: self.runtime.clone(),
        };
        let stream = async_stream(move |sender| async move {
            for task in snapshot {
                if sender
                    .send(Ok(pb::TaskEvent {
                        snapshot: true,
                        task: Some(task),
                    }))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            loop {
                let events = match changes.recv().await {
                    // A branch reaches its department once it has started; waiting is not news to it.
                    Ok(change) if change.department_code == department => change
                        .application
                        .branch(change.branch_id)
                        .filter(|branch| branch.started_at.is_some())
                        .and_then(|_| api.task(&change.application, change.branch_id))
                        .map(|task| {
                            vec![pb::TaskEvent {
                                snapshot: false,
                                task: Some(task),
                            }]
                        })
                        .unwrap_or_default(),
                    Ok(_) => continue,
                    // Too slow to keep up: send the whole actionable set again rather than lose changes.
                    Err(RecvError::Lagged(_)) => match api.actionable(&department).await {
                        Ok(tasks) => tasks
                            .into_iter()
                            .map(|t| pb::TaskEvent {
                                snapshot: true,
                                task: Some(t),
                            })
                            .collect(),
                        Err(error) => {
                            let _ = sender.send(Err(error.into())).await;
                            return;
                        }
                    },
                    Err(RecvError::Closed) => return,
                };
                for event in events {
                    if sender.send(Ok(event)).await.is_err() {
                        return;
                    }
                }
            }
        });
        ok(Box::pin(stream))
    }

    async fn claim_task(&self, request: Request<pb::ClaimTaskRequest>) -> Reply<pb::Branch> {
        let request = request.into_inner();
        let branch_id = uuid_field("branch_id", &request.branch_id)?;
        let department = self.known_department(&request.department_code)?;
        let application_id = self.runtime.application_of_branch(branch_id).await?;
        let actor = format!("department:{department}/{}", request.clerk_id.trim());
        let command = Command::Claim {
            branch_id,
            department_code: department,
            clerk_id: request.clerk_id.trim().to_owned(),
        };
        ok(answer_with_branch(
            &self.runtime,
            application_id,
            branch_id,
            command,
            &actor,
            None,
        )
        .await?)
    }

    async fn decide_task(
        &self,
        request: Request<pb::DecideTaskRequest>,
    ) -> Reply<pb::DecideTaskResponse> {
        let request = request.into_inner();
        let key = convert::idempotency_key(&request.idempotency_key, true)?.unwrap_or_default();
        let branch_id = uuid_field("branch_id", &request.branch_id)?;
        let department = self.known_department(&request.department_code)?;
        let idempotency = Idempotency::of(format!("DecideTask:{department}"), key, &request, |r| {
            r.idempotency_key.clear()
        });
        let verdict = match request.decision.clone() {
            Some(pb::decide_task_request::Decision::Approve(a)) => Verdict::Approve {
                result_reference: a.result_reference,
            },
            Some(pb::decide_task_request::Decision::Reject(r)) => {
                Verdict::Reject { reason: r.reason }
            }
            Some(pb::decide_task_request::Decision::Consent(c)) => {
                Verdict::Consent { comment: c.comment }
            }
            Some(pb::decide_task_request::Decision::Object(o)) => {
                Verdict::Object { reasons: o.reasons }
            }
            None => {
                return Err(Error::invalid(
                    "decision",
                    "required: approve, reject, consent or object",
                )
                .into());
            }
        };
        let application_id = self.runtime.application_of_branch(branch_id).await?;
        let clerk = request.clerk_id.trim().to_owned();
        let actor = format!("department:{department}/{clerk}");
        let command = Command::Decide {
            branch_id,
            department_code: department,
            clerk_id: clerk,
            verdict,
        };
        let view = self.runtime.view();
        let response = self
            .runtime
            .execute(application_id, command, &actor, Some(idempotency), |a| {
                pb::DecideTaskResponse {
                    branch: a
                        .branch(branch_id)
                        .map(|b| convert::branch_to_wire(a, b, &view)),
                    application: Some(convert::application_to_wire(a, &view)),
                }
            })
            .await?;
        ok(response)
    }

    async fn request_supplement(
        &self,
        request: Request<pb::RequestSupplementRequest>,
    ) -> Reply<pb::Branch> {
        let r = request.into_inner();
        let (reason, material_codes) = (r.reason.trim().to_owned(), r.material_codes.clone());
        self.on_branch(
            "RequestSupplement",
            &r,
            &r.idempotency_key,
            |r| r.idempotency_key.clear(),
            &r.branch_id,
            &r.department_code,
            &r.clerk_id,
            |branch_id, department_code, clerk_id| Command::Pause {
                branch_id,
                department_code,
                clerk_id,
                kind: lianban_orchestrator::application::PauseKind::Supplement,
                reason,
                expected_days: 0,
                material_codes: material_codes
                    .into_iter()
                    .map(|c| c.trim().to_owned())
                    .collect(),
            },
        )
        .await
    }

    async fn start_special_procedure(
        &self,
        request: Request<pb::StartSpecialProcedureRequest>,
    ) -> Reply<pb::Branch> {
        let r = request.into_inner();
        let kind = convert::special_procedure(r.kind)?;
        let (reason, expected_days) = (r.reason.trim().to_owned(), r.expected_days);
        self.on_branch(
            "StartSpecialProcedure",
            &r,
            &r.idempotency_key,
            |r| r.idempotency_key.clear(),
            &r.branch_id,
            &r.department_code,
            &r.clerk_id,
            |branch_id, department_code, clerk_id| Command::Pause {
                branch_id,
                department_code,
                clerk_id,
                kind,
                reason,
                expected_days,
                material_codes: Vec::new(),
            },
        )
        .await
    }

    async fn resume_task(&self, request: Request<pb::ResumeTaskRequest>) -> Reply<pb::Branch> {
        let r = request.into_inner();
        self.on_branch(
            "ResumeTask",
            &r,
            &r.idempotency_key,
            |r| r.idempotency_key.clear(),
            &r.branch_id,
            &r.department_code,
            &r.clerk_id,
            |branch_id, department_code, clerk_id| Command::Resume {
                branch_id,
                department_code,
                clerk_id,
            },
        )
        .await
    }

    async fn request_extension(
        &self,
        request: Request<pb::RequestExtensionRequest>,
    ) -> Reply<pb::Branch> {
        let r = request.into_inner();
        let (reason, days) = (r.reason.trim().to_owned(), r.days);
        self.on_branch(
            "RequestExtension",
            &r,
            &r.idempotency_key,
            |r| r.idempotency_key.clear(),
            &r.branch_id,
            &r.department_code,
            &r.clerk_id,
            |branch_id, department_code, clerk_id| Command::RequestExtension {
                branch_id,
                department_code,
                clerk_id,
                days,
                reason,
            },
        )
        .await
    }
}

/// An optional idempotency key of `rpc`, remembered per `scope` (an application or branch id).
pub(crate) fn optional_key<M: prost::Message + Clone + HasKey>(
    rpc: &str,
    scope: &impl std::fmt::Display,
    request: &M,
) -> Result<Option<Idempotency>, Error> {
    Ok(convert::idempotency_key(request.key(), false)?
        .map(|key| Idempotency::of(format!("{rpc}:{scope}"), key, request, M::clear_key)))
}

/// Requests that carry an idempotency key.
pub(crate) trait HasKey {
    /// The key as sent.
    fn key(&self) -> &str;
    /// Clears it, so that the request's hash leaves it out.
    fn clear_key(&mut self);
}

macro_rules! has_key {
    ($($request:ty),*) => {$(
        impl HasKey for $request {
            fn key(&self) -> &str {
                &self.idempotency_key
            }
            fn clear_key(&mut self) {
                self.idempotency_key.clear();
            }
        }
    )*};
}

has_key!(
    pb::SupplementMaterialsRequest,
    pb::WithdrawApplicationRequest,
    pb::RateServiceRequest,
    pb::RecordHandOverRequest,
    pb::DecideExtensionRequest,
    pb::ScheduleSessionRequest,
    pb::RecordOpinionRequest,
    pb::RescheduleSessionRequest,
    pb::CancelSessionRequest,
    pb::CloseSessionRequest
);

/// Carries out a command on an application and answers with the application as it then stands.
async fn answer_with_application(
    runtime: &Runtime,
    application_id: Uuid,
    command: Command,
    actor: &str,
    idempotency: Option<Idempotency>,
) -> Result<pb::Application, Error> {
    let view = runtime.view();
    runtime
        .execute(application_id, command, actor, idempotency, |a| {
            convert::application_to_wire(a, &view)
        })
        .await
}

/// Carries out a command on a branch and answers with the branch as it then stands.
async fn answer_with_branch(
    runtime: &Runtime,
    application_id: Uuid,
    branch_id: Uuid,
    command: Command,
    actor: &str,
    idempotency: Option<Idempotency>,
) -> Result<pb::Branch, Error> {
    let view = runtime.view();
    runtime
        .execute(application_id, command, actor, idempotency, |a| {
            a.branch(branch_id)
                .map(|b| convert::branch_to_wire(a, b, &view))
                .unwrap_or_default()
        })
        .await
}

/// Runs `produce` as a task feeding a channel, and returns the channel as a stream. The task ends
/// when the client goes away (the send fails).
fn async_stream<F, Fut>(produce: F) -> impl Stream<Item = Result<pb::TaskEvent, Status>> + Send
where
    F: FnOnce(tokio::sync::mpsc::Sender<Result<pb::TaskEvent, Status>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (sender, receiver) = tokio::sync::mpsc::channel(64);
    tokio::spawn(produce(sender));
    tokio_stream::wrappers::ReceiverStream::new(receiver)
}

/// The dispatch window.
pub struct DispatchApi {
    runtime: Runtime,
}

impl DispatchApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        DispatchApi { runtime }
    }
}

#[tonic::async_trait]
impl pb::dispatch_service_server::DispatchService for DispatchApi {
    async fn list_ready_for_dispatch(
        &self,
        request: Request<pb::ListReadyForDispatchRequest>,
    ) -> Reply<pb::ListReadyForDispatchResponse> {
        let request = request.into_inner();
        let filter = ApplicationFilter {
            bundle_code: optional_text(&request.bundle_code),
            states: vec![lianban_orchestrator::ApplicationState::ReadyForDispatch],
            key_project_code: None,
        };
        let page = convert::page_request(request.page_size, &request.page_token)?;
        let found = self
            .runtime
            .store()
            .applications(&filter, &page)
            .await
            .map_err(Error::from)?;
        let view = self.runtime.view();
        ok(pb::ListReadyForDispatchResponse {
            applications: found
                .items
                .iter()
                .map(|a| convert::application_to_wire(a, &view))
                .collect(),
            next_page_token: convert::page_token(found.next_after),
        })
    }

    async fn record_hand_over(
        &self,
        request: Request<pb::RecordHandOverRequest>,
    ) -> Reply<pb::Application> {
        let request = request.into_inner();
        let id = uuid_field("application_id", &request.application_id)?;
        let idempotency = optional_key("RecordHandOver", &id, &request)?;
        let command = Command::Dispatch {
            method: convert::hand_over_method(request.method)?,
            handed_by: request.handed_by.trim().to_owned(),
            recipient: request.recipient.trim().to_owned(),
            tracking_reference: request.tracking_reference.trim().to_owned(),
        };
        let actor = format!("dispatch:{}", request.handed_by.trim());
        ok(answer_with_application(&self.runtime, id, command, &actor, idempotency).await?)
    }
}

/// The catalogue, read-only.
pub struct CatalogApi {
    runtime: Runtime,
}

impl CatalogApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        CatalogApi { runtime }
    }
}

#[tonic::async_trait]
impl pb::catalog_service_server::CatalogService for CatalogApi {
    async fn list_bundles(
        &self,
        _: Request<pb::ListBundlesRequest>,
    ) -> Reply<pb::ListBundlesResponse> {
        let view = self.runtime.view();
        ok(pb::ListBundlesResponse {
            bundles: view
                .catalogue
                .bundles()
                .map(|b| convert::bundle_to_wire(b, view.catalogue))
                .collect(),
        })
    }

    async fn get_bundle(&self, request: Request<pb::GetBundleRequest>) -> Reply<pb::Bundle> {
        let code = required_text("code", &request.into_inner().code)?;
        let view = self.runtime.view();
        let bundle = view.catalogue.bundle(&code).ok_or(Error::NotFound {
            entity: "bundle",
            id: code,
        })?;
        ok(convert::bundle_to_wire(bundle, view.catalogue))
    }

    async fn list_matters(
        &self,
        request: Request<pb::ListMattersRequest>,
    ) -> Reply<pb::ListMattersResponse> {
        let department = optional_text(&request.into_inner().department_code);
        let matters = self
            .runtime
            .catalogue()
            .matters()
            .filter(|m| department.as_ref().is_none_or(|d| *d == m.department))
            .map(convert::matter_to_wire)
            .collect();
        ok(pb::ListMattersResponse { matters })
    }

    async fn get_matter(&self, request: Request<pb::GetMatterRequest>) -> Reply<pb::Matter> {
        let code = required_text("code", &request.into_inner().code)?;
        let matter = self
            .runtime
            .catalogue()
            .matter(&code)
            .ok_or(Error::NotFound {
                entity: "matter",
                id: code,
            })?;
        ok(convert::matter_to_wire(matter))
    }

    async fn list_departments(
        &self,
        _: Request<pb::ListDepartmentsRequest>,
    ) -> Reply<pb::ListDepartmentsResponse> {
        let departments = self
            .runtime
            .catalogue()
            .departments()
            .map(convert::department_to_wire)
            .collect();
        ok(pb::ListDepartmentsResponse { departments })
    }
}

/// The clock, for tests and training servers.
pub struct AdminApi {
    runtime: Runtime,
    calendar_config: crate::config::CalendarConfig,
    digest_schedule: cron::Schedule,
}

impl AdminApi {
    /// Over a runtime, reloading the calendar from `calendar_config`; moving the manual clock also
    /// writes a digest that falls due.
    pub fn new(
        runtime: Runtime,
        calendar_config: crate::config::CalendarConfig,
        digest_schedule: cron::Schedule,
    ) -> Self {
        AdminApi {
            runtime,
            calendar_config,
            digest_schedule,
        }
    }

    async fn move_clock(
        &self,
        to: impl FnOnce(chrono::DateTime<chrono::Utc>) -> Result<chrono::DateTime<chrono::Utc>, Error>,
    ) -> Reply<pb::TimeResponse> {
        let clock = self.runtime.manual_clock().ok_or(Error::ClockNotManual)?;
        let acted = crate::deadlines::move_clock_and_sweep(&self.runtime, clock, to).await?;
        crate::deadlines::digest_if_due(&self.runtime, &self.digest_schedule).await?;
        ok(pb::TimeResponse {
            now: Some(convert::timestamp(self.runtime.now())),
            manual: true,
            deadlines_acted_on: acted,
        })
    }
}

#[tonic::async_trait]
impl pb::admin_service_server::AdminService for AdminApi {
    async fn get_time(&self, _: Request<pb::GetTimeRequest>) -> Reply<pb::TimeResponse> {
        ok(pb::TimeResponse {
            now: Some(convert::timestamp(self.runtime.now())),
            manual: self.runtime.manual_clock().is_some(),
            deadlines_acted_on: 0,
        })
    }

    async fn set_time(&self, request: Request<pb::SetTimeRequest>) -> Reply<pb::TimeResponse> {
        let to = convert::instant("time", request.into_inner().time)?;
        self.move_clock(|_| Ok(to)).await
    }

    async fn reload_calendar(
        &self,
        _: Request<pb::ReloadCalendarRequest>,
    ) -> Reply<pb::ReloadCalendarResponse> {
        let moved = crate::deadlines::reload_calendar(&self.runtime, &self.calendar_config).await?;
        ok(pb::ReloadCalendarResponse {
            covered_years: self.runtime.calendar().covered_years().collect(),
            deadlines_moved: moved,
        })
    }

    async fn advance_time(
        &self,
        request: Request<pb::AdvanceTimeRequest>,
    ) -> Reply<pb::TimeResponse> {
        let seconds = request.into_inner().seconds;
        if seconds == 0 || seconds > 10 * 366 * 86_400 {
            return Err(Error::invalid("seconds", "between 1 and ten years").into());
        }
        self.move_clock(|now| Ok(now + chrono::Duration::seconds(seconds as i64)))
            .await
    }
}

/// Supervisors: warnings, extension requests, the daily digest.
pub struct SupervisionApi {
    runtime: Runtime,
}

impl SupervisionApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        SupervisionApi { runtime }
    }

    fn task(
        &self,
        application: &Application,
        branch_id: Uuid,
        view: &convert::View<'_>,
    ) -> Option<pb::Task> {
        let branch = application.branch(branch_id)?;
        Some(convert::task_to_wire(application, branch, view))
    }
}

fn colours(values: &[i32]) -> Result<Vec<Colour>, Error> {
    if values.is_empty() {
        return Ok(vec![Colour::Yellow, Colour::Red]);
    }
    values
        .iter()
        .enumerate()
        .map(|(index, value)| match pb::WarningColour::try_from(*value) {
            Ok(pb::WarningColour::Green) => Ok(Colour::Green),
            Ok(pb::WarningColour::Yellow) => Ok(Colour::Yellow),
            Ok(pb::WarningColour::Red) => Ok(Colour::Red),
            _ => Err(Error::invalid(
                format!("colours[{index}]"),
                "green, yellow or red",
            )),
        })
        .collect()
}

fn digest_item_to_wire(item: &crate::supervision::DigestItem) -> pb::DigestItem {
    pb::DigestItem {
        branch_id: item.branch_id.to_string(),
        application_id: item.application_id.to_string(),
        receipt_number: item.receipt_number.clone(),
        matter_code: item.matter_code.clone(),
        deadline: Some(convert::timestamp(item.deadline)),
        remaining_working_days: item.remaining_days,
        colour: convert::colour_to_wire(item.colour) as i32,
        escalated_at: item.escalated_at.map(convert::timestamp),
    }
}

#[tonic::async_trait]
impl pb::supervision_service_server::SupervisionService for SupervisionApi {
    async fn list_warnings(
        &self,
        request: Request<pb::ListWarningsRequest>,
    ) -> Reply<pb::ListWarningsResponse> {
        let request = request.into_inner();
        let department = optional_text(&request.department_code);
        if let Some(code) = department
            .as_ref()
            .filter(|c| self.runtime.catalogue().department(c).is_none())
        {
            return Err(Error::invalid(
                "department_code",
                format!("no department with code {code:?}"),
            )
            .into());
        }
        let wanted = colours(&request.colours)?;
        let bundle = optional_text(&request.bundle_code);
        let warned =
            crate::supervision::warnings(&self.runtime, department, bundle, &wanted).await?;
        let view = self.runtime.view();
        ok(pb::ListWarningsResponse {
            tasks: warned
                .iter()
                .filter_map(|w| self.task(&w.application, w.branch_id, &view))
                .collect(),
        })
    }

    async fn list_extension_requests(
        &self,
        request: Request<pb::ListExtensionRequestsRequest>,
    ) -> Reply<pb::ListExtensionRequestsResponse> {
        let department = optional_text(&request.into_inner().department_code);
        let filter = BranchFilter {
            department_code: department,
            states: vec![BranchState::Open, BranchState::Claimed, BranchState::Paused],
            bundle_code: None,
            ..Default::default()
        };
        let view = self.runtime.view();
        let mut pending = Vec::new();
        self.runtime
            .store()
            .scan_branches(&filter, |application, branch_id| {
                let Some(branch) = application.branch(branch_id) else {
                    return;
                };
                for extension in branch.extensions.iter().filter(|e| e.decision.is_none()) {
                    let task = self.task(&application, branch_id, &view);
                    pending.push((
                        extension.requested_at,
                        pb::PendingExtension {
                            task,
                            number: extension.number,
                        },
                    ));
                }
            })
            .await
            .map_err(Error::from)?;
        pending.sort_by_key(|(at, _)| *at);
        ok(pb::ListExtensionRequestsResponse {
            requests: pending.into_iter().map(|(_, p)| p).collect(),
        })
    }

    async fn decide_extension(
        &self,
        request: Request<pb::DecideExtensionRequest>,
    ) -> Reply<pb::Branch> {
        let request = request.into_inner();
        let branch_id = uuid_field("branch_id", &request.branch_id)?;
        if request.number == 0 {
            return Err(Error::invalid("number", "required").into());
        }
        let idempotency = optional_key("DecideExtension", &branch_id, &request)?;
        let application_id = self.runtime.application_of_branch(branch_id).await?;
        let supervisor = request.supervisor_id.trim().to_owned();
        let actor = format!("supervisor:{supervisor}");
        let command = Command::DecideExtension {
            branch_id,
            number: request.number,
            supervisor_id: supervisor,
            approve: request.approve,
            note: request.note.trim().to_owned(),
        };
        ok(answer_with_branch(
            &self.runtime,
            application_id,
            branch_id,
            command,
            &actor,
            idempotency,
        )
        .await?)
    }

    async fn get_audit_trail(
        &self,
        request: Request<pb::GetAuditTrailRequest>,
    ) -> Reply<pb::AuditTrail> {
        let id = uuid_field("application_id", &request.into_inner().application_id)?;
        let (rows, head) = self
            .runtime
            .store()
            .audit_trail(id)
            .await
            .map_err(Error::from)?
            .ok_or(Error::NotFound {
                entity: "application",
                id: id.to_string(),
            })?;
        let verification = crate::audit::verify(&rows, &head);
        ok(pb::AuditTrail {
            application_id: id.to_string(),
            verified: verification.is_intact(),
            first_bad_seq: verification.first_bad_seq.unwrap_or(0),
            problem: verification.problem,
            events: rows
                .into_iter()
                .map(|row| pb::AuditEvent {
                    seq: row.link.seq,
                    at: Some(convert::timestamp(row.link.at)),
                    actor: row.link.actor,
                    kind: row.link.kind,
                    detail_json: row.link.detail,
                    version: row.link.version,
                    prev_hash: row.link.prev_hash,
                    hash: row.hash,
                })
                .collect(),
        })
    }

    async fn get_digest(&self, request: Request<pb::GetDigestRequest>) -> Reply<pb::Digest> {
        let day = optional_text(&request.into_inner().day);
        if let Some(day) = &day {
            chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .map_err(|_| Error::invalid("day", "YYYY-MM-DD"))?;
        }
        let found = self
            .runtime
            .store()
            .digest(day.as_deref())
            .await
            .map_err(Error::from)?;
        let (day, generated_at, content) = found.ok_or(Error::NotFound {
            entity: "digest",
            id: day.unwrap_or_else(|| "(latest)".to_owned()),
        })?;
        let stored: crate::supervision::StoredDigest = serde_json::from_str(&content)
            .map_err(|e| Error::Server(format!("stored digest {day} is unreadable: {e}")))?;
        let departments: Vec<pb::DepartmentDigest> = stored
            .departments
            .iter()
            .map(|d| pb::DepartmentDigest {
                department_code: d.department_code.clone(),
                red: d.red.iter().map(digest_item_to_wire).collect(),
                yellow: d.yellow.iter().map(digest_item_to_wire).collect(),
            })
            .collect();
        ok(pb::Digest {
            red_total: departments.iter().map(|d| d.red.len() as u32).sum(),
            yellow_total: departments.iter().map(|d| d.yellow.len() as u32).sum(),
            day,
            generated_at: Some(convert::timestamp(generated_at)),
            departments,
        })
    }
}

/// Notifications from the outbox.
pub struct NotificationApi {
    runtime: Runtime,
}

impl NotificationApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        NotificationApi { runtime }
    }
}

fn notification_to_wire(stored: crate::store::StoredNotification) -> pb::Notification {
    let audience = match stored.audience.as_str() {
        "applicant" => pb::Audience::Applicant,
        "department" => pb::Audience::Department,
        _ => pb::Audience::Supervision,
    };
    pb::Notification {
        position: stored.position,
        application_id: stored.application_id,
        audience: audience as i32,
        department_code: stored.department_code.unwrap_or_default(),
        kind: stored.kind,
        branch_id: stored.branch_id.unwrap_or_default(),
        message: stored.message,
        created_at: Some(convert::timestamp(stored.created_at)),
        session_id: stored.session_id.unwrap_or_default(),
    }
}

type NotificationStream = Pin<Box<dyn Stream<Item = Result<pb::Notification, Status>> + Send>>;

#[tonic::async_trait]
impl pb::notification_service_server::NotificationService for NotificationApi {
    type SubscribeStream = NotificationStream;

    async fn subscribe(
        &self,
        request: Request<pb::SubscribeRequest>,
    ) -> Reply<Self::SubscribeStream> {
        let request = request.into_inner();
        if request.after_position < 0 {
            return Err(Error::invalid("after_position", "0 or a position received before").into());
        }
        let audience = match pb::Audience::try_from(request.audience) {
            Ok(pb::Audience::Unspecified) => None,
            Ok(pb::Audience::Applicant) => Some("applicant"),
            Ok(pb::Audience::Department) => Some("department"),
            Ok(pb::Audience::Supervision) => Some("supervision"),
            Err(_) => return Err(Error::invalid("audience", "not an audience").into()),
        };
        let department = optional_text(&request.department_code);
        if let Some(code) = department
            .as_ref()
            .filter(|c| self.runtime.catalogue().department(c).is_none())
        {
            return Err(Error::invalid(
                "department_code",
                format!("no department with code {code:?}"),
            )
            .into());
        }
        let application = optional_text(&request.application_id);
        if let Some(id) = &application {
            uuid_field("application_id", id)?;
        }
        let filter = crate::store::NotificationFilter {
            audience: audience.map(str::to_owned),
            department_code: department,
            application_id: application,
        };
        let runtime = self.runtime.clone();
        // Watch before the first read, so that a commit between the read and the wait is not slept through.
        let mut committed = runtime.notifications_committed();
        let mut cursor = request.after_position;
        let (sender, receiver) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                committed.borrow_and_update();
                let batch = match runtime
                    .store()
                    .notifications_after(cursor, &filter, 256)
                    .await
                {
                    Ok(batch) => batch,
                    Err(error) => {
                        let _ = sender.send(Err(Error::from(error).into())).await;
                        return;
                    }
                };
                let caught_up = batch.len() < 256;
                for stored in batch {
                    cursor = stored.position;
                    if sender.send(Ok(notification_to_wire(stored))).await.is_err() {
                        return;
                    }
                }
                if caught_up {
                    tokio::select! {
                        changed = committed.changed() => if changed.is_err() { return },
                        () = sender.closed() => return,
                    }
                }
            }
        });
        ok(Box::pin(tokio_stream::wrappers::ReceiverStream::new(
            receiver,
        )))
    }

    async fn list_notifications(
        &self,
        request: Request<pb::ListNotificationsRequest>,
    ) -> Reply<pb::ListNotificationsResponse> {
        let id = uuid_field("application_id", &request.into_inner().application_id)?;
        let filter = crate::store::NotificationFilter {
            application_id: Some(id.to_string()),
            ..Default::default()
        };
        let stored = self
            .runtime
            .store()
            .notifications_after(0, &filter, 10_000)
            .await
            .map_err(Error::from)?;
        ok(pb::ListNotificationsResponse {
            notifications: stored.into_iter().map(notification_to_wire).collect(),
        })
    }
}

/// Facilitators: key projects and their applications.
pub struct ProjectApi {
    runtime: Runtime,
}

impl ProjectApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        ProjectApi { runtime }
    }

    async fn project(&self, code: &str) -> Result<crate::store::ProjectRecord, Error> {
        let code = required_text("code", code)?;
        self.runtime
            .store()
            .project(&code)
            .await?
            .ok_or(Error::NotFound {
                entity: "project",
                id: code,
            })
    }

    async fn applications(&self, code: &str) -> Result<Vec<Application>, Error> {
        let filter = ApplicationFilter {
            key_project_code: Some(code.to_owned()),
            ..Default::default()
        };
        Ok(self.runtime.store().all_applications(&filter).await?)
    }
}

fn project_to_wire(record: &crate::store::ProjectRecord) -> pb::Project {
    pb::Project {
        code: record.code.clone(),
        name: record.name.clone(),
        investor: record.investor.clone(),
        investment_wan: record.investment_wan,
        facilitator: record.facilitator.clone(),
        registered_at: Some(convert::timestamp(record.registered_at)),
    }
}

/// An application with what each of its branches waits for.
fn project_application(
    application: &Application,
    view: &convert::View<'_>,
) -> pb::ProjectApplication {
    use lianban_orchestrator::application::WaitingFor;
    let progress = application
        .branches
        .iter()
        .map(|branch| {
            let (waiting_for, detail) = match application.waiting_for(branch) {
                WaitingFor::Nothing => (pb::WaitingFor::Unspecified, String::new()),
                WaitingFor::Applicant(materials) => {
                    (pb::WaitingFor::Applicant, materials.join(", "))
                }
                WaitingFor::Department(code) => (pb::WaitingFor::Department, code),
                WaitingFor::Predecessors(matters) => {
                    (pb::WaitingFor::Predecessor, matters.join(", "))
                }
                WaitingFor::SpecialProcedure(kind) => {
                    (pb::WaitingFor::SpecialProcedure, kind.name().to_owned())
                }
            };
            pb::BranchProgress {
                branch_id: branch.id.to_string(),
                waiting_for: waiting_for as i32,
                detail,
            }
        })
        .collect();
    pb::ProjectApplication {
        application: Some(convert::application_to_wire(application, view)),
        progress,
    }
}

type ProjectStream = Pin<Box<dyn Stream<Item = Result<pb::ProjectEvent, Status>> + Send>>;

#[tonic::async_trait]
impl pb::project_service_server::ProjectService for ProjectApi {
    type WatchProjectStream = ProjectStream;

    async fn register_project(
        &self,
        request: Request<pb::RegisterProjectRequest>,
    ) -> Reply<pb::Project> {
        let project = request
            .into_inner()
            .project
            .ok_or_else(|| Error::invalid("project", "required"))?;
        if project.investment_wan < 0 {
            return Err(Error::invalid("project.investment_wan", "not negative").into());
        }
        let record = crate::store::ProjectRecord {
            code: required_text("project.code", &project.code)?,
            name: required_text("project.name", &project.name)?,
            investor: required_text("project.investor", &project.investor)?,
            investment_wan: project.investment_wan,
            facilitator: required_text("project.facilitator", &project.facilitator)?,
            registered_at: self.runtime.now(),
        };
        self.runtime
            .store()
            .insert_project(record.clone())
            .await
            .map_err(Error::from)?;
        ok(project_to_wire(&record))
    }

    async fn list_projects(
        &self,
        request: Request<pb::ListProjectsRequest>,
    ) -> Reply<pb::ListProjectsResponse> {
        let facilitator = optional_text(&request.into_inner().facilitator);
        let projects = self
            .runtime
            .store()
            .projects(facilitator.as_deref())
            .await
            .map_err(Error::from)?;
        ok(pb::ListProjectsResponse {
            projects: projects.iter().map(project_to_wire).collect(),
        })
    }

    async fn get_project_board(
        &self,
        request: Request<pb::GetProjectBoardRequest>,
    ) -> Reply<pb::ProjectBoard> {
        let project = self.project(&request.into_inner().code).await?;
        let applications = self.applications(&project.code).await?;
        let view = self.runtime.view();
        ok(pb::ProjectBoard {
            project: Some(project_to_wire(&project)),
            applications: applications
                .iter()
                .map(|a| project_application(a, &view))
                .collect(),
        })
    }

    async fn watch_project(
        &self,
        request: Request<pb::WatchProjectRequest>,
    ) -> Reply<Self::WatchProjectStream> {
        let project = self.project(&request.into_inner().code).await?;
        // Subscribe before reading the snapshot, so that nothing falls between the two.
        let mut changes = self.runtime.subscribe();
        let snapshot = self.applications(&project.code).await?;
        let runtime = self.runtime.clone();
        let (sender, receiver) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            let view = runtime.view();
            for application in &snapshot {
                let event = pb::ProjectEvent {
                    snapshot: true,
                    application: Some(project_application(application, &view)),
                };
                if sender.send(Ok(event)).await.is_err() {
                    return;
                }
            }
            let mut last_sent: Option<(Uuid, u64)> = None;
            loop {
                let change = match changes.recv().await {
                    Ok(change) => change,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                };
                let application = &change.application;
                if application.key_project_code.as_deref() != Some(project.code.as_str()) {
                    continue;
                }
                // One message per application version, however many branches it changed.
                if last_sent == Some((application.id, application.version)) {
                    continue;
                }
                last_sent = Some((application.id, application.version));
                let view = runtime.view();
                let event = pb::ProjectEvent {
                    snapshot: false,
                    application: Some(project_application(application, &view)),
                };
                if sender.send(Ok(event)).await.is_err() {
                    return;
                }
            }
        });
        ok(Box::pin(tokio_stream::wrappers::ReceiverStream::new(
            receiver,
        )))
    }
}

/// Posts and clerks (AB岗).
pub struct StaffApi {
    runtime: Runtime,
}

impl StaffApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        StaffApi { runtime }
    }
}

fn post_to_wire(post: &lianban_orchestrator::staffing::Post) -> pb::Post {
    pb::Post {
        department_code: post.department.clone(),
        code: post.code.clone(),
        matter_codes: post.matters.clone(),
        a: post.a.clone(),
        b: post.b.clone(),
    }
}

#[tonic::async_trait]
impl pb::staff_service_server::StaffService for StaffApi {
    async fn declare_post(&self, request: Request<pb::DeclarePostRequest>) -> Reply<pb::Post> {
        let post = request
            .into_inner()
            .post
            .ok_or_else(|| Error::invalid("post", "required"))?;
        let post = lianban_orchestrator::staffing::Post {
            department: post.department_code.trim().to_owned(),
            code: post.code.trim().to_owned(),
            matters: post
                .matter_codes
                .iter()
                .map(|m| m.trim().to_owned())
                .collect(),
            a: post.a.trim().to_owned(),
            b: post
                .b
                .iter()
                .map(|b| b.trim().to_owned())
                .filter(|b| !b.is_empty())
                .collect(),
        };
        crate::staff::check_post(self.runtime.catalogue(), &post)?;
        self.runtime
            .store()
            .save_post(&post)
            .await
            .map_err(Error::from)?;
        let declared = post.clone();
        self.runtime
            .update_staffing(|staffing| staffing.declare(declared));
        ok(post_to_wire(&post))
    }

    async fn list_posts(
        &self,
        request: Request<pb::ListPostsRequest>,
    ) -> Reply<pb::ListPostsResponse> {
        let department = optional_text(&request.into_inner().department_code);
        let staffing = self.runtime.staffing();
        let mut posts: Vec<pb::Post> = staffing
            .posts()
            .iter()
            .filter(|p| department.as_ref().is_none_or(|d| *d == p.department))
            .map(post_to_wire)
            .collect();
        posts.sort_by(|x, y| (&x.department_code, &x.code).cmp(&(&y.department_code, &y.code)));
        ok(pb::ListPostsResponse { posts })
    }

    async fn set_clerk_availability(
        &self,
        request: Request<pb::SetClerkAvailabilityRequest>,
    ) -> Reply<pb::SetClerkAvailabilityResponse> {
        let request = request.into_inner();
        let department = required_text("department_code", &request.department_code)?;
        if self.runtime.catalogue().department(&department).is_none() {
            return Err(Error::invalid(
                "department_code",
                format!("no department with code {department:?}"),
            )
            .into());
        }
        let clerk = required_text("clerk_id", &request.clerk_id)?;
        let reason = required_text("reason", &request.reason)?;
        let moved = crate::staff::set_availability(
            &self.runtime,
            &department,
            &clerk,
            request.away,
            &reason,
        )
        .await?;
        ok(pb::SetClerkAvailabilityResponse {
            branches_moved: moved,
        })
    }
}

/// The centre's figures.
pub struct StatisticsApi {
    runtime: Runtime,
}

impl StatisticsApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        StatisticsApi { runtime }
    }
}

fn application_figures(
    f: &lianban_orchestrator::statistics::ApplicationFigures,
) -> pb::ApplicationFigures {
    pb::ApplicationFigures {
        received: f.received,
        accepted: f.accepted,
        completed: f.completed,
        on_time: f.on_time,
        on_time_rate: f.on_time_rate,
        average_working_days: f.average_working_days,
        p90_working_days: f.p90_working_days,
        deemed_consents: f.deemed_consents,
        deemed_consents_by_absence: f.deemed_consents_by_absence,
        escalations: f.escalations,
        extensions_requested: f.extensions_requested,
        extensions_approved: f.extensions_approved,
        ratings: f.ratings,
        average_rating: f.average_rating,
        dispatched: f.dispatched,
        one_visit_share: f.one_visit_share,
        two_visits_share: f.two_visits_share,
        three_visits_share: f.three_visits_share,
    }
}

#[tonic::async_trait]
impl pb::statistics_service_server::StatisticsService for StatisticsApi {
    async fn get_statistics(
        &self,
        request: Request<pb::GetStatisticsRequest>,
    ) -> Reply<pb::Statistics> {
        let request = request.into_inner();
        let day = |field: &str, value: &str| {
            chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
                .map_err(|_| Error::invalid(field, "required: YYYY-MM-DD"))
        };
        let period = lianban_orchestrator::statistics::Period {
            from: day("from", &request.from)?,
            to: day("to", &request.to)?,
        };
        if period.to < period.from {
            return Err(Error::invalid("to", "before from").into());
        }
        let calendar = self.runtime.calendar();
        let mut builder = lianban_orchestrator::statistics::ReportBuilder::new(
            period,
            &calendar,
            self.runtime.catalogue(),
        );
        // A page at a time: the report never needs every application in memory at once.
        self.runtime
            .store()
            .scan_applications(&ApplicationFilter::default(), |application| {
                builder.add(&application)
            })
            .await
            .map_err(Error::from)?;
        let mut report = builder.finish();
        let sessions = self
            .runtime
            .store()
            .all_sessions(&crate::store::SessionFilter::default())
            .await
            .map_err(Error::from)?;
        lianban_orchestrator::statistics::add_sessions(&mut report, &sessions, period, &calendar);
        ok(pb::Statistics {
            overall: Some(application_figures(&report.overall)),
            departments: report
                .departments
                .iter()
                .map(|(code, d)| pb::DepartmentFigures {
                    department_code: code.clone(),
                    started: d.started,
                    decided: d.decided,
                    on_time: d.on_time,
                    on_time_rate: d.on_time_rate,
                    average_working_days: d.average_working_days,
                    p90_working_days: d.p90_working_days,
                    deemed_consents: d.deemed_consents,
                    escalations: d.escalations,
                    extensions_requested: d.extensions_requested,
                    deemed_consents_by_absence: d.deemed_consents_by_absence,
                    sessions_invited: d.sessions_invited,
                    sessions_attended: d.sessions_attended,
                    session_absences: d.session_absences,
                    session_absences_excused: d.session_absences_excused,
                })
                .collect(),
            bundles: report
                .bundles
                .iter()
                .map(|(code, b)| pb::BundleFigures {
                    bundle_code: code.clone(),
                    figures: Some(application_figures(&b.figures)),
                    critical_path_days: b.critical_path_days,
                    serial_sum_days: b.serial_sum_days,
                })
                .collect(),
        })
    }
}
