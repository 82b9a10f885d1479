//! The Lianban gRPC server. Configuration: defaults, then `--config FILE` (or `lianban.toml` when
//! present), then `LIANBAN_*` environment variables.

use std::path::PathBuf;

use clap::Parser;
use lianban_services::{Config, Prepared, server};
use tracing_subscriber::EnvFilter;

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
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(&config.log_filter))
        .init();
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
    let prepared = Prepared::from_config(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|error| {
            lianban_services::Error::Server(format!("cannot listen on {}: {error}", config.listen))
        })?;
    prepared.serve(listener, server::termination_signal()).await
}
