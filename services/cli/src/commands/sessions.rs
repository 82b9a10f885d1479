//! `session schedule`, `list`, `show` and `close`: joint review sessions (联审会 / 联合踏勘).
//! Every command but `list` answers with the session, printed the same way.

use lianban_proto::v1 as pb;

use crate::args::{Caller, ScheduleArgs, SessionAction};
use crate::connection::{CliResult, PAGE_SIZE, Transport, every_page, resolve_id, status_text};
use crate::render::{render_session, render_sessions};
use crate::time::parse_local_time;
use crate::wire::session_kind_to_wire;

type SessionClient = pb::session_service_client::SessionServiceClient<Transport>;
type IntakeClient = pb::intake_service_client::IntakeServiceClient<Transport>;
type SessionAnswer = Result<tonic::Response<pb::SessionResponse>, tonic::Status>;

/// Runs one `session` subcommand; `intake` turns receipt numbers into application ids.
pub async fn run(
    action: SessionAction,
    sessions: &mut SessionClient,
    intake: &mut IntakeClient,
) -> CliResult {
    let answer = match action {
        SessionAction::Schedule(args) => schedule(sessions, intake, args).await?,
        SessionAction::List {
            department,
            application,
            project,
        } => return list(sessions, intake, department, application, project).await,
        SessionAction::Show { session } => show(sessions, session).await,
        SessionAction::Close {
            session,
            caller,
            minutes,
        } => close(sessions, session, caller, minutes).await,
    };
    let session = answer
        .map_err(status_text)?
        .into_inner()
        .session
        .unwrap_or_default();
    print!("{}", render_session(&session));
    Ok(())
}

/// Schedules a session; a bad time or an unknown application stops it before the call.
async fn schedule(
    sessions: &mut SessionClient,
    intake: &mut IntakeClient,
    args: ScheduleArgs,
) -> Result<SessionAnswer, String> {
    let mut application_ids = Vec::new();
    for application in &args.applications {
        application_ids.push(resolve_id(intake, application).await?);
    }
    let request = pb::ScheduleSessionRequest {
        kind: session_kind_to_wire(args.kind),
        lead_department_code: args.caller.department,
        clerk_id: args.caller.clerk,
        application_ids,
        branch_ids: args.branches,
        invited_department_codes: args.invite,
        starts_at: Some(parse_local_time("--starts", &args.starts)?),
        ends_at: Some(parse_local_time("--ends", &args.ends)?),
        place: args.place,
        idempotency_key: String::new(),
    };
    Ok(sessions.schedule_session(request).await)
}

/// Prints the sessions of a department, an application or a key project, or all of them,
/// following page tokens to the end.
async fn list(
    sessions: &mut SessionClient,
    intake: &mut IntakeClient,
    department: Option<String>,
    application: Option<String>,
    project: Option<String>,
) -> CliResult {
    let application_id = match application {
        Some(application) => resolve_id(intake, &application).await?,
        None => String::new(),
    };
    let found = every_page(async |page_token| {
        let request = pb::ListSessionsRequest {
            department_code: department.clone().unwrap_or_default(),
            application_id: application_id.clone(),
            key_project_code: project.clone().unwrap_or_default(),
            page_size: PAGE_SIZE,
            page_token,
            ..Default::default()
        };
        let page = sessions.list_sessions(request).await?.into_inner();
        Ok((page.sessions, page.next_page_token))
    })
    .await?;
    print!("{}", render_sessions(&found));
    Ok(())
}

async fn show(sessions: &mut SessionClient, session: String) -> SessionAnswer {
    sessions
        .get_session(pb::GetSessionRequest {
            session_id: session,
        })
        .await
}

/// Closes a session with its minutes; the server deems absent departments to consent.
async fn close(
    sessions: &mut SessionClient,
    session: String,
    caller: Caller,
    minutes: String,
) -> SessionAnswer {
    let request = pb::CloseSessionRequest {
        session_id: session,
        department_code: caller.department,
        clerk_id: caller.clerk,
        minutes,
        idempotency_key: String::new(),
    };
    sessions.close_session(request).await
}
