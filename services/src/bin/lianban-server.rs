//! The Lianban gRPC server. Configuration: defaults, then `--config FILE` (or `lianban.toml` when
//! present), then `LIANBAN_*` environment variables.
//!
//! Without a subcommand it serves. `lianban-server backup --to FILE` writes an online copy of the
//! configured SQLite store while a server runs on it (PostgreSQL is refused: use its own tools).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Parser, Subcommand};
use lianban_services::telemetry::{Telemetry, init_logging};
use lianban_services::{Config, Prepared, server};

/// Command-line arguments.
#[derive(Parser)]
#[command(
    name = "lianban-server",
    version,
    about = "Lianban joint-approval orchestrator (gRPC server)"
)]
struct Arguments {
    /// TOML configuration file.
    #[arg(long, env = "LIANBAN_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// What to do instead of serving.
    #[command(subcommand)]
    command: Option<Command>,
}

/// Operator commands; none means serve.
#[derive(Subcommand)]
enum Command {
    /// Writes a consistent copy of the SQLite store while the server goes on serving
    /// (PostgreSQL: use pg_basebackup or pg_dump).
    Backup {
        /// The backup file to create; refused when it exists.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let arguments = Arguments::parse();
    let config = match Config::load(arguments.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("lianban-server: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    if let Some(Command::Backup { to }) = arguments.command {
        return backup(&config, &to).await;
    }
    match run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "lianban-server stopped");
            eprintln!("lianban-server: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `lianban-server backup --to FILE`: one line on success, the reason on failure.
async fn backup(config: &Config, to: &Path) -> std::process::ExitCode {
    match lianban_services::store::backup_database(&config.database_url, to).await {
        Ok(done) => {
            println!(
                "lianban-server: backup written to {} ({} bytes)",
                done.path.display(),
                done.bytes
            );
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("lianban-server: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), lianban_services::Error> {
    // Telemetry first, so that its tracer can join the log subscriber before anything is logged.
    let telemetry = Arc::new(Telemetry::from_config(&config.telemetry)?);
    init_logging(
        &config.log_filter,
        config.telemetry.json_logs,
        telemetry.tracer(),
        std::io::stdout,
    )?;
    telemetry.announce(&config.telemetry);
    let prepared = Prepared::with_telemetry(&config, telemetry).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|error| {
            lianban_services::Error::Server(format!("cannot listen on {}: {error}", config.listen))
        })?;
    let shutdown = async {
        server::termination_signal().await;
        // The first signal drains; a second one means "now".
        tokio::spawn(async {
            server::termination_signal().await;
            tracing::warn!("second signal: exiting without waiting for the drain");
            std::process::exit(130);
        });
    };
    prepared.serve(listener, shutdown).await
}
