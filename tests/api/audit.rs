//! The audit trail: every change is an event chained by hash; altering or deleting a row directly
//! in the database is detected and the first bad event named.

use lianban_proto::v1 as pb;
use lianban_services::store::Store;
use lianban_tests::Backend;
use sea_orm::ConnectionTrait;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    every_change_is_on_a_verified_trail,
    an_altered_event_is_detected,
    a_deleted_event_is_detected_in_the_middle_and_at_the_end,
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
    let store = Store::connect(&running.database.url).await.unwrap();
    store.connection().execute_unprepared(&sql).await.unwrap();
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
