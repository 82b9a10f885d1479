//! The one way a handler has a command carried out and answered: on an application (answered
//! with the application), on a branch (answered with the branch), by a department's clerk on one
//! of the department's branches, or on a session (answered with the session).

use lianban_orchestrator::engine::Command;
use lianban_orchestrator::{Session, SessionCommand, SessionPolicy};
use lianban_proto::v1 as pb;
use uuid::Uuid;

use super::answers::view;
use super::checks::known_department;
use super::keys::{HasKey, optional_key};
use crate::convert::{self, uuid_field};
use crate::error::Error;
use crate::identity::Caller;
use crate::runtime::{Idempotency, Runtime};
use crate::sessions;

/// Carries out a command on an application and answers with the application as it then stands.
pub(crate) async fn answer_with_application(
    runtime: &Runtime,
    application_id: Uuid,
    command: Command,
    actor: &str,
    idempotency: Option<Idempotency>,
) -> Result<pb::Application, Error> {
    let view = view(runtime);
    runtime
        .execute(application_id, command, actor, idempotency, |a| {
            convert::application_to_wire(a, &view)
        })
        .await
}

/// Carries out a command on a branch and answers with the branch as it then stands.
pub(crate) async fn answer_with_branch(
    runtime: &Runtime,
    application_id: Uuid,
    branch_id: Uuid,
    command: Command,
    actor: &str,
    idempotency: Option<Idempotency>,
) -> Result<pb::Branch, Error> {
    let view = view(runtime);
    runtime
        .execute(application_id, command, actor, idempotency, |a| {
            a.branch(branch_id)
                .map(|b| convert::branch_to_wire(a, b, &view))
                .unwrap_or_default()
        })
        .await
}

/// Requests of a department's clerk about one of the department's branches.
pub(crate) trait DepartmentRequest {
    /// The branch, as sent.
    fn branch_id(&self) -> &str;
    /// The department, as sent.
    fn department_code(&self) -> &str;
    /// The clerk, as sent.
    fn clerk_id(&self) -> &str;
}

macro_rules! department_request {
    ($($request:ty),*) => {$(
        impl DepartmentRequest for $request {
            fn branch_id(&self) -> &str {
                &self.branch_id
            }
            fn department_code(&self) -> &str {
                &self.department_code
            }
            fn clerk_id(&self) -> &str {
                &self.clerk_id
            }
        }
    )*};
}

department_request!(
    pb::ClaimTaskRequest,
    pb::ReleaseTaskRequest,
    pb::RequestSupplementRequest,
    pb::StartSpecialProcedureRequest,
    pb::ResumeTaskRequest,
    pb::RequestExtensionRequest
);

/// Who acts on which branch, checked: the branch, its department (known to the catalogue, and
/// the caller's own when the caller is bound to one), the clerk (trimmed; a person's own id) and
/// the authenticated identity.
pub(crate) struct ByClerk {
    /// The branch.
    pub branch_id: Uuid,
    /// The department's code.
    pub department: String,
    /// The clerk's id.
    pub clerk: String,
    /// The caller's identity (empty when authentication is off).
    pub identity: String,
}

/// The optional key of `request`, remembered per department as `<rpc>:<department>`; given the
/// checked department code.
pub(crate) fn department_key<'a, M: HasKey>(
    rpc: &'a str,
    request: &'a M,
) -> impl FnOnce(&str) -> Result<Option<Idempotency>, Error> + 'a {
    move |department: &str| optional_key(rpc, &department, request)
}

/// No key: the request carries none (a repeated claim by the same clerk changes nothing).
pub(crate) fn no_key(_department: &str) -> Result<Option<Idempotency>, Error> {
    Ok(None)
}

/// Carries out the command `build` makes for a department's clerk on one of its branches, acting
/// as `department:<code>/<clerk>`, and answers with the branch.
pub(crate) async fn on_department_branch(
    runtime: &Runtime,
    caller: &Caller,
    request: &impl DepartmentRequest,
    key: impl FnOnce(&str) -> Result<Option<Idempotency>, Error>,
    build: impl FnOnce(ByClerk) -> Command,
) -> Result<pb::Branch, Error> {
    let branch_id = uuid_field("branch_id", request.branch_id())?;
    let sent = caller.acting_department("department_code", request.department_code())?;
    let department = known_department(runtime.catalogue(), &sent)?;
    let idempotency = key(&department)?;
    let application_id = runtime.application_of_branch(branch_id).await?;
    let clerk = caller.clerk("clerk_id", request.clerk_id())?;
    let actor = format!("department:{department}/{clerk}");
    let command = build(ByClerk {
        branch_id,
        department,
        clerk,
        identity: caller.identity().to_owned(),
    });
    answer_with_branch(
        runtime,
        application_id,
        branch_id,
        command,
        &actor,
        idempotency,
    )
    .await
}

/// A session as the answer to a session RPC.
pub(crate) fn session_response(session: &Session, policy: SessionPolicy) -> pb::SessionResponse {
    pb::SessionResponse {
        session: Some(convert::session_to_wire(session, policy)),
    }
}

/// Carries out `command` on a session and answers with the session as it then stands.
pub(crate) async fn answer_with_session(
    runtime: &Runtime,
    session_id: Uuid,
    command: SessionCommand,
    idempotency: Option<Idempotency>,
) -> Result<pb::SessionResponse, Error> {
    let policy = runtime.session_policy();
    sessions::execute(runtime, session_id, command, idempotency, |s| {
        session_response(s, policy)
    })
    .await
}

/// Carries out `command` on the session the request names, with the request's optional key
/// remembered per session, and answers with the session.
pub(crate) async fn on_session<M: HasKey>(
    runtime: &Runtime,
    rpc: &str,
    request: &M,
    session_id: &str,
    command: SessionCommand,
) -> Result<pb::SessionResponse, Error> {
    let session_id = uuid_field("session_id", session_id)?;
    let idempotency = optional_key(rpc, &session_id, request)?;
    answer_with_session(runtime, session_id, command, idempotency).await
}
