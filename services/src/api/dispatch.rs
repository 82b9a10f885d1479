//! `DispatchService`, the dispatch window: what is ready to hand over, and the hand-over itself.

use lianban_orchestrator::ApplicationState;
use lianban_orchestrator::engine::Command;
use lianban_proto::v1 as pb;
use lianban_proto::v1::dispatch_service_server::DispatchService;
use tonic::Request;

use super::answers::{Reply, application_page, inbound_as, ok};
use super::checks::optional_bundle;
use super::commands::answer_with_application;
use super::keys::optional_key;
use crate::convert::{self, uuid_field};
use crate::runtime::Runtime;
use crate::store::ApplicationFilter;

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
impl DispatchService for DispatchApi {
    async fn list_ready_for_dispatch(
        &self,
        request: Request<pb::ListReadyForDispatchRequest>,
    ) -> Reply<pb::ListReadyForDispatchResponse> {
        let (caller, request) = inbound_as(request)?;
        let filter = ApplicationFilter {
            bundle_code: optional_bundle(self.runtime.catalogue(), &request.bundle_code)?,
            states: vec![ApplicationState::ReadyForDispatch],
            key_project_code: None,
        };
        let (mut applications, next_page_token) = application_page(
            &self.runtime,
            &filter,
            request.page_size,
            &request.page_token,
        )
        .await?;
        super::visibility::applications_for(&caller, &mut applications);
        ok(pb::ListReadyForDispatchResponse {
            applications,
            next_page_token,
        })
    }

    async fn record_hand_over(
        &self,
        request: Request<pb::RecordHandOverRequest>,
    ) -> Reply<pb::Application> {
        let (caller, request) = inbound_as(request)?;
        let id = uuid_field("application_id", &request.application_id)?;
        let idempotency = optional_key("RecordHandOver", &id, &request)?;
        let handed_by = caller.person("handed_by", &request.handed_by)?;
        let command = Command::Dispatch {
            method: convert::hand_over_method(request.method)?,
            handed_by: handed_by.clone(),
            recipient: request.recipient.trim().to_owned(),
            tracking_reference: request.tracking_reference.trim().to_owned(),
        };
        let actor = format!("dispatch:{handed_by}");
        ok(answer_with_application(&self.runtime, id, command, &actor, idempotency).await?)
    }
}
