//! `SupervisionService`, for supervisors: warned branches, pending extension requests and their
//! decision, an application's audit trail, and the daily digest.

use lianban_orchestrator::BranchState;
use lianban_orchestrator::engine::Command;
use lianban_proto::v1 as pb;
use lianban_proto::v1::supervision_service_server::SupervisionService;
use tonic::Request;

use super::answers::{Reply, inbound, inbound_as, ok, view};
use super::checks::{optional_bundle, optional_department};
use super::commands::answer_with_branch;
use super::keys::optional_key;
use super::visibility::tasks_for;
use crate::convert::{self, optional_text, uuid_field};
use crate::error::Error;
use crate::listing::{Smallest, page_of_sorted};
use crate::runtime::Runtime;
use crate::store::{AuditRow, BranchFilter};
use crate::supervision::{self, StoredDigest};

/// Supervisors: warnings, extension requests, the daily digest.
pub struct SupervisionApi {
    runtime: Runtime,
}

impl SupervisionApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        SupervisionApi { runtime }
    }
}

#[tonic::async_trait]
impl SupervisionService for SupervisionApi {
    async fn list_warnings(
        &self,
        request: Request<pb::ListWarningsRequest>,
    ) -> Reply<pb::ListWarningsResponse> {
        let (caller, request) = inbound_as(request)?;
        let department = optional_department(self.runtime.catalogue(), &request.department_code)?;
        let wanted = convert::colours(&request.colours)?;
        let bundle = optional_bundle(self.runtime.catalogue(), &request.bundle_code)?;
        let page = convert::warning_page(request.page_size, &request.page_token)?;
        let warned = supervision::warnings(
            &self.runtime,
            department,
            bundle,
            &wanted,
            page.size,
            page.after,
        )
        .await?;
        let view = view(&self.runtime);
        let mut tasks: Vec<_> = warned
            .items
            .iter()
            .filter_map(|w| convert::task_of_branch(&w.application, w.branch_id, &view))
            .collect();
        tasks_for(&caller, &mut tasks);
        ok(pb::ListWarningsResponse {
            tasks,
            next_page_token: convert::warning_token(warned.next_after.as_ref()),
        })
    }

    async fn list_extension_requests(
        &self,
        request: Request<pb::ListExtensionRequestsRequest>,
    ) -> Reply<pb::ListExtensionRequestsResponse> {
        let (caller, request) = inbound_as(request)?;
        let department = optional_department(self.runtime.catalogue(), &request.department_code)?;
        let page = convert::extension_page(request.page_size, &request.page_token)?;
        let filter = BranchFilter {
            department_code: department,
            states: vec![BranchState::Open, BranchState::Claimed, BranchState::Paused],
            bundle_code: None,
            ..Default::default()
        };
        let view = view(&self.runtime);
        let mut pending = Smallest::new(page.size, page.after);
        self.runtime
            .store()
            .scan_branches(&filter, |application, branch_id| {
                let Some(branch) = application.branch(branch_id) else {
                    return;
                };
                for extension in branch.extensions.iter().filter(|e| e.decision.is_none()) {
                    let key = (extension.requested_at, branch_id, extension.number);
                    pending.offer(key, (application.clone(), branch_id, extension.number));
                }
            })
            .await
            .map_err(Error::from)?;
        let pending = pending.finish();
        let requests = pending
            .items
            .iter()
            .map(|(application, branch_id, number)| {
                let mut task = convert::task_of_branch(application, *branch_id, &view);
                tasks_for(&caller, task.as_mut_slice());
                pb::PendingExtension {
                    task,
                    number: *number,
                }
            })
            .collect();
        ok(pb::ListExtensionRequestsResponse {
            requests,
            next_page_token: convert::extension_token(pending.next_after.as_ref()),
        })
    }

    async fn decide_extension(
        &self,
        request: Request<pb::DecideExtensionRequest>,
    ) -> Reply<pb::Branch> {
        let (caller, request) = inbound_as(request)?;
        let branch_id = uuid_field("branch_id", &request.branch_id)?;
        if request.number == 0 {
            return Err(Error::invalid("number", "required").into());
        }
        let idempotency = optional_key("DecideExtension", &branch_id, &request)?;
        let application_id = self.runtime.application_of_branch(branch_id).await?;
        let supervisor = caller.person("supervisor_id", &request.supervisor_id)?;
        let actor = format!("supervisor:{supervisor}");
        let command = Command::DecideExtension {
            branch_id,
            number: request.number,
            supervisor_id: supervisor,
            approve: request.approve,
            note: request.note.trim().to_owned(),
            identity: caller.identity().to_owned(),
        };
        let runtime = &self.runtime;
        let branch = answer_with_branch(
            runtime,
            application_id,
            branch_id,
            command,
            &actor,
            idempotency,
        );
        ok(branch.await?)
    }

    async fn get_audit_trail(
        &self,
        request: Request<pb::GetAuditTrailRequest>,
    ) -> Reply<pb::AuditTrail> {
        let request = inbound(request)?;
        let id = uuid_field("application_id", &request.application_id)?;
        let page = convert::audit_page(request.page_size, &request.page_token)?;
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
        // The whole chain is verified on every page; only the page's events are answered.
        let verification = crate::audit::verify(&rows, &head);
        let key = |row: &AuditRow| (row.link.seq, row.id);
        let found = page_of_sorted(rows, key, page.after.as_ref(), page.size);
        let mut trail = convert::audit_trail_to_wire(id, found.items, verification);
        trail.next_page_token = convert::audit_token(found.next_after.as_ref());
        ok(trail)
    }

    async fn get_digest(&self, request: Request<pb::GetDigestRequest>) -> Reply<pb::Digest> {
        let day = optional_text(&inbound(request)?.day);
        if let Some(day) = &day {
            convert::day("day", day, "YYYY-MM-DD")?;
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
        let stored: StoredDigest = serde_json::from_str(&content)
            .map_err(|e| Error::Server(format!("stored digest {day} is unreadable: {e}")))?;
        ok(convert::digest_to_wire(day, generated_at, &stored))
    }
}
