//! A clerk releasing a claim, a directed hand-over by a department head or a supervisor, and a
//! department's queue filtered by application, and posts showing who is away.

use lianban_proto::v1 as pb;
use lianban_tests::Backend;
use tonic::Code;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    a_released_claim_can_be_claimed_by_another_clerk,
    a_directed_hand_over_moves_the_branch_and_says_who_and_why,
    refused_hand_overs_change_nothing_and_posts_show_who_is_away,
    the_queue_filters_by_application,
);

const MATTER: &str = "scjg-qiye-sheli";

async fn declare_post(running: &Running) {
    let post = pb::Post {
        department_code: "scjg".into(),
        code: "dengji".into(),
        matter_codes: vec![MATTER.into()],
        a: "zhang".into(),
        b: vec!["li".into(), "wang".into()],
        ..Default::default()
    };
    running
        .server
        .staff()
        .await
        .declare_post(pb::DeclarePostRequest { post: Some(post) })
        .await
        .unwrap();
}

async fn claim(
    running: &Running,
    branch_id: &str,
    clerk: &str,
) -> Result<pb::Branch, tonic::Status> {
    let request = pb::ClaimTaskRequest {
        branch_id: branch_id.into(),
        department_code: "scjg".into(),
        clerk_id: clerk.into(),
    };
    let answer = running.server.tasks().await.claim_task(request).await;
    answer.map(|r| r.into_inner())
}

fn release(branch_id: &str, department: &str, clerk: &str) -> pb::ReleaseTaskRequest {
    pb::ReleaseTaskRequest {
        idempotency_key: key(),
        branch_id: branch_id.into(),
        department_code: department.into(),
        clerk_id: clerk.into(),
        reason: "临时外出".into(),
    }
}

fn assign(
    branch_id: &str,
    to: &str,
    role: pb::AssignerRole,
    department: &str,
) -> pb::AssignTaskRequest {
    pb::AssignTaskRequest {
        idempotency_key: key(),
        branch_id: branch_id.into(),
        to_clerk: to.into(),
        by: "chief-01".into(),
        role: role as i32,
        department_code: department.into(),
        reason: "均衡工作量".into(),
    }
}

async fn trail(running: &Running, id: &str) -> Vec<pb::AuditEvent> {
    let request = pb::GetAuditTrailRequest {
        application_id: id.into(),
        ..Default::default()
    };
    let mut supervision = running.server.supervision().await;
    supervision
        .get_audit_trail(request)
        .await
        .unwrap()
        .into_inner()
        .events
}

