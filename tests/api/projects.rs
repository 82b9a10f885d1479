//! Key projects: a facilitator sees every application and branch of a project with its deadline,
//! colour and what it waits for, and watches the changes.

use std::time::Duration;

use lianban_proto::v1 as pb;
use lianban_tests::Backend;
use tokio_stream::StreamExt;
use tonic::Code;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(a_facilitator_follows_every_application_of_a_key_project);

fn project(code: &str, facilitator: &str) -> pb::RegisterProjectRequest {
    pb::RegisterProjectRequest {
        project: Some(pb::Project {
            code: code.into(),
            name: "榕城智能制造产业园".into(),
            investor: "榕城实业有限公司".into(),
            investment_wan: 120_000,
            facilitator: facilitator.into(),
            registered_at: None,
        }),
    }
}

fn progress_of<'a>(item: &'a pb::ProjectApplication, matter: &str) -> &'a pb::BranchProgress {
    let application = item.application.as_ref().unwrap();
    let id = &branch(application, matter).id;
    item.progress.iter().find(|p| &p.branch_id == id).unwrap()
}

async fn a_facilitator_follows_every_application_of_a_key_project(backend: Backend) {
    let running = start(backend).await;
    let mut projects = running.server.projects().await;
    projects
        .register_project(project("ZD-2026-001", "bangban-01"))
        .await
        .unwrap();
    projects
        .register_project(project("ZD-2026-002", "bangban-02"))
        .await
        .unwrap();
    let refusal = assert_refused(
        projects.register_project(project("ZD-2026-001", "x")).await,
        Code::AlreadyExists,
        "ALREADY_REGISTERED",
        "project",
    );
    assert_eq!(refusal.subject(), "ZD-2026-001");
    let mine = projects
        .list_projects(pb::ListProjectsRequest {
            facilitator: "bangban-01".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        mine.into_inner()
            .projects
            .iter()
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>(),
        vec!["ZD-2026-001"]
    );

    let mut intake = running.server.intake().await;
    let mut unknown = company(&COMPANY_MATERIALS);
    unknown.key_project_code = "ZD-NOPE".into();
    assert_refused(
        intake.submit_application(unknown).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "key_project_code",
    );
    let mut first = company(&COMPANY_MATERIALS);
    first.key_project_code = "ZD-2026-001".into();
    let first = intake
        .submit_application(first)
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    let mut second = company(&["sheli-shenqingshu"]);
    second.key_project_code = "ZD-2026-001".into();
    let second = intake
        .submit_application(second)
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    accepted_company(&running.server).await; // not part of the project

    let board = projects
        .get_project_board(pb::GetProjectBoardRequest {
            code: "ZD-2026-001".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(board.project.unwrap().investment_wan, 120_000);
    assert_eq!(board.applications.len(), 2);
    let accepted = &board.applications[0];
    let registration = progress_of(accepted, "scjg-qiye-sheli");
    assert_eq!(
        (registration.waiting_for, registration.detail.as_str()),
        (pb::WaitingFor::Department as i32, "scjg")
    );
    let seal = progress_of(accepted, "gaj-yinzhang-beian");
    assert_eq!(
        (seal.waiting_for, seal.detail.as_str()),
        (pb::WaitingFor::Predecessor as i32, "scjg-qiye-sheli")
    );
    let shown = branch(accepted.application.as_ref().unwrap(), "scjg-qiye-sheli");
    assert!(
        shown
            .deadline
            .as_ref()
            .is_some_and(|d| d.colour != pb::WarningColour::Unspecified as i32)
    );
    let waiting = progress_of(&board.applications[1], "scjg-qiye-sheli");
    assert_eq!(waiting.waiting_for, pb::WaitingFor::Applicant as i32);
    assert!(
        waiting.detail.contains("gongsi-zhangcheng"),
        "{}",
        waiting.detail
    );
    assert_status(
        projects
            .get_project_board(pb::GetProjectBoardRequest {
                code: "ZD-NOPE".into(),
                ..Default::default()
            })
            .await,
        Code::NotFound,
        "ZD-NOPE",
    );

    let mut watch = projects
        .watch_project(pb::WatchProjectRequest {
            code: "ZD-2026-001".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(next(&mut watch).await.snapshot);
    assert!(next(&mut watch).await.snapshot);
    decide(
        &running.server,
        decision(&first, "scjg-qiye-sheli", approve("91350102MA2Y000001")),
    )
    .await;
    let change = next(&mut watch).await;
    assert!(!change.snapshot);
    let changed = change.application.unwrap();
    assert_eq!(changed.application.as_ref().unwrap().id, first.id);
    let seal = progress_of(&changed, "gaj-yinzhang-beian");
    assert_eq!(
        (seal.waiting_for, seal.detail.as_str()),
        (pb::WaitingFor::Department as i32, "gaj")
    );
    assert_eq!(
        board.applications[1].application.as_ref().unwrap().id,
        second.id
    );
}

async fn next(watch: &mut tonic::Streaming<pb::ProjectEvent>) -> pb::ProjectEvent {
    tokio::time::timeout(Duration::from_secs(10), watch.next())
        .await
        .expect("an event")
        .unwrap()
        .unwrap()
}
