//! Department systems: each sees and decides only its own branches, gets precise errors, claims,
//! and watches its queue.

use std::time::Duration;

use lianban_proto::v1 as pb;
use lianban_tests::Backend;
use tokio_stream::StreamExt;
use tonic::Code;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    a_department_sees_only_its_own_branches,
    a_department_cannot_decide_another_departments_branch,
    deciding_a_branch_that_is_not_open_names_its_state,
    unknown_and_malformed_requests_are_told_apart,
    a_claimed_branch_is_decided_by_its_clerk,
    a_watcher_gets_the_actionable_branches_then_every_change,
    two_servers_on_one_store_each_decide_on_what_the_other_wrote,
    a_decision_answers_with_what_it_changed,
);

async fn a_department_sees_only_its_own_branches(backend: Backend) {
    let running = start(backend).await;
    let first = accepted_company(&running.server).await;
    let second = accepted_company(&running.server).await;
    let mut tasks = running.server.tasks().await;
    let listed = tasks
        .list_tasks(pb::ListTasksRequest {
            department_code: "scjg".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .tasks;
    let ids: Vec<&str> = listed
        .iter()
        .map(|t| t.branch.as_ref().unwrap().id.as_str())
        .collect();
    assert_eq!(
        ids,
        vec![
            branch(&first, "scjg-qiye-sheli").id.as_str(),
            branch(&second, "scjg-qiye-sheli").id.as_str()
        ]
    );
    assert!(
        listed
            .iter()
            .all(|t| t.branch.as_ref().unwrap().department_code == "scjg")
    );
    // Paging walks the same list one at a time.
    let page = tasks
        .list_tasks(pb::ListTasksRequest {
            department_code: "scjg".into(),
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.tasks.len(), 1);
    let rest = tasks
        .list_tasks(pb::ListTasksRequest {
            department_code: "scjg".into(),
            page_size: 1,
            page_token: page.next_page_token,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.tasks[0].branch.as_ref().unwrap().id, ids[1]);
    assert!(rest.next_page_token.is_empty());
    let gaj = tasks
        .list_tasks(pb::ListTasksRequest {
            department_code: "gaj".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .tasks;
    assert!(
        gaj.iter()
            .all(|t| t.branch.as_ref().unwrap().matter_code == "gaj-yinzhang-beian")
    );
}

async fn a_department_cannot_decide_another_departments_branch(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let mut request = decision(&application, "scjg-qiye-sheli", approve("X"));
    request.department_code = "swj".into();
    let refusal = assert_refused(
        running.server.tasks().await.decide_task(request).await,
        Code::PermissionDenied,
        "NOT_OWNER",
        "branch",
    );
    assert_eq!(
        (
            refusal.metadata["owner"].as_str(),
            refusal.metadata["caller"].as_str()
        ),
        ("scjg", "swj")
    );
    let unchanged = reread(&running.server, &application.id).await;
    assert_eq!(unchanged, application);
}

async fn deciding_a_branch_that_is_not_open_names_its_state(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let mut tasks = running.server.tasks().await;
    let waiting = tasks
        .decide_task(decision(&application, "gaj-yinzhang-beian", approve("X")))
        .await;
    let refusal = assert_refused(
        waiting,
        Code::FailedPrecondition,
        "BRANCH_NOT_ACTIONABLE",
        "branch",
    );
    assert_eq!(refusal.metadata["state"], "waiting");
    let after = decide(
        &running.server,
        decision(
            &application,
            "scjg-qiye-sheli",
            approve("91350102MA2Y000001"),
        ),
    )
    .await;
    let again = tasks
        .decide_task(decision(&application, "scjg-qiye-sheli", reject("late")))
        .await;
    let refusal = assert_refused(
        again,
        Code::FailedPrecondition,
        "BRANCH_NOT_ACTIONABLE",
        "branch",
    );
    assert_eq!(refusal.metadata["state"], "approved");
    assert_eq!(
        reread(&running.server, &application.id).await,
        after,
        "nothing half-written"
    );
}

async fn unknown_and_malformed_requests_are_told_apart(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let mut tasks = running.server.tasks().await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let mut request = decision(&application, "scjg-qiye-sheli", approve("X"));
    request.branch_id = unknown.clone();
    let refusal = assert_refused(
        tasks.decide_task(request).await,
        Code::NotFound,
        "NOT_FOUND",
        "branch",
    );
    assert_eq!(refusal.subject(), unknown);
    let cases: Vec<(&str, Spoil<pb::DecideTaskRequest>)> = vec![
        ("branch_id", Box::new(|r| r.branch_id = "branch-1".into())),
        (
            "department_code",
            Box::new(|r| r.department_code = "nope".into()),
        ),
        ("department_code", Box::new(|r| r.department_code.clear())),
        ("clerk_id", Box::new(|r| r.clerk_id.clear())),
        ("decision", Box::new(|r| r.decision = None)),
        (
            "approve.result_reference",
            Box::new(|r| r.decision = Some(approve(" "))),
        ),
        ("reject.reason", Box::new(|r| r.decision = Some(reject("")))),
        (
            "idempotency_key",
            Box::new(|r| r.idempotency_key = "k".repeat(129)),
        ),
    ];
    for (field, spoil) in cases {
        let mut request = decision(&application, "scjg-qiye-sheli", approve("X"));
        spoil(&mut request);
        assert_refused(
            tasks.decide_task(request).await,
            Code::InvalidArgument,
            "INVALID_FIELD",
            field,
        );
    }
    let list = tasks.list_tasks(pb::ListTasksRequest {
        department_code: "scjg".into(),
        page_token: "zzz".into(),
        ..Default::default()
    });
    assert_status(list.await, Code::InvalidArgument, "page_token");
    assert_eq!(reread(&running.server, &application.id).await, application);
}

async fn a_claimed_branch_is_decided_by_its_clerk(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let registration = branch(&application, "scjg-qiye-sheli");
    let mut tasks = running.server.tasks().await;
    let claim = |clerk: &str| pb::ClaimTaskRequest {
        branch_id: registration.id.clone(),
        department_code: "scjg".into(),
        clerk_id: clerk.into(),
    };
    let claimed = tasks
        .claim_task(claim("scjg-07"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(claimed.state, pb::BranchState::Claimed as i32);
    assert_eq!(claimed.claimed_by, "scjg-07");
    let repeated = tasks
        .claim_task(claim("scjg-07"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(repeated, claimed, "claiming again changes nothing");
    let refusal = assert_refused(
        tasks.claim_task(claim("scjg-08")).await,
        Code::FailedPrecondition,
        "CLAIMED_BY_OTHER",
        "branch",
    );
    assert_eq!(refusal.metadata["holder"], "scjg-07");
    let mut by_other = decision(&application, "scjg-qiye-sheli", approve("X"));
    by_other.clerk_id = "scjg-08".into();
    let refusal = assert_refused(
        tasks.decide_task(by_other).await,
        Code::FailedPrecondition,
        "CLAIMED_BY_OTHER",
        "branch",
    );
    assert_eq!(refusal.metadata["holder"], "scjg-07");
    let mut by_holder = decision(
        &application,
        "scjg-qiye-sheli",
        approve("91350102MA2Y000001"),
    );
    by_holder.clerk_id = "scjg-07".into();
    let after = decide(&running.server, by_holder).await;
    assert_eq!(
        state_of(&after, "scjg-qiye-sheli"),
        pb::BranchState::Approved
    );
}

async fn next_event(stream: &mut tonic::Streaming<pb::TaskEvent>) -> pb::TaskEvent {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("an event arrives")
        .expect("stream open")
        .expect("no error")
}

async fn a_watcher_gets_the_actionable_branches_then_every_change(backend: Backend) {
    let running = start(backend).await;
    let first = accepted_company(&running.server).await;
    let first = decide(
        &running.server,
        decision(&first, "scjg-qiye-sheli", approve("91350102MA2Y000001")),
    )
    .await;
    let mut tasks = running.server.tasks().await;
    let mut stream = tasks
        .watch_tasks(pb::WatchTasksRequest {
            department_code: "gaj".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let snapshot = next_event(&mut stream).await;
    assert!(snapshot.snapshot);
    assert_eq!(
        snapshot.task.unwrap().branch.unwrap().id,
        branch(&first, "gaj-yinzhang-beian").id
    );

    let second = accepted_company(&running.server).await;
    decide(
        &running.server,
        decision(&second, "scjg-qiye-sheli", approve("91350102MA2Y000002")),
    )
    .await;
    let started = next_event(&mut stream).await;
    assert!(!started.snapshot);
    let started = started.task.unwrap().branch.unwrap();
    assert_eq!(started.id, branch(&second, "gaj-yinzhang-beian").id);
    assert_eq!(started.state, pb::BranchState::Open as i32);

    decide(
        &running.server,
        decision(&first, "gaj-yinzhang-beian", approve("GA-1")),
    )
    .await;
    let decided = next_event(&mut stream).await.task.unwrap().branch.unwrap();
    assert_eq!(decided.id, branch(&first, "gaj-yinzhang-beian").id);
    assert_eq!(decided.state, pb::BranchState::Approved as i32);
    assert_status(
        tasks
            .watch_tasks(pb::WatchTasksRequest {
                department_code: "nope".into(),
            })
            .await,
        Code::InvalidArgument,
        "department_code",
    );
}

/// Two replicas on one database. Each keeps the documents it wrote last; a decision must still be
/// taken on what the other replica wrote since, whether the held copy would refuse it (the branch
/// had not started there) or accept it (the branch was open, but the application moved on).
async fn two_servers_on_one_store_each_decide_on_what_the_other_wrote(backend: Backend) {
    let running = start(backend).await;
    let first = &running.server;
    let second = lianban_tests::TestServer::start(&running.database.url).await;

    let submitted = accepted_company(first).await;
    let registered = decide(
        &second,
        decision(&submitted, "scjg-qiye-sheli", approve("91350102MA2Y000001")),
    )
    .await;
    assert_eq!(
        state_of(&registered, "gaj-yinzhang-beian"),
        pb::BranchState::Open
    );
    // The first server still holds the application as it submitted it, with the seal branch not
    // started: it must read the store rather than refuse.
    let sealed = decide(
        first,
        decision(&registered, "gaj-yinzhang-beian", approve("seal-0001")),
    )
    .await;
    assert_eq!(
        state_of(&sealed, "gaj-yinzhang-beian"),
        pb::BranchState::Approved
    );
    // The second server holds the application before the seal decision: its decision on another
    // branch loses the version check, and is taken again on the stored application.
    let invoiced = decide(
        &second,
        decision(&registered, "swj-fapiao-shenling", approve("invoice-0001")),
    )
    .await;
    assert_eq!(
        state_of(&invoiced, "gaj-yinzhang-beian"),
        pb::BranchState::Approved,
        "the seal decision made on the other server is kept"
    );
    assert_eq!(
        state_of(&invoiced, "swj-fapiao-shenling"),
        pb::BranchState::Approved
    );
    // A refusal is still a refusal once confirmed on the stored application.
    let again = first
        .tasks()
        .await
        .decide_task(decision(
            &registered,
            "gaj-yinzhang-beian",
            approve("seal-0002"),
        ))
        .await;
    assert_status(again, Code::FailedPrecondition, "approved");
    let stored = reread(first, &submitted.id).await;
    assert_eq!(stored, reread(&second, &submitted.id).await);
    assert_eq!(stored.version, invoiced.version);
    second.stop().await;
}

/// The answer to a decision: the decided branch, the application's state and version, and the
/// branches waiting on it as they stand — each as GetApplication shows them right after.
async fn a_decision_answers_with_what_it_changed(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let mut tasks = running.server.tasks().await;
    let request = decision(
        &application,
        "scjg-qiye-sheli",
        approve("91350102MA2Y000001"),
    );
    let answer = tasks
        .decide_task(request.clone())
        .await
        .unwrap()
        .into_inner();
    let after = reread(&running.server, &application.id).await;
    assert_eq!(answer.application_id, application.id);
    assert_eq!(answer.application_state, after.state);
    assert_eq!(
        answer.application_state,
        pb::ApplicationState::InProgress as i32
    );
    assert_eq!(answer.application_version, after.version);
    assert_eq!(
        answer.branch.as_ref(),
        Some(branch(&after, "scjg-qiye-sheli"))
    );
    let started: Vec<&pb::Branch> = after
        .branches
        .iter()
        .filter(|b| b.matter_code != "scjg-qiye-sheli")
        .collect();
    assert_eq!(started.len(), 6);
    assert_eq!(answer.dependants.iter().collect::<Vec<_>>(), started);
    assert!(
        answer
            .dependants
            .iter()
            .all(|b| b.state == pb::BranchState::Open as i32),
        "registration was the last prerequisite of every other branch"
    );
    let retried = tasks.decide_task(request).await.unwrap().into_inner();
    assert_eq!(retried, answer, "a retry gets the first answer");

    let mut last = None;
    for dependant in &answer.dependants {
        let matter = dependant.matter_code.clone();
        let decided = tasks
            .decide_task(decision(&after, &matter, approve("X")))
            .await
            .unwrap()
            .into_inner();
        assert!(decided.dependants.is_empty(), "nothing waits on {matter}");
        last = Some(decided);
    }
    let last = last.unwrap();
    let done = reread(&running.server, &application.id).await;
    assert_eq!(
        last.application_state,
        pb::ApplicationState::ReadyForDispatch as i32
    );
    assert_eq!(last.application_version, done.version);

    let refused = accepted_company(&running.server).await;
    let rejected = tasks
        .decide_task(decision(&refused, "scjg-qiye-sheli", reject("name taken")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rejected.dependants.len(), 6);
    assert!(
        rejected
            .dependants
            .iter()
            .all(|b| b.state == pb::BranchState::Cancelled as i32)
    );
    let cancelled: Vec<pb::Branch> = reread(&running.server, &refused.id)
        .await
        .branches
        .into_iter()
        .filter(|b| b.matter_code != "scjg-qiye-sheli")
        .collect();
    assert_eq!(rejected.dependants, cancelled);
}
