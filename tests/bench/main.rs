//! `lianban-bench`: the load generator. It starts the release server (`target/release/lianban-server`,
//! built beforehand; the generator builds nothing) as a separate process on a fresh store, drives it
//! over real gRPC from this process, and prints a table; `BENCHMARKS.md` explains the method.
//!
//! Workloads, each at concurrency 1, 16 and 64:
//! 1. 开办企业: submit (complete) → registration approved → the six other branches approved in
//!    parallel → dispatch.
//! 2. a five-department joint review where one department stays silent: four consent, the manual
//!    clock is advanced past the deadline, the silent one is deemed to consent, then dispatch.
//!
//! The floor is the same client, concurrency and message sizes against an empty tonic unary
//! service (this binary, `floor-server` mode) in the same run.

mod floor;
mod scale;
mod server;
mod table;
mod workloads;

use floor::Floor;
use scale::scale;
use server::Server;
use table::{print_ratios, print_table, row};
use workloads::{company_workload, joint_workload};

use std::path::PathBuf;

/// A five-department joint review for workload 2, added to the sample catalogue.
const BENCH_BUNDLE: &str = r#"
[[matter]]
code = "bench-xfjy-yijian"
name = "消防意见（基准测试）"
department = "xfjy"
legal_limit_days = 5
promised_limit_days = 1

[[bundle]]
code = "bench-lianshen"
name = "五部门联审（基准测试）"
lead_department = "zjj"
promised_limit_days = 5
form = [{ key = "project_name", label = "工程名称", required = true }]

[[bundle.branch]]
matter = "zrzy-guihua-heshi"
role = "joint_review"

[[bundle.branch]]
matter = "zjj-xiaofang-yanshou"
role = "joint_review"

[[bundle.branch]]
matter = "rfb-renfang-yanshou"
role = "joint_review"

[[bundle.branch]]
matter = "bench-xfjy-yijian"
role = "joint_review"

[[bundle.branch]]
matter = "daj-dangan-yanshou"
role = "joint_review"
"#;

/// What the generator runs, from its command line.
#[derive(Debug, clap::Parser)]
#[command(
    name = "lianban-bench",
    about = "Lianban's load generator: starts the release server on a fresh store, drives it over \
             gRPC at concurrency 1, 16 and 64 beside an empty-RPC floor, and prints a table \
             (BENCHMARKS.md has the method)"
)]
struct Options {
    /// The few-second run CI does: concurrency 1 and 16, a handful of applications.
    #[arg(long)]
    quick: bool,
    /// Skip the workloads: only the scale run (with --scale).
    #[arg(long)]
    scale_only: bool,
    /// A fresh database in a PostgreSQL cluster of its own, started from the system's binaries
    /// with PostgreSQL's default durability, instead of SQLite in a temporary folder.
    #[arg(long)]
    postgres: bool,
    /// How many servers to start on the one store; the client tasks are spread over them evenly
    /// (several on SQLite share its single write lock; with --postgres they are replicas).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=8))]
    replicas: u16,
    /// Submit this many open 开办企业 applications afterwards and report the submit rate, the
    /// server's memory and the start-up that catches up on their passed deadlines (0: no scale
    /// run).
    #[arg(long, value_name = "N", default_value_t = 0)]
    scale: u64,
    /// Of the scale run's applications, how many have their deadline pass while the server is
    /// down (all of them when unset).
    #[arg(long, value_name = "M")]
    due: Option<u64>,
    /// With --scale: approve each application's registration as it is submitted, so that its six
    /// other branches run in parallel and all six deadlines pass while the server is down (the
    /// restart, two months later, acts on six deadlines of each application).
    #[arg(long, requires = "scale", conflicts_with = "due")]
    approved: bool,
    /// The server binary to drive.
    #[arg(long, value_name = "FILE", default_value_os_t = default_server())]
    server: PathBuf,
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Debug, clap::Subcommand)]
enum Mode {
    /// The empty service the floor is measured against (started by the generator itself).
    #[command(hide = true)]
    FloorServer,
}

