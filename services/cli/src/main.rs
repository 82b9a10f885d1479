//! `lianban`, the command-line client a person uses to walk an application through the flow:
//! submit from a TOML or JSON file, show it as a table, list a department's tasks, claim, decide,
//! withdraw and dispatch. It speaks the same gRPC API as every department system, so it is a crate
//! of its own that links only the contract and a gRPC client, never the server's store.

mod args;
mod commands;
mod connection;
// The server crate's development credentials, compiled here from the same files so that the
// client does not link the server; `dev-certs` and `dev-token` use a part of them.
#[allow(dead_code, unused_imports)]
#[path = "../../src/dev_credentials/mod.rs"]
mod dev_credentials;
mod keys;
mod render;
mod submission;
mod time;
mod wire;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lianban: {message}");
            ExitCode::FAILURE
        }
    }
}
