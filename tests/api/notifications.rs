//! Notifications come from an outbox written with the change; a subscriber that disconnects and
//! resumes from its cursor misses nothing and receives nothing twice.

use std::time::Duration;

use lianban_proto::v1 as pb;
use lianban_tests::Backend;
use tokio_stream::StreamExt;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    a_subscriber_resumes_from_its_cursor_without_gaps_or_repeats,
    every_party_is_told_what_it_must_know
);

async fn next(stream: &mut tonic::Streaming<pb::Notification>) -> pb::Notification {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("a notification arrives")
        .expect("stream open")
        .expect("no error")
}

async fn subscribe(
    running: &Running,
    after: i64,
    audience: pb::Audience,
) -> tonic::Streaming<pb::Notification> {
    let request = pb::SubscribeRequest {
        after_position: after,
        audience: audience as i32,
        ..Default::default()
    };
    running
        .server
        .notifications()
        .await
        .subscribe(request)
        .await
        .unwrap()
        .into_inner()
}

async fn a_subscriber_resumes_from_its_cursor_without_gaps_or_repeats(backend: Backend) {
    let running = start(backend).await;
    let mut stream = subscribe(&running, 0, pb::Audience::Applicant).await;
    let mut intake = running.server.intake().await;
    let first = intake
        .submit_application(company(&["sheli-shenqingshu"]))
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    let notice = next(&mut stream).await;
    assert_eq!(notice.kind, "one_time_notice");
    assert!(notice.message.contains("公司章程"), "{}", notice.message);
    let supplement = pb::SupplementMaterialsRequest {
        idempotency_key: String::new(),
        application_id: first.id.clone(),
        materials: COMPANY_MATERIALS[..4]
            .iter()
            .filter(|c| **c != "sheli-shenqingshu")
            .map(|c| material(c))
            .chain([material("zhusuo-shiyong-zhengming")])
            .collect(),
        channel: pb::Channel::OnSite as i32,
    };
    intake.supplement_materials(supplement).await.unwrap();
    let accepted = next(&mut stream).await;
    assert_eq!(accepted.kind, "accepted");
    assert!(accepted.position > notice.position);
    let cursor = accepted.position;
    drop(stream);

    // While nobody listens: a second application and the first one finished.
    let second = accepted_company(&running.server).await;
    let first = reread(&running.server, &first.id).await;
    approve_company(&running.server, &first).await;

    let mut resumed = subscribe(&running, cursor, pb::Audience::Applicant).await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        seen.push(next(&mut resumed).await);
    }
    assert_eq!(seen[0].kind, "accepted");
    assert_eq!(seen[0].application_id, second.id);
    assert_eq!(seen[1].kind, "ready_for_pickup");
    assert_eq!(seen[1].application_id, first.id);
    assert!(seen.iter().all(|n| n.position > cursor), "nothing repeated");
    // Nothing else is pending for the applicant: the next one is a new change.
    let third = accepted_company(&running.server).await;
    let live = next(&mut resumed).await;
    assert_eq!(
        (live.kind.as_str(), live.application_id.as_str()),
        ("accepted", third.id.as_str())
    );
    let all = running
        .server
        .notifications()
        .await
        .list_notifications(pb::ListNotificationsRequest {
            application_id: first.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .notifications;
    assert!(
        all.windows(2)
            .all(|pair| pair[0].position < pair[1].position)
    );
}

async fn every_party_is_told_what_it_must_know(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let rejected = decide(
        &running.server,
        decision(&application, "scjg-qiye-sheli", reject("名称近似")),
    )
    .await;
    assert_eq!(
        rejected.state,
        pb::ApplicationState::ReadyForDispatch as i32
    );
    let mut department = subscribe(&running, 0, pb::Audience::Department).await;
    let cancelled = next(&mut department).await;
    assert_eq!(cancelled.kind, "branch_cancelled");
    assert!(
        cancelled.message.contains("名称近似"),
        "{}",
        cancelled.message
    );
    let filtered = pb::SubscribeRequest {
        audience: pb::Audience::Department as i32,
        department_code: "nope".into(),
        ..Default::default()
    };
    let refused = running
        .server
        .notifications()
        .await
        .subscribe(filtered)
        .await;
    assert_refused(
        refused,
        tonic::Code::InvalidArgument,
        "INVALID_FIELD",
        "department_code",
    );
}
