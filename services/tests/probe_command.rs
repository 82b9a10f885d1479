//! `lianban-server probe`, run as a readiness probe runs it: exit 0 and `SERVING` against a server
//! with `probe_listen`, found through the same configuration the server reads; exit 1 when nobody
//! answers there; exit 2 when there is nothing to ask (no `probe_listen`, no `--address`) or the
//! configuration is refused.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};

use lianban_services::{Config, Prepared};

/// Runs the server binary in `folder` (no `lianban.toml` there) with `args` and `environment`.
fn run(folder: &Path, environment: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lianban-server"));
    command
        .current_dir(folder)
        .env_remove("LIANBAN_CONFIG")
        .env_remove("LIANBAN_PROBE_LISTEN")
        .env_remove("LIANBAN_LISTEN");
    for (name, value) in environment {
        command.env(name, value);
    }
    command.args(args).output().expect("run lianban-server")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A loopback address nobody listens on now (bound on port 0, then let go).
fn free_loopback_address() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("bound address")
}

#[test]
fn the_probe_fails_with_nobody_listening_and_refuses_to_guess_an_address() {
    let folder = tempfile::tempdir().unwrap();
    let nobody = free_loopback_address().to_string();

    let refused = run(
        folder.path(),
        &[],
        &["probe", "--address", &nobody, "--timeout-ms", "2000"],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stdout).contains("UNREACHABLE"),
        "{}",
        text(&refused.stdout)
    );

    // The configured address is used when no --address is given.
    let configured = run(
        folder.path(),
        &[("LIANBAN_PROBE_LISTEN", &nobody)],
        &["probe"],
    );
    assert_eq!(configured.status.code(), Some(1));
    assert!(text(&configured.stdout).contains(&nobody));

    let nothing = run(folder.path(), &[], &["probe"]);
    assert_eq!(nothing.status.code(), Some(2), "{}", text(&nothing.stdout));
    assert!(
        text(&nothing.stderr).contains("probe_listen"),
        "{}",
        text(&nothing.stderr)
    );

    let exposed = run(
        folder.path(),
        &[("LIANBAN_PROBE_LISTEN", "0.0.0.0:50052")],
        &["probe"],
    );
    assert_eq!(exposed.status.code(), Some(2));
    assert!(
        text(&exposed.stderr).contains("loopback"),
        "{}",
        text(&exposed.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probe_reads_serving_from_a_running_server_through_its_configuration() {
    let folder = tempfile::tempdir().unwrap();
    let probe_address = free_loopback_address();
    let config = Config {
        database_url: format!(
            "sqlite://{}?mode=rwc",
            folder.path().join("lianban.db").display()
        ),
        probe_listen: Some(probe_address),
        console: lianban_services::console::ConsoleConfig {
            enabled: false,
            ..Default::default()
        },
        ..Config::default()
    };
    // The probe listener is bound once prepared: the probe's connection waits in its backlog.
    let prepared = Prepared::from_config(&config).await.expect("prepared");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(prepared.serve(listener, async {
        let _ = stopped.await;
    }));

    let configuration = folder.path().join("lianban.toml");
    std::fs::write(
        &configuration,
        format!("probe_listen = \"{probe_address}\"\n"),
    )
    .unwrap();
    let config_path = configuration.display().to_string();
    let probed = {
        let folder = folder.path().to_owned();
        tokio::task::spawn_blocking(move || {
            run(
                &folder,
                &[("LIANBAN_CONFIG", &config_path)],
                &["probe", "--timeout-ms", "10000"],
            )
        })
        .await
        .unwrap()
    };
    assert_eq!(
        probed.status.code(),
        Some(0),
        "{}{}",
        text(&probed.stdout),
        text(&probed.stderr)
    );
    assert!(
        text(&probed.stdout).trim_end().ends_with(": SERVING"),
        "{}",
        text(&probed.stdout)
    );

    let _ = shutdown.send(());
    serving.await.unwrap().expect("the server stops cleanly");
}
