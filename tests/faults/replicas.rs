//! The replicas under test: `lianban-server` processes on one PostgreSQL database, each on its own
//! loopback port, started, killed with SIGKILL and started again on the same port.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tonic::transport::{Channel, Endpoint};

/// How long one replica may take to start serving (migrations and the catch-up sweep first).
const START_BOUND: Duration = Duration::from_secs(180);

/// Every replica: the same binary, database, catalogue and manual clock.
pub struct Replicas {
    binary: PathBuf,
    database_url: String,
    catalogue: PathBuf,
    logs: PathBuf,
    /// Where a replica's manual clock starts: the test's current time.
    clock_start: Mutex<String>,
    slots: Vec<Slot>,
}

struct Slot {
    port: u16,
    channel: Channel,
    child: Mutex<Option<tokio::process::Child>>,
}

impl Replicas {
    /// `count` replicas, none started yet; their logs go to `logs`.
    pub fn new(
        binary: &Path,
        database_url: &str,
        catalogue: &Path,
        logs: &Path,
        count: usize,
        clock_start: &str,
    ) -> Replicas {
        let slots = (0..count)
            .map(|_| {
                let port = free_port();
                let channel = Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
                    .expect("valid uri")
                    .connect_timeout(Duration::from_secs(1))
                    .tcp_nodelay(true)
                    .connect_lazy();
                Slot {
                    port,
                    channel,
                    child: Mutex::new(None),
                }
            })
            .collect();
        Replicas {
            binary: binary.to_owned(),
            database_url: database_url.to_owned(),
            catalogue: catalogue.to_owned(),
            logs: logs.to_owned(),
            clock_start: Mutex::new(clock_start.to_owned()),
            slots,
        }
    }

    /// How many replicas.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// A channel to replica `index` (it reconnects by itself after a restart).
    pub fn channel(&self, index: usize) -> Channel {
        self.slots[index % self.slots.len()].channel.clone()
    }

    /// Where replicas started from now on put their manual clock.
    pub fn set_clock_start(&self, at: &str) {
        *self.clock_start.lock().expect("clock start") = at.to_owned();
    }

    /// Starts replica `index` on its port and waits until it answers health checks; the time it
    /// took.
    pub async fn start(&self, index: usize) -> Duration {
        let slot = &self.slots[index];
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.logs.join(format!("replica-{index}.log")))
            .expect("replica log");
        let clock_start = self.clock_start.lock().expect("clock start").clone();
        let started = Instant::now();
        let mut child = tokio::process::Command::new(&self.binary)
            .env("LIANBAN_LISTEN", format!("127.0.0.1:{}", slot.port))
            .env("LIANBAN_DATABASE_URL", &self.database_url)
            .env("LIANBAN_CATALOGUE_DIR", &self.catalogue)
            .env("LIANBAN_CLOCK", "manual")
            .env("LIANBAN_MANUAL_CLOCK_START", clock_start)
            .env("LIANBAN_LOG_FILTER", "warn")
            .env("LIANBAN_CONSOLE__ENABLED", "false")
            .stdout(log.try_clone().expect("replica log"))
            .stderr(log)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start lianban-server");
        loop {
            if serving(slot.channel.clone()).await {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "replica {index} exited during start-up ({status}); see {}",
                    self.logs.join(format!("replica-{index}.log")).display()
                );
            }
            assert!(
                started.elapsed() < START_BOUND,
                "replica {index} did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        *slot.child.lock().expect("child") = Some(child);
        started.elapsed()
    }

    /// Kills replica `index` with SIGKILL and waits until it is gone.
    pub async fn kill(&self, index: usize) {
        let child = self.slots[index].child.lock().expect("child").take();
        if let Some(mut child) = child {
            child.kill().await.expect("SIGKILL a replica");
        }
    }

    /// Stops every replica with SIGTERM (it drains and closes its store), SIGKILL after 30 s.
    pub async fn stop_all(&self) {
        let children: Vec<_> = self
            .slots
            .iter()
            .filter_map(|slot| slot.child.lock().expect("child").take())
            .collect();
        for child in &children {
            if let Some(pid) = child.id() {
                let _ = std::process::Command::new("kill")
                    .arg(pid.to_string())
                    .status();
            }
        }
        for mut child in children {
            if tokio::time::timeout(Duration::from_secs(30), child.wait())
                .await
                .is_err()
            {
                let _ = child.kill().await;
            }
        }
    }
}

/// Whether the server behind `channel` answers a health check.
async fn serving(channel: Channel) -> bool {
    let mut client = tonic_health::pb::health_client::HealthClient::new(channel);
    let check = tonic_health::pb::HealthCheckRequest {
        service: String::new(),
    };
    let serving = tonic_health::pb::health_check_response::ServingStatus::Serving as i32;
    matches!(
        tokio::time::timeout(Duration::from_secs(2), client.check(check)).await,
        Ok(Ok(answer)) if answer.get_ref().status == serving
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .expect("local address")
        .port()
}
