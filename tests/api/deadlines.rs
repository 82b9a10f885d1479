//! Deadlines in working days, driven by the manual clock: exact through Spring Festival, deemed
//! consent for a silent joint review, escalation (never approval) for an overdue approval, and
//! catching up exactly once after a restart.

use lianban_proto::v1 as pb;
use lianban_services::store::Store;
use lianban_tests::{Backend, TestServer};
use tonic::Code;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    deadlines_are_exact_to_the_day_through_spring_festival,
    a_silent_joint_review_is_deemed_to_consent_exactly_at_its_deadline,
    an_overdue_approval_turns_red_and_is_escalated_not_approved,
    a_deadline_passed_while_the_server_was_down_is_acted_on_once,
    racing_sweeps_act_on_each_deadline_once,
    an_application_s_deadlines_due_together_are_acted_on_in_one_change,
);

fn deadline_of(application: &pb::Application, matter: &str) -> pb::DeadlineView {
    branch(application, matter)
        .deadline
        .unwrap_or_else(|| panic!("{matter} has no deadline"))
}

const JOINT_REVIEWS: [&str; 4] = [
    "zrzy-guihua-heshi",
    "zjj-xiaofang-yanshou",
    "rfb-renfang-yanshou",
    "daj-dangan-yanshou",
];

async fn deadlines_are_exact_to_the_day_through_spring_festival(backend: Backend) {
    let database = lianban_tests::TestDatabase::create(backend).await;
    // Friday 13 February 2026, 16:00: the last ordinary working day before the festival.
    let server = TestServer::start_manual(&database.url, beijing("2026-02-13 16:00")).await;
    let application = accepted_company(&server).await;
    // Registration (1 working day): the make-up Saturday 14 February.
    let registration = deadline_of(&application, "scjg-qiye-sheli");
    assert_eq!(shown(registration.at.as_ref()), "2026-02-14 17:30");
    assert!(!registration.provisional);
    assert_eq!(registration.remaining_working_days, 1);
    assert_eq!(registration.colour, pb::WarningColour::Yellow as i32);
    // The bundle (3 working days): 14 Feb, then 24 and 25 Feb after the nine closed days.
    let due = application.due.unwrap();
    assert_eq!(shown(due.at.as_ref()), "2026-02-25 17:30");
    for (matter, _) in COMPANY_PARALLEL {
        assert!(
            branch(&application, matter).deadline.is_none(),
            "{matter} has not started"
        );
    }

    // Approved on the make-up Saturday morning: the six start then and count from then.
    set_time(&server, "2026-02-14 10:00").await;
    let after = approve_registration(&server, &application).await;
    for (matter, expected) in [
        ("gaj-yinzhang-beian", "2026-02-24 17:30"),
        ("swj-fapiao-shenling", "2026-02-24 17:30"),
        ("rsj-canbao-dengji", "2026-02-14 17:30"),
        ("ybj-yibao-dengji", "2026-02-14 17:30"),
        ("gjj-jiaocun-dengji", "2026-02-14 17:30"),
        ("yh-yuyue-kaihu", "2026-02-14 17:30"),
    ] {
        assert_eq!(
            shown(deadline_of(&after, matter).at.as_ref()),
            expected,
            "{matter}"
        );
        assert_eq!(
            shown(branch(&after, matter).started_at.as_ref()),
            "2026-02-14 10:00"
        );
    }
    // During the festival the seal still has its one working day (24 Feb) left, and is yellow.
    set_time(&server, "2026-02-18 12:00").await;
    let seal = deadline_of(
        &reread(&server, &application.id).await,
        "gaj-yinzhang-beian",
    );
    assert_eq!(seal.remaining_working_days, 1);
    assert_eq!(seal.colour, pb::WarningColour::Yellow as i32);
    server.stop().await;
}

