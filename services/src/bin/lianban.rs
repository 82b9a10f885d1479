//! `lianban`: the command-line client. Everything lives in `lianban_services::cli`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    lianban_services::cli::main().await
}
