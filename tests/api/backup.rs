//! Backup and restore: an online backup of a SQLite store taken while applications pour in, through
//! the function `lianban-server backup` runs, restores into a fresh server that finds every
//! application acknowledged before the backup began, each with its keyed audit chain verifying.
//! A backup never overwrites a file nor leaves a partial one, and PostgreSQL is refused with the
//! tools to use instead.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lianban_proto::v1 as pb;
use lianban_services::Config;
use lianban_services::audit::{AuditConfig, InlineKey};
use lianban_services::store::{Store, StoreError, backup_database};
use lianban_tests::{Backend, TestDatabase, TestServer};
use tokio::sync::watch;

use crate::support::{COMPANY_MATERIALS, company};

/// Tasks submitting at once.
const WRITERS: usize = 4;
/// How long the load may make no progress before the test gives up.
const STALL: Duration = Duration::from_secs(60);

/// A server on `url` whose audit chain is keyed.
async fn keyed_server(url: &str) -> TestServer {
    let config = Config {
        database_url: url.to_owned(),
        audit: AuditConfig {
            key_id: Some("backup-test".into()),
            key: Some(InlineKey("backup-test-secret-".repeat(3))),
            ..AuditConfig::default()
        },
        ..Config::default()
    };
    TestServer::start_with(config).await.expect("server starts")
}

/// The ids of the applications acknowledged so far, and their count to wait on.
struct Acknowledged {
    ids: std::sync::Mutex<Vec<String>>,
    count: watch::Sender<usize>,
}

impl Acknowledged {
    fn new() -> Arc<Acknowledged> {
        Arc::new(Acknowledged {
            ids: std::sync::Mutex::new(Vec::new()),
            count: watch::channel(0).0,
        })
    }

    fn push(&self, id: String) {
        let mut ids = self.ids.lock().unwrap();
        ids.push(id);
        self.count.send_replace(ids.len());
    }

    fn snapshot(&self) -> Vec<String> {
        self.ids.lock().unwrap().clone()
    }

    fn len(&self) -> usize {
        self.ids.lock().unwrap().len()
    }

    /// Waits until more than `floor` applications are acknowledged (bounded, in case the load
    /// stalls).
    async fn more_than(&self, floor: usize) {
        let mut count = self.count.subscribe();
        let reached = tokio::time::timeout(STALL, count.wait_for(|n| *n > floor)).await;
        assert!(
            matches!(reached, Ok(Ok(_))),
            "the load stalled at {floor} applications"
        );
    }
}

/// Submits applications until `stop`, recording the id of each one acknowledged.
async fn submit_until(server: &TestServer, stop: &AtomicBool, acked: &Acknowledged) {
    let mut intake = server.intake().await;
    while !stop.load(Ordering::SeqCst) {
        let answer = intake
            .submit_application(company(&COMPANY_MATERIALS))
            .await
            .expect("the server takes applications during the backup");
        acked.push(answer.into_inner().application.expect("application").id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_every_acknowledged_application() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let server = keyed_server(&database.url).await;
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Acknowledged::new();
    let server = Arc::new(server);
    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            let (server, stop, acked) = (server.clone(), stop.clone(), acked.clone());
            tokio::spawn(async move { submit_until(&server, &stop, &acked).await })
        })
        .collect();

    acked.more_than(20).await;
    let folder = tempfile::tempdir().expect("backup folder");
    let destination = folder.path().join("lianban-backup.db");
    let before = acked.snapshot();
    let backup = backup_database(&database.url, &destination)
        .await
        .expect("the backup is written while the server serves");
    acked.more_than(acked.len() + 20).await;
    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.await.expect("writer");
    }
    let total = acked.len();
    Arc::into_inner(server).expect("writers done").stop().await;

    assert_eq!(backup.path, destination);
    assert!(backup.bytes > 0);
    let leftovers: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(leftovers, ["lianban-backup.db"], "no partial file remains");
    assert!(
        total > before.len() + 20,
        "the load went on after the backup"
    );

    // A fresh server on the backup, with the same audit key.
    let restored = keyed_server(&format!("sqlite://{}?mode=rw", destination.display())).await;
    let mut intake = restored.intake().await;
    let mut supervision = restored.supervision().await;
    for id in &before {
        let application = intake
            .get_application(pb::GetApplicationRequest {
                application_id: id.clone(),
            })
            .await
            .unwrap_or_else(|status| panic!("{id}, acknowledged before the backup: {status}"))
            .into_inner();
        assert_eq!(application.state, pb::ApplicationState::InProgress as i32);
        let trail = supervision
            .get_audit_trail(pb::GetAuditTrailRequest {
                application_id: id.clone(),
                ..Default::default()
            })
            .await
            .expect("audit trail")
            .into_inner();
        assert!(trail.verified, "{id}: {}", trail.problem);
        assert!(!trail.events.is_empty());
    }
    restored.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_never_overwrites_a_file() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let store = Store::connect(&database.url).await.unwrap();
    let folder = tempfile::tempdir().expect("backup folder");
    let destination = folder.path().join("taken.db");
    std::fs::write(&destination, "an earlier backup").unwrap();
    let refused = store.backup_to(&destination).await.unwrap_err();
    assert!(matches!(refused, StoreError::Backup(_)), "{refused}");
    assert!(refused.to_string().contains("already exists"), "{refused}");
    assert_eq!(
        std::fs::read_to_string(&destination).unwrap(),
        "an earlier backup"
    );
    let fresh = folder.path().join("fresh.db");
    store
        .backup_to(&fresh)
        .await
        .expect("a new name is written");
    assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 2);
    let missing = backup_database(
        &format!(
            "sqlite://{}?mode=rwc",
            folder.path().join("none.db").display()
        ),
        &folder.path().join("other.db"),
    )
    .await
    .unwrap_err();
    assert!(missing.to_string().contains("no database at"), "{missing}");
    assert!(!folder.path().join("none.db").exists(), "nothing created");
    store.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_is_refused_with_the_tools_to_use() {
    let database = TestDatabase::create(Backend::Postgres).await;
    let folder = tempfile::tempdir().expect("backup folder");
    let destination = folder.path().join("pg.db");
    let store = Store::connect(&database.url).await.unwrap();
    let by_store = store.backup_to(&destination).await.unwrap_err();
    store.close().await.unwrap();
    let by_url = backup_database(&database.url, &destination)
        .await
        .unwrap_err();
    for refused in [by_store, by_url] {
        let text = refused.to_string();
        assert!(matches!(refused, StoreError::Backup(_)), "{text}");
        for named in ["PostgreSQL", "pg_basebackup", "pg_dump", "deploy/README.md"] {
            assert!(text.contains(named), "{text} does not name {named}");
        }
    }
    assert!(!destination.exists());
}
