//! The server under test as a child process: started on a fresh store, its CPU time and memory
//! read from /proc, and the gRPC channel to it once its health says it serves.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tonic::transport::Channel;

/// How many connections the generator opens to a server: one for every 16 client tasks at
/// concurrency 64, as department systems each hold their own. One connection for all 64 would
/// pass the server's limit of calls in flight per connection (`limits.max_calls_per_connection`,
/// 100) as soon as the parallel decisions start.
pub(crate) const CONNECTIONS: usize = 4;

/// The server under test, as a child process.
pub(crate) struct Server {
    pub(crate) child: tokio::process::Child,
    pub(crate) pid: u32,
    /// The first of `channels`, for the generator's own calls (clock, notifications).
    pub(crate) channel: Channel,
    /// [`CONNECTIONS`] connections, over which the client tasks are spread.
    pub(crate) channels: Vec<Channel>,
}

impl Server {
    pub(crate) async fn start(
        binary: &PathBuf,
        database_url: &str,
        catalogue: &PathBuf,
        clock_start: &str,
    ) -> Server {
        let port = free_port();
        let address = format!("127.0.0.1:{port}");
        let mut child = tokio::process::Command::new(binary)
            .env("LIANBAN_LISTEN", &address)
            .env("LIANBAN_DATABASE_URL", database_url)
            .env("LIANBAN_CATALOGUE_DIR", catalogue)
            .env("LIANBAN_CLOCK", "manual")
            .env("LIANBAN_MANUAL_CLOCK_START", clock_start)
            .env("LIANBAN_LOG_FILTER", "warn")
            .env("LIANBAN_CONSOLE__ENABLED", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start lianban-server");
        let pid = child.id().expect("server pid");
        let channels = connections(&address, &mut child, true).await;
        Server {
            child,
            pid,
            channel: channels[0].clone(),
            channels,
        }
    }

    pub(crate) fn cpu_seconds(&self) -> f64 {
        cpu_seconds(self.pid)
    }

    pub(crate) fn peak_rss_mb(&self) -> f64 {
        status_kb(self.pid, "VmHWM") / 1024.0
    }

    pub(crate) fn rss_mb(&self) -> f64 {
        status_kb(self.pid, "VmRSS") / 1024.0
    }

    pub(crate) async fn stop(mut self) {
        // SIGTERM drains and closes the store.
        let _ = std::process::Command::new("kill")
            .arg(self.pid.to_string())
            .status();
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
    }
}

/// The user and system CPU time a process has used so far, from `/proc/<pid>/stat`.
pub(crate) fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the command name: state is field 0, utime 11 and stime 12 (clock ticks of 1/100 s).
    (ticks(11) + ticks(12)) / 100.0
}

pub(crate) fn status_kb(pid: u32, key: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// [`CONNECTIONS`] separate connections to the process, once it listens.
pub(crate) async fn connections(
    address: &str,
    child: &mut tokio::process::Child,
    health: bool,
) -> Vec<Channel> {
    let mut channels = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        channels.push(connect(address, child, health).await);
    }
    channels
}

/// Connects once the process listens (start-up runs migrations and the catch-up sweep first).
pub(crate) async fn connect(
    address: &str,
    child: &mut tokio::process::Child,
    health: bool,
) -> Channel {
    let started = Instant::now();
    loop {
        if let Ok(channel) = Channel::from_shared(format!("http://{address}"))
            .unwrap()
            .connect()
            .await
        {
            // A bound port is not yet a serving server (start-up catches up on deadlines first):
            // wait for an answer.
            if !health {
                return channel;
            }
            let mut client = tonic_health::pb::health_client::HealthClient::new(channel.clone());
            let check = tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            };
            if client.check(check).await.is_ok() {
                return channel;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited during start-up: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
