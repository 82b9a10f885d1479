//! What the tests of the operator commands share: running the server binary as an operator does.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the server binary in `folder` (no `lianban.toml` there) with `args` on `database_url`.
pub fn run(folder: &Path, database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lianban-server"))
        .current_dir(folder)
        .env_remove("LIANBAN_CONFIG")
        .env("LIANBAN_DATABASE_URL", database_url)
        .args(args)
        .output()
        .expect("run lianban-server")
}
