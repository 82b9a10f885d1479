//! `ProjectService`, for facilitators: key projects, a project's board of applications with what
//! each branch waits for, and a live feed of the board.

use lianban_proto::v1 as pb;
use lianban_proto::v1::project_service_server::ProjectService;
use tonic::Request;

use super::answers::{Reply, inbound_as, ok, view};
use super::streams::Streamed;
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

#[tonic::async_trait]
impl ProjectService for ProjectApi {
    type WatchProjectStream = Streamed<pb::ProjectEvent>;

    async fn register_project(
        &self,
        request: Request<pb::RegisterProjectRequest>,
    ) -> Reply<pb::Project> {
        let (caller, request) = inbound_as(request)?;
        let mut project = request.project;
        if caller.confined_to_projects()
            && let Some(project) = project.as_mut()
        {
            // A facilitator registers the projects they follow themself.
            project.facilitator = caller.person("project.facilitator", &project.facilitator)?;
        }
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
        let (caller, request) = inbound_as(request)?;
        let facilitator = optional_text(&request.facilitator);
        let page = convert::code_page("projects", request.page_size, &request.page_token)?;
        let (projects, next) = self
            .runtime
            .store()
            .projects(facilitator.as_deref(), page.after.as_deref(), page.size)
            .await
            .map_err(Error::from)?;
        ok(pb::ListProjectsResponse {
            projects: projects
                .iter()
                .filter(|p| caller.follows(&p.code, &p.facilitator))
                .map(convert::project_to_wire)
                .collect(),
            next_page_token: convert::code_token("projects", next.as_deref()),
        })
    }

    async fn get_project_board(
        &self,
        request: Request<pb::GetProjectBoardRequest>,
    ) -> Reply<pb::ProjectBoard> {
        let (caller, request) = inbound_as(request)?;
        let project = self.project(&request.code).await?;
        caller.require_project(&project.code, &project.facilitator)?;
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
        let (caller, request) = inbound_as(request)?;
        let project = self.project(&request.code).await?;
        caller.require_project(&project.code, &project.facilitator)?;
        ok(super::project_feed::watch(
            self.runtime.clone(),
            project.code,
        ))
    }
}
