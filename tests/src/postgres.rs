//! A PostgreSQL cluster for the tests, started from the system's binaries.
//!
//! One cluster serves a whole test process: it is initialised in a temporary folder on a free
//! loopback port the first time a test asks for it, and every test gets its own database. A small
//! watchdog shell stops the cluster and removes the folder once the test process has gone, so that
//! nothing is left behind even though Rust runs no destructor for statics. PostgreSQL refuses to
//! run as root, so when the tests run as root the cluster runs as the `postgres` user.
//!
//! A test that stops its database uses a [`PrivateCluster`] of its own instead.

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
fn init_cluster(bin: &Path, as_root: bool) -> PathBuf {
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

/// A cluster of one test's own, which the test may stop and start again (same data folder, same
/// port) to see what the server does while its database is gone; the shared cluster is never
/// stopped. Dropping it stops the cluster and removes its folder; should the test process die
/// without unwinding, a watchdog does the same once the process has gone.
pub struct PrivateCluster {
    port: u16,
    folder: PathBuf,
    bin: PathBuf,
    as_root: bool,
    _watchdog: std::process::Child,
}

impl PrivateCluster {
    /// Initialises a cluster in a temporary folder on a free loopback port and starts it.
    pub async fn start() -> PrivateCluster {
        tokio::task::spawn_blocking(|| {
            let bin = binaries();
            let as_root = running_as_root();
            let folder = init_cluster(&bin, as_root);
            let port = free_port();
            let script = format!(
                "while [ -d /proc/{watched} ]; do sleep 0.5; done; \
                 {pg_ctl} -D {folder}/data -m immediate stop >/dev/null 2>&1; rm -rf {folder}",
                watched = std::process::id(),
                pg_ctl = bin.join("pg_ctl").display(),
                folder = folder.display(),
            );
            let watchdog = shell(&script, as_root)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start the private cluster's watchdog");
            let cluster = PrivateCluster {
                port,
                folder,
                bin,
                as_root,
                _watchdog: watchdog,
            };
            cluster.pg_ctl("start", "start the private cluster");
            cluster
        })
        .await
        .expect("private cluster start")
    }

    /// Creates a fresh database on this cluster and returns its URL.
    pub async fn fresh_database(&self) -> String {
        create_database(self.port).await
    }

    /// Stops PostgreSQL (fast shutdown: open sessions are ended) and waits until it has stopped.
    pub async fn stop(&self) {
        self.in_background("stop -m fast", "stop the private cluster")
            .await;
    }

    /// Starts PostgreSQL again on the same data folder and port, and waits until it accepts
    /// connections.
    pub async fn start_again(&self) {
        self.in_background("start", "start the private cluster again")
            .await;
    }

    async fn in_background(&self, action: &'static str, what: &'static str) {
        let (bin, folder, port, as_root) = (
            self.bin.clone(),
            self.folder.clone(),
            self.port,
            self.as_root,
        );
        tokio::task::spawn_blocking(move || pg_ctl(&bin, &folder, port, as_root, action, what))
            .await
            .expect("pg_ctl");
    }

    fn pg_ctl(&self, action: &str, what: &str) {
        pg_ctl(
            &self.bin,
            &self.folder,
            self.port,
            self.as_root,
            action,
            what,
        );
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let script = format!(
            "{} -D {}/data -m immediate stop >/dev/null 2>&1",
            self.bin.join("pg_ctl").display(),
            self.folder.display()
        );
        let _ = shell(&script, self.as_root).status();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// Runs `pg_ctl <action>` on the cluster in `folder` and waits for it to finish (`-w`).
fn pg_ctl(bin: &Path, folder: &Path, port: u16, as_root: bool, action: &str, what: &str) {
    let script = format!(
        "{pg_ctl} -D {folder}/data -w -t 60 -l {folder}/postgres.log \
         -o '-h 127.0.0.1 -p {port} -k {folder} {SETTINGS}' {action} >>{folder}/pg_ctl.log 2>&1",
        pg_ctl = bin.join("pg_ctl").display(),
        folder = folder.display(),
    );
    run(&mut shell(&script, as_root), what);
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
