//! The audit trail: every change is an event chained by hash; altering or deleting a row directly
//! in the database is detected and the first bad event named. With an audit key the chain is
//! keyed (HMAC-SHA256), so even someone who rewrites an event and recomputes every plain hash and
//! the stored head is caught; a rotated key still checks the events it signed.

use std::path::PathBuf;

use lianban_proto::v1 as pb;
use lianban_services::Config;
use lianban_services::audit::AuditConfig;
use lianban_services::store::{AuditHead, AuditKeys, AuditRow, Store};
use lianban_tests::{Backend, TestDatabase, TestServer};
use sea_orm::ConnectionTrait;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    every_change_is_on_a_verified_trail,
    an_altered_event_is_detected,
    a_deleted_event_is_detected_in_the_middle_and_at_the_end,
    a_keyed_chain_verifies_and_a_recomputed_forgery_is_caught,
    a_forgery_that_drops_the_key_ids_is_caught,
    a_rotated_key_checks_the_events_it_signed_and_the_new_key_signs,
    plain_events_before_the_cut_off_still_verify_under_a_key,
);

async fn trail(running: &Running, id: &str) -> pb::AuditTrail {
    let request = pb::GetAuditTrailRequest {
        application_id: id.into(),
        ..Default::default()
    };
    running
        .server
        .supervision()
        .await
        .get_audit_trail(request)
        .await
        .unwrap()
        .into_inner()
}

/// A finished 开办企业 application.
async fn finished(running: &Running) -> pb::Application {
    let application = accepted_company(&running.server).await;
    approve_company(&running.server, &application).await
}

async fn tamper(running: &Running, sql: String) {
    tamper_all(running, &[sql]).await;
}

/// Runs each of `statements` directly on the database, through one connection to it.
async fn tamper_all(running: &Running, statements: &[String]) {
    let store = Store::connect(&running.database.url).await.unwrap();
    for sql in statements {
        store.connection().execute_unprepared(sql).await.unwrap();
    }
    store.close().await.unwrap();
}

async fn every_change_is_on_a_verified_trail(backend: Backend) {
    let running = start(backend).await;
    let application = finished(&running).await;
    let trail = trail(&running, &application.id).await;
    assert!(trail.verified, "{}", trail.problem);
    assert_eq!(trail.first_bad_seq, 0);
    let seqs: Vec<i64> = trail.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    let first = &trail.events[0];
    assert_eq!(
        (first.kind.as_str(), first.actor.as_str()),
        ("submitted", "front-desk:desk-01")
    );
    let decided: Vec<&str> = trail
        .events
        .iter()
        .filter(|e| e.kind == "branch_decided")
        .map(|e| e.actor.as_str())
        .collect();
    assert_eq!(decided.len(), 7);
    assert!(decided.contains(&"department:scjg/scjg-01"));
    assert!(
        trail
            .events
            .windows(2)
            .all(|pair| pair[1].prev_hash == pair[0].hash)
    );
    let unknown = pb::GetAuditTrailRequest {
        application_id: uuid::Uuid::now_v7().to_string(),
        ..Default::default()
    };
    let missing = running
        .server
        .supervision()
        .await
        .get_audit_trail(unknown)
        .await;
    assert_refused(missing, tonic::Code::NotFound, "NOT_FOUND", "application");
}

async fn an_altered_event_is_detected(backend: Backend) {
    let running = start(backend).await;
    let application = finished(&running).await;
    let before = trail(&running, &application.id).await;
    let target = &before.events[4];
    let forged = target.detail_json.replace("branch", "BRANCH");
    tamper(
        &running,
        format!(
            "UPDATE events SET detail = '{forged}' WHERE application_id = '{}' AND seq = 5",
            application.id
        ),
    )
    .await;
    let after = trail(&running, &application.id).await;
    assert!(!after.verified);
    assert_eq!(after.first_bad_seq, 5, "{}", after.problem);
    assert!(after.problem.contains("altered"), "{}", after.problem);
}

async fn a_deleted_event_is_detected_in_the_middle_and_at_the_end(backend: Backend) {
    let running = start(backend).await;
    let application = finished(&running).await;
    let last = trail(&running, &application.id).await.events.len();
    tamper(
        &running,
        format!(
            "DELETE FROM events WHERE application_id = '{}' AND seq = {last}",
            application.id
        ),
    )
    .await;
    let cut = trail(&running, &application.id).await;
    assert!(!cut.verified);
    assert_eq!(cut.first_bad_seq, last as i64, "{}", cut.problem);

    tamper(
        &running,
        format!(
            "DELETE FROM events WHERE application_id = '{}' AND seq = 3",
            application.id
        ),
    )
    .await;
    let holed = trail(&running, &application.id).await;
    assert!(!holed.verified);
    assert_eq!(holed.first_bad_seq, 3, "{}", holed.problem);
    assert!(holed.problem.contains("missing"), "{}", holed.problem);
}

