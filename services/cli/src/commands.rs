//! What each subcommand does: `run` connects once and hands the parsed arguments to the one
//! function of that subcommand. The functions are grouped by subject in the files below.

mod applications;
mod assessment;
mod catalogue;
mod credentials;
mod dispatch;
mod exchange;
mod projects;
mod sessions;
mod tasks;

use crate::args::{Action, Cli};
use crate::connection::{CliResult, Security, connect};

/// Runs one parsed command line: the development credential commands on their own, every other
/// against the server it names.
pub async fn run(cli: Cli) -> CliResult {
    let security = Security {
        ca: cli.ca,
        cert: cli.cert,
        key: cli.key,
        token: cli.token,
    };
    let command = match cli.command {
        Action::DevCerts(args) => return credentials::dev_certs(&args),
        Action::DevToken(args) => return credentials::dev_token(&args),
        command => command,
    };
    let mut clients = connect(&cli.server, &security).await?;
    match command {
        Action::DevCerts(_) | Action::DevToken(_) => Ok(()),
        Action::Bundles => catalogue::bundles(&mut clients.catalog).await,
        Action::Bundle { code } => catalogue::bundle(&mut clients.catalog, code).await,
        Action::Submit {
            file,
            idempotency_key,
            quiet,
        } => applications::submit(&mut clients.intake, &file, idempotency_key, quiet).await,
        Action::Supplement {
            application,
            materials,
            channel,
        } => applications::supplement(&mut clients.intake, &application, &materials, channel).await,
        Action::Show { application } => applications::show(&mut clients.intake, application).await,
        Action::List { bundle, state } => {
            applications::list(&mut clients.intake, bundle, state).await
        }
        Action::Tasks {
            department,
            state,
            application,
            clerk,
            quiet,
        } => {
            let filter = tasks::TaskFilter {
                department,
                state,
                application,
                clerk,
            };
            tasks::list(&mut clients.tasks, filter, quiet).await
        }
        Action::Claim { branch, caller } => tasks::claim(&mut clients.tasks, branch, caller).await,
        Action::Release {
            branch,
            caller,
            reason,
        } => tasks::release(&mut clients.tasks, branch, caller, reason).await,
        Action::Assign {
            branch,
            to,
            by,
            head_of,
            supervisor: _,
            reason,
        } => {
            let hand_over = tasks::Directed {
                to,
                by,
                head_of,
                reason,
            };
            tasks::assign(&mut clients.tasks, branch, hand_over).await
        }
        Action::Decide {
            branch,
            caller,
            decision,
            idempotency_key,
        } => {
            tasks::decide(
                &mut clients.tasks,
                branch,
                caller,
                decision,
                idempotency_key,
            )
            .await
        }
        Action::Withdraw {
            application,
            reason,
        } => applications::withdraw(&mut clients.intake, &application, reason).await,
        Action::Ready => dispatch::ready(&mut clients.dispatch).await,
        Action::Assessment { month, csv, out } => {
            assessment::assess(&mut clients.assessment, month, csv, out).await
        }
        Action::Projects { facilitator } => {
            projects::list(&mut clients.projects, facilitator).await
        }
        Action::Project { code } => projects::board(&mut clients.projects, code).await,
        Action::Session { action } => {
            sessions::run(action, &mut clients.sessions, &mut clients.intake).await
        }
        Action::Export {
            after,
            cursor_file,
            out,
            max,
        } => {
            let export = exchange::Export {
                after,
                cursor_file,
                out,
                max,
            };
            exchange::export(&mut clients.exchange, export).await
        }
        Action::Dispatch {
            application,
            method,
            by,
            recipient,
            tracking,
        } => {
            let hand_over = dispatch::HandOver {
                method,
                by,
                recipient,
                tracking,
            };
            dispatch::hand_over(
                &mut clients.intake,
                &mut clients.dispatch,
                &application,
                hand_over,
            )
            .await
        }
    }
}
