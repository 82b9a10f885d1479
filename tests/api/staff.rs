//! Posts and clerks (AB岗): a branch goes to the post's A clerk, passes to the first available B
//! when a clerk goes away (recorded as a hand-over), and is escalated when nobody is available.

use lianban_proto::v1 as pb;
use lianban_tests::Backend;
use tonic::Code;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(a_clerk_going_away_hands_branches_to_the_next_and_nobody_available_escalates);

fn post() -> pb::DeclarePostRequest {
    pb::DeclarePostRequest {
        post: Some(pb::Post {
            department_code: "scjg".into(),
            code: "dengji".into(),
            matter_codes: vec!["scjg-qiye-sheli".into()],
            a: "zhang".into(),
            b: vec!["li".into(), "wang".into()],
            ..Default::default()
        }),
    }
}

async fn queue(running: &Running, clerk: &str) -> Vec<pb::Task> {
    let request = pb::ListTasksRequest {
        department_code: "scjg".into(),
        clerk_id: clerk.into(),
        ..Default::default()
    };
    running
        .server
        .tasks()
        .await
        .list_tasks(request)
        .await
        .unwrap()
        .into_inner()
        .tasks
}

async fn set(running: &Running, clerk: &str, away: bool) -> u32 {
    let request = pb::SetClerkAvailabilityRequest {
        department_code: "scjg".into(),
        clerk_id: clerk.into(),
        away,
        reason: if away {
            "年假".into()
        } else {
            "返岗".into()
        },
    };
    running
        .server
        .staff()
        .await
        .set_clerk_availability(request)
        .await
        .unwrap()
        .into_inner()
        .branches_moved
}

async fn a_clerk_going_away_hands_branches_to_the_next_and_nobody_available_escalates(
    backend: Backend,
) {
    let running = start(backend).await;
    let mut staff = running.server.staff().await;
    let mut wrong = post();
    wrong.post.as_mut().unwrap().matter_codes = vec!["gaj-yinzhang-beian".into()];
    assert_refused(
        staff.declare_post(wrong).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "post.matter_codes[0]",
    );
    staff.declare_post(post()).await.unwrap();

    let application = accepted_company(&running.server).await;
    let registration = branch(&application, "scjg-qiye-sheli");
    assert_eq!(
        (registration.post.as_str(), registration.assignee.as_str()),
        ("dengji", "zhang")
    );
    assert_eq!(
        queue(&running, "zhang").await.len(),
        1,
        "the A clerk's own queue"
    );
    assert!(queue(&running, "li").await.is_empty());
    let claim = pb::ClaimTaskRequest {
        branch_id: registration.id.clone(),
        department_code: "scjg".into(),
        clerk_id: "zhang".into(),
    };
    running
        .server
        .tasks()
        .await
        .claim_task(claim)
        .await
        .unwrap();

    assert_eq!(set(&running, "zhang", true).await, 1);
    let moved = reread(&running.server, &application.id).await;
    let registration = branch(&moved, "scjg-qiye-sheli");
    assert_eq!(registration.assignee, "li");
    assert_eq!(
        registration.state,
        pb::BranchState::Open as i32,
        "the away clerk's claim is released"
    );
    let handover = &registration.handovers[0];
    assert_eq!(
        (handover.from.as_str(), handover.to.as_str()),
        ("zhang", "li")
    );
    assert!(handover.reason.contains("年假"), "{}", handover.reason);
    assert_eq!(queue(&running, "li").await.len(), 1);

    assert_eq!(set(&running, "li", true).await, 1);
    assert_eq!(set(&running, "wang", true).await, 1);
    let nobody = reread(&running.server, &application.id).await;
    let registration = branch(&nobody, "scjg-qiye-sheli");
    assert!(registration.assignee.is_empty());
    assert!(
        registration.unstaffed_since.is_some(),
        "escalated, never silently parked"
    );
    let warnings = running
        .server
        .supervision()
        .await
        .list_warnings(pb::ListWarningsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(
        warnings
            .tasks
            .iter()
            .any(|t| t.branch.as_ref().unwrap().id == registration.id)
    );
    let notifications = notifications_of(&running.server, &application).await;
    assert!(
        notifications
            .iter()
            .any(|n| n.kind == "unstaffed" && n.audience == pb::Audience::Supervision as i32)
    );
    assert!(notifications.iter().any(|n| n.kind == "handover"));

    // A branch that starts while everybody is away is escalated at once.
    let second = accepted_company(&running.server).await;
    assert!(branch(&second, "scjg-qiye-sheli").unstaffed_since.is_some());

    // Back from leave: the branches nobody held go to zhang.
    assert_eq!(set(&running, "zhang", false).await, 2);
    let back = reread(&running.server, &application.id).await;
    let registration = branch(&back, "scjg-qiye-sheli");
    assert_eq!(registration.assignee, "zhang");
    assert!(registration.unstaffed_since.is_none());
    let posts = staff
        .list_posts(pb::ListPostsRequest {
            department_code: "scjg".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .posts;
    assert_eq!(posts.len(), 1);
}

#[tokio::test]
async fn posts_declared_in_the_configuration_assign_branches_from_the_start() {
    use lianban_orchestrator::staffing::Post;
    let database = lianban_tests::TestDatabase::create(Backend::Sqlite).await;
    let config = lianban_services::Config {
        database_url: database.url.clone(),
        posts: vec![Post {
            department: "gaj".into(),
            code: "yinzhang".into(),
            matters: vec!["gaj-yinzhang-beian".into()],
            a: "zhao".into(),
            b: vec!["qian".into()],
        }],
        ..lianban_services::Config::default()
    };
    let server = lianban_tests::TestServer::start_with(config).await.unwrap();
    let application = accepted_company(&server).await;
    let started = decide(
        &server,
        decision(&application, "scjg-qiye-sheli", approve("R-1")),
    )
    .await;
    assert_eq!(branch(&started, "gaj-yinzhang-beian").assignee, "zhao");
    assert_eq!(
        branch(&started, "swj-fapiao-shenling").assignee,
        "",
        "no post: the department's common queue"
    );
    assert_eq!(
        started.front_desk_clerk, "desk-01",
        "the first-inquiry owner stays on the application"
    );
    server.stop().await;

    let mut bad = lianban_services::Config {
        database_url: database.url.clone(),
        ..lianban_services::Config::default()
    };
    bad.posts = vec![Post {
        department: "gaj".into(),
        code: "x".into(),
        matters: vec!["nope".into()],
        a: "zhao".into(),
        b: vec![],
    }];
    let error = match lianban_tests::TestServer::start_with(bad).await {
        Ok(_) => panic!("a post with an unknown matter must stop start-up"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("posts") && error.contains("nope"), "{error}");
}
