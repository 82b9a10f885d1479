//! Replicas behave as one: what one commits reaches the streams of another (`WatchTasks`,
//! `WatchProject`, `Subscribe`), each change once; staffing and calendar changes made through one
//! replica are what another assigns and counts with; the manual clock is one for all and kept
//! across restarts; replicas sweeping the same passed deadlines together act on each once.
//!
//! A test waits for another replica to have caught up by watching a stream there for a change
//! committed after the one it depends on: a replica brings its configuration up to date before
//! it announces the changes it read with it.

use std::time::Duration;

use lianban_proto::v1 as pb;
use lianban_services::Config;
use lianban_services::config::ClockKind;
use lianban_services::store::Store;
use lianban_tests::{Backend, TestDatabase, TestServer};
use tokio_stream::StreamExt;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    what_one_replica_commits_reaches_the_streams_of_another,
    staffing_and_calendar_changed_through_one_replica_are_used_by_another,
    the_manual_clock_is_one_for_every_replica_and_kept_across_restarts,
    replicas_sweeping_the_same_deadlines_together_act_on_each_once,
);

/// How long a test waits for another replica's stream: far above the follow interval.
const PROMPTLY: Duration = Duration::from_secs(10);

fn replica_config(database: &TestDatabase) -> Config {
    Config {
        database_url: database.url.clone(),
        clock: ClockKind::Manual,
        manual_clock_start: Some(beijing("2026-03-02 09:00")),
        ..Config::default()
    }
}

async fn replica(config: Config) -> TestServer {
    TestServer::start_with(config)
        .await
        .expect("replica starts")
}

async fn next<T>(stream: &mut tonic::Streaming<T>) -> T {
    tokio::time::timeout(PROMPTLY, stream.next())
        .await
        .expect("the other replica's change arrives promptly")
        .expect("stream open")
        .expect("no error")
}

/// Reads the subscription until a notification of `application_id` arrives; returns every
/// notification read on the way, that one included.
async fn until_notified(
    stream: &mut tonic::Streaming<pb::Notification>,
    application_id: &str,
) -> Vec<pb::Notification> {
    let mut read = Vec::new();
    loop {
        let notification = next(stream).await;
        let found = notification.application_id == application_id;
        read.push(notification);
        if found {
            return read;
        }
    }
}

async fn subscribe(server: &TestServer) -> tonic::Streaming<pb::Notification> {
    server
        .notifications()
        .await
        .subscribe(pb::SubscribeRequest::default())
        .await
        .expect("subscribed")
        .into_inner()
}

async fn what_one_replica_commits_reaches_the_streams_of_another(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let a = replica(replica_config(&database)).await;
    let b = replica(replica_config(&database)).await;
    a.projects()
        .await
        .register_project(pb::RegisterProjectRequest {
            project: Some(pb::Project {
                code: "ZD-2026-009".into(),
                name: "榕城新材料产业园".into(),
                investor: "榕城实业有限公司".into(),
                investment_wan: 50_000,
                facilitator: "bangban-09".into(),
                registered_at: None,
            }),
        })
        .await
        .expect("project registered on A");
    let mut tasks = b
        .tasks()
        .await
        .watch_tasks(pb::WatchTasksRequest {
            department_code: "scjg".into(),
        })
        .await
        .expect("watching on B")
        .into_inner();
    let mut board = b
        .projects()
        .await
        .watch_project(pb::WatchProjectRequest {
            code: "ZD-2026-009".into(),
        })
        .await
        .expect("watching the project on B")
        .into_inner();
    let mut notices = subscribe(&b).await;

    let mut request = company(&COMPANY_MATERIALS);
    request.key_project_code = "ZD-2026-009".into();
    let submitted = a
        .intake()
        .await
        .submit_application(request)
        .await
        .expect("A takes the application")
        .into_inner()
        .application
        .expect("application");
    let registration = branch(&submitted, "scjg-qiye-sheli").id.clone();

    // Each feed reads its snapshot in its own task after the call returns: on a loaded machine
    // it may read the store after A's commit, and then sends the change as part of the snapshot
    // (and not again). Either way B's feeds carry what A committed; without the change log they
    // would wait for it in vain whenever the snapshot came first, as it nearly always does.
    let opened = next(&mut tasks).await;
    let task = opened.task.expect("task").branch.expect("branch");
    assert_eq!(task.id, registration);
    assert_eq!(task.state, pb::BranchState::Open as i32);
    let on_board = next(&mut board).await;
    let item = on_board.application.expect("application").application;
    assert_eq!(item.expect("application").id, submitted.id);

    // Every notification A committed reaches B's subscriber, in outbox order, each once.
    let committed = notifications_of(&a, &submitted).await;
    assert!(!committed.is_empty());
    let mut received = Vec::new();
    while received.len() < committed.len() {
        received.push(next(&mut notices).await);
    }
    assert_eq!(received, committed);

    // The next change of the branch is the next event: the first was not sent twice.
    decide(
        &a,
        decision(&submitted, "scjg-qiye-sheli", approve("91350102MA2Y000009")),
    )
    .await;
    let decided = next(&mut tasks)
        .await
        .task
        .expect("task")
        .branch
        .expect("branch");
    assert_eq!(decided.id, registration);
    assert_eq!(decided.state, pb::BranchState::Approved as i32);
    let now_committed = notifications_of(&a, &submitted).await;
    for expected in &now_committed[committed.len()..] {
        assert_eq!(&next(&mut notices).await, expected);
    }
    a.stop().await;
    b.stop().await;
}

