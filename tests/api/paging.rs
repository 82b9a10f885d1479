//! Every list that can grow is paged with a token: walking small pages to the end yields each item
//! once, in the order of one big page; a token the server did not issue and a page larger than
//! 500 are refused naming their field. A project's board and an application's audit trail are
//! paged the same way. Notifications are also filtered by kind and by session, and
//! a session's notices are found from every application it reviews.

use std::collections::HashSet;

use lianban_proto::v1 as pb;
use lianban_tests::{Backend, TestDatabase, TestServer};
use tonic::{Code, Status};

use crate::on_every_backend;
use crate::support::{
    COMPANY_MATERIALS, accepted_company, beijing, branch, company, joint_acceptance, key, set_time,
    start,
};

on_every_backend!(
    the_catalogue_lists_walk_to_the_end,
    projects_boards_trails_and_posts_walk_to_the_end,
    warnings_and_extension_requests_walk_to_the_end,
    notifications_walk_and_filter_by_kind_and_session,
);

/// One page: its items (as ids or codes) and its next_page_token.
type Page = Result<(Vec<String>, String), Status>;

/// Walks `list` in pages of `size` and checks it yields what one page of 500 does, each item once
/// in the same order, over more than one page; checks that page size 501 and a garbage token are
/// refused naming their field. Returns the items.
async fn walk(mut list: impl AsyncFnMut(u32, String) -> Page, size: u32) -> Vec<String> {
    let (whole, next) = list(500, String::new()).await.expect("one big page");
    assert!(next.is_empty(), "one page of 500 holds them all");
    assert!(whole.len() > size as usize, "more than one page of {size}");
    let distinct: HashSet<&String> = whole.iter().collect();
    assert_eq!(distinct.len(), whole.len(), "each item once: {whole:?}");
    let mut walked = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let (items, next) = list(size, token).await.expect("a page");
        pages += 1;
        assert!(items.len() <= size as usize && !items.is_empty());
        walked.extend(items);
        if next.is_empty() {
            break;
        }
        assert!(pages <= whole.len(), "the walk ends");
        token = next;
    }
    assert_eq!(walked, whole, "pages of {size} in the order of one page");
    assert_eq!(pages, whole.len().div_ceil(size as usize));
    refused(list(501, String::new()).await, "page_size");
    refused(list(size, "garbage".into()).await, "page_token");
    refused(list(size, "7b7d".into()).await, "page_token");
    whole
}

fn refused(result: Page, field: &str) {
    crate::support::assert_refused(result, Code::InvalidArgument, "INVALID_FIELD", field);
}

/// The next_page_token of the first page of `size` (for passing to another list).
async fn first_token(mut list: impl AsyncFnMut(u32, String) -> Page) -> String {
    let (_, next) = list(1, String::new()).await.expect("a page");
    assert!(!next.is_empty());
    next
}

async fn the_catalogue_lists_walk_to_the_end(backend: Backend) {
    let running = start(backend).await;
    let mut catalog = running.server.catalog().await;
    let mut bundles = async |page_size, page_token| {
        let request = pb::ListBundlesRequest {
            page_size,
            page_token,
        };
        let page = catalog.list_bundles(request).await?.into_inner();
        let codes = page.bundles.into_iter().map(|b| b.code).collect();
        Ok((codes, page.next_page_token))
    };
    let codes = walk(&mut bundles, 3).await;
    assert!(codes.is_sorted());
    let foreign = first_token(&mut bundles).await;

    let mut catalog = running.server.catalog().await;
    let mut matters = async |department: &str, page_size, page_token| {
        let request = pb::ListMattersRequest {
            department_code: department.into(),
            page_size,
            page_token,
        };
        let page = catalog.list_matters(request).await?.into_inner();
        let codes = page.matters.into_iter().map(|m| m.code).collect();
        Ok((codes, page.next_page_token))
    };
    let all = walk(async |size, token| matters("", size, token).await, 2).await;
    assert!(all.is_sorted() && all.len() > 20, "{all:?}");
    let gaj = walk(async |size, token| matters("gaj", size, token).await, 1).await;
    assert!(gaj.iter().all(|code| code.starts_with("gaj-")), "{gaj:?}");
    // A token of the bundle list is not one of the matter list.
    refused(matters("", 2, foreign).await, "page_token");

    let mut catalog = running.server.catalog().await;
    let departments = walk(
        async |page_size, page_token| {
            let request = pb::ListDepartmentsRequest {
                page_size,
                page_token,
            };
            let page = catalog.list_departments(request).await?.into_inner();
            let codes = page.departments.into_iter().map(|d| d.code).collect();
            Ok((codes, page.next_page_token))
        },
        2,
    )
    .await;
    assert!(departments.is_sorted() && departments.len() > 10);
    running.server.stop().await;
}