/// Every server's connections, interleaved, so that client task `i` (which takes connection
/// `i mod n`) lands on the servers in turn.
fn spread(servers: &[Server]) -> Vec<tonic::transport::Channel> {
    (0..server::CONNECTIONS)
        .flat_map(|connection| {
            servers
                .iter()
                .map(move |server| server.channels[connection].clone())
        })
        .collect()
}

fn default_server() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/lianban-server")
}

#[tokio::main]
async fn main() {
    let options = <Options as clap::Parser>::parse();
    if let Some(Mode::FloorServer) = options.mode {
        floor::empty::serve().await;
        return;
    }
    if options.scale > 0 && options.replicas > 1 {
        eprintln!("lianban-bench: the scale run restarts one server: --scale needs --replicas 1");
        std::process::exit(2);
    }
    if !options.server.is_file() {
        eprintln!(
            "lianban-bench: {} not found; build it first: cargo build --release -p lianban-services --bin lianban-server",
            options.server.display()
        );
        std::process::exit(2);
    }
    let work = tempfile::Builder::new()
        .prefix("lianban-bench-")
        .tempdir()
        .expect("temp folder");
    // Kept to the end of the run: dropping it stops PostgreSQL.
    let cluster = options
        .postgres
        .then(lianban_tests::cluster::PrivateCluster::start_durable);
    let database_url = if let Some(cluster) = &cluster {
        cluster.create_database("bench").await
    } else {
        format!(
            "sqlite://{}?mode=rwc",
            work.path().join("bench.db").display()
        )
    };
    let catalogue = work.path().join("catalogue");
    std::fs::create_dir_all(&catalogue).unwrap();
    let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../services/catalogue");
    for entry in std::fs::read_dir(&samples).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, catalogue.join(path.file_name().unwrap())).unwrap();
    }
    std::fs::write(catalogue.join("bench.toml"), BENCH_BUNDLE).unwrap();

    let start = "2026-03-02T01:00:00Z";
    let mut servers = Vec::with_capacity(usize::from(options.replicas));
    for _ in 0..options.replicas {
        servers.push(Server::start(&options.server, &database_url, &catalogue, start).await);
    }
    let channels = spread(&servers);
    let cpu_seconds = |servers: &[Server]| servers.iter().map(Server::cpu_seconds).sum::<f64>();
    let floor = Floor::start().await;
    let levels: &[(usize, usize)] = if options.scale_only {
        &[]
    } else if options.quick {
        &[(1, 3), (16, 16)]
    } else {
        &[(1, 200), (16, 2000), (64, 4000)]
    };
    let mut rows = Vec::new();
    let pids: Vec<String> = servers.iter().map(|s| s.pid.to_string()).collect();
    println!(
        "# Lianban benchmark — {} store, {} server{} (pid {})",
        if options.postgres {
            "PostgreSQL (default durability)"
        } else {
            "SQLite (WAL, synchronous=FULL)"
        },
        servers.len(),
        if servers.len() == 1 { "" } else { "s" },
        pids.join(", ")
    );
    for &(concurrency, count) in levels {
        // Enough calls that the floor's CPU time (read in ticks of 10 ms) is measured to a few per cent.
        let floor_rate = floor.measure(concurrency, count.max(2000)).await;
        let before = cpu_seconds(&servers);
        let result = company_workload(&channels, concurrency, count).await;
        let cpu = (cpu_seconds(&servers) - before) / count as f64;
        rows.push(row("开办企业", concurrency, &result, cpu, Some(floor_rate)));
        let before = cpu_seconds(&servers);
        let joint = joint_workload(&channels, concurrency, count.min(2000)).await;
        let cpu = (cpu_seconds(&servers) - before) / joint.completed as f64;
        rows.push(row("5-dept joint review", concurrency, &joint, cpu, None));
    }
    print_table(&rows);
    println!();
    println!("Same-run ratios (开办企业 against the empty-RPC floor; CPU of every server):");
    println!();
    print_ratios(&rows);
    for server in &servers {
        println!(
            "server {} peak RSS: {:.1} MB",
            server.pid,
            server.peak_rss_mb()
        );
    }
    if options.scale > 0 {
        let server = servers.pop().expect("one server");
        let server = scale(server, options.scale, &options, &database_url, &catalogue).await;
        servers.push(server);
    }
    for server in servers {
        server.stop().await;
    }
    floor.stop().await;
}
