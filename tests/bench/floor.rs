//! The floor: the same client, concurrency and message sizes against an empty tonic service run as
//! a separate process of this binary.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;

use lianban_proto::v1 as pb;
use tokio::io::AsyncBufReadExt;
use tonic::transport::Channel;

use crate::server::{connections, cpu_seconds};
use crate::workloads::{Samples, approve, channel_of, decision};

/// The empty service, run as a separate process of this binary.
pub(crate) struct Floor {
    pub(crate) child: tokio::process::Child,
    pub(crate) pid: u32,
    /// As many connections as to the server, the client tasks spread over them alike.
    pub(crate) channels: Vec<Channel>,
}

/// What the floor measured at one concurrency.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FloorRun {
    /// Decide calls answered per second.
    pub(crate) per_second: f64,
    /// The 99th percentile of a call's latency at the client, in milliseconds.
    pub(crate) p99_ms: f64,
    /// The empty server's CPU time per call, in seconds.
    pub(crate) cpu_per_call: f64,
}

impl Floor {
    pub(crate) async fn start() -> Floor {
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
        let pid = child.id().expect("floor server pid");
        let channels = connections(&address, &mut child, false).await;
        Floor {
            child,
            pid,
            channels,
        }
    }

    /// Decide calls against the empty service at `concurrency`: their rate, their latency and
    /// the empty server's CPU per call.
    pub(crate) async fn measure(&self, concurrency: usize, count: usize) -> FloorRun {
        let request = decision(
            &pb::Branch {
                id: uuid::Uuid::now_v7().to_string(),
                department_code: "scjg".into(),
                ..Default::default()
            },
            approve(),
        );
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let cpu_before = cpu_seconds(self.pid);
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency)
            .map(|task| {
                let (channel, request, next) = (
                    channel_of(&self.channels, task),
                    request.clone(),
                    Arc::clone(&next),
                );
                tokio::spawn(async move {
                    let mut tasks = pb::task_service_client::TaskServiceClient::new(channel);
                    let mut latencies = Samples::default();
                    while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                        let sent = Instant::now();
                        tasks.decide_task(request.clone()).await.unwrap();
                        latencies.push(sent);
                    }
                    latencies
                })
            })
            .collect();
        let mut latencies = Samples::default();
        for worker in workers {
            latencies.0.extend(worker.await.unwrap().0);
        }
        let seconds = started.elapsed().as_secs_f64();
        FloorRun {
            per_second: count as f64 / seconds,
            p99_ms: latencies.percentile(0.99),
            cpu_per_call: (cpu_seconds(self.pid) - cpu_before) / count as f64,
        }
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

pub(crate) mod empty {
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

    /// A decision response as large as a real one: the decided branch and the application's
    /// state (six of the seven decisions of 开办企业 change no other branch).
    fn canned() -> pb::DecideTaskResponse {
        let branch = pb::Branch {
            id: uuid::Uuid::now_v7().to_string(),
            application_id: uuid::Uuid::now_v7().to_string(),
            matter_code: "scjg-qiye-sheli".into(),
            matter_name: "企业设立登记".into(),
            department_code: "scjg".into(),
            state: pb::BranchState::Approved as i32,
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
        pb::DecideTaskResponse {
            application_id: branch.application_id.clone(),
            branch: Some(branch),
            application_state: pb::ApplicationState::InProgress as i32,
            application_version: 3,
            dependants: Vec::new(),
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
