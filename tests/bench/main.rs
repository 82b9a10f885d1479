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

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lianban_proto::v1 as pb;
use tokio::io::AsyncBufReadExt;
use tokio::sync::Mutex;
use tonic::transport::Channel;

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
    /// A fresh database in a PostgreSQL cluster started from the system's binaries, instead of
    /// SQLite in a temporary folder.
    #[arg(long)]
    postgres: bool,
    /// Submit this many open 开办企业 applications afterwards and report the submit rate, the
    /// server's memory and the start-up that catches up on their passed deadlines (0: no scale
    /// run).
    #[arg(long, value_name = "N", default_value_t = 0)]
    scale: u64,
    /// Of the scale run's applications, how many have their deadline pass while the server is
    /// down (all of them when unset).
    #[arg(long, value_name = "M")]
    due: Option<u64>,
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

fn default_server() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/lianban-server")
}

#[tokio::main]
async fn main() {
    let options = <Options as clap::Parser>::parse();
    if let Some(Mode::FloorServer) = options.mode {
        floor::serve().await;
        return;
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
    let database_url = if options.postgres {
        lianban_tests::postgres::fresh_database().await
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
    let server = Server::start(&options.server, &database_url, &catalogue, start).await;
    let floor = Floor::start().await;
    let levels: &[(usize, usize)] = if options.scale_only {
        &[]
    } else if options.quick {
        &[(1, 3), (16, 16)]
    } else {
        &[(1, 200), (16, 2000), (64, 4000)]
    };
    let mut rows = Vec::new();
    println!(
        "# Lianban benchmark — {} store, server pid {}",
        if options.postgres {
            "PostgreSQL"
        } else {
            "SQLite (WAL, synchronous=FULL)"
        },
        server.pid
    );
    for &(concurrency, count) in levels {
        let floor_rate = floor.measure(concurrency, count.max(200)).await;
        let before = server.cpu_seconds();
        let result = company_workload(&server.channel, concurrency, count).await;
        let cpu = (server.cpu_seconds() - before) / count as f64;
        rows.push(row("开办企业", concurrency, &result, cpu, Some(floor_rate)));
        let before = server.cpu_seconds();
        let joint = joint_workload(&server.channel, concurrency, count.min(2000)).await;
        let cpu = (server.cpu_seconds() - before) / joint.completed as f64;
        rows.push(row("5-dept joint review", concurrency, &joint, cpu, None));
    }
    print_table(&rows);
    println!("server peak RSS: {:.1} MB", server.peak_rss_mb());
    let server = if options.scale > 0 {
        scale(server, options.scale, &options, &database_url, &catalogue).await
    } else {
        server
    };
    server.stop().await;
    floor.stop().await;
}

/// The server under test, as a child process.
struct Server {
    child: tokio::process::Child,
    pid: u32,
    channel: Channel,
}

impl Server {
    async fn start(
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
        let channel = connect(&address, &mut child, true).await;
        Server {
            child,
            pid,
            channel,
        }
    }

    fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
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

    fn peak_rss_mb(&self) -> f64 {
        status_kb(self.pid, "VmHWM") / 1024.0
    }

    fn rss_mb(&self) -> f64 {
        status_kb(self.pid, "VmRSS") / 1024.0
    }

    async fn stop(mut self) {
        // SIGTERM drains and closes the store.
        let _ = std::process::Command::new("kill")
            .arg(self.pid.to_string())
            .status();
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
    }
}

fn status_kb(pid: u32, key: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Connects once the process listens (start-up runs migrations and the catch-up sweep first).
async fn connect(address: &str, child: &mut tokio::process::Child, health: bool) -> Channel {
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

/// Latencies of one kind, in microseconds.
#[derive(Default, Clone)]
struct Samples(Vec<u64>);

impl Samples {
    fn push(&mut self, since: Instant) {
        self.0.push(since.elapsed().as_micros() as u64);
    }

    fn percentile(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1] as f64 / 1000.0
    }
}

#[derive(Default)]
struct Result_ {
    completed: usize,
    seconds: f64,
    submit: Samples,
    decide: Samples,
    dispatch: Samples,
    end_to_end: Samples,
    timer_lag: Samples,
}

#[derive(Default)]
struct Shared {
    submit: Samples,
    decide: Samples,
    dispatch: Samples,
    end_to_end: Samples,
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn company() -> pb::SubmitApplicationRequest {
    pb::SubmitApplicationRequest {
        idempotency_key: key(),
        bundle_code: "kaiban-qiye".into(),
        applicant: Some(pb::Applicant {
            kind: pb::ApplicantKind::NaturalPerson as i32,
            name: "王小明".into(),
            id_number: "11010519491231002X".into(),
            phone: "13800138000".into(),
        }),
        form: [
            ("company_name", "福州榕城茶业有限公司"),
            ("registered_capital", "100"),
            ("business_scope", "茶叶销售"),
            ("address", "福州市鼓楼区五四路88号"),
            ("legal_representative", "王小明"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        materials: [
            "fading-daibiaoren-shenfen",
            "gongsi-zhangcheng",
            "jingbanren-shenfen",
            "sheli-shenqingshu",
            "zhusuo-shiyong-zhengming",
        ]
        .iter()
        .map(|c| pb::MaterialSubmission {
            material_code: (*c).into(),
            document_ref: format!("dms://{c}"),
        })
        .collect(),
        channel: pb::Channel::OnSite as i32,
        key_project_code: String::new(),
        front_desk_clerk: "desk-01".into(),
    }
}

fn joint() -> pb::SubmitApplicationRequest {
    pb::SubmitApplicationRequest {
        bundle_code: "bench-lianshen".into(),
        form: [("project_name".to_owned(), "3号厂房".to_owned())]
            .into_iter()
            .collect(),
        materials: [
            "jungong-celiang-baogao",
            "guihua-xukezheng",
            "jungong-tuzhi",
            "xiaofang-jiance-baogao",
            "renfang-ziliao",
            "dangan-ziliao",
        ]
        .iter()
        .map(|c| pb::MaterialSubmission {
            material_code: (*c).into(),
            document_ref: format!("dms://{c}"),
        })
        .collect(),
        ..company()
    }
}

fn decision(
    branch: &pb::Branch,
    decision: pb::decide_task_request::Decision,
) -> pb::DecideTaskRequest {
    pb::DecideTaskRequest {
        idempotency_key: key(),
        branch_id: branch.id.clone(),
        department_code: branch.department_code.clone(),
        clerk_id: "bench".into(),
        decision: Some(decision),
    }
}

fn approve() -> pb::decide_task_request::Decision {
    pb::decide_task_request::Decision::Approve(pb::Approve {
        result_reference: "R-1".into(),
    })
}

async fn decide(
    channel: &Channel,
    shared: &Mutex<Shared>,
    request: pb::DecideTaskRequest,
) -> pb::Application {
    let mut tasks = pb::task_service_client::TaskServiceClient::new(channel.clone());
    let started = Instant::now();
    let response = tasks
        .decide_task(request)
        .await
        .expect("decide")
        .into_inner();
    shared.lock().await.decide.push(started);
    response.application.expect("application")
}

async fn dispatch(channel: &Channel, shared: &Mutex<Shared>, id: &str) {
    let mut client = pb::dispatch_service_client::DispatchServiceClient::new(channel.clone());
    let request = pb::RecordHandOverRequest {
        application_id: id.to_owned(),
        method: pb::HandOverMethod::Electronic as i32,
        handed_by: "window".into(),
        ..Default::default()
    };
    let started = Instant::now();
    client.record_hand_over(request).await.expect("dispatch");
    shared.lock().await.dispatch.push(started);
}

async fn submit(
    channel: &Channel,
    shared: &Mutex<Shared>,
    request: pb::SubmitApplicationRequest,
) -> pb::Application {
    let mut intake = pb::intake_service_client::IntakeServiceClient::new(channel.clone());
    let started = Instant::now();
    let response = intake
        .submit_application(request)
        .await
        .expect("submit")
        .into_inner();
    shared.lock().await.submit.push(started);
    response.application.expect("application")
}

/// One 开办企业 application, start to dispatch.
async fn one_company(channel: Channel, shared: Arc<Mutex<Shared>>) {
    let started = Instant::now();
    let application = submit(&channel, &shared, company()).await;
    let registration = application
        .branches
        .iter()
        .find(|b| b.matter_code == "scjg-qiye-sheli")
        .unwrap();
    let after = decide(&channel, &shared, decision(registration, approve())).await;
    let parallel: Vec<_> = after
        .branches
        .iter()
        .filter(|b| b.state == pb::BranchState::Open as i32)
        .map(|b| {
            let (channel, shared, request) =
                (channel.clone(), Arc::clone(&shared), decision(b, approve()));
            tokio::spawn(async move { decide(&channel, &shared, request).await })
        })
        .collect();
    for task in parallel {
        task.await.unwrap();
    }
    dispatch(&channel, &shared, &application.id).await;
    shared.lock().await.end_to_end.push(started);
}

async fn company_workload(channel: &Channel, concurrency: usize, count: usize) -> Result_ {
    let shared = Arc::new(Mutex::new(Shared::default()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (channel, shared, next) = (channel.clone(), Arc::clone(&shared), Arc::clone(&next));
            tokio::spawn(async move {
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                    one_company(channel.clone(), Arc::clone(&shared)).await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let shared = Arc::try_unwrap(shared).ok().unwrap().into_inner();
    Result_ {
        completed: count,
        seconds,
        submit: shared.submit,
        decide: shared.decide,
        dispatch: shared.dispatch,
        end_to_end: shared.end_to_end,
        timer_lag: Samples::default(),
    }
}

/// Joint reviews: submit and four consents for every application, then the clock passes the
/// deadline and the silent department is deemed to consent; then every application is dispatched.
async fn joint_workload(channel: &Channel, concurrency: usize, count: usize) -> Result_ {
    let shared = Arc::new(Mutex::new(Shared::default()));
    let started = Instant::now();
    let applications = Arc::new(Mutex::new(Vec::new()));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (channel, shared, next, applications) = (
                channel.clone(),
                Arc::clone(&shared),
                Arc::clone(&next),
                Arc::clone(&applications),
            );
            tokio::spawn(async move {
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                    let begun = Instant::now();
                    let application = submit(&channel, &shared, joint()).await;
                    let consent = pb::decide_task_request::Decision::Consent(pb::Consent {
                        comment: String::new(),
                    });
                    for branch in application
                        .branches
                        .iter()
                        .filter(|b| b.department_code != "daj")
                    {
                        decide(&channel, &shared, decision(branch, consent.clone())).await;
                    }
                    applications.lock().await.push((application.id, begun));
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    // Watch supervision notifications, then move the clock one day on: every silent archive
    // department is deemed to consent; the lag is from the clock passing to each notification.
    let mut notifications =
        pb::notification_service_client::NotificationServiceClient::new(channel.clone());
    let mut admin = pb::admin_service_client::AdminServiceClient::new(channel.clone());
    let first = applications.lock().await[0].0.clone();
    let mut latest = 0;
    let mut page_token = String::new();
    loop {
        let page = notifications
            .list_notifications(pb::ListNotificationsRequest {
                application_id: first.clone(),
                page_size: 500,
                page_token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        latest = page
            .notifications
            .iter()
            .map(|n| n.position)
            .fold(latest, i64::max);
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    let subscribe = pb::SubscribeRequest {
        after_position: latest,
        audience: pb::Audience::Supervision as i32,
        ..Default::default()
    };
    let mut stream = notifications
        .subscribe(subscribe)
        .await
        .unwrap()
        .into_inner();
    let passed = Instant::now();
    let moved = pb::AdvanceTimeRequest {
        seconds: 14 * 86_400,
    }; // past every 5-working-day limit
    let advance = tokio::spawn(async move { admin.advance_time(moved).await.unwrap() });
    let mut lag = Samples::default();
    let wanted = applications.lock().await.len();
    while lag.0.len() < wanted {
        match tokio::time::timeout(Duration::from_secs(120), stream.message()).await {
            Ok(Ok(Some(notification))) if notification.kind == "deemed_consent" => lag.push(passed),
            Ok(Ok(Some(_))) => {}
            _ => break,
        }
    }
    advance.await.expect("advance the clock");
    let ids: Vec<(String, Instant)> = applications.lock().await.clone();
    let chunks: Vec<Vec<(String, Instant)>> = ids
        .chunks(ids.len().div_ceil(concurrency))
        .map(|c| c.to_vec())
        .collect();
    let dispatchers: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let (channel, shared) = (channel.clone(), Arc::clone(&shared));
            tokio::spawn(async move {
                for (id, begun) in chunk {
                    dispatch(&channel, &shared, &id).await;
                    shared.lock().await.end_to_end.push(begun);
                }
            })
        })
        .collect();
    for task in dispatchers {
        task.await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let shared = Arc::try_unwrap(shared).ok().unwrap().into_inner();
    Result_ {
        completed: wanted,
        seconds,
        submit: shared.submit,
        decide: shared.decide,
        dispatch: shared.dispatch,
        end_to_end: shared.end_to_end,
        timer_lag: lag,
    }
}

/// The empty service, run as a separate process of this binary.
struct Floor {
    child: tokio::process::Child,
    channel: Channel,
}

impl Floor {
    async fn start() -> Floor {
        let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
            .arg("floor-server")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the floor server");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let address = lines
            .next_line()
            .await
            .unwrap()
            .expect("the floor server's address");
        let channel = connect(&address, &mut child, false).await;
        Floor { child, channel }
    }

    /// Decide calls per second against the empty service at `concurrency`.
    async fn measure(&self, concurrency: usize, count: usize) -> f64 {
        let request = decision(
            &pb::Branch {
                id: uuid::Uuid::now_v7().to_string(),
                department_code: "scjg".into(),
                ..Default::default()
            },
            approve(),
        );
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (channel, request, next) =
                    (self.channel.clone(), request.clone(), Arc::clone(&next));
                tokio::spawn(async move {
                    let mut tasks = pb::task_service_client::TaskServiceClient::new(channel);
                    while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                        tasks.decide_task(request.clone()).await.unwrap();
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await.unwrap();
        }
        count as f64 / started.elapsed().as_secs_f64()
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

mod floor {
    //! An empty unary service with the same messages: DecideTask answers a canned response of the
    //! size a real decision returns. The other methods answer canned empty messages.

    use lianban_proto::v1 as pb;
    use tonic::{Request, Response, Status};

    pub struct Empty {
        decided: pb::DecideTaskResponse,
    }

    type Stream =
        std::pin::Pin<Box<dyn tokio_stream::Stream<Item = Result<pb::TaskEvent, Status>> + Send>>;

    #[tonic::async_trait]
    impl pb::task_service_server::TaskService for Empty {
        type WatchTasksStream = Stream;

        async fn list_tasks(
            &self,
            _: Request<pb::ListTasksRequest>,
        ) -> Result<Response<pb::ListTasksResponse>, Status> {
            Ok(Response::new(pb::ListTasksResponse::default()))
        }

        async fn watch_tasks(
            &self,
            _: Request<pb::WatchTasksRequest>,
        ) -> Result<Response<Stream>, Status> {
            Ok(Response::new(Box::pin(tokio_stream::empty())))
        }

        async fn claim_task(
            &self,
            _: Request<pb::ClaimTaskRequest>,
        ) -> Result<Response<pb::Branch>, Status> {
            Ok(Response::new(pb::Branch::default()))
        }

        async fn release_task(
            &self,
            _: Request<pb::ReleaseTaskRequest>,
        ) -> Result<Response<pb::Branch>, Status> {
            Ok(Response::new(pb::Branch::default()))
        }

        async fn assign_task(
            &self,
            _: Request<pb::AssignTaskRequest>,
        ) -> Result<Response<pb::Branch>, Status> {
            Ok(Response::new(pb::Branch::default()))
        }

        async fn decide_task(
            &self,
            _: Request<pb::DecideTaskRequest>,
        ) -> Result<Response<pb::DecideTaskResponse>, Status> {
            Ok(Response::new(self.decided.clone()))
        }

        async fn request_supplement(
            &self,
            _: Request<pb::RequestSupplementRequest>,
        ) -> Result<Response<pb::Branch>, Status> {
            Ok(Response::new(pb::Branch::default()))
        }

        async fn start_special_procedure(
            &self,
            _: Request<pb::StartSpecialProcedureRequest>,
        ) -> Result<Response<pb::Branch>, Status> {
            Ok(Response::new(pb::Branch::default()))
        }

        async fn resume_task(
            &self,
            _: Request<pb::ResumeTaskRequest>,
        ) -> Result<Response<pb::Branch>, Status> {
            Ok(Response::new(pb::Branch::default()))
        }

        async fn request_extension(
            &self,
            _: Request<pb::RequestExtensionRequest>,
        ) -> Result<Response<pb::Branch>, Status> {
            Ok(Response::new(pb::Branch::default()))
        }
    }

    /// A decision response as large as a real one: an application of seven branches.
    fn canned() -> pb::DecideTaskResponse {
        let branch = |i: usize| pb::Branch {
            id: uuid::Uuid::now_v7().to_string(),
            application_id: uuid::Uuid::now_v7().to_string(),
            matter_code: format!("matter-{i}"),
            matter_name: "企业设立登记".into(),
            department_code: "scjg".into(),
            state: pb::BranchState::Open as i32,
            materials: (0..3)
                .map(|m| pb::ReceivedMaterial {
                    material_code: format!("material-{m}"),
                    document_ref: format!("dms://{m}"),
                    ..Default::default()
                })
                .collect(),
            deadline: Some(pb::DeadlineView {
                limit_days: 1,
                remaining_working_days: 1,
                ..Default::default()
            }),
            ..Default::default()
        };
        let application = pb::Application {
            id: uuid::Uuid::now_v7().to_string(),
            receipt_number: "LB20260302ABCDEFGHJKMN".into(),
            bundle_code: "kaiban-qiye".into(),
            bundle_name: "开办企业".into(),
            form: (0..5)
                .map(|i| (format!("field-{i}"), "福州市鼓楼区五四路88号".to_owned()))
                .collect(),
            branches: (0..7).map(branch).collect(),
            ..Default::default()
        };
        pb::DecideTaskResponse {
            branch: Some(branch(0)),
            application: Some(application),
        }
    }

    pub async fn serve() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap());
        tonic::transport::Server::builder()
            .add_service(pb::task_service_server::TaskServiceServer::new(Empty {
                decided: canned(),
            }))
            .serve_with_incoming(lianban_services::server::no_delay(listener))
            .await
            .unwrap();
    }
}

struct Row {
    workload: &'static str,
    concurrency: usize,
    completed: usize,
    per_second: f64,
    submit: (f64, f64),
    decide: (f64, f64),
    dispatch: (f64, f64),
    end_to_end: (f64, f64),
    timer_lag: Option<(f64, f64)>,
    cpu_per_application: f64,
    floor: Option<(f64, f64)>,
}

fn row(
    workload: &'static str,
    concurrency: usize,
    result: &Result_,
    cpu: f64,
    floor: Option<f64>,
) -> Row {
    let pair = |s: &Samples| (s.percentile(0.5), s.percentile(0.99));
    let decide_rate = result.decide.0.len() as f64 / result.seconds;
    Row {
        workload,
        concurrency,
        completed: result.completed,
        per_second: result.completed as f64 / result.seconds,
        submit: pair(&result.submit),
        decide: pair(&result.decide),
        dispatch: pair(&result.dispatch),
        end_to_end: pair(&result.end_to_end),
        timer_lag: (!result.timer_lag.0.is_empty()).then(|| pair(&result.timer_lag)),
        cpu_per_application: cpu,
        floor: floor.map(|f| (f, decide_rate / f)),
    }
}

fn print_table(rows: &[Row]) {
    println!(
        "| workload | conc. | apps | apps/s | submit p50/p99 ms | decide p50/p99 ms | dispatch p50/p99 ms | end-to-end p50/p99 ms | timer lag p50/p99 ms | CPU ms/app | floor decide/s | decide share of floor |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let lag = r
            .timer_lag
            .map_or("—".to_owned(), |(a, b)| format!("{a:.1} / {b:.1}"));
        let (floor, share) = r.floor.map_or(("—".to_owned(), "—".to_owned()), |(f, s)| {
            (format!("{f:.0}"), format!("{:.1}%", s * 100.0))
        });
        println!(
            "| {} | {} | {} | {:.1} | {:.2} / {:.2} | {:.2} / {:.2} | {:.2} / {:.2} | {:.1} / {:.1} | {} | {:.1} | {} | {} |",
            r.workload,
            r.concurrency,
            r.completed,
            r.per_second,
            r.submit.0,
            r.submit.1,
            r.decide.0,
            r.decide.1,
            r.dispatch.0,
            r.dispatch.1,
            r.end_to_end.0,
            r.end_to_end.1,
            lag,
            r.cpu_per_application * 1000.0,
            floor,
            share
        );
    }
}

/// Scale: `count` open applications in the store, the server's RSS and submit rate; then the
/// deadlines of `--due` of them (all by default) pass while the server is down, and the restart's
/// catch-up is timed.
///
/// With `--due`, the due applications are submitted first; the clock then moves to one second
/// before their registration deadline (the closing time of the next working day) and the rest are
/// submitted, so their deadlines fall a working day later. The server restarts a minute after the
/// first deadline: only the first applications' deadlines have passed.
async fn scale(
    server: Server,
    count: u64,
    options: &Options,
    database_url: &str,
    catalogue: &PathBuf,
) -> Server {
    let due = options.due.unwrap_or(count).min(count);
    let started = Instant::now();
    let first_deadline = submit_open_applications(&server.channel, due).await;
    let mut admin = pb::admin_service_client::AdminServiceClient::new(server.channel.clone());
    let now = admin
        .get_time(pb::GetTimeRequest {})
        .await
        .unwrap()
        .into_inner()
        .now
        .unwrap();
    let restart_at = if due < count {
        let deadline = first_deadline.expect("a registration deadline");
        let moved = pb::AdvanceTimeRequest {
            seconds: u64::try_from(deadline.seconds - 1 - now.seconds).expect("deadline ahead"),
        };
        admin.advance_time(moved).await.unwrap();
        submit_open_applications(&server.channel, count - due).await;
        deadline.seconds + 60
    } else {
        // A month later: every registration deadline (1 working day) has passed.
        now.seconds + 30 * 86_400
    };
    let rate = count as f64 / started.elapsed().as_secs_f64();
    println!(
        "scale: {count} open applications submitted at {rate:.0}/s; server RSS {:.1} MB (peak {:.1} MB)",
        server.rss_mb(),
        server.peak_rss_mb()
    );
    let later = chrono::DateTime::from_timestamp(restart_at, 0)
        .unwrap()
        .to_rfc3339();
    server.stop().await;
    let restarted = Instant::now();
    let fresh = Server::start(&options.server, database_url, catalogue, &later).await;
    let catch_up = restarted.elapsed().as_secs_f64();
    println!(
        "scale: restart acting on {due} passed deadlines (of {count} open applications) took {catch_up:.1} s (until the server listened); server RSS after {:.1} MB",
        fresh.rss_mb()
    );
    fresh
}

/// Submits `count` open 开办企业 applications from 64 tasks; the registration deadline of one.
async fn submit_open_applications(channel: &Channel, count: u64) -> Option<prost_types::Timestamp> {
    let shared = Arc::new(Mutex::new(Shared::default()));
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let workers: Vec<_> = (0..64)
        .map(|_| {
            let (channel, shared, next) = (channel.clone(), Arc::clone(&shared), Arc::clone(&next));
            tokio::spawn(async move {
                let mut deadline = None;
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                    let application = submit(&channel, &shared, company()).await;
                    deadline = deadline.or_else(|| registration_deadline(&application));
                }
                deadline
            })
        })
        .collect();
    let mut deadline = None;
    for worker in workers {
        deadline = deadline.or(worker.await.unwrap());
    }
    deadline
}

fn registration_deadline(application: &pb::Application) -> Option<prost_types::Timestamp> {
    application
        .branches
        .iter()
        .find(|b| b.matter_code == "scjg-qiye-sheli")
        .and_then(|b| b.deadline.as_ref())
        .and_then(|d| d.at)
}
