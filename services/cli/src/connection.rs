//! The one channel to the server and the service clients on it, and how a failed call reads.
//! Every command goes through here, so the wording of "cannot reach" and of gRPC errors is shared,
//! and so is walking a paged list to its end.

use lianban_proto::v1 as pb;
use tonic::transport::Channel;

/// What a command returns: nothing, or the message printed after `lianban: `.
pub type CliResult = Result<(), String>;

/// A client for each gRPC service the CLI calls, all on one channel.
pub struct Clients {
    /// Submissions, supplements, look-ups and withdrawals.
    pub intake: pb::intake_service_client::IntakeServiceClient<Channel>,
    /// Department task lists, claims and decisions.
    pub tasks: pb::task_service_client::TaskServiceClient<Channel>,
    /// The ready list and the hand-over.
    pub dispatch: pb::dispatch_service_client::DispatchServiceClient<Channel>,
    /// Key projects and their boards.
    pub projects: pb::project_service_client::ProjectServiceClient<Channel>,
    /// Joint review sessions.
    pub sessions: pb::session_service_client::SessionServiceClient<Channel>,
    /// Bundles of the catalogue.
    pub catalog: pb::catalog_service_client::CatalogServiceClient<Channel>,
}

/// Connects to `server` before any command runs, so an unreachable server is reported as such.
pub async fn connect(server: &str) -> Result<Clients, String> {
    let channel = Channel::from_shared(server.to_owned())
        .map_err(|e| format!("server address {server}: {e}"))?
        .connect()
        .await
        .map_err(|e| format!("cannot reach {server}: {e}"))?;
    Ok(Clients {
        intake: pb::intake_service_client::IntakeServiceClient::new(channel.clone()),
        tasks: pb::task_service_client::TaskServiceClient::new(channel.clone()),
        dispatch: pb::dispatch_service_client::DispatchServiceClient::new(channel.clone()),
        projects: pb::project_service_client::ProjectServiceClient::new(channel.clone()),
        sessions: pb::session_service_client::SessionServiceClient::new(channel.clone()),
        catalog: pb::catalog_service_client::CatalogServiceClient::new(channel),
    })
}

/// The most items the CLI asks for in one page.
pub const PAGE_SIZE: u32 = 500;

/// Every item of a paged list: `page` is asked for pages (given the token, answering the items and
/// the next token) until the answer has no next token.
pub async fn every_page<T>(
    mut page: impl AsyncFnMut(String) -> Result<(Vec<T>, String), tonic::Status>,
) -> Result<Vec<T>, String> {
    let mut items = Vec::new();
    let mut token = String::new();
    loop {
        let (found, next) = page(token).await.map_err(status_text)?;
        items.extend(found);
        if next.is_empty() {
            return Ok(items);
        }
        token = next;
    }
}

/// A refused call as `Code: message`, the server's own explanation.
pub fn status_text(status: tonic::Status) -> String {
    format!("{:?}: {}", status.code(), status.message())
}

/// The application id for an id or a receipt number: the server accepts either in a look-up,
/// while the commands that change an application need its id.
pub async fn resolve_id(
    intake: &mut pb::intake_service_client::IntakeServiceClient<Channel>,
    id_or_receipt: &str,
) -> Result<String, String> {
    let found = intake
        .get_application(pb::GetApplicationRequest {
            application_id: id_or_receipt.to_owned(),
        })
        .await
        .map_err(status_text)?;
    Ok(found.into_inner().id)
}