async fn a_released_claim_can_be_claimed_by_another_clerk(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let id = branch(&application, MATTER).id.clone();
    claim(&running, &id, "zhang").await.unwrap();
    let mut tasks = running.server.tasks().await;

    let before = branch(&reread(&running.server, &application.id).await, MATTER).clone();
    assert_status(
        tasks.release_task(release(&id, "scjg", "li")).await,
        Code::FailedPrecondition,
        "zhang",
    );
    assert_status(
        tasks.release_task(release(&id, "gaj", "zhang")).await,
        Code::PermissionDenied,
        "scjg",
    );
    let unchanged = branch(&reread(&running.server, &application.id).await, MATTER).clone();
    assert_eq!(unchanged, before, "a refused release changes nothing");

    let released = tasks
        .release_task(release(&id, "scjg", "zhang"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(released.state, pb::BranchState::Open as i32);
    assert!(released.claimed_by.is_empty());
    assert_status(
        tasks.release_task(release(&id, "scjg", "zhang")).await,
        Code::FailedPrecondition,
        "open",
    );
    let claimed = claim(&running, &id, "li").await.unwrap();
    assert_eq!(claimed.claimed_by, "li");

    let events = trail(&running, &application.id).await;
    let release_event = events
        .iter()
        .find(|e| e.kind == "branch_released")
        .expect("the release is on the trail");
    assert_eq!(release_event.actor, "department:scjg/zhang");
    assert!(release_event.detail_json.contains("临时外出"));
}

async fn a_directed_hand_over_moves_the_branch_and_says_who_and_why(backend: Backend) {
    let running = start(backend).await;
    declare_post(&running).await;
    let application = accepted_company(&running.server).await;
    let id = branch(&application, MATTER).id.clone();
    claim(&running, &id, "zhang").await.unwrap();
    let mut tasks = running.server.tasks().await;

    let moved = tasks
        .assign_task(assign(
            &id,
            "wang",
            pb::AssignerRole::DepartmentHead,
            "scjg",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(moved.assignee, "wang");
    assert!(moved.claimed_by.is_empty(), "zhang's claim is released");
    assert_eq!(moved.state, pb::BranchState::Open as i32);
    let handover = moved.handovers.last().unwrap();
    assert_eq!(
        (handover.from.as_str(), handover.to.as_str()),
        ("zhang", "wang")
    );
    assert!(
        handover.reason.contains("均衡工作量") && handover.reason.contains("chief-01"),
        "{}",
        handover.reason
    );

    let by_supervisor = tasks
        .assign_task(assign(&id, "li", pb::AssignerRole::Supervisor, ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_supervisor.assignee, "li");

    let events = trail(&running, &application.id).await;
    let actors: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == "branch_assigned")
        .map(|e| e.actor.as_str())
        .collect();
    assert!(
        actors.contains(&"department-head:scjg/chief-01"),
        "{actors:?}"
    );
    assert!(actors.contains(&"supervisor:chief-01"), "{actors:?}");

    let notifications = notifications_of(&running.server, &application).await;
    let notice = notifications
        .iter()
        .find(|n| n.kind == "handover" && n.message.contains("wang"))
        .expect("the department is told of the hand-over");
    assert!(
        notice.message.contains("均衡工作量") && notice.message.contains("chief-01"),
        "{}",
        notice.message
    );
}

async fn refused_hand_overs_change_nothing_and_posts_show_who_is_away(backend: Backend) {
    let running = start(backend).await;
    declare_post(&running).await;
    running
        .server
        .staff()
        .await
        .set_clerk_availability(pb::SetClerkAvailabilityRequest {
            department_code: "scjg".into(),
            clerk_id: "li".into(),
            away: true,
            reason: "出差".into(),
        })
        .await
        .unwrap();
    let posts = running
        .server
        .staff()
        .await
        .list_posts(pb::ListPostsRequest {
            department_code: "scjg".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .posts;
    let shown: Vec<(&str, bool, &str)> = posts[0]
        .availability
        .iter()
        .map(|a| (a.clerk_id.as_str(), a.away, a.reason.as_str()))
        .collect();
    assert_eq!(
        shown,
        vec![
            ("zhang", false, ""),
            ("li", true, "出差"),
            ("wang", false, "")
        ]
    );
    assert!(posts[0].availability[1].since.is_some());
    assert!(posts[0].availability[0].since.is_none());

    let application = accepted_company(&running.server).await;
    let id = branch(&application, MATTER).id.clone();
    let before = branch(&reread(&running.server, &application.id).await, MATTER).clone();
    let mut tasks = running.server.tasks().await;
    let head = pb::AssignerRole::DepartmentHead;
    assert_status(
        tasks.assign_task(assign(&id, "zhao", head, "scjg")).await,
        Code::InvalidArgument,
        "to_clerk",
    );
    assert_status(
        tasks.assign_task(assign(&id, "li", head, "scjg")).await,
        Code::FailedPrecondition,
        "away",
    );
    assert_status(
        tasks.assign_task(assign(&id, "wang", head, "gaj")).await,
        Code::PermissionDenied,
        "scjg",
    );
    assert_status(
        tasks
            .assign_task(assign(&id, "wang", pb::AssignerRole::Unspecified, ""))
            .await,
        Code::InvalidArgument,
        "role",
    );
    let unchanged = branch(&reread(&running.server, &application.id).await, MATTER).clone();
    assert_eq!(unchanged, before, "a refused hand-over changes nothing");

    let decided = decide(
        &running.server,
        decision(&application, MATTER, approve("R-1")),
    )
    .await;
    let finished = branch(&decided, MATTER).clone();
    assert_status(
        tasks
            .assign_task(assign(&id, "wang", pb::AssignerRole::Supervisor, ""))
            .await,
        Code::FailedPrecondition,
        "approved",
    );
    let after = reread(&running.server, &application.id).await;
    assert_eq!(branch(&after, MATTER), &finished);
}

async fn the_queue_filters_by_application(backend: Backend) {
    let running = start(backend).await;
    let first = accepted_company(&running.server).await;
    let second = accepted_company(&running.server).await;
    let mut tasks = running.server.tasks().await;
    let list = |application_id: &str| pb::ListTasksRequest {
        department_code: "scjg".into(),
        application_id: application_id.into(),
        ..Default::default()
    };
    let all = tasks.list_tasks(list("")).await.unwrap().into_inner().tasks;
    let ids_of = |application: &pb::Application| -> Vec<String> {
        application.branches.iter().map(|b| b.id.clone()).collect()
    };
    let (first_ids, second_ids) = (ids_of(&first), ids_of(&second));
    let in_first = |t: &pb::Task| first_ids.contains(&t.branch.as_ref().unwrap().id);
    assert!(
        all.iter().any(in_first),
        "both applications are in the queue"
    );
    let only = tasks
        .list_tasks(list(&second.id))
        .await
        .unwrap()
        .into_inner()
        .tasks;
    assert!(!only.is_empty());
    assert_eq!(only.len() * 2, all.len());
    assert!(
        only.iter()
            .all(|t| second_ids.contains(&t.branch.as_ref().unwrap().id))
    );
    assert_status(
        tasks.list_tasks(list("not-a-uuid")).await,
        Code::InvalidArgument,
        "application_id",
    );
}
