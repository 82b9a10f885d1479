//! `lianban`, the command-line client a person uses to walk an application through the flow:
//! submit from a TOML or JSON file, show it as a table, list a department's tasks, claim, decide,
//! withdraw and dispatch. It speaks the same gRPC API as every department system.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{FixedOffset, TimeZone};
use clap::{Args, Parser, Subcommand, ValueEnum};
use lianban_proto::v1 as pb;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tonic::transport::Channel;
use unicode_width::UnicodeWidthStr;

/// Command-line arguments.
#[derive(Parser)]
#[command(name = "lianban", version, about = "Lianban command-line client")]
pub struct Cli {
    /// Server address.
    #[arg(
        long,
        global = true,
        env = "LIANBAN_SERVER",
        default_value = "http://127.0.0.1:50051"
    )]
    server: String,
    #[command(subcommand)]
    command: Action,
}

#[derive(Subcommand)]
enum Action {
    /// List the bundles of the catalogue.
    Bundles,
    /// Show one bundle: its branches, dependencies, limits and materials.
    Bundle {
        /// Bundle code.
        code: String,
    },
    /// Submit an application described in a TOML or JSON file.
    Submit {
        /// The file.
        file: PathBuf,
        /// Idempotency key; defaults to a hash of the file, so submitting the same file twice creates one application.
        #[arg(long)]
        idempotency_key: Option<String>,
        /// Print only the application id.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Hand in missing materials: `--material CODE=DOCUMENT_REF`, repeated.
    Supplement {
        /// Application id or receipt number.
        application: String,
        /// A material as CODE=DOCUMENT_REF.
        #[arg(long = "material", required = true)]
        materials: Vec<String>,
        /// How the applicant came.
        #[arg(long, value_enum, default_value = "on-site")]
        channel: ChannelArg,
    },
    /// Show one application with every branch.
    Show {
        /// Application id or receipt number.
        application: String,
    },
    /// List applications.
    List {
        /// Only this bundle.
        #[arg(long)]
        bundle: Option<String>,
        /// Only this state.
        #[arg(long, value_enum)]
        state: Option<ApplicationStateArg>,
    },
    /// List one department's tasks.
    Tasks {
        /// Department code.
        department: String,
        /// Only this state.
        #[arg(long, value_enum)]
        state: Option<BranchStateArg>,
        /// Only the branches of this application (id).
        #[arg(long)]
        application: Option<String>,
        /// Only this clerk's own queue.
        #[arg(long)]
        clerk: Option<String>,
        /// Print only branch ids.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Claim a branch for a clerk.
    Claim {
        /// Branch id.
        branch: String,
        #[command(flatten)]
        caller: Caller,
    },
    /// Decide a branch: approve or reject (approval), consent or object (joint review).
    Decide {
        /// Branch id.
        branch: String,
        #[command(flatten)]
        caller: Caller,
        #[command(flatten)]
        decision: DecisionArgs,
        /// Idempotency key; defaults to a hash of the decision, so repeating the command decides once.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Withdraw an application before dispatch.
    Withdraw {
        /// Application id.
        application: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// List applications ready for dispatch.
    Ready,
    /// List key projects.
    Projects {
        /// Only this facilitator's.
        #[arg(long)]
        facilitator: Option<String>,
    },
    /// Show a key project: every application and branch, its deadline and what it waits for.
    Project {
        /// Project code.
        code: String,
    },
    /// Joint review sessions (联审会 / 联合踏勘): schedule, list, show and close.
    Session {
        #[command(subcommand)]
        action: SessionAction,
    },
    /// Record the one hand-over of every result.
    Dispatch {
        /// Application id.
        application: String,
        /// How.
        #[arg(long, value_enum)]
        method: MethodArg,
        /// Dispatch-window clerk.
        #[arg(long)]
        by: String,
        /// Who received it.
        #[arg(long, default_value = "")]
        recipient: String,
        /// Post tracking number or e-delivery reference.
        #[arg(long, default_value = "")]
        tracking: String,
    },
}

/// What to do with joint review sessions.
#[derive(Subcommand)]
enum SessionAction {
    /// Schedule a session and invite the departments of its joint-review branches.
    Schedule {
        /// Application id or receipt number; repeat for several applications of one key project.
        #[arg(long = "application", required = true)]
        applications: Vec<String>,
        /// The lead department and its clerk.
        #[command(flatten)]
        caller: Caller,
        /// Meeting or on-site survey.
        #[arg(long, value_enum, default_value = "meeting")]
        kind: SessionKindArg,
        /// Start, `YYYY-MM-DD HH:MM` in China Standard Time.
        #[arg(long)]
        starts: String,
        /// End, `YYYY-MM-DD HH:MM` in China Standard Time.
        #[arg(long)]
        ends: String,
        /// Place or meeting link.
        #[arg(long)]
        place: String,
        /// Only these branches (default: every joint review still to decide).
        #[arg(long = "branch")]
        branches: Vec<String>,
        /// Invite these departments (default: the departments of the branches).
        #[arg(long = "invite")]
        invite: Vec<String>,
    },
    /// List sessions.
    List {
        /// Only sessions this department leads or is invited to.
        #[arg(long)]
        department: Option<String>,
        /// Only sessions reviewing this application (id or receipt number).
        #[arg(long)]
        application: Option<String>,
        /// Only sessions of this key project.
        #[arg(long)]
        project: Option<String>,
    },
    /// Show one session: invitations, acknowledgements, opinions and outcomes.
    Show {
        /// Session id.
        session: String,
    },
    /// Close a session with its minutes; absent departments are deemed to consent.
    Close {
        /// Session id.
        session: String,
        /// The lead department and its clerk.
        #[command(flatten)]
        caller: Caller,
        /// The minutes.
        #[arg(long)]
        minutes: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SessionKindArg {
    Meeting,
    SiteSurvey,
}

/// Who calls: department and clerk.
#[derive(Args)]
struct Caller {
    /// Department code.
    #[arg(long)]
    department: String,
    /// Clerk id.
    #[arg(long)]
    clerk: String,
}

/// Exactly one decision.
#[derive(Args)]
#[group(required = true, multiple = false)]
struct DecisionArgs {
    /// Approve with this result reference (licence number).
    #[arg(long)]
    approve: Option<String>,
    /// Reject with this reason.
    #[arg(long)]
    reject: Option<String>,
    /// Consent, with an optional comment.
    #[arg(long, num_args = 0..=1, default_missing_value = "")]
    consent: Option<String>,
    /// Object with these reasons.
    #[arg(long)]
    object: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ChannelArg {
    OnSite,
    Online,
    Post,
}

#[derive(Clone, Copy, ValueEnum)]
enum MethodArg {
    OnSite,
    Post,
    Electronic,
}

#[derive(Clone, Copy, ValueEnum)]
enum ApplicationStateArg {
    AwaitingMaterials,
    InProgress,
    ReadyForDispatch,
    Dispatched,
    Withdrawn,
}

#[derive(Clone, Copy, ValueEnum)]
enum BranchStateArg {
    Pending,
    Waiting,
    Open,
    Claimed,
    Approved,
    Rejected,
    Consented,
    Objected,
    Cancelled,
}

/// An application as written in a file for `lianban submit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationFile {
    /// Bundle code.
    pub bundle: String,
    /// on_site, online or post.
    pub channel: String,
    /// Front-desk clerk.
    pub front_desk_clerk: String,
    /// Key project code.
    #[serde(default)]
    pub key_project: String,
    /// The applicant.
    pub applicant: ApplicantFile,
    /// The form.
    #[serde(default)]
    pub form: BTreeMap<String, String>,
    /// Materials handed in.
    #[serde(default)]
    pub materials: Vec<MaterialFile>,
}

/// The applicant in a file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicantFile {
    /// organisation or natural_person.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Credit code or ID number.
    pub id_number: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
}

/// A material in a file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialFile {
    /// Material code.
    pub code: String,
    /// Document reference.
    pub document: String,
}

type CliResult = Result<(), String>;

/// Runs the CLI with the process's arguments.
pub async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lianban: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn status_text(status: tonic::Status) -> String {
    format!("{:?}: {}", status.code(), status.message())
}

async fn run(cli: Cli) -> CliResult {
    let channel = Channel::from_shared(cli.server.clone())
        .map_err(|e| format!("server address {}: {e}", cli.server))?
        .connect()
        .await
        .map_err(|e| format!("cannot reach {}: {e}", cli.server))?;
    let mut intake = pb::intake_service_client::IntakeServiceClient::new(channel.clone());
    let mut tasks = pb::task_service_client::TaskServiceClient::new(channel.clone());
    let mut dispatch = pb::dispatch_service_client::DispatchServiceClient::new(channel.clone());
    let mut projects = pb::project_service_client::ProjectServiceClient::new(channel.clone());
    let mut sessions = pb::session_service_client::SessionServiceClient::new(channel.clone());
    let mut catalog = pb::catalog_service_client::CatalogServiceClient::new(channel);
    match cli.command {
        Action::Bundles => {
            let bundles = catalog
                .list_bundles(pb::ListBundlesRequest {})
                .await
                .map_err(status_text)?
                .into_inner()
                .bundles;
            let rows = bundles
                .iter()
                .map(|b| {
                    vec![
                        b.code.clone(),
                        b.name.clone(),
                        b.lead_department_code.clone(),
                        b.branches.len().to_string(),
                        b.promised_limit_days.to_string(),
                        b.critical_path_days.to_string(),
                        b.serial_sum_days.to_string(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &[
                        "BUNDLE",
                        "NAME",
                        "LEAD",
                        "BRANCHES",
                        "PROMISED WD",
                        "CRITICAL PATH WD",
                        "SERIAL SUM WD"
                    ],
                    rows
                )
            );
        }
        Action::Bundle { code } => {
            let bundle = catalog
                .get_bundle(pb::GetBundleRequest { code })
                .await
                .map_err(status_text)?
                .into_inner();
            print!("{}", render_bundle(&bundle));
        }
        Action::Submit {
            file,
            idempotency_key,
            quiet,
        } => {
            let (request, derived_key) = submission_from_file(&file)?;
            let request = pb::SubmitApplicationRequest {
                idempotency_key: idempotency_key.unwrap_or(derived_key),
                ..request
            };
            let response = intake
                .submit_application(request)
                .await
                .map_err(status_text)?
                .into_inner();
            let application = response.application.unwrap_or_default();
            if quiet {
                println!("{}", application.id);
            } else {
                print!("{}", render_application(&application));
            }
        }
        Action::Supplement {
            application,
            materials,
            channel,
        } => {
            let id = resolve_id(&mut intake, &application).await?;
            let materials = materials
                .iter()
                .map(|m| {
                    let (code, document) = m
                        .split_once('=')
                        .ok_or_else(|| format!("--material {m}: expected CODE=DOCUMENT_REF"))?;
                    Ok(pb::MaterialSubmission {
                        material_code: code.to_owned(),
                        document_ref: document.to_owned(),
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            let request = pb::SupplementMaterialsRequest {
                idempotency_key: String::new(),
                application_id: id,
                materials,
                channel: channel_to_wire(channel),
            };
            let response = intake
                .supplement_materials(request)
                .await
                .map_err(status_text)?
                .into_inner();
            print!(
                "{}",
                render_application(&response.application.unwrap_or_default())
            );
        }
        Action::Show { application } => {
            let found = intake
                .get_application(pb::GetApplicationRequest {
                    application_id: application,
                })
                .await
                .map_err(status_text)?
                .into_inner();
            print!("{}", render_application(&found));
        }
        Action::List { bundle, state } => {
            let request = pb::ListApplicationsRequest {
                bundle_code: bundle.unwrap_or_default(),
                states: state.map(application_state_to_wire).into_iter().collect(),
                page_size: 500,
                ..Default::default()
            };
            let found = intake
                .list_applications(request)
                .await
                .map_err(status_text)?
                .into_inner();
            print!("{}", render_applications(&found.applications));
        }
        Action::Tasks {
            department,
            state,
            application,
            clerk,
            quiet,
        } => {
            let mut all = Vec::new();
            let mut page_token = String::new();
            loop {
                let request = pb::ListTasksRequest {
                    clerk_id: clerk.clone().unwrap_or_default(),
                    department_code: department.clone(),
                    states: state.map(branch_state_to_wire).into_iter().collect(),
                    bundle_code: String::new(),
                    page_size: 500,
                    page_token,
                };
                let page = tasks
                    .list_tasks(request)
                    .await
                    .map_err(status_text)?
                    .into_inner();
                all.extend(page.tasks);
                if page.next_page_token.is_empty() {
                    break;
                }
                page_token = page.next_page_token;
            }
            let wanted = |task: &pb::Task| {
                let branch = task.branch.as_ref();
                application
                    .as_ref()
                    .is_none_or(|a| branch.is_some_and(|b| &b.application_id == a))
            };
            let selected: Vec<&pb::Task> = all.iter().filter(|t| wanted(t)).collect();
            if quiet {
                for task in selected {
                    println!(
                        "{}",
                        task.branch
                            .as_ref()
                            .map(|b| b.id.as_str())
                            .unwrap_or_default()
                    );
                }
            } else {
                print!("{}", render_tasks(&selected));
            }
        }
        Action::Claim { branch, caller } => {
            let request = pb::ClaimTaskRequest {
                branch_id: branch,
                department_code: caller.department,
                clerk_id: caller.clerk,
            };
            let claimed = tasks
                .claim_task(request)
                .await
                .map_err(status_text)?
                .into_inner();
            println!(
                "branch {} {} by {}",
                claimed.id,
                branch_state_name(claimed.state),
                claimed.claimed_by
            );
        }
        Action::Decide {
            branch,
            caller,
            decision,
            idempotency_key,
        } => {
            let (decision, summary) = decision_to_wire(decision);
            let key = idempotency_key.unwrap_or_else(|| {
                hash_key(&format!(
                    "decide\n{branch}\n{}\n{}\n{summary}",
                    caller.department, caller.clerk
                ))
            });
            let request = pb::DecideTaskRequest {
                idempotency_key: key,
                branch_id: branch,
                department_code: caller.department,
                clerk_id: caller.clerk,
                decision: Some(decision),
            };
            let response = tasks
                .decide_task(request)
                .await
                .map_err(status_text)?
                .into_inner();
            let branch = response.branch.unwrap_or_default();
            let application = response.application.unwrap_or_default();
            println!(
                "branch {} ({}) is {}; application {} is {}",
                branch.id,
                branch.matter_name,
                branch_state_name(branch.state),
                application.receipt_number,
                application_state_name(application.state)
            );
        }
        Action::Withdraw {
            application,
            reason,
        } => {
            let id = resolve_id(&mut intake, &application).await?;
            let request = pb::WithdrawApplicationRequest {
                idempotency_key: String::new(),
                application_id: id,
                reason,
            };
            let withdrawn = intake
                .withdraw_application(request)
                .await
                .map_err(status_text)?
                .into_inner();
            print!("{}", render_application(&withdrawn));
        }
        Action::Projects { facilitator } => {
            let request = pb::ListProjectsRequest {
                facilitator: facilitator.unwrap_or_default(),
            };
            let found = projects
                .list_projects(request)
                .await
                .map_err(status_text)?
                .into_inner()
                .projects;
            let rows = found
                .iter()
                .map(|p| {
                    vec![
                        p.code.clone(),
                        p.name.clone(),
                        p.investor.clone(),
                        p.investment_wan.to_string(),
                        p.facilitator.clone(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &[
                        "PROJECT",
                        "NAME",
                        "INVESTOR",
                        "INVESTMENT (万元)",
                        "FACILITATOR"
                    ],
                    rows
                )
            );
        }
        Action::Project { code } => {
            let board = projects
                .get_project_board(pb::GetProjectBoardRequest { code })
                .await
                .map_err(status_text)?
                .into_inner();
            print!("{}", render_project(&board));
        }
        Action::Session { action } => {
            run_session(action, &mut sessions, &mut intake).await?;
        }
        Action::Ready => {
            let request = pb::ListReadyForDispatchRequest {
                page_size: 500,
                ..Default::default()
            };
            let found = dispatch
                .list_ready_for_dispatch(request)
                .await
                .map_err(status_text)?
                .into_inner();
            print!("{}", render_applications(&found.applications));
        }
        Action::Dispatch {
            application,
            method,
            by,
            recipient,
            tracking,
        } => {
            let id = resolve_id(&mut intake, &application).await?;
            let request = pb::RecordHandOverRequest {
                idempotency_key: String::new(),
                application_id: id,
                method: method_to_wire(method),
                handed_by: by,
                recipient,
                tracking_reference: tracking,
            };
            let dispatched = dispatch
                .record_hand_over(request)
                .await
                .map_err(status_text)?
                .into_inner();
            print!("{}", render_application(&dispatched));
        }
    }
    Ok(())
}

async fn run_session(
    action: SessionAction,
    sessions: &mut pb::session_service_client::SessionServiceClient<Channel>,
    intake: &mut pb::intake_service_client::IntakeServiceClient<Channel>,
) -> CliResult {
    let session = match action {
        SessionAction::Schedule {
            applications,
            caller,
            kind,
            starts,
            ends,
            place,
            branches,
            invite,
        } => {
            let mut application_ids = Vec::new();
            for application in &applications {
                application_ids.push(resolve_id(intake, application).await?);
            }
            let request = pb::ScheduleSessionRequest {
                kind: match kind {
                    SessionKindArg::Meeting => pb::SessionKind::Meeting as i32,
                    SessionKindArg::SiteSurvey => pb::SessionKind::SiteSurvey as i32,
                },
                lead_department_code: caller.department,
                clerk_id: caller.clerk,
                application_ids,
                branch_ids: branches,
                invited_department_codes: invite,
                starts_at: Some(parse_local_time("--starts", &starts)?),
                ends_at: Some(parse_local_time("--ends", &ends)?),
                place,
                idempotency_key: String::new(),
            };
            sessions.schedule_session(request).await
        }
        SessionAction::List {
            department,
            application,
            project,
        } => {
            let application_id = match application {
                Some(application) => resolve_id(intake, &application).await?,
                None => String::new(),
            };
            let request = pb::ListSessionsRequest {
                department_code: department.unwrap_or_default(),
                application_id,
                key_project_code: project.unwrap_or_default(),
                page_size: 500,
                ..Default::default()
            };
            let found = sessions
                .list_sessions(request)
                .await
                .map_err(status_text)?
                .into_inner();
            print!("{}", render_sessions(&found.sessions));
            return Ok(());
        }
        SessionAction::Show { session } => {
            sessions
                .get_session(pb::GetSessionRequest {
                    session_id: session,
                })
                .await
        }
        SessionAction::Close {
            session,
            caller,
            minutes,
        } => {
            let request = pb::CloseSessionRequest {
                session_id: session,
                department_code: caller.department,
                clerk_id: caller.clerk,
                minutes,
                idempotency_key: String::new(),
            };
            sessions.close_session(request).await
        }
    };
    let session = session
        .map_err(status_text)?
        .into_inner()
        .session
        .unwrap_or_default();
    print!("{}", render_session(&session));
    Ok(())
}

/// Parses `YYYY-MM-DD HH:MM` in China Standard Time.
pub fn parse_local_time(flag: &str, text: &str) -> Result<prost_types::Timestamp, String> {
    let naive = chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M")
        .map_err(|_| format!("{flag} {text:?} is not YYYY-MM-DD HH:MM"))?;
    let china = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let at = china
        .from_local_datetime(&naive)
        .single()
        .ok_or_else(|| format!("{flag} {text:?} is not a valid time"))?;
    Ok(prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    })
}

fn session_state_name(state: i32) -> &'static str {
    match pb::SessionState::try_from(state) {
        Ok(pb::SessionState::Scheduled) => "scheduled",
        Ok(pb::SessionState::Closed) => "closed",
        Ok(pb::SessionState::Cancelled) => "cancelled",
        _ => "unknown",
    }
}

fn attendance_name(attendance: i32) -> &'static str {
    match pb::Attendance::try_from(attendance) {
        Ok(pb::Attendance::Attended) => "attended",
        Ok(pb::Attendance::WrittenOpinion) => "written opinion",
        Ok(pb::Attendance::Absent) => "absent: deemed to consent",
        Ok(pb::Attendance::AbsentExcused) => "absent, notified too late: deadline rule",
        _ => "-",
    }
}

fn opinion_text(opinion: Option<&pb::Opinion>) -> String {
    let Some(opinion) = opinion else {
        return "-".to_owned();
    };
    match pb::OpinionKind::try_from(opinion.kind) {
        Ok(pb::OpinionKind::Object) => format!("object: {}", opinion.text),
        Ok(pb::OpinionKind::Consent) => format!("consent {}", opinion.text).trim().to_owned(),
        Ok(pb::OpinionKind::Delegate) => format!("delegate {}", opinion.text),
        _ => "-".to_owned(),
    }
}

/// Sessions as a table, one row each.
pub fn render_sessions(sessions: &[pb::Session]) -> String {
    let rows = sessions
        .iter()
        .map(|s| {
            vec![
                s.id.clone(),
                session_state_name(s.state).to_owned(),
                s.lead_department_code.clone(),
                local_time(s.starts_at.as_ref()),
                s.place.clone(),
                s.invitations
                    .iter()
                    .map(|i| i.department_code.clone())
                    .collect::<Vec<_>>()
                    .join(","),
            ]
        })
        .collect();
    table(
        &["SESSION", "STATE", "LEAD", "STARTS", "PLACE", "INVITED"],
        rows,
    )
}

/// One session: its header, then one row per invited department.
pub fn render_session(session: &pb::Session) -> String {
    let mut out = format!(
        "session {} ({}) led by {}, {} to {}, {}\n",
        session.id,
        session_state_name(session.state),
        session.lead_department_code,
        local_time(session.starts_at.as_ref()),
        local_time(session.ends_at.as_ref()),
        session.place
    );
    for item in &session.items {
        out.push_str(&format!(
            "  reviews {} {} ({})\n",
            item.receipt_number, item.matter_code, item.department_code
        ));
    }
    if !session.minutes.is_empty() {
        let by = if session.closed_by_system {
            "the system".to_owned()
        } else {
            session.closed_by.clone()
        };
        out.push_str(&format!(
            "  closed {} by {by}: {}\n",
            local_time(session.closed_at.as_ref()),
            session.minutes
        ));
    }
    out.push('\n');
    let rows = session
        .invitations
        .iter()
        .map(|i| {
            let outcome = session
                .outcomes
                .iter()
                .find(|o| o.department_code == i.department_code);
            let latest = session
                .opinions
                .iter()
                .rev()
                .find(|o| o.department_code == i.department_code);
            vec![
                i.department_code.clone(),
                if i.acknowledged {
                    format!(
                        "{} {}",
                        i.acknowledged_by,
                        local_time(i.acknowledged_at.as_ref())
                    )
                } else {
                    "not signed".to_owned()
                },
                if i.late {
                    "late".to_owned()
                } else {
                    "in time".to_owned()
                },
                opinion_text(outcome.and_then(|o| o.opinion.as_ref()).or(latest)),
                outcome
                    .map_or("-", |o| attendance_name(o.attendance))
                    .to_owned(),
            ]
        })
        .collect();
    out.push_str(&table(
        &["DEPT", "SIGNED FOR", "NOTICE", "OPINION", "OUTCOME"],
        rows,
    ));
    out
}

async fn resolve_id(
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

fn hash_key(text: &str) -> String {
    format!("cli-{:x}", Sha256::digest(text.as_bytes()))[..36].to_owned()
}

/// Reads a submission file (TOML, or JSON when it ends in `.json`) into a request and a default key.
pub fn submission_from_file(path: &Path) -> Result<(pb::SubmitApplicationRequest, String), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: ApplicationFile = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
    } else {
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
    };
    let channel = match file.channel.as_str() {
        "on_site" | "on-site" => pb::Channel::OnSite,
        "online" => pb::Channel::Online,
        "post" => pb::Channel::Post,
        other => {
            return Err(format!(
                "{}: channel {other:?} is not on_site, online or post",
                path.display()
            ));
        }
    };
    let kind = match file.applicant.kind.as_str() {
        "organisation" => pb::ApplicantKind::Organisation,
        "natural_person" => pb::ApplicantKind::NaturalPerson,
        other => {
            return Err(format!(
                "{}: applicant.kind {other:?} is not organisation or natural_person",
                path.display()
            ));
        }
    };
    let request = pb::SubmitApplicationRequest {
        idempotency_key: String::new(),
        bundle_code: file.bundle,
        applicant: Some(pb::Applicant {
            kind: kind as i32,
            name: file.applicant.name,
            id_number: file.applicant.id_number,
            phone: file.applicant.phone,
        }),
        form: file.form,
        materials: file
            .materials
            .into_iter()
            .map(|m| pb::MaterialSubmission {
                material_code: m.code,
                document_ref: m.document,
            })
            .collect(),
        channel: channel as i32,
        key_project_code: file.key_project,
        front_desk_clerk: file.front_desk_clerk,
    };
    Ok((request, hash_key(&text)))
}

fn decision_to_wire(decision: DecisionArgs) -> (pb::decide_task_request::Decision, String) {
    use pb::decide_task_request::Decision;
    if let Some(reference) = decision.approve {
        let summary = format!("approve {reference}");
        (
            Decision::Approve(pb::Approve {
                result_reference: reference,
            }),
            summary,
        )
    } else if let Some(reason) = decision.reject {
        let summary = format!("reject {reason}");
        (Decision::Reject(pb::Reject { reason }), summary)
    } else if let Some(reasons) = decision.object {
        let summary = format!("object {reasons}");
        (Decision::Object(pb::Object { reasons }), summary)
    } else {
        let comment = decision.consent.unwrap_or_default();
        let summary = format!("consent {comment}");
        (Decision::Consent(pb::Consent { comment }), summary)
    }
}

fn channel_to_wire(channel: ChannelArg) -> i32 {
    (match channel {
        ChannelArg::OnSite => pb::Channel::OnSite,
        ChannelArg::Online => pb::Channel::Online,
        ChannelArg::Post => pb::Channel::Post,
    }) as i32
}

fn method_to_wire(method: MethodArg) -> i32 {
    (match method {
        MethodArg::OnSite => pb::HandOverMethod::OnSite,
        MethodArg::Post => pb::HandOverMethod::Post,
        MethodArg::Electronic => pb::HandOverMethod::Electronic,
    }) as i32
}

fn application_state_to_wire(state: ApplicationStateArg) -> i32 {
    (match state {
        ApplicationStateArg::AwaitingMaterials => pb::ApplicationState::AwaitingMaterials,
        ApplicationStateArg::InProgress => pb::ApplicationState::InProgress,
        ApplicationStateArg::ReadyForDispatch => pb::ApplicationState::ReadyForDispatch,
        ApplicationStateArg::Dispatched => pb::ApplicationState::Dispatched,
        ApplicationStateArg::Withdrawn => pb::ApplicationState::Withdrawn,
    }) as i32
}

fn branch_state_to_wire(state: BranchStateArg) -> i32 {
    (match state {
        BranchStateArg::Pending => pb::BranchState::Pending,
        BranchStateArg::Waiting => pb::BranchState::Waiting,
        BranchStateArg::Open => pb::BranchState::Open,
        BranchStateArg::Claimed => pb::BranchState::Claimed,
        BranchStateArg::Approved => pb::BranchState::Approved,
        BranchStateArg::Rejected => pb::BranchState::Rejected,
        BranchStateArg::Consented => pb::BranchState::Consented,
        BranchStateArg::Objected => pb::BranchState::Objected,
        BranchStateArg::Cancelled => pb::BranchState::Cancelled,
    }) as i32
}

fn application_state_name(state: i32) -> &'static str {
    match pb::ApplicationState::try_from(state) {
        Ok(pb::ApplicationState::AwaitingMaterials) => "awaiting materials",
        Ok(pb::ApplicationState::InProgress) => "in progress",
        Ok(pb::ApplicationState::ReadyForDispatch) => "ready for dispatch",
        Ok(pb::ApplicationState::Dispatched) => "dispatched",
        Ok(pb::ApplicationState::Withdrawn) => "withdrawn",
        _ => "unknown",
    }
}

fn branch_state_name(state: i32) -> &'static str {
    match pb::BranchState::try_from(state) {
        Ok(pb::BranchState::Pending) => "pending",
        Ok(pb::BranchState::Waiting) => "waiting",
        Ok(pb::BranchState::Open) => "open",
        Ok(pb::BranchState::Claimed) => "claimed",
        Ok(pb::BranchState::Approved) => "approved",
        Ok(pb::BranchState::Rejected) => "rejected",
        Ok(pb::BranchState::Consented) => "consented",
        Ok(pb::BranchState::Objected) => "objected",
        Ok(pb::BranchState::DeemedConsent) => "deemed consent",
        Ok(pb::BranchState::Cancelled) => "cancelled",
        _ => "unknown",
    }
}

fn role_name(role: i32) -> &'static str {
    match pb::Role::try_from(role) {
        Ok(pb::Role::Approval) => "approval",
        Ok(pb::Role::JointReview) => "joint review",
        _ => "unknown",
    }
}

/// A timestamp in China Standard Time, to the minute.
fn local_time(at: Option<&prost_types::Timestamp>) -> String {
    let Some(at) = at else { return "-".to_owned() };
    let china = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    china
        .timestamp_opt(at.seconds, at.nanos.max(0) as u32)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".to_owned())
}

/// Masks personal identifiers for display: first four and last four characters.
fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

/// A deadline as `2026-02-24 17:30 (2 WD, yellow)`, with `provisional` when it may still move.
fn deadline_text(deadline: Option<&pb::DeadlineView>) -> String {
    let Some(deadline) = deadline else {
        return "-".to_owned();
    };
    let colour = match pb::WarningColour::try_from(deadline.colour) {
        Ok(pb::WarningColour::Green) => ", green",
        Ok(pb::WarningColour::Yellow) => ", yellow",
        Ok(pb::WarningColour::Red) => ", RED",
        _ => "",
    };
    let provisional = if deadline.provisional {
        ", provisional"
    } else {
        ""
    };
    format!(
        "{} ({} WD{colour}{provisional})",
        local_time(deadline.at.as_ref()),
        deadline.remaining_working_days
    )
}

fn outcome_text(branch: &pb::Branch) -> String {
    let Some(outcome) = &branch.outcome else {
        return String::new();
    };
    let who = outcome
        .decided_by
        .as_ref()
        .map(|d| format!(" — {}/{}", d.department_code, d.clerk_id))
        .unwrap_or_default();
    let who = if outcome.rule.is_empty() {
        who
    } else {
        format!(" — system, rule: {}", outcome.rule)
    };
    let text = if outcome.result_reference.is_empty() {
        &outcome.reason
    } else {
        &outcome.result_reference
    };
    format!("{text}{who}")
}

/// A readable page for one application.
pub fn render_application(application: &pb::Application) -> String {
    let mut out = String::new();
    let receipt = if application.receipt_number.is_empty() {
        "(not accepted yet)"
    } else {
        &application.receipt_number
    };
    out.push_str(&format!("Application  {}\n", application.id));
    out.push_str(&format!("Receipt      {receipt}\n"));
    out.push_str(&format!(
        "Bundle       {} ({})\n",
        application.bundle_name, application.bundle_code
    ));
    out.push_str(&format!(
        "State        {}\n",
        application_state_name(application.state)
    ));
    if let Some(applicant) = &application.applicant {
        let kind = if applicant.kind == pb::ApplicantKind::Organisation as i32 {
            "organisation"
        } else {
            "natural person"
        };
        let id = if applicant.kind == pb::ApplicantKind::Organisation as i32 {
            applicant.id_number.clone()
        } else {
            mask_id(&applicant.id_number)
        };
        out.push_str(&format!("Applicant    {} — {kind}, {id}\n", applicant.name));
    }
    out.push_str(&format!("Front desk   {}\n", application.front_desk_clerk));
    out.push_str(&format!(
        "Submitted    {}   accepted {}   ready {}\n",
        local_time(application.submitted_at.as_ref()),
        local_time(application.accepted_at.as_ref()),
        local_time(application.ready_at.as_ref())
    ));
    let awaiting = application.state == pb::ApplicationState::AwaitingMaterials as i32;
    if let Some(notice) = application.notices.last().filter(|_| awaiting) {
        out.push_str(&format!(
            "\nOne-time notice #{} — everything still missing:\n",
            notice.number
        ));
        let rows = notice
            .missing
            .iter()
            .map(|m| {
                vec![
                    m.material_code.clone(),
                    m.material_name.clone(),
                    m.department_codes.join(", "),
                ]
            })
            .collect();
        out.push_str(&table(&["MATERIAL", "NAME", "NEEDED BY"], rows));
    }
    if !application.withdrawal_reason.is_empty() {
        out.push_str(&format!(
            "Withdrawn    {}: {}\n",
            local_time(application.withdrawn_at.as_ref()),
            application.withdrawal_reason
        ));
    }
    out.push('\n');
    let rows = application
        .branches
        .iter()
        .map(|b| {
            vec![
                b.id.clone(),
                b.matter_name.clone(),
                b.department_code.clone(),
                role_name(b.role).to_owned(),
                branch_state_name(b.state).to_owned(),
                local_time(b.started_at.as_ref()),
                deadline_text(b.deadline.as_ref()),
                outcome_text(b),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            "BRANCH", "MATTER", "DEPT", "ROLE", "STATE", "STARTED", "DEADLINE", "OUTCOME",
        ],
        rows,
    ));
    if let Some(hand_over) = &application.hand_over {
        out.push_str(&format!(
            "\nHanded over {} by {} to {} ({} results)\n",
            local_time(hand_over.handed_at.as_ref()),
            hand_over.handed_by,
            if hand_over.recipient.is_empty() {
                "-"
            } else {
                &hand_over.recipient
            },
            hand_over.results.len()
        ));
    }
    out
}

fn render_applications(applications: &[pb::Application]) -> String {
    let rows = applications
        .iter()
        .map(|a| {
            let ended = a.branches.iter().filter(|b| b.outcome.is_some()).count();
            vec![
                a.id.clone(),
                a.receipt_number.clone(),
                a.bundle_name.clone(),
                application_state_name(a.state).to_owned(),
                format!("{ended}/{}", a.branches.len()),
                local_time(a.submitted_at.as_ref()),
            ]
        })
        .collect();
    table(
        &[
            "APPLICATION",
            "RECEIPT",
            "BUNDLE",
            "STATE",
            "ENDED",
            "SUBMITTED",
        ],
        rows,
    )
}

fn render_tasks(tasks: &[&pb::Task]) -> String {
    let rows = tasks
        .iter()
        .filter_map(|t| {
            let b = t.branch.as_ref()?;
            Some(vec![
                b.id.clone(),
                t.receipt_number.clone(),
                b.matter_name.clone(),
                role_name(b.role).to_owned(),
                branch_state_name(b.state).to_owned(),
                local_time(b.started_at.as_ref()),
                b.claimed_by.clone(),
            ])
        })
        .collect();
    table(
        &[
            "BRANCH",
            "RECEIPT",
            "MATTER",
            "ROLE",
            "STATE",
            "STARTED",
            "CLAIMED BY",
        ],
        rows,
    )
}

fn render_bundle(bundle: &pb::Bundle) -> String {
    let mut out = format!(
        "{} ({}) — lead {}, promised {} working days; critical path {} WD, serial sum {} WD\n\n",
        bundle.name,
        bundle.code,
        bundle.lead_department_code,
        bundle.promised_limit_days,
        bundle.critical_path_days,
        bundle.serial_sum_days
    );
    let rows = bundle
        .branches
        .iter()
        .filter_map(|b| {
            let m = b.matter.as_ref()?;
            Some(vec![
                m.code.clone(),
                m.name.clone(),
                m.department_code.clone(),
                role_name(b.role).to_owned(),
                m.promised_limit_days.to_string(),
                b.depends_on.join(", "),
            ])
        })
        .collect();
    out.push_str(&table(
        &["MATTER", "NAME", "DEPT", "ROLE", "PROMISED WD", "AFTER"],
        rows,
    ));
    out.push('\n');
    let rows = bundle
        .materials
        .iter()
        .map(|m| vec![m.code.clone(), m.name.clone()])
        .collect();
    out.push_str(&table(&["MATERIAL", "NAME"], rows));
    out
}

fn waiting_text(progress: Option<&pb::BranchProgress>) -> String {
    let Some(progress) = progress else {
        return String::new();
    };
    let what = match pb::WaitingFor::try_from(progress.waiting_for) {
        Ok(pb::WaitingFor::Applicant) => "applicant",
        Ok(pb::WaitingFor::Department) => "department",
        Ok(pb::WaitingFor::Predecessor) => "predecessor",
        Ok(pb::WaitingFor::SpecialProcedure) => "special procedure",
        _ => return "-".to_owned(),
    };
    format!("{what}: {}", progress.detail)
}

/// A key project as a readable table: one row per branch of every application.
pub fn render_project(board: &pb::ProjectBoard) -> String {
    let mut out = String::new();
    if let Some(p) = &board.project {
        out.push_str(&format!(
            "{} {} — {}, {} 万元, facilitator {}\n\n",
            p.code, p.name, p.investor, p.investment_wan, p.facilitator
        ));
    }
    let mut rows = Vec::new();
    for item in &board.applications {
        let Some(application) = &item.application else {
            continue;
        };
        let receipt = if application.receipt_number.is_empty() {
            "(not accepted)"
        } else {
            &application.receipt_number
        };
        for branch in &application.branches {
            let progress = item.progress.iter().find(|p| p.branch_id == branch.id);
            rows.push(vec![
                receipt.to_owned(),
                application.bundle_name.clone(),
                branch.matter_name.clone(),
                branch.department_code.clone(),
                branch_state_name(branch.state).to_owned(),
                deadline_text(branch.deadline.as_ref()),
                waiting_text(progress),
            ]);
        }
    }
    out.push_str(&table(
        &[
            "RECEIPT",
            "BUNDLE",
            "MATTER",
            "DEPT",
            "STATE",
            "DEADLINE",
            "WAITING FOR",
        ],
        rows,
    ));
    out
}

/// Lays rows out in columns, measuring display width so that Chinese text lines up.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            text.push_str(cell);
            if index + 1 < cells.len() {
                text.push_str(&" ".repeat(width - cell.width() + 2));
            }
        }
        text.trim_end().to_owned() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_session_shows_who_signed_and_who_was_deemed_to_consent() {
        let session = pb::Session {
            id: "s1".into(),
            state: pb::SessionState::Closed as i32,
            lead_department_code: "zjj".into(),
            invitations: vec![
                pb::Invitation {
                    department_code: "rfb".into(),
                    acknowledged: true,
                    acknowledged_by: "rfb-01".into(),
                    ..Default::default()
                },
                pb::Invitation {
                    department_code: "daj".into(),
                    ..Default::default()
                },
            ],
            outcomes: vec![
                pb::DepartmentOutcome {
                    department_code: "rfb".into(),
                    attendance: pb::Attendance::Absent as i32,
                    ..Default::default()
                },
                pb::DepartmentOutcome {
                    department_code: "daj".into(),
                    attendance: pb::Attendance::AbsentExcused as i32,
                    ..Default::default()
                },
            ],
            minutes: "纪要".into(),
            closed_by_system: true,
            ..Default::default()
        };
        let text = render_session(&session);
        assert!(text.contains("closed - by the system: 纪要"), "{text}");
        let rfb = text.lines().find(|l| l.starts_with("rfb")).unwrap();
        assert!(
            rfb.contains("rfb-01") && rfb.contains("deemed to consent"),
            "{rfb}"
        );
        let daj = text.lines().find(|l| l.starts_with("daj")).unwrap();
        assert!(
            daj.contains("not signed") && daj.contains("deadline rule"),
            "{daj}"
        );
    }

    #[test]
    fn session_times_are_read_in_china_standard_time() {
        let at = parse_local_time("--starts", "2026-03-04 09:00").unwrap();
        assert_eq!(at.seconds, 1_772_586_000);
        assert!(
            parse_local_time("--starts", "tomorrow")
                .unwrap_err()
                .contains("--starts")
        );
    }

    #[test]
    fn tables_align_chinese_text_by_display_width() {
        let text = table(
            &["A", "B"],
            vec![
                vec!["开办企业".into(), "x".into()],
                vec!["ab".into(), "y".into()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1].find('x').map(|i| lines[1][..i].width()), Some(10));
        assert_eq!(lines[2].find('y').map(|i| lines[2][..i].width()), Some(10));
    }

    #[test]
    fn a_project_board_shows_what_each_branch_waits_for() {
        let branch = pb::Branch {
            id: "b1".into(),
            matter_name: "企业设立登记".into(),
            department_code: "scjg".into(),
            state: pb::BranchState::Open as i32,
            ..Default::default()
        };
        let board = pb::ProjectBoard {
            project: Some(pb::Project {
                code: "ZD-1".into(),
                name: "产业园".into(),
                ..Default::default()
            }),
            applications: vec![pb::ProjectApplication {
                application: Some(pb::Application {
                    receipt_number: "LB1".into(),
                    branches: vec![branch],
                    ..Default::default()
                }),
                progress: vec![pb::BranchProgress {
                    branch_id: "b1".into(),
                    waiting_for: pb::WaitingFor::Department as i32,
                    detail: "scjg".into(),
                }],
            }],
        };
        let text = render_project(&board);
        assert!(text.contains("ZD-1 产业园"), "{text}");
        assert!(
            text.lines()
                .any(|l| l.contains("LB1") && l.contains("open") && l.contains("department: scjg")),
            "{text}"
        );
    }

    #[test]
    fn personal_ids_are_masked_for_display() {
        assert_eq!(mask_id("11010519491231002X"), "1101**********002X");
    }

    #[test]
    fn the_walkthrough_file_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("walkthrough/kaiban-qiye.toml");
        let (request, key) = submission_from_file(&path).unwrap();
        assert_eq!(request.bundle_code, "kaiban-qiye");
        assert!(key.starts_with("cli-"));
    }
}
