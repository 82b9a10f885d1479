//! A PostgreSQL cluster for the tests, started from the system's binaries.
//!
//! One cluster serves a whole test process: it is initialised in a temporary folder on a free
//! loopback port the first time a test asks for it, and every test gets its own database. A small
//! watchdog shell stops the cluster and removes the folder once the test process has gone, so that
//! nothing is left behind even though Rust runs no destructor for statics. PostgreSQL refuses to
//! run as root, so when the tests run as root the cluster runs as the `postgres` user.
//!
//! A test that stops its database uses a `crate::cluster::PrivateCluster` of its own instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database};

/// The running cluster: its port, and the watchdog that stops it when the test process ends.
struct Cluster {
    port: u16,
    _watchdog: std::process::Child,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();

/// Creates a fresh database and returns its URL.
pub async fn fresh_database() -> String {
    let port = tokio::task::spawn_blocking(|| CLUSTER.get_or_init(start_cluster).port)
        .await
        .expect("cluster start");
    create_database(port).await
}

/// Creates a database on the cluster at `port` and returns its URL.
async fn create_database(port: u16) -> String {
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = connect_admin(port).await;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create database");
    admin.close().await.expect("close admin connection");
    format!("postgres://postgres@127.0.0.1:{port}/{name}")
}

/// Connects to the maintenance database, allowing for a cluster that is still starting up.
async fn connect_admin(port: u16) -> sea_orm::DatabaseConnection {
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match Database::connect(url.as_str()).await {
            Ok(connection) => return connection,
            Err(error) if Instant::now() > deadline => {
                panic!("cannot connect to the test cluster: {error}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// The settings every test cluster runs with: durability traded for speed, room for many servers.
const SETTINGS: &str =
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400";

/// A fresh cluster folder (owned by `postgres` when the tests run as root) with an initialised
/// data folder in it; returns the folder.
pub(crate) fn init_cluster(bin: &Path, as_root: bool) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("lianban-pg-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).expect("create cluster folder");
    if as_root {
        run(
            Command::new("chown").arg("postgres").arg(&folder),
            "chown the cluster folder",
        );
    }
    let initdb = format!(
        "{} -D {} -U postgres -A trust -E UTF8 --no-sync >{}/initdb.log 2>&1",
        bin.join("initdb").display(),
        folder.join("data").display(),
        folder.display()
    );
    run(
        &mut shell(&initdb, as_root),
        "initdb (see initdb.log in the cluster folder)",
    );
    folder
}

fn start_cluster() -> Cluster {
    let bin = binaries();
    let as_root = running_as_root();
    let folder = init_cluster(&bin, as_root);
    let data = folder.join("data");
    let port = free_port();
    // The watchdog: start postgres, wait for the test process to end, then stop it and clean up.
    let script = format!(
        "{postgres} -D {data} -h 127.0.0.1 -p {port} -k {folder} {SETTINGS} \
         >{folder}/postgres.log 2>&1 & pg=$!; \
         while [ -d /proc/{watched} ] && [ -d /proc/$pg ]; do sleep 0.5; done; \
         kill -INT $pg 2>/dev/null; wait $pg; rm -rf {folder}",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        folder = folder.display(),
        watched = std::process::id(),
    );
    let watchdog = shell(&script, as_root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start postgres");
    wait_for_port(port, &folder);
    Cluster {
        port,
        _watchdog: watchdog,
    }
}

/// Where initdb and postgres are: on PATH, or in the newest /usr/lib/postgresql/*/bin.
pub(crate) fn binaries() -> PathBuf {
    if let Some(dir) = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
    {
        return dir;
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    versions.sort_by_key(|path| {
        path.parent()
            .and_then(Path::file_name)
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions
        .pop()
        .filter(|dir| dir.join("initdb").is_file())
        .expect("PostgreSQL binaries (initdb, postgres) not found: install postgresql")
}

pub(crate) fn running_as_root() -> bool {
    let output = Command::new("id").arg("-u").output().expect("run id -u");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

pub(crate) fn shell(script: &str, as_postgres: bool) -> Command {
    if as_postgres {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", "sh", "-c", script]);
        command
    } else {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }
}

pub(crate) fn run(command: &mut Command, what: &str) {
    let status = command.status().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(status.success(), "{what} failed: {status}");
}

pub(crate) fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// Waits for the server process to accept connections: a start-up wait, not a test delay.
fn wait_for_port(port: u16, folder: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(folder.join("postgres.log")).unwrap_or_default();
    panic!("postgres did not start on port {port}:\n{log}");
}
