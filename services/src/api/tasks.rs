//! `TaskService`, for department systems: their queue, a live feed of it, and the commands of a
//! department's clerk on one of its branches — claim, release, decide, ask for a supplement, start a
//! special procedure, resume, ask for an extension.

use lianban_orchestrator::application::PauseKind;
use lianban_orchestrator::engine::{AssignerRole, Command};
use lianban_proto::v1 as pb;
use lianban_proto::v1::task_service_server::TaskService;
use tonic::Request;

use super::answers::{Reply, inbound_as, ok, view};
use super::checks::{known_department, optional_bundle, optional_department};
use super::commands::{answer_with_branch, department_key, no_key, on_department_branch};
use super::keys::{keyed, optional_key, required_key};
use super::streams::Streamed;
use super::task_feed::{task, watch};
use crate::convert::{self, optional_text, optional_uuid, required_text, uuid_field};
use crate::error::Error;
use crate::identity::{Caller, Role};
use crate::runtime::Runtime;
use crate::store::BranchFilter;

/// Department systems.
pub struct TaskApi {
    runtime: Runtime,
}

impl TaskApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        TaskApi { runtime }
    }
}

#[tonic::async_trait]
impl TaskService for TaskApi {
    type WatchTasksStream = Streamed<pb::TaskEvent>;

    async fn list_tasks(
        &self,
        request: Request<pb::ListTasksRequest>,
    ) -> Reply<pb::ListTasksResponse> {
        let (caller, request) = inbound_as(request)?;
        let catalogue = self.runtime.catalogue();
        let department = caller.reading_department("department_code", &request.department_code)?;
        let filter = BranchFilter {
            department_code: Some(known_department(catalogue, &department)?),
            states: convert::branch_states(&request.states)?,
            bundle_code: optional_bundle(catalogue, &request.bundle_code)?,
            assignee: optional_text(&request.clerk_id),
            application_id: optional_uuid("application_id", &request.application_id)?,
            ..Default::default()
        };
        let page = convert::page_request(request.page_size, &request.page_token)?;
        let found = self
            .runtime
            .store()
            .branches(&filter, &page)
            .await
            .map_err(Error::from)?;
        let mut tasks: Vec<_> = found
            .items
            .iter()
            .filter_map(|(application, id)| task(&self.runtime, application, *id))
            .collect();
        super::visibility::tasks_for(&caller, &mut tasks);
        ok(pb::ListTasksResponse {
            tasks,
            next_page_token: convert::page_token(found.next_after),
        })
    }

    async fn watch_tasks(
        &self,
        request: Request<pb::WatchTasksRequest>,
    ) -> Reply<Self::WatchTasksStream> {
        let (caller, request) = inbound_as(request)?;
        let code = caller.reading_department("department_code", &request.department_code)?;
        let department = known_department(self.runtime.catalogue(), &code)?;
        ok(watch(self.runtime.clone(), caller, department))
    }

    async fn claim_task(&self, request: Request<pb::ClaimTaskRequest>) -> Reply<pb::Branch> {
        let (caller, r) = inbound_as(request)?;
        let branch =
            on_department_branch(&self.runtime, &caller, &r, no_key, |by| Command::Claim {
                branch_id: by.branch_id,
                department_code: by.department,
                clerk_id: by.clerk,
            });
        ok(branch.await?)
    }

    async fn release_task(&self, request: Request<pb::ReleaseTaskRequest>) -> Reply<pb::Branch> {
        let (caller, r) = inbound_as(request)?;
        let reason = r.reason.trim().to_owned();
        let key = department_key("ReleaseTask", &r);
        let branch = on_department_branch(&self.runtime, &caller, &r, key, |by| Command::Release {
            branch_id: by.branch_id,
            department_code: by.department,
            clerk_id: by.clerk,
            reason,
        });
        ok(branch.await?)
    }

    async fn assign_task(&self, request: Request<pb::AssignTaskRequest>) -> Reply<pb::Branch> {
        let (caller, r) = inbound_as(request)?;
        let branch_id = uuid_field("branch_id", &r.branch_id)?;
        let sent = caller.acting_department("department_code", &r.department_code)?;
        let department = optional_department(self.runtime.catalogue(), &sent)?;
        let role = convert::assigner_role(r.role, department)?;
        check_assigner(&caller, &role)?;
        let by = required_text("by", &caller.person("by", &r.by)?)?;
        let actor = match &role {
            AssignerRole::DepartmentHead { department_code } => {
                format!("department-head:{department_code}/{by}")
            }
            AssignerRole::Supervisor => format!("supervisor:{by}"),
        };
        let idempotency = optional_key("AssignTask", &branch_id, &r)?;
        let application_id = self.runtime.application_of_branch(branch_id).await?;
        let command = Command::Assign {
            branch_id,
            to_clerk: r.to_clerk.trim().to_owned(),
            by,
            role,
            reason: r.reason.trim().to_owned(),
        };
        let branch = answer_with_branch(
            &self.runtime,
            application_id,
            branch_id,
            command,
            &actor,
            idempotency,
        );
        ok(branch.await?)
    }

