//! The snapshots of `WatchTasks` and `WatchProject` are read a page at a time: a queue or a board
//! longer than a page arrives whole, each entry once, before the live changes.

use std::collections::BTreeSet;
use std::time::Duration;

use lianban_proto::v1 as pb;
use lianban_tests::Backend;
use tokio_stream::StreamExt;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(a_snapshot_longer_than_a_page_arrives_whole_before_the_changes);

/// More than one page of the task snapshot (64) and of the project snapshot (32).
const APPLICATIONS: usize = 70;

async fn next<T>(stream: &mut tonic::Streaming<T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("an event arrives")
        .expect("stream open")
        .expect("no error")
}

async fn a_snapshot_longer_than_a_page_arrives_whole_before_the_changes(backend: Backend) {
    let running = start(backend).await;
    let mut projects = running.server.projects().await;
    projects
        .register_project(pb::RegisterProjectRequest {
            project: Some(pb::Project {
                code: "ZD-PAGES".into(),
                name: "榕城物流园".into(),
                investor: "榕城实业有限公司".into(),
                investment_wan: 50_000,
                facilitator: "bangban-01".into(),
                registered_at: None,
            }),
        })
        .await
        .unwrap();
    let mut intake = running.server.intake().await;
    let mut submitted = Vec::new();
    for _ in 0..APPLICATIONS {
        let mut request = company(&COMPANY_MATERIALS);
        request.key_project_code = "ZD-PAGES".into();
        let application = intake
            .submit_application(request)
            .await
            .unwrap()
            .into_inner()
            .application
            .unwrap();
        submitted.push(application);
    }
    let registrations: BTreeSet<String> = submitted
        .iter()
        .map(|a| branch(a, "scjg-qiye-sheli").id.clone())
        .collect();
    let ids: BTreeSet<String> = submitted.iter().map(|a| a.id.clone()).collect();

    let mut tasks = running.server.tasks().await;
    let mut feed = tasks
        .watch_tasks(pb::WatchTasksRequest {
            department_code: "scjg".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut board = projects
        .watch_project(pb::WatchProjectRequest {
            code: "ZD-PAGES".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut seen = BTreeSet::new();
    for _ in 0..APPLICATIONS {
        let event = next(&mut feed).await;
        assert!(event.snapshot);
        assert!(
            seen.insert(event.task.unwrap().branch.unwrap().id),
            "once each"
        );
    }
    assert_eq!(seen, registrations);
    let mut seen = BTreeSet::new();
    for _ in 0..APPLICATIONS {
        let event = next(&mut board).await;
        assert!(event.snapshot);
        assert!(seen.insert(event.application.unwrap().application.unwrap().id));
    }
    assert_eq!(seen, ids);

    // The first change after the snapshots is live on both.
    let decided = decide(
        &running.server,
        decision(
            &submitted[0],
            "scjg-qiye-sheli",
            approve("91350102MA2Y000001"),
        ),
    )
    .await;
    let change = next(&mut feed).await;
    assert!(!change.snapshot);
    assert_eq!(
        change.task.unwrap().branch.unwrap().id,
        branch(&decided, "scjg-qiye-sheli").id
    );
    let change = next(&mut board).await;
    assert!(!change.snapshot);
    assert_eq!(
        change.application.unwrap().application.unwrap().id,
        decided.id
    );
    drop((feed, board));
}