async fn staffing_and_calendar_changed_through_one_replica_are_used_by_another(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let folder_a = tempfile::tempdir().unwrap();
    let folder_b = tempfile::tempdir().unwrap();
    let mut config_a = replica_config(&database);
    config_a.calendar.dir = Some(folder_a.path().to_owned());
    let mut config_b = replica_config(&database);
    config_b.calendar.dir = Some(folder_b.path().to_owned());
    let a = replica(config_a).await;
    let b = replica(config_b).await;
    let mut notices = subscribe(&b).await;

    let mut staff = a.staff().await;
    staff
        .declare_post(pb::DeclarePostRequest {
            post: Some(pb::Post {
                department_code: "scjg".into(),
                code: "dengji".into(),
                matter_codes: vec!["scjg-qiye-sheli".into()],
                a: "zhang".into(),
                b: vec!["li".into()],
                ..Default::default()
            }),
        })
        .await
        .expect("post declared on A");
    staff
        .set_clerk_availability(pb::SetClerkAvailabilityRequest {
            department_code: "scjg".into(),
            clerk_id: "zhang".into(),
            away: true,
            reason: "年假".into(),
        })
        .await
        .expect("zhang away, through A");
    // Only A's calendar folder has the closure; A reloads it.
    std::fs::write(
        folder_a.path().join("closures.csv"),
        "2026-03-04,closure,停电检修\n",
    )
    .unwrap();
    a.admin()
        .await
        .reload_calendar(pb::ReloadCalendarRequest {})
        .await
        .expect("A reloads its calendar");
    let marker = accepted_company(&a).await;
    until_notified(&mut notices, &marker.id).await;

    // B assigns with A's staffing: zhang is away, so li takes the registration.
    let on_b = accepted_company(&b).await;
    assert_eq!(branch(&on_b, "scjg-qiye-sheli").assignee, "li");
    // B counts with A's calendar: 4 March is closed, so five working days end a day later.
    let joint = b
        .intake()
        .await
        .submit_application(joint_acceptance())
        .await
        .expect("B takes a joint acceptance")
        .into_inner()
        .application
        .expect("application");
    let deadline = branch(&joint, "daj-dangan-yanshou").deadline;
    assert_eq!(
        shown(deadline.expect("deadline").at.as_ref()),
        "2026-03-10 17:30"
    );
    a.stop().await;
    b.stop().await;
}

async fn the_manual_clock_is_one_for_every_replica_and_kept_across_restarts(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let a = replica(replica_config(&database)).await;
    let b = replica(replica_config(&database)).await;
    set_time(&a, "2026-03-05 10:00").await;
    let time_of = |server: &TestServer| {
        let server = server.address;
        async move {
            let channel = tonic::transport::Channel::from_shared(format!("http://{server}"))
                .unwrap()
                .connect()
                .await
                .unwrap();
            let response = pb::admin_service_client::AdminServiceClient::new(channel)
                .get_time(pb::GetTimeRequest {})
                .await
                .expect("time")
                .into_inner();
            shown(response.now.as_ref())
        }
    };
    assert_eq!(time_of(&b).await, "2026-03-05 10:00");
    // B moves it on from where A left it, not from its own start.
    set_time(&b, "2026-03-06 10:00").await;
    assert_eq!(time_of(&a).await, "2026-03-06 10:00");
    // A restarted with its old start joins the clock where it stands.
    a.stop().await;
    let a = replica(replica_config(&database)).await;
    assert_eq!(time_of(&a).await, "2026-03-06 10:00");
    a.stop().await;
    b.stop().await;
}

async fn replicas_sweeping_the_same_deadlines_together_act_on_each_once(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let replicas = [
        replica(replica_config(&database)).await,
        replica(replica_config(&database)).await,
        replica(replica_config(&database)).await,
    ];
    let mut ids = Vec::new();
    for index in 0..12 {
        let application = replicas[index % 3]
            .intake()
            .await
            .submit_application(joint_acceptance())
            .await
            .expect("submitted")
            .into_inner()
            .application
            .expect("application");
        ids.push(application.id);
    }
    // Every replica moves the clock past the 48 silent reviews' deadlines at once, and sweeps.
    let acted = set_time_at_once(
        &[&replicas[0], &replicas[1], &replicas[2]],
        "2026-03-10 09:00",
    )
    .await;
    assert!(acted <= 48, "no deadline is counted twice: {acted}");
    for server in replicas {
        server.stop().await;
    }
    let store = Store::connect(&database.url).await.unwrap();
    for id in ids {
        let kinds = store.event_kinds(id.parse().unwrap()).await.unwrap();
        let deemed = kinds
            .iter()
            .filter(|kind| *kind == "branch_deemed_consent")
            .count();
        assert_eq!(deemed, 4, "each silent review once: {kinds:?}");
    }
    store.close().await.unwrap();
}