    async fn decide_task(
        &self,
        request: Request<pb::DecideTaskRequest>,
    ) -> Reply<pb::DecideTaskResponse> {
        let (caller, request) = inbound_as(request)?;
        let key = required_key(&request)?;
        let branch_id = uuid_field("branch_id", &request.branch_id)?;
        let sent = caller.acting_department("department_code", &request.department_code)?;
        let department = known_department(self.runtime.catalogue(), &sent)?;
        let idempotency = keyed(format!("DecideTask:{department}"), key, &request);
        let verdict = convert::verdict(request.decision.clone())?;
        let application_id = self.runtime.application_of_branch(branch_id).await?;
        let clerk = caller.clerk("clerk_id", &request.clerk_id)?;
        let actor = format!("department:{department}/{clerk}");
        let command = Command::Decide {
            branch_id,
            department_code: department,
            clerk_id: clerk,
            verdict,
        };
        let view = view(&self.runtime);
        let response = self
            .runtime
            .execute(application_id, command, &actor, Some(idempotency), |a| {
                pb::DecideTaskResponse {
                    branch: a
                        .branch(branch_id)
                        .map(|b| convert::branch_to_wire(a, b, &view)),
                    application_id: a.id.to_string(),
                    application_state: convert::application_state_to_wire(a.state),
                    application_version: a.version,
                    dependants: a
                        .dependants(branch_id)
                        .map(|b| convert::branch_to_wire(a, b, &view))
                        .collect(),
                }
            })
            .await?;
        ok(response)
    }

    async fn request_supplement(
        &self,
        request: Request<pb::RequestSupplementRequest>,
    ) -> Reply<pb::Branch> {
        let (caller, r) = inbound_as(request)?;
        let reason = r.reason.trim().to_owned();
        let material_codes = r.material_codes.iter().map(|c| c.trim().to_owned());
        let key = department_key("RequestSupplement", &r);
        let branch = on_department_branch(&self.runtime, &caller, &r, key, |by| Command::Pause {
            branch_id: by.branch_id,
            department_code: by.department,
            clerk_id: by.clerk,
            kind: PauseKind::Supplement,
            reason,
            expected_days: 0,
            material_codes: material_codes.collect(),
        });
        ok(branch.await?)
    }

    async fn start_special_procedure(
        &self,
        request: Request<pb::StartSpecialProcedureRequest>,
    ) -> Reply<pb::Branch> {
        let (caller, r) = inbound_as(request)?;
        let kind = convert::special_procedure(r.kind)?;
        let (reason, expected_days) = (r.reason.trim().to_owned(), r.expected_days);
        let key = department_key("StartSpecialProcedure", &r);
        let branch = on_department_branch(&self.runtime, &caller, &r, key, |by| Command::Pause {
            branch_id: by.branch_id,
            department_code: by.department,
            clerk_id: by.clerk,
            kind,
            reason,
            expected_days,
            material_codes: Vec::new(),
        });
        ok(branch.await?)
    }

    async fn resume_task(&self, request: Request<pb::ResumeTaskRequest>) -> Reply<pb::Branch> {
        let (caller, r) = inbound_as(request)?;
        let key = department_key("ResumeTask", &r);
        let branch = on_department_branch(&self.runtime, &caller, &r, key, |by| Command::Resume {
            branch_id: by.branch_id,
            department_code: by.department,
            clerk_id: by.clerk,
        });
        ok(branch.await?)
    }

    async fn request_extension(
        &self,
        request: Request<pb::RequestExtensionRequest>,
    ) -> Reply<pb::Branch> {
        let (caller, r) = inbound_as(request)?;
        let (reason, days) = (r.reason.trim().to_owned(), r.days);
        let key = department_key("RequestExtension", &r);
        let branch = on_department_branch(&self.runtime, &caller, &r, key, |by| {
            Command::RequestExtension {
                branch_id: by.branch_id,
                department_code: by.department,
                clerk_id: by.clerk,
                days,
                reason,
                identity: by.identity,
            }
        });
        ok(branch.await?)
    }
}

/// A department head assigns within their own department, a supervisor as a supervisor: the role
/// a request claims must be one the caller holds.
fn check_assigner(caller: &Caller, role: &AssignerRole) -> Result<(), Error> {
    let needed = match role {
        AssignerRole::DepartmentHead { .. } => Role::Department,
        AssignerRole::Supervisor => Role::Supervisor,
    };
    if caller.principal().has(needed) {
        Ok(())
    } else {
        Err(caller.out_of_scope(
            "role",
            format!("this caller does not hold the {needed} role"),
        ))
    }
}
