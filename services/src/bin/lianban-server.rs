//! The Lianban gRPC server. Configuration: defaults, then `--config FILE` (or `lianban.toml` when
//! present), then `LIANBAN_*` environment variables.
//!
//! Without a subcommand it serves. `lianban-server backup --to FILE` writes an online copy of the
//! configured SQLite store while a server runs on it (PostgreSQL is refused: use its own tools).
//! `lianban-server probe` asks the health service on `probe_listen` (or `--address`) whether the
//! server is SERVING: exit 0 when it is, 1 when not (NOT_SERVING, unreachable, no answer in time),
//! 2 when there is nothing to ask (no `probe_listen`, no `--address`, or a bad configuration).

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
    /// Prints an application's document as the store keeps it, as JSON (the store writes it
    /// compressed): what an operator reads when the API's view of it is not enough.
    Document {
        /// The application's id.
        #[arg(value_name = "APPLICATION_ID")]
        id: uuid::Uuid,
    },
    /// Asks the plaintext health listener (`probe_listen`) whether the server is SERVING, for an
    /// exec readiness probe: exit 0 SERVING, 1 otherwise, 2 when there is nothing to ask.
    Probe {
        /// The health listener to ask instead of the configured `probe_listen`.
        #[arg(long, value_name = "ADDR")]
        address: Option<std::net::SocketAddr>,
        /// How long the connection and the answer may take together, in milliseconds.
        #[arg(long, value_name = "MS", default_value_t = 2000)]
        timeout_ms: u64,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let arguments = Arguments::parse();
    if let Some(Command::Probe {
        address,
        timeout_ms,
    }) = arguments.command
    {
        return probe(arguments.config.as_deref(), address, timeout_ms).await;
    }
    let config = match Config::load(arguments.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("lianban-server: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    match arguments.command {
        Some(Command::Backup { to }) => return backup(&config, &to).await,
        Some(Command::Document { id }) => return document(&config, id).await,
        _ => {}
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

/// `lianban-server document ID`: the document on standard output; exit 1 when there is no such
/// application or the store cannot be read.
async fn document(config: &Config, id: uuid::Uuid) -> std::process::ExitCode {
    let store = match lianban_services::store::Store::connect(&config.database_url).await {
        Ok(store) => store,
        Err(error) => {
            eprintln!("lianban-server: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let found = store.document_json(id).await;
    let _ = store.close().await;
    match found {
        Ok(Some(json)) => {
            println!("{json}");
            std::process::ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!("lianban-server: no application {id}");
            std::process::ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("lianban-server: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `lianban-server probe`: the status on one line; the exit code says whether to send calls here.
async fn probe(
    config: Option<&Path>,
    address: Option<std::net::SocketAddr>,
    timeout_ms: u64,
) -> std::process::ExitCode {
    let address = match address {
        Some(address) => address,
        None => match Config::load(config).map(|config| config.probe_listen) {
            Ok(Some(address)) => address,
            Ok(None) => {
                eprintln!(
                    "lianban-server: nothing to probe: set probe_listen (e.g. \"127.0.0.1:50052\") \
                     or pass --address"
                );
                return std::process::ExitCode::from(2);
            }
            Err(error) => {
                eprintln!("lianban-server: {error}");
                return std::process::ExitCode::from(2);
            }
        },
    };
    let timeout = std::time::Duration::from_millis(timeout_ms.max(1));
    let probed = lianban_services::probe::check(address, timeout).await;
    println!("{address}: {probed}");
    if probed.is_serving() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
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
