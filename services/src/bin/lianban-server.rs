//! The Lianban gRPC server. Configuration: defaults, then `--config FILE` (or `lianban.toml` when
//! present), then `LIANBAN_*` environment variables.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
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
    #[arg(long, env = "LIANBAN_CONFIG")]
    config: Option<PathBuf>,
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
    match run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "lianban-server stopped");
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
