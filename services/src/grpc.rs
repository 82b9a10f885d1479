//! The four gRPC services of `lianban.v1`: intake, tasks, dispatch and catalog.
//!
//! Each handler checks the request's shape, turns it into an engine command, and lets the runtime
//! carry it out. Errors become status codes only through `From<Error> for Status`.

use std::collections::BTreeMap;
use std::pin::Pin;

use lianban_orchestrator::engine::{Command, Submit, Verdict};
use lianban_orchestrator::{Application, BranchState};
use lianban_proto::v1 as pb;
use tokio::sync::broadcast::error::RecvError;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::convert::{self, required_text, uuid_field};
use crate::error::Error;
use crate::runtime::{Idempotency, Runtime};
use crate::store::{ApplicationFilter, BranchFilter, PageRequest};

type Reply<T> = Result<Response<T>, Status>;

fn ok<T>(value: T) -> Reply<T> {
    Ok(Response::new(value))
}

fn optional_text(value: &str) -> Option<String> {
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
        let idempotency = convert::idempotency_key(&request.idempotency_key, false)?.map(|key| {
            Idempotency::of(format!("SupplementMaterials:{id}"), key, &request, |r| {
                r.idempotency_key.clear()
            })
        });
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
        let idempotency = convert::idempotency_key(&request.idempotency_key, false)?.map(|key| {
            Idempotency::of(format!("WithdrawApplication:{id}"), key, &request, |r| {
                r.idempotency_key.clear()
            })
        });
        let command = Command::Withdraw {
            reason: request.reason.trim().to_owned(),
        };
        let view = self.runtime.view();
        let response = self
            .runtime
            .execute(id, command, "applicant", idempotency, |a| {
                convert::application_to_wire(a, &view)
            })
            .await?;
        ok(response)
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

    async fn actionable(&self, department: &str) -> Result<Vec<pb::Task>, Error> {
        let filter = BranchFilter {
            department_code: department.to_owned(),
            states: vec![BranchState::Open, BranchState::Claimed],
            bundle_code: None,
        };
        let mut tasks = Vec::new();
        let mut page = PageRequest {
            size: convert::MAX_PAGE_SIZE,
            after: None,
        };
        loop {
            let found = self.runtime.store().branches(&filter, &page).await?;
            tasks.extend(
                found
                    .items
                    .iter()
                    .filter_map(|(application, id)| self.task(application, *id)),
            );
            match found.next_after {
                Some(after) => page.after = Some(after),
                None => return Ok(tasks),
            }
        }
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
            department_code: self.known_department(&request.department_code)?,
            states: convert::branch_states(&request.states)?,
            bundle_code: optional_text(&request.bundle_code),
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
        let view = self.runtime.view();
        let branch = self
            .runtime
            .execute(application_id, command, &actor, None, |a| {
                a.branch(branch_id)
                    .map(|b| convert::branch_to_wire(a, b, &view))
                    .unwrap_or_default()
            })
            .await?;
        ok(branch)
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
        let idempotency = convert::idempotency_key(&request.idempotency_key, false)?.map(|key| {
            Idempotency::of(format!("RecordHandOver:{id}"), key, &request, |r| {
                r.idempotency_key.clear()
            })
        });
        let command = Command::Dispatch {
            method: convert::hand_over_method(request.method)?,
            handed_by: request.handed_by.trim().to_owned(),
            recipient: request.recipient.trim().to_owned(),
            tracking_reference: request.tracking_reference.trim().to_owned(),
        };
        let actor = format!("dispatch:{}", request.handed_by.trim());
        let view = self.runtime.view();
        let response = self
            .runtime
            .execute(id, command, &actor, idempotency, |a| {
                convert::application_to_wire(a, &view)
            })
            .await?;
        ok(response)
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
}

impl AdminApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        AdminApi { runtime }
    }

    async fn move_clock(
        &self,
        to: impl FnOnce(chrono::DateTime<chrono::Utc>) -> Result<chrono::DateTime<chrono::Utc>, Error>,
    ) -> Reply<pb::TimeResponse> {
        let clock = self.runtime.manual_clock().ok_or_else(|| {
            Status::failed_precondition("the server runs on the system clock; start it with clock = \"manual\" to move time")
        })?;
        clock.set(to(self.runtime.now())?)?;
        let acted = crate::deadlines::sweep(&self.runtime).await?;
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
        let time = request
            .into_inner()
            .time
            .ok_or_else(|| Error::invalid("time", "required"))?;
        let to = chrono::DateTime::from_timestamp(time.seconds, time.nanos.max(0) as u32)
            .ok_or_else(|| Error::invalid("time", "out of range"))?;
        self.move_clock(|_| Ok(to)).await
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
