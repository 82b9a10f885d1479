//! A PostgreSQL cluster of its own that a test can stop and start again on the same data folder
//! and port, for the fault test (`lianban-faults`) and the health tests: PostgreSQL going away
//! under load and coming back.
//!
//! It is initialised from the system's binaries in a temporary folder on a free loopback port and
//! driven with `pg_ctl`. Dropping it stops PostgreSQL and removes the folder; a small watchdog
//! shell does the same if the process that made it ends without dropping it (a panic that aborts,
//! a kill). As for the shared cluster (`postgres.rs`), it runs as the `postgres` user when the
//! caller is root. It can stop PostgreSQL at once, as a crash would, and so keeps
//! `synchronous_commit` on: see [`PrivateCluster::start`].

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database};

use crate::postgres::{binaries, free_port, init_cluster, running_as_root, shell};

/// A private cluster: stopped and started at will, removed when dropped.
pub struct PrivateCluster {
    bin: PathBuf,
    folder: PathBuf,
    data: PathBuf,
    port: u16,
    as_root: bool,
    /// PostgreSQL's own durability settings rather than the test ones (see [`Self::start`]).
    durable: bool,
    _watchdog: std::process::Child,
}

/// How a cluster is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopMode {
    /// `pg_ctl stop -m fast`: sessions are ended, a checkpoint is written.
    Fast,
    /// `pg_ctl stop -m immediate`: the server quits at once and recovers from its WAL at the next
    /// start, as after a crash.
    Immediate,
}

impl PrivateCluster {
    /// Initialises a cluster and starts it.
    pub fn start_new() -> PrivateCluster {
        Self::init_and_start(false)
    }

    /// Initialises a cluster with PostgreSQL's default durability (`fsync`, `synchronous_commit`
    /// and full page writes on) and starts it: what a benchmark measures, where a test would
    /// only wait on the disk.
    pub fn start_durable() -> PrivateCluster {
        Self::init_and_start(true)
    }

    fn init_and_start(durable: bool) -> PrivateCluster {
        let bin = binaries();
        let as_root = running_as_root();
        let folder = init_cluster(&bin, as_root);
        let data = folder.join("data");
        // The watchdog: once the process that made the cluster is gone, stop it and clean up.
        let script = format!(
            "while [ -d /proc/{watched} ]; do sleep 0.5; done; \
             {pg_ctl} -D {data} stop -m immediate >/dev/null 2>&1; rm -rf {folder}",
            watched = std::process::id(),
            pg_ctl = bin.join("pg_ctl").display(),
            data = data.display(),
            folder = folder.display(),
        );
        let watchdog = shell(&script, as_root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the cluster's watchdog");
        let cluster = PrivateCluster {
            bin,
            folder,
            data,
            port: free_port(),
            as_root,
            durable,
            _watchdog: watchdog,
        };
        cluster.start();
        cluster
    }

    /// The port it listens on, the same after every start.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Starts the stopped cluster on its data folder and port, and waits until it accepts
    /// connections.
    ///
    /// `fsync` and full page writes are off (what PostgreSQL wrote survives its own crash in the
    /// kernel's cache; only the machine's crash would lose it), but `synchronous_commit` stays
    /// on: with it off, a commit is answered before its WAL leaves PostgreSQL's memory, and an
    /// immediate stop loses the last acknowledged transactions.
    /// A durable cluster ([`Self::start_durable`]) keeps all three on.
    pub fn start(&self) {
        let durability = if self.durable {
            ""
        } else {
            "-c fsync=off -c full_page_writes=off"
        };
        let script = format!(
            "{pg_ctl} -D {data} -l {folder}/postgres.log -w -t 120 \
             -o '-h 127.0.0.1 -p {port} -k {folder} {durability} \
             -c max_connections=400' start >>{folder}/pg_ctl.log 2>&1",
            pg_ctl = self.bin.join("pg_ctl").display(),
            data = self.data.display(),
            folder = self.folder.display(),
            port = self.port,
        );
        let status = shell(&script, self.as_root)
            .status()
            .expect("run pg_ctl start");
        if !status.success() {
            panic!("pg_ctl start failed:\n{}", self.log());
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "postgres did not listen:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the cluster and waits until it has stopped.
    pub fn stop(&self, mode: StopMode) {
        let mode = match mode {
            StopMode::Fast => "fast",
            StopMode::Immediate => "immediate",
        };
        let script = format!(
            "{pg_ctl} -D {data} -w -t 120 stop -m {mode} >>{folder}/pg_ctl.log 2>&1",
            pg_ctl = self.bin.join("pg_ctl").display(),
            data = self.data.display(),
            folder = self.folder.display(),
        );
        let status = shell(&script, self.as_root)
            .status()
            .expect("run pg_ctl stop");
        assert!(status.success(), "pg_ctl stop failed:\n{}", self.log());
    }

    /// Creates a database and returns its URL.
    pub async fn create_database(&self, name: &str) -> String {
        let admin = Database::connect(self.url("postgres").as_str())
            .await
            .expect("connect to the private cluster");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create database");
        admin.close().await.expect("close admin connection");
        self.url(name)
    }

    /// The URL of `database` in this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// PostgreSQL's log so far.
    pub fn log(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.folder.join(name)).unwrap_or_default();
        format!("{}{}", read("pg_ctl.log"), read("postgres.log"))
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let script = format!(
            "{pg_ctl} -D {data} stop -m immediate >/dev/null 2>&1; rm -rf {folder}",
            pg_ctl = self.bin.join("pg_ctl").display(),
            data = self.data.display(),
            folder = self.folder.display(),
        );
        let _ = shell(&script, self.as_root).status();
    }
}
