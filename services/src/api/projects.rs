//! `ProjectService`, for facilitators: key projects, a project's board of applications with what
//! each branch waits for, and a live feed of the board.

use lianban_orchestrator::Application;
use lianban_proto::v1 as pb;
use lianban_proto::v1::project_service_server::ProjectService;
use tokio::sync::broadcast::error::RecvError;
use tonic::Request;
use uuid::Uuid;

use super::answers::{Reply, ok, view};
use super::streams::{Streamed, async_stream};
use crate::convert::{self, optional_text, required_text};
use crate::error::Error;
use crate::runtime::Runtime;
use crate::store::{ApplicationFilter, ProjectRecord};

/// Facilitators: key projects and their applications.
pub struct ProjectApi {
    runtime: Runtime,
}

impl ProjectApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        ProjectApi { runtime }
    }

    async fn project(&self, code: &str) -> Result<ProjectRecord, Error> {
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
}

/// Every application of the project `code` (the snapshot a watch begins with).
async fn applications(runtime: &Runtime, code: &str) -> Result<Vec<Application>, Error> {
    let filter = ApplicationFilter {
        key_project_code: Some(code.to_owned()),
        ..Default::default()
    };
    Ok(runtime.store().all_applications(&filter).await?)
}

#[tonic::async_trait]
impl ProjectService for ProjectApi {
    type WatchProjectStream = Streamed<pb::ProjectEvent>;

    async fn register_project(
        &self,
        request: Request<pb::RegisterProjectRequest>,
    ) -> Reply<pb::Project> {
        let project = request.into_inner().project;
        let record = convert::project_record(project, self.runtime.now())?;
        self.runtime
            .store()
            .insert_project(record.clone())
            .await
            .map_err(Error::from)?;
        ok(convert::project_to_wire(&record))
    }

    async fn list_projects(
        &self,
        request: Request<pb::ListProjectsRequest>,
    ) -> Reply<pb::ListProjectsResponse> {
        let request = request.into_inner();
        let facilitator = optional_text(&request.facilitator);
        let page = convert::code_page("projects", request.page_size, &request.page_token)?;
        let (projects, next) = self
            .runtime
            .store()
            .projects(facilitator.as_deref(), page.after.as_deref(), page.size)
            .await
            .map_err(Error::from)?;
        ok(pb::ListProjectsResponse {
            projects: projects.iter().map(convert::project_to_wire).collect(),
            next_page_token: convert::code_token("projects", next.as_deref()),
        })
    }

    async fn get_project_board(
        &self,
        request: Request<pb::GetProjectBoardRequest>,
    ) -> Reply<pb::ProjectBoard> {
        let request = request.into_inner();
        let project = self.project(&request.code).await?;
        let page = convert::page_request(request.page_size, &request.page_token)?;
        let filter = ApplicationFilter {
            key_project_code: Some(project.code.clone()),
            ..Default::default()
        };
        let found = self
            .runtime
            .store()
            .applications(&filter, &page)
            .await
            .map_err(Error::from)?;
        let view = view(&self.runtime);
        ok(pb::ProjectBoard {
            project: Some(convert::project_to_wire(&project)),
            applications: found
                .items
                .iter()
                .map(|a| convert::project_application(a, &view))
                .collect(),
            next_page_token: convert::page_token(found.next_after),
        })
    }

    async fn watch_project(
        &self,
        request: Request<pb::WatchProjectRequest>,
    ) -> Reply<Self::WatchProjectStream> {
        let project = self.project(&request.into_inner().code).await?;
        // Subscribe before reading the snapshot, so that nothing falls between the two.
        let mut changes = self.runtime.subscribe();
        let snapshot = applications(&self.runtime, &project.code).await?;
        let runtime = self.runtime.clone();
        ok(async_stream(move |sender| async move {
            let as_of_snapshot = view(&runtime);
            for application in &snapshot {
                let event = pb::ProjectEvent {
                    snapshot: true,
                    application: Some(convert::project_application(application, &as_of_snapshot)),
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
                let as_of_change = view(&runtime);
                let event = pb::ProjectEvent {
                    snapshot: false,
                    application: Some(convert::project_application(application, &as_of_change)),
                };
                if sender.send(Ok(event)).await.is_err() {
                    return;
                }
            }
        }))
    }
}