/// Key files in a temporary folder: each id's secret is 48 bytes of its own.
struct KeyFiles {
    folder: tempfile::TempDir,
}

impl KeyFiles {
    fn new() -> KeyFiles {
        KeyFiles {
            folder: tempfile::tempdir().expect("key folder"),
        }
    }

    /// The file of key `id`, written on first use (with a trailing newline, as editors leave it).
    fn file(&self, id: &str) -> PathBuf {
        let path = self.folder.path().join(format!("{id}.key"));
        if !path.exists() {
            let secret: String = format!("{id}-secret-").repeat(8).chars().take(48).collect();
            std::fs::write(&path, format!("{secret}\n")).expect("write key file");
        }
        path
    }

    /// `current` signs; each of `previous` only checks.
    fn config(&self, current: &str, previous: &[&str]) -> AuditConfig {
        AuditConfig {
            key_id: Some(current.to_owned()),
            key_file: Some(self.file(current)),
            previous_keys: previous
                .iter()
                .map(|id| ((*id).to_owned(), self.file(id)))
                .collect(),
            ..AuditConfig::default()
        }
    }
}

/// A server over `database` with this audit configuration.
async fn serve(database: &TestDatabase, audit: AuditConfig) -> TestServer {
    let config = Config {
        database_url: database.url.clone(),
        audit,
        ..Config::default()
    };
    TestServer::start_with(config).await.expect("server starts")
}

/// A fresh database and a server over it with this audit configuration.
async fn start_audited(backend: Backend, audit: AuditConfig) -> Running {
    let database = TestDatabase::create(backend).await;
    let server = serve(&database, audit).await;
    Running { server, database }
}

/// Stops the server and starts another over the same database with `audit`.
async fn restart(running: Running, audit: AuditConfig) -> Running {
    let Running { server, database } = running;
    server.stop().await;
    let server = serve(&database, audit).await;
    Running { server, database }
}