async fn a_silent_joint_review_is_deemed_to_consent_exactly_at_its_deadline(backend: Backend) {
    let database = lianban_tests::TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-03-02 09:00")).await;
    let application = server
        .intake()
        .await
        .submit_application(joint_acceptance())
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    for matter in JOINT_REVIEWS {
        assert_eq!(
            shown(deadline_of(&application, matter).at.as_ref()),
            "2026-03-09 17:30",
            "{matter}"
        );
        assert_eq!(
            branch(&application, matter).on_deadline,
            pb::DeadlineAction::DeemedConsent as i32
        );
    }
    let consent = || {
        pb::decide_task_request::Decision::Consent(pb::Consent {
            comment: "同意".into(),
        })
    };
    for matter in &JOINT_REVIEWS[..3] {
        decide(&server, decision(&application, matter, consent())).await;
    }
    // One minute before closing on the last day: still open, on its last working day.
    assert_eq!(set_time(&server, "2026-03-09 17:29").await, 0);
    let before = reread(&server, &application.id).await;
    assert_eq!(
        state_of(&before, "daj-dangan-yanshou"),
        pb::BranchState::Open
    );
    assert_eq!(
        deadline_of(&before, "daj-dangan-yanshou").colour,
        pb::WarningColour::Yellow as i32
    );
    assert_eq!(
        state_of(&before, "zjj-jungong-beian"),
        pb::BranchState::Waiting
    );

    // At closing time the silent archive department is deemed to consent, by the system.
    assert_eq!(set_time(&server, "2026-03-09 17:30").await, 1);
    let after = reread(&server, &application.id).await;
    let archive = branch(&after, "daj-dangan-yanshou");
    assert_eq!(
        archive.state,
        pb::BranchState::DeemedConsent as i32,
        "its own outcome, never approved"
    );
    let outcome = archive.outcome.clone().unwrap();
    assert!(outcome.decided_by_system && outcome.decided_by.is_none());
    assert!(!outcome.rule.is_empty());
    assert_eq!(shown(outcome.decided_at.as_ref()), "2026-03-09 17:30");
    assert_eq!(
        archive.deadline.as_ref().unwrap().colour,
        pb::WarningColour::Unspecified as i32,
        "ended: no warning"
    );
    // The application moves on as if consent had been given: the filing starts now.
    let filing = branch(&after, "zjj-jungong-beian");
    assert_eq!(filing.state, pb::BranchState::Open as i32);
    assert_eq!(shown(filing.started_at.as_ref()), "2026-03-09 17:30");
    assert_eq!(
        shown(filing.deadline.as_ref().unwrap().at.as_ref()),
        "2026-03-11 17:30"
    );
    // Acting again changes nothing.
    assert_eq!(set_time(&server, "2026-03-10 09:00").await, 0);
    server.stop().await;
}

async fn an_overdue_approval_turns_red_and_is_escalated_not_approved(backend: Backend) {
    let database = lianban_tests::TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-03-02 09:00")).await;
    let application = accepted_company(&server).await;
    let registration = branch(&application, "scjg-qiye-sheli");
    assert_eq!(
        registration.on_deadline,
        pb::DeadlineAction::Escalate as i32
    );
    assert_eq!(
        shown(registration.deadline.as_ref().unwrap().at.as_ref()),
        "2026-03-03 17:30"
    );
    assert_eq!(set_time(&server, "2026-03-03 17:31").await, 1);
    let overdue = reread(&server, &application.id).await;
    let registration = branch(&overdue, "scjg-qiye-sheli");
    assert_eq!(
        registration.state,
        pb::BranchState::Open as i32,
        "an approval is never approved by default"
    );
    assert!(registration.outcome.is_none());
    assert_eq!(
        shown(registration.escalated_at.as_ref()),
        "2026-03-03 17:31"
    );
    assert_eq!(
        registration.deadline.as_ref().unwrap().colour,
        pb::WarningColour::Red as i32
    );
    // Escalated once, however often the clock moves on.
    assert_eq!(set_time(&server, "2026-03-05 09:00").await, 0);
    // The department can still decide it.
    let decided = decide(
        &server,
        decision(&overdue, "scjg-qiye-sheli", approve("91350102MA2Y000001")),
    )
    .await;
    assert_eq!(
        state_of(&decided, "scjg-qiye-sheli"),
        pb::BranchState::Approved
    );
    server.stop().await;
}

async fn an_application_s_deadlines_due_together_are_acted_on_in_one_change(backend: Backend) {
    let database = lianban_tests::TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-03-02 09:00")).await;
    let application = accepted_company(&server).await;
    let running = approve_registration(&server, &application).await;
    // Two months on, the six approvals registration started are all overdue at once.
    assert_eq!(set_time(&server, "2026-05-06 09:00").await, 6);
    let overdue = reread(&server, &application.id).await;
    for (matter, _) in COMPANY_PARALLEL {
        let escalated = branch(&overdue, matter);
        assert_eq!(escalated.state, pb::BranchState::Open as i32, "{matter}");
        assert_eq!(
            shown(escalated.escalated_at.as_ref()),
            "2026-05-06 09:00",
            "{matter}"
        );
    }
    assert_eq!(
        overdue.version,
        running.version + 1,
        "one change for the six, not six"
    );
    assert_eq!(set_time(&server, "2026-05-07 09:00").await, 0, "once only");
    server.stop().await;
}

