//! `IntakeService`, the front desk: submit an application, supplement materials, withdraw, rate
//! the service, and look applications up.

use std::collections::BTreeMap;

use lianban_orchestrator::Application;
use lianban_orchestrator::engine::{Command, Submit, is_receipt_number};
use lianban_proto::v1 as pb;
use lianban_proto::v1::intake_service_server::IntakeService;
use tonic::Request;
use uuid::Uuid;

use super::answers::{Reply, application_page, inbound_as, ok, view};
use super::checks::optional_bundle;
use super::commands::answer_with_application;
use super::keys::{keyed, optional_key, required_key};
use super::visibility::{application_for, applications_for};
use crate::cases;
use crate::convert::{self, optional_text, required_text, uuid_field};
use crate::error::Error;
use crate::identity::Caller;
use crate::runtime::Runtime;
use crate::store::ApplicationFilter;

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
        let view = view(&self.runtime);
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
                format!("no key project with code {}", convert::echo(code)),
            )),
        }
    }

    async fn find(&self, id_or_receipt: &str) -> Result<Application, Error> {
        let wanted = required_text("application_id", id_or_receipt)?;
        let found = match Uuid::parse_str(&wanted) {
            Ok(id) => self.runtime.store().application(id).await?,
            Err(_) if is_receipt_number(&wanted) => {
                self.runtime.store().application_by_receipt(&wanted).await?
            }
            Err(_) => {
                return Err(Error::invalid(
                    "application_id",
                    format!(
                        "{} is neither an application id (a UUID) nor a receipt number (LB, the date, twelve characters)",
                        convert::echo(&wanted)
                    ),
                ));
            }
        };
        found.ok_or(Error::NotFound {
            entity: "application",
            id: wanted,
        })
    }
}

#[tonic::async_trait]
impl IntakeService for IntakeApi {
    async fn submit_application(
        &self,
        request: Request<pb::SubmitApplicationRequest>,
    ) -> Reply<pb::SubmitApplicationResponse> {
        let (caller, request) = inbound_as(request)?;
        let key = required_key(&request)?;
        let idempotency = keyed("SubmitApplication".to_owned(), key, &request);
        let command = Submit {
            application_id: Uuid::now_v7(),
            bundle_code: required_text("bundle_code", &request.bundle_code)?,
            applicant: convert::applicant(request.applicant)?,
            form: request.form.into_iter().collect::<BTreeMap<_, _>>(),
            materials: convert::materials(request.materials),
            channel: convert::channel("channel", request.channel)?,
            key_project_code: optional_text(&request.key_project_code),
            front_desk_clerk: caller.person("front_desk_clerk", &request.front_desk_clerk)?,
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
        let (caller, request) = inbound_as(request)?;
        let id = uuid_field("application_id", &request.application_id)?;
        let idempotency = optional_key("SupplementMaterials", &id, &request)?;
        let command = Command::Supplement {
            materials: convert::materials(request.materials),
            channel: convert::channel("channel", request.channel)?,
        };
        let response = self
            .runtime
            .execute(id, command, &applicant(&caller), idempotency, |a| {
                self.submission_response(a)
            })
            .await?;
        ok(response)
    }

    async fn withdraw_application(
        &self,
        request: Request<pb::WithdrawApplicationRequest>,
    ) -> Reply<pb::Application> {
        let (caller, request) = inbound_as(request)?;
        let id = uuid_field("application_id", &request.application_id)?;
        let idempotency = optional_key("WithdrawApplication", &id, &request)?;
        let command = Command::Withdraw {
            reason: request.reason.trim().to_owned(),
        };
        ok(
            answer_with_application(&self.runtime, id, command, &applicant(&caller), idempotency)
                .await?,
        )
    }

    async fn rate_service(
        &self,
        request: Request<pb::RateServiceRequest>,
    ) -> Reply<pb::Application> {
        let (caller, request) = inbound_as(request)?;
        let id = uuid_field("application_id", &request.application_id)?;
        let stage = convert::rating_stage(request.stage)?;
        let command = convert::rating_command(&request)?;
        let idempotency = optional_key("RateService", &id, &request)?;
        let response =
            answer_with_application(&self.runtime, id, command, &applicant(&caller), idempotency)
                .await?;
        // A negative rating opens its rectification case, once: also when this answer is a
        // retry's replay, which is how a case lost to a crash after the rating gets opened.
        let stored = self.runtime.store().application(id).await;
        if let Some(application) = stored.map_err(Error::from)? {
            let rated = application.ratings.iter().rev().find(|r| r.stage == stage);
            if let Some(rating) = rated {
                cases::open_rectification(&self.runtime, &application, rating).await?;
            }
        }
        ok(response)
    }

    async fn get_application(
        &self,
        request: Request<pb::GetApplicationRequest>,
    ) -> Reply<pb::Application> {
        let (caller, request) = inbound_as(request)?;
        let application = self.find(&request.application_id).await?;
        let view = view(&self.runtime);
        ok(application_for(&self.runtime, &caller, &application, &view).await?)
    }

    async fn list_applications(
        &self,
        request: Request<pb::ListApplicationsRequest>,
    ) -> Reply<pb::ListApplicationsResponse> {
        let (caller, request) = inbound_as(request)?;
        let filter = ApplicationFilter {
            bundle_code: optional_bundle(self.runtime.catalogue(), &request.bundle_code)?,
            states: convert::application_states(&request.states)?,
            key_project_code: optional_text(&request.key_project_code),
        };
        let (mut applications, next_page_token) = application_page(
            &self.runtime,
            &filter,
            request.page_size,
            &request.page_token,
        )
        .await?;
        applications_for(&caller, &mut applications);
        ok(pb::ListApplicationsResponse {
            applications,
            next_page_token,
        })
    }
}

/// The actor of what the front desk does for the applicant: the applicant, and through whom
/// when callers are authenticated.
fn applicant(caller: &Caller) -> String {
    match caller.identity() {
        "" => "applicant".to_owned(),
        through => format!("applicant via {through}"),
    }
}