/// The stored rows of an application's chain and its stored head, read directly.
async fn stored(running: &Running, id: &str) -> (Vec<AuditRow>, AuditHead) {
    let store = Store::connect(&running.database.url).await.unwrap();
    let found = store
        .audit_trail(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    store.close().await.unwrap();
    found
}

/// The key id of each stored event, in chain order.
async fn key_ids(running: &Running, id: &str) -> Vec<Option<String>> {
    let (rows, _) = stored(running, id).await;
    rows.into_iter().map(|row| row.key_id).collect()
}

/// What someone who can write the database, but holds no key, does under a plain chain: rewrites
/// the actor of event `seq`, then recomputes the plain SHA-256 hash of every event from `from`
/// on (each linked to the one before) and the application's stored head. With `drop_key_ids`
/// the rewritten events also lose their key id, passing for plain links.
async fn forge(running: &Running, id: &str, seq: i64, from: i64, drop_key_ids: bool) {
    let (rows, _) = stored(running, id).await;
    let mut statements = Vec::new();
    let mut prev_hash = String::new();
    for row in rows {
        if row.link.seq < from {
            prev_hash = row.hash;
            continue;
        }
        let mut link = row.link;
        if link.seq == seq {
            link.actor = "department:scjg/forger".to_owned();
        }
        link.prev_hash = std::mem::take(&mut prev_hash);
        let hash = link.hash();
        let key_id = if drop_key_ids { ", key_id = NULL" } else { "" };
        statements.push(format!(
            "UPDATE events SET actor = '{}', prev_hash = '{}', hash = '{hash}'{key_id} \
             WHERE id = {}",
            link.actor, link.prev_hash, row.id
        ));
        prev_hash = hash;
    }
    statements.push(format!(
        "UPDATE applications SET audit_head = '{prev_hash}' WHERE id = '{id}'"
    ));
    tamper_all(running, &statements).await;
}

async fn a_keyed_chain_verifies_and_a_recomputed_forgery_is_caught(backend: Backend) {
    let keys = KeyFiles::new();
    let running = start_audited(backend, keys.config("k1", &[])).await;
    let application = finished(&running).await;
    let signed = trail(&running, &application.id).await;
    assert!(signed.verified, "{}", signed.problem);
    assert_eq!(signed.first_bad_seq, 0);
    let ids = key_ids(&running, &application.id).await;
    assert_eq!(ids.len(), signed.events.len());
    assert!(ids.iter().all(|id| id.as_deref() == Some("k1")), "{ids:?}");

    forge(&running, &application.id, 5, 5, false).await;
    let after = trail(&running, &application.id).await;
    assert!(!after.verified);
    assert_eq!(after.first_bad_seq, 5, "{}", after.problem);
    assert!(
        after.problem.contains("altered") && after.problem.contains("k1"),
        "{}",
        after.problem
    );
    assert_eq!(after.events[4].actor, "department:scjg/forger");
}

async fn a_forgery_that_drops_the_key_ids_is_caught(backend: Backend) {
    let keys = KeyFiles::new();
    let running = start_audited(backend, keys.config("k1", &[])).await;
    let application = finished(&running).await;

    forge(&running, &application.id, 5, 5, true).await;
    let downgraded = trail(&running, &application.id).await;
    assert!(!downgraded.verified);
    assert_eq!(downgraded.first_bad_seq, 5, "{}", downgraded.problem);
    assert!(
        downgraded.problem.contains("follows a keyed"),
        "{}",
        downgraded.problem
    );

    // Every event rewritten as a plain link: the plain check alone is fooled, the keyed
    // configuration is not.
    forge(&running, &application.id, 5, 1, true).await;
    let (rows, head) = stored(&running, &application.id).await;
    let plain = AuditHead {
        hash: head.hash,
        keys: std::sync::Arc::new(AuditKeys::plain()),
    };
    assert!(lianban_services::audit::verify(&rows, &plain).is_intact());
    let rewritten = trail(&running, &application.id).await;
    assert!(!rewritten.verified);
    assert_eq!(rewritten.first_bad_seq, 1, "{}", rewritten.problem);
    assert!(
        rewritten.problem.contains("no audit key"),
        "{}",
        rewritten.problem
    );
}

async fn a_rotated_key_checks_the_events_it_signed_and_the_new_key_signs(backend: Backend) {
    let keys = KeyFiles::new();
    let running = start_audited(backend, keys.config("k1", &[])).await;
    let application = accepted_company(&running.server).await;
    let before = key_ids(&running, &application.id).await.len();

    let running = restart(running, keys.config("k2", &["k1"])).await;
    approve_company(&running.server, &application).await;
    let trail_now = trail(&running, &application.id).await;
    assert!(trail_now.verified, "{}", trail_now.problem);
    let ids = key_ids(&running, &application.id).await;
    assert!(ids.len() > before);
    let (old, new) = ids.split_at(before);
    assert!(old.iter().all(|id| id.as_deref() == Some("k1")), "{ids:?}");
    assert!(new.iter().all(|id| id.as_deref() == Some("k2")), "{ids:?}");

    // Without the old key, its events cannot be checked: the first one is named with its key.
    let running = restart(running, keys.config("k2", &[])).await;
    let unknown = trail(&running, &application.id).await;
    assert!(!unknown.verified);
    assert_eq!(unknown.first_bad_seq, 1, "{}", unknown.problem);
    assert!(unknown.problem.contains("\"k1\""), "{}", unknown.problem);
}

async fn plain_events_before_the_cut_off_still_verify_under_a_key(backend: Backend) {
    let keys = KeyFiles::new();
    let running = start_audited(backend, AuditConfig::default()).await;
    let application = accepted_company(&running.server).await;
    let before = key_ids(&running, &application.id).await;
    assert!(before.iter().all(Option::is_none), "{before:?}");
    let cut_off = chrono::Utc::now();

    let mut audit = keys.config("k1", &[]);
    audit.accept_plain_until = Some(cut_off);
    let running = restart(running, audit).await;
    approve_company(&running.server, &application).await;
    let mixed = trail(&running, &application.id).await;
    assert!(mixed.verified, "{}", mixed.problem);
    let ids = key_ids(&running, &application.id).await;
    assert!(
        ids[before.len()..]
            .iter()
            .all(|id| id.as_deref() == Some("k1"))
    );

    // With a key and no cut-off, no unkeyed event is accepted.
    let running = restart(running, keys.config("k1", &[])).await;
    let refused = trail(&running, &application.id).await;
    assert!(!refused.verified);
    assert_eq!(refused.first_bad_seq, 1, "{}", refused.problem);
}