async fn a_deadline_passed_while_the_server_was_down_is_acted_on_once(backend: Backend) {
    let database = lianban_tests::TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-03-02 09:00")).await;
    let application = server
        .intake()
        .await
        .submit_application(joint_acceptance())
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    server.stop().await;

    // Started again eleven days later: the four silent reviews are deemed to consent before it serves.
    let server = TestServer::start_manual(&database.url, beijing("2026-03-13 09:00")).await;
    let caught_up = reread(&server, &application.id).await;
    for matter in JOINT_REVIEWS {
        assert_eq!(
            state_of(&caught_up, matter),
            pb::BranchState::DeemedConsent,
            "{matter}"
        );
    }
    assert_eq!(
        state_of(&caught_up, "zjj-jungong-beian"),
        pb::BranchState::Open
    );
    server.stop().await;

    // A third start acts on nothing more.
    let server = TestServer::start_manual(&database.url, beijing("2026-03-13 10:00")).await;
    assert_eq!(reread(&server, &application.id).await, caught_up);
    server.stop().await;
    let store = Store::connect(&database.url).await.unwrap();
    let id = application.id.parse().unwrap();
    let kinds = store.event_kinds(id).await.unwrap();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "branch_deemed_consent")
            .count(),
        4,
        "{kinds:?}"
    );
    store.close().await.unwrap();
}

#[tokio::test]
async fn the_clock_moves_only_when_manual_and_never_backwards() {
    let running = start(Backend::Sqlite).await;
    let mut admin = running.server.admin().await;
    let now = admin
        .get_time(pb::GetTimeRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(!now.manual);
    let advance = admin
        .advance_time(pb::AdvanceTimeRequest { seconds: 60 })
        .await;
    assert_refused(
        advance,
        Code::FailedPrecondition,
        "CLOCK_NOT_MANUAL",
        "clock",
    );

    let database = lianban_tests::TestDatabase::create(Backend::Sqlite).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-03-02 09:00")).await;
    let mut admin = server.admin().await;
    let moved = admin
        .advance_time(pb::AdvanceTimeRequest { seconds: 3600 })
        .await
        .unwrap()
        .into_inner();
    assert!(moved.manual);
    assert_eq!(shown(moved.now.as_ref()), "2026-03-02 10:00");
    let back = pb::SetTimeRequest {
        time: Some(prost_types::Timestamp {
            seconds: beijing("2026-03-01 09:00").timestamp(),
            nanos: 0,
        }),
    };
    assert_refused(
        admin.set_time(back).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "time",
    );
    assert_refused(
        admin
            .advance_time(pb::AdvanceTimeRequest { seconds: 0 })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "seconds",
    );
    server.stop().await;
}

#[tokio::test]
async fn a_deadline_beyond_the_published_calendar_is_provisional() {
    let database = lianban_tests::TestDatabase::create(Backend::Sqlite).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-12-28 09:00")).await;
    let application = server
        .intake()
        .await
        .submit_application(joint_acceptance())
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap();
    let review = deadline_of(&application, "zrzy-guihua-heshi");
    // 29, 30, 31 December, then 2027 counted by weekends only: 1 and 4 January.
    assert_eq!(shown(review.at.as_ref()), "2027-01-04 17:30");
    assert!(review.provisional);
    server.stop().await;
}

async fn racing_sweeps_act_on_each_deadline_once(backend: Backend) {
    let database = lianban_tests::TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-03-02 09:00")).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let response = server
            .intake()
            .await
            .submit_application(joint_acceptance())
            .await
            .unwrap();
        ids.push(response.into_inner().application.unwrap().id);
    }
    // Four sweeps at once (each SetTime sweeps) past the deadlines of 3 × 4 silent reviews.
    let acted = set_time_at_once(&[&server; 4], "2026-03-10 09:00").await;
    assert!(acted <= 12, "no deadline is counted twice: {acted}");
    server.stop().await;
    let store = Store::connect(&database.url).await.unwrap();
    for id in ids {
        let kinds = store.event_kinds(id.parse().unwrap()).await.unwrap();
        assert_eq!(
            kinds
                .iter()
                .filter(|k| *k == "branch_deemed_consent")
                .count(),
            4,
            "{kinds:?}"
        );
    }
    store.close().await.unwrap();
}