async fn projects_boards_trails_and_posts_walk_to_the_end(backend: Backend) {
    let running = start(backend).await;
    let mut projects = running.server.projects().await;
    for (index, code) in ["ZD-05", "ZD-01", "ZD-04", "ZD-02", "ZD-03"]
        .iter()
        .enumerate()
    {
        let facilitator = if index % 2 == 0 {
            "bangban-01"
        } else {
            "bangban-02"
        };
        let project = pb::Project {
            code: (*code).into(),
            name: format!("项目{index}"),
            investor: "榕城实业有限公司".into(),
            investment_wan: 10_000,
            facilitator: facilitator.into(),
            registered_at: None,
        };
        let request = pb::RegisterProjectRequest {
            project: Some(project),
        };
        projects.register_project(request).await.unwrap();
    }
    let mut list = async |facilitator: &str, page_size, page_token| {
        let request = pb::ListProjectsRequest {
            facilitator: facilitator.into(),
            page_size,
            page_token,
        };
        let page = projects.list_projects(request).await?.into_inner();
        let codes = page.projects.into_iter().map(|p| p.code).collect();
        Ok((codes, page.next_page_token))
    };
    let all = walk(async |size, token| list("", size, token).await, 2).await;
    assert_eq!(all, ["ZD-01", "ZD-02", "ZD-03", "ZD-04", "ZD-05"]);
    let mine = walk(async |size, token| list("bangban-01", size, token).await, 1).await;
    assert_eq!(mine, ["ZD-03", "ZD-04", "ZD-05"]);

    // A project's board: its applications in submission order.
    let mut submitted = Vec::new();
    for _ in 0..5 {
        let mut request = company(&COMPANY_MATERIALS);
        request.key_project_code = "ZD-02".into();
        let answer = running
            .server
            .intake()
            .await
            .submit_application(request)
            .await;
        submitted.push(answer.unwrap().into_inner().application.unwrap().id);
    }
    let mut projects = running.server.projects().await;
    let board = walk(
        async |page_size, page_token| {
            let request = pb::GetProjectBoardRequest {
                code: "ZD-02".into(),
                page_size,
                page_token,
            };
            let page = projects.get_project_board(request).await?.into_inner();
            assert_eq!(page.project.unwrap().code, "ZD-02");
            let ids = page
                .applications
                .into_iter()
                .map(|a| a.application.unwrap().id)
                .collect();
            Ok((ids, page.next_page_token))
        },
        2,
    )
    .await;
    assert_eq!(board, submitted);

    // One application's audit trail: every page verifies the whole chain.
    let mut supervision = running.server.supervision().await;
    let trail = walk(
        async |page_size, page_token| {
            let request = pb::GetAuditTrailRequest {
                application_id: submitted[0].clone(),
                page_size,
                page_token,
            };
            let page = supervision.get_audit_trail(request).await?.into_inner();
            assert!(page.verified, "{}", page.problem);
            let seqs = page
                .events
                .into_iter()
                .map(|e| format!("{:06}", e.seq))
                .collect();
            Ok((seqs, page.next_page_token))
        },
        2,
    )
    .await;
    let expected: Vec<String> = (1..=trail.len()).map(|seq| format!("{seq:06}")).collect();
    assert_eq!(trail, expected);

    // One post for each of seven matters, in departments declared in no particular order.
    let matters = running
        .server
        .catalog()
        .await
        .list_matters(pb::ListMattersRequest {
            page_size: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .matters;
    let mut staff = running.server.staff().await;
    for matter in matters.iter().rev().step_by(3).take(7) {
        let post = pb::Post {
            department_code: matter.department_code.clone(),
            code: format!("post-{}", matter.code),
            matter_codes: vec![matter.code.clone()],
            a: format!("{}-a", matter.department_code),
            b: vec![format!("{}-b", matter.department_code)],
            ..Default::default()
        };
        let request = pb::DeclarePostRequest { post: Some(post) };
        staff.declare_post(request).await.unwrap();
    }
    let posts = walk(
        async |page_size, page_token| {
            let request = pb::ListPostsRequest {
                page_size,
                page_token,
                ..Default::default()
            };
            let page = staff.list_posts(request).await?.into_inner();
            let keys = page
                .posts
                .into_iter()
                .map(|p| format!("{}/{}", p.department_code, p.code))
                .collect();
            Ok((keys, page.next_page_token))
        },
        2,
    )
    .await;
    assert_eq!(posts.len(), 7);
    assert!(posts.is_sorted(), "{posts:?}");
    running.server.stop().await;
}

/// Three 开办企业 applications accepted now, each asking to extend its registration branch.
async fn three_companies_asking_for_more_time(server: &TestServer) -> Vec<pb::Application> {
    let mut tasks = server.tasks().await;
    let mut accepted = Vec::new();
    for _ in 0..3 {
        let application = accepted_company(server).await;
        let request = pb::RequestExtensionRequest {
            idempotency_key: key(),
            branch_id: branch(&application, "scjg-qiye-sheli").id.clone(),
            department_code: "scjg".into(),
            clerk_id: "scjg-01".into(),
            days: 5,
            reason: "股东为境外机构，需核验主体资格".into(),
        };
        tasks.request_extension(request).await.unwrap();
        accepted.push(application);
    }
    accepted
}

async fn warnings_and_extension_requests_walk_to_the_end(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-03-02 09:00")).await;
    let monday = three_companies_asking_for_more_time(&server).await;
    set_time(&server, "2026-03-03 09:00").await;
    let tuesday = three_companies_asking_for_more_time(&server).await;
    let registration = |a: &pb::Application| branch(a, "scjg-qiye-sheli").id.clone();

    let mut supervision = server.supervision().await;
    let pending = walk(
        async |page_size, page_token| {
            let request = pb::ListExtensionRequestsRequest {
                page_size,
                page_token,
                ..Default::default()
            };
            let page = supervision.list_extension_requests(request).await?;
            let page = page.into_inner();
            let ids = page
                .requests
                .into_iter()
                .map(|r| format!("{}/{}", r.task.unwrap().branch.unwrap().id, r.number))
                .collect();
            Ok((ids, page.next_page_token))
        },
        2,
    )
    .await;
    // Oldest first: Monday's three (asked at the same instant, so by branch id), then Tuesday's.
    let mut expected_monday: Vec<String> = monday.iter().map(registration).collect();
    expected_monday.sort();
    let mut expected_tuesday: Vec<String> = tuesday.iter().map(registration).collect();
    expected_tuesday.sort();
    let expected: Vec<String> = expected_monday
        .iter()
        .chain(&expected_tuesday)
        .map(|id| format!("{id}/1"))
        .collect();
    assert_eq!(pending, expected);

    // Wednesday 08:00: Monday's registrations are overdue (red), Tuesday's on their last day.
    set_time(&server, "2026-03-04 08:00").await;
    let mut supervision = server.supervision().await;
    let warned = walk(
        async |page_size, page_token| {
            let request = pb::ListWarningsRequest {
                page_size,
                page_token,
                ..Default::default()
            };
            let page = supervision.list_warnings(request).await?.into_inner();
            let ids = page
                .tasks
                .into_iter()
                .map(|t| t.branch.unwrap().id)
                .collect();
            Ok((ids, page.next_page_token))
        },
        2,
    )
    .await;
    assert_eq!(
        warned,
        [expected_monday, expected_tuesday].concat(),
        "red before yellow, then by deadline and branch"
    );
    server.stop().await;
}

/// Every notification `request` selects, walked in pages of `size` (checked as [`walk`] does), as
/// (position, kind, application, session).
async fn notices(
    server: &TestServer,
    request: pb::ListNotificationsRequest,
    size: u32,
) -> Vec<(i64, String, String, String)> {
    let mut client = server.notifications().await;
    let mut found = Vec::new();
    let positions = walk(
        async |page_size, page_token| {
            let request = pb::ListNotificationsRequest {
                page_size,
                page_token,
                ..request.clone()
            };
            let page = client.list_notifications(request).await?.into_inner();
            if page_size == 500 {
                found = page
                    .notifications
                    .iter()
                    .map(|n| {
                        let (kind, application) = (n.kind.clone(), n.application_id.clone());
                        (n.position, kind, application, n.session_id.clone())
                    })
                    .collect();
            }
            let positions = page
                .notifications
                .iter()
                .map(|n| format!("{:012}", n.position))
                .collect();
            Ok((positions, page.next_page_token))
        },
        size,
    )
    .await;
    assert!(positions.is_sorted(), "outbox order");
    found
}

async fn notifications_walk_and_filter_by_kind_and_session(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-03-02 09:00")).await;
    let project = pb::Project {
        code: "ZD-2026-009".into(),
        name: "榕城智能制造产业园".into(),
        investor: "榕城实业有限公司".into(),
        investment_wan: 120_000,
        facilitator: "bangban-01".into(),
        registered_at: None,
    };
    let request = pb::RegisterProjectRequest {
        project: Some(project),
    };
    server
        .projects()
        .await
        .register_project(request)
        .await
        .unwrap();
    let mut reviewed = Vec::new();
    for _ in 0..2 {
        let mut request = joint_acceptance();
        request.key_project_code = "ZD-2026-009".into();
        let answer = server.intake().await.submit_application(request).await;
        reviewed.push(answer.unwrap().into_inner().application.unwrap());
    }
    let (first, second) = (&reviewed[0], &reviewed[1]);
    let at = |text: &str| {
        Some(prost_types::Timestamp {
            seconds: beijing(text).timestamp(),
            nanos: 0,
        })
    };
    let schedule = pb::ScheduleSessionRequest {
        kind: pb::SessionKind::Meeting as i32,
        lead_department_code: "zjj".into(),
        clerk_id: "zjj-lead-01".into(),
        application_ids: vec![first.id.clone(), second.id.clone()],
        starts_at: at("2026-03-04 09:00"),
        ends_at: at("2026-03-04 11:00"),
        place: "政务服务中心三楼联审室".into(),
        idempotency_key: key(),
        ..Default::default()
    };
    let mut sessions = server.sessions().await;
    let session = sessions.schedule_session(schedule).await.unwrap();
    let session = session.into_inner().session.unwrap();
    let reschedule = pb::RescheduleSessionRequest {
        session_id: session.id.clone(),
        department_code: "zjj".into(),
        clerk_id: "zjj-lead-01".into(),
        starts_at: at("2026-03-05 09:00"),
        ends_at: at("2026-03-05 11:00"),
        place: "政务服务中心三楼联审室".into(),
        reason: "牵头部门另有会议".into(),
        idempotency_key: key(),
    };
    sessions.reschedule_session(reschedule).await.unwrap();

    // The session's notices: invitations and moves, stored against its first application.
    let by_session = pb::ListNotificationsRequest {
        session_id: session.id.clone(),
        ..Default::default()
    };
    let of_session = notices(&server, by_session.clone(), 3).await;
    assert!(
        of_session
            .iter()
            .all(|(_, _, application, id)| { *id == session.id && *application == first.id })
    );
    let kinds: HashSet<&str> = of_session.iter().map(|n| n.1.as_str()).collect();
    assert_eq!(
        kinds,
        HashSet::from(["session_invitation", "session_rescheduled"])
    );

    // The second application finds them too, besides its own.
    let of_second = pb::ListNotificationsRequest {
        application_id: second.id.clone(),
        ..Default::default()
    };
    let seconds = notices(&server, of_second.clone(), 2).await;
    let sessions_seen: Vec<_> = seconds
        .iter()
        .filter(|n| n.3 == session.id)
        .cloned()
        .collect();
    assert_eq!(sessions_seen, of_session);
    assert!(
        seconds
            .iter()
            .any(|n| n.2 == second.id && n.1 == "accepted")
    );
    assert!(
        seconds
            .iter()
            .all(|n| n.2 == second.id || n.3 == session.id)
    );
    // A subscriber to the second application receives the same, in the same order, even when
    // its system writes the id in capitals.
    let subscribe = pb::SubscribeRequest {
        application_id: second.id.to_uppercase(),
        ..Default::default()
    };
    let mut feed = server.notifications().await;
    let mut feed = feed.subscribe(subscribe).await.unwrap().into_inner();
    for expected in &seconds {
        let received = tokio::time::timeout(std::time::Duration::from_secs(10), feed.message());
        let received = received.await.expect("a notification arrives").unwrap();
        assert_eq!(received.unwrap().position, expected.0);
    }
    drop(feed);

    // By kind, from the second application and from the session.
    let invitations = pb::ListNotificationsRequest {
        kind: pb::NotificationKind::SessionInvitation as i32,
        ..of_second.clone()
    };
    let invited = notices(&server, invitations, 1).await;
    let expected: Vec<_> = of_session
        .iter()
        .filter(|n| n.1 == "session_invitation")
        .cloned()
        .collect();
    assert_eq!(invited, expected);
    assert_eq!(invited.len(), 4, "four departments invited once each");
    let moved = pb::ListNotificationsRequest {
        kind: pb::NotificationKind::SessionRescheduled as i32,
        ..by_session.clone()
    };
    let moved = notices(&server, moved, 1).await;
    assert!(moved.iter().all(|n| n.1 == "session_rescheduled"));
    // Both the application and the session: the session's notices of that application.
    let both = pb::ListNotificationsRequest {
        session_id: session.id.clone(),
        ..of_second.clone()
    };
    assert_eq!(notices(&server, both, 2).await, of_session);

    let mut client = server.notifications().await;
    let unknown_kind = pb::ListNotificationsRequest {
        kind: 999,
        ..of_second.clone()
    };
    let answer = client.list_notifications(unknown_kind).await;
    crate::support::assert_refused(answer, Code::InvalidArgument, "INVALID_FIELD", "kind");
    let malformed = pb::ListNotificationsRequest {
        session_id: "not-a-session".into(),
        ..Default::default()
    };
    let answer = client.list_notifications(malformed).await;
    crate::support::assert_refused(answer, Code::InvalidArgument, "INVALID_FIELD", "session_id");
    let answer = client
        .list_notifications(pb::ListNotificationsRequest::default())
        .await;
    crate::support::assert_refused(
        answer,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "application_id",
    );
    server.stop().await;
}
