//! The test harness: a real Lianban server on 127.0.0.1:0 over a fresh store, and gRPC clients
//! for it. Every test starts its own server; PostgreSQL is started once per test process from the
//! system's binaries in a temporary folder and removed when the process ends. The browser tests
//! add a headless Chromium, a fake OpenID Connect provider and an accessibility check.

pub mod accessibility;
pub mod browser;
pub mod chromedriver;
pub mod cluster;
pub mod credentials;
pub mod http;
pub mod oidc;
pub mod postgres;

use std::net::SocketAddr;
use std::path::Path;

use lianban_proto::v1 as pb;
use lianban_services::{Config, Prepared};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;

/// Generates one `#[tokio::test]` per backend (SQLite and PostgreSQL) for a scenario `async fn(Backend)`.
#[macro_export]
macro_rules! on_every_backend {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario($crate::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario($crate::Backend::Postgres).await;
                }
            )*
        }
    };
}

/// Which database a test server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A fresh database in the test process's PostgreSQL.
    Postgres,
}

/// A database for one test: its URL, and the folder that holds it for SQLite.
pub struct TestDatabase {
    /// The URL the server connects to.
    pub url: String,
    _folder: Option<TempDir>,
}

impl TestDatabase {
    /// A new, empty database on `backend`.
    pub async fn create(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let folder = tempfile::Builder::new()
                    .prefix("lianban-test-")
                    .tempdir()
                    .expect("temp folder");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    folder.path().join("lianban.db").display()
                );
                TestDatabase {
                    url,
                    _folder: Some(folder),
                }
            }
            Backend::Postgres => TestDatabase {
                url: postgres::fresh_database().await,
                _folder: None,
            },
        }
    }
}

/// A running server.
pub struct TestServer {
    /// Where it listens.
    pub address: SocketAddr,
    /// Where its web console listens, when it serves one.
    pub console: Option<SocketAddr>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), lianban_services::Error>>>,
}

impl TestServer {
    /// Starts a server with the sample catalogue on `database_url`.
    pub async fn start(database_url: &str) -> TestServer {
        let config = Config {
            database_url: database_url.to_owned(),
            ..Config::default()
        };
        Self::start_with(config).await.expect("server starts")
    }

    /// Starts a server on a manual clock standing at `start`.
    pub async fn start_manual(
        database_url: &str,
        start: chrono::DateTime<chrono::Utc>,
    ) -> TestServer {
        let config = Config {
            database_url: database_url.to_owned(),
            clock: lianban_services::config::ClockKind::Manual,
            manual_clock_start: Some(start),
            ..Config::default()
        };
        Self::start_with(config).await.expect("server starts")
    }

    /// Starts a server with this configuration (its listen addresses are ignored: port 0 is
    /// used, for the console too).
    pub async fn start_with(mut config: Config) -> Result<TestServer, lianban_services::Error> {
        config.console.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        Ok(Self::start_prepared(Prepared::from_config(&config).await?).await)
    }

    /// Starts a prepared server on 127.0.0.1:0.
    pub async fn start_prepared(prepared: Prepared) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let address = listener.local_addr().expect("bound address");
        let console = prepared.console_address();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(prepared.serve(listener, async {
            let _ = stopped.await;
        }));
        TestServer {
            address,
            console,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    /// A channel to the server.
    pub async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.address))
            .expect("valid uri")
            .connect()
            .await
            .expect("server reachable")
    }

    /// The front-desk client.
    pub async fn intake(&self) -> pb::intake_service_client::IntakeServiceClient<Channel> {
        pb::intake_service_client::IntakeServiceClient::new(self.channel().await)
    }

    /// The department client.
    pub async fn tasks(&self) -> pb::task_service_client::TaskServiceClient<Channel> {
        pb::task_service_client::TaskServiceClient::new(self.channel().await)
    }

    /// The dispatch-window client.
    pub async fn dispatch(&self) -> pb::dispatch_service_client::DispatchServiceClient<Channel> {
        pb::dispatch_service_client::DispatchServiceClient::new(self.channel().await)
    }

    /// The admin client (the manual clock).
    pub async fn admin(&self) -> pb::admin_service_client::AdminServiceClient<Channel> {
        pb::admin_service_client::AdminServiceClient::new(self.channel().await)
    }

    /// The supervision client.
    pub async fn supervision(
        &self,
    ) -> pb::supervision_service_client::SupervisionServiceClient<Channel> {
        pb::supervision_service_client::SupervisionServiceClient::new(self.channel().await)
    }

    /// The notification client.
    pub async fn notifications(
        &self,
    ) -> pb::notification_service_client::NotificationServiceClient<Channel> {
        pb::notification_service_client::NotificationServiceClient::new(self.channel().await)
    }

    /// The key-project client.
    pub async fn projects(&self) -> pb::project_service_client::ProjectServiceClient<Channel> {
        pb::project_service_client::ProjectServiceClient::new(self.channel().await)
    }

    /// The posts-and-clerks client.
    pub async fn staff(&self) -> pb::staff_service_client::StaffServiceClient<Channel> {
        pb::staff_service_client::StaffServiceClient::new(self.channel().await)
    }

    /// The statistics client.
    pub async fn statistics(
        &self,
    ) -> pb::statistics_service_client::StatisticsServiceClient<Channel> {
        pb::statistics_service_client::StatisticsServiceClient::new(self.channel().await)
    }

    /// The monthly assessment client.
    pub async fn assessment(
        &self,
    ) -> pb::assessment_service_client::AssessmentServiceClient<Channel> {
        pb::assessment_service_client::AssessmentServiceClient::new(self.channel().await)
    }

    /// The joint review sessions client.
    pub async fn sessions(&self) -> pb::session_service_client::SessionServiceClient<Channel> {
        pb::session_service_client::SessionServiceClient::new(self.channel().await)
    }

    /// The complaints and rectifications client.
    pub async fn cases(&self) -> pb::case_service_client::CaseServiceClient<Channel> {
        pb::case_service_client::CaseServiceClient::new(self.channel().await)
    }

    /// The catalogue client.
    pub async fn catalog(&self) -> pb::catalog_service_client::CatalogServiceClient<Channel> {
        pb::catalog_service_client::CatalogServiceClient::new(self.channel().await)
    }

    /// Stops the server gracefully and waits until it has closed its store.
    pub async fn stop(mut self) {
        self.stop_inner().await;
    }

    async fn stop_inner(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server stops cleanly");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Writes a catalogue folder for start-up tests.
pub fn write_catalogue(folder: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        std::fs::write(folder.join(name), text).expect("write catalogue file");
    }
}
