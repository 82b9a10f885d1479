//! A facilitator's commands on key projects: `projects` and `project`.

use lianban_proto::v1 as pb;

use crate::connection::{CliResult, PAGE_SIZE, Transport, every_page, status_text};
use crate::render::{render_project, render_projects};

type ProjectClient = pb::project_service_client::ProjectServiceClient<Transport>;

/// Prints the key projects, or only one facilitator's, following page tokens to the end.
pub async fn list(projects: &mut ProjectClient, facilitator: Option<String>) -> CliResult {
    let found = every_page(async |page_token| {
        let request = pb::ListProjectsRequest {
            facilitator: facilitator.clone().unwrap_or_default(),
            page_size: PAGE_SIZE,
            page_token,
        };
        let page = projects.list_projects(request).await?.into_inner();
        Ok((page.projects, page.next_page_token))
    })
    .await?;
    print!("{}", render_projects(&found));
    Ok(())
}

/// Prints a key project's board: every branch of every application and what it waits for,
/// following page tokens to the end.
pub async fn board(projects: &mut ProjectClient, code: String) -> CliResult {
    let mut board: Option<pb::ProjectBoard> = None;
    let mut page_token = String::new();
    loop {
        let request = pb::GetProjectBoardRequest {
            code: code.clone(),
            page_size: 500,
            page_token,
        };
        let page = projects
            .get_project_board(request)
            .await
            .map_err(status_text)?
            .into_inner();
        page_token = page.next_page_token.clone();
        match &mut board {
            Some(board) => board.applications.extend(page.applications),
            None => board = Some(page),
        }
        if page_token.is_empty() {
            break;
        }
    }
    let mut board = board.unwrap_or_default();
    board.next_page_token.clear();
    print!("{}", render_project(&board));
    Ok(())
}
