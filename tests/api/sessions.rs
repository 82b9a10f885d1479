//! Joint review sessions: invitations and their acknowledgement, opinions, closing with minutes,
//! deemed consent for absence, the system closing an overdue session exactly once, late
//! invitations that fall back to the deadline rule, moves and cancellations.

use lianban_proto::v1 as pb;
use lianban_tests::{Backend, TestDatabase, TestServer};
use tonic::Code;

use crate::on_every_backend;
use crate::support::{
    Spoil, assert_refused, assert_status, beijing, branch, joint_acceptance, key, notifications_of,
    reread, set_time, state_of,
};

on_every_backend!(
    absent_departments_are_deemed_to_consent_and_an_objection_stands,
    an_overdue_session_is_closed_by_the_system_exactly_once,
    a_late_invitation_does_not_make_absence_consent,
    moves_and_cancellations_reach_every_invited_department,
    malformed_and_unauthorised_session_requests_change_nothing,
    a_project_session_reviews_several_applications_at_once,
);

/// The four joint reviews of 工业建设工程联合竣工验收, as (matter, department).
const REVIEWS: [(&str, &str); 4] = [
    ("zrzy-guihua-heshi", "zrzy"),
    ("zjj-xiaofang-yanshou", "zjj"),
    ("rfb-renfang-yanshou", "rfb"),
    ("daj-dangan-yanshou", "daj"),
];

fn at(text: &str) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: beijing(text).timestamp(),
        nanos: 0,
    })
}

async fn start(backend: Backend, now: &str) -> (TestServer, TestDatabase) {
    let database = TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing(now)).await;
    (server, database)
}

async fn submit_acceptance(server: &TestServer) -> pb::Application {
    server
        .intake()
        .await
        .submit_application(joint_acceptance())
        .await
        .unwrap()
        .into_inner()
        .application
        .unwrap()
}

/// A meeting led by 住建 (zjj) reviewing every joint review of `application`.
fn meeting(application: &pb::Application, starts: &str, ends: &str) -> pb::ScheduleSessionRequest {
    pb::ScheduleSessionRequest {
        kind: pb::SessionKind::Meeting as i32,
        lead_department_code: "zjj".into(),
        clerk_id: "zjj-lead-01".into(),
        application_ids: vec![application.id.clone()],
        starts_at: at(starts),
        ends_at: at(ends),
        place: "政务服务中心三楼联审室".into(),
        idempotency_key: key(),
        ..Default::default()
    }
}

async fn schedule(server: &TestServer, request: pb::ScheduleSessionRequest) -> pb::Session {
    server
        .sessions()
        .await
        .schedule_session(request)
        .await
        .expect("schedule")
        .into_inner()
        .session
        .unwrap()
}

async fn acknowledge(server: &TestServer, session: &pb::Session, department: &str) -> pb::Session {
    server
        .sessions()
        .await
        .acknowledge_invitation(pb::AcknowledgeInvitationRequest {
            session_id: session.id.clone(),
            department_code: department.into(),
            clerk_id: format!("{department}-clerk-01"),
        })
        .await
        .expect("acknowledge")
        .into_inner()
        .session
        .unwrap()
}

fn opinion(
    session: &pb::Session,
    department: &str,
    kind: pb::OpinionKind,
    text: &str,
) -> pb::RecordOpinionRequest {
    pb::RecordOpinionRequest {
        session_id: session.id.clone(),
        department_code: department.into(),
        clerk_id: format!("{department}-clerk-01"),
        kind: kind as i32,
        text: text.into(),
        idempotency_key: key(),
    }
}

async fn record(server: &TestServer, request: pb::RecordOpinionRequest) -> pb::Session {
    server
        .sessions()
        .await
        .record_opinion(request)
        .await
        .expect("record an opinion")
        .into_inner()
        .session
        .unwrap()
}

fn close_request(session: &pb::Session, minutes: &str) -> pb::CloseSessionRequest {
    pb::CloseSessionRequest {
        session_id: session.id.clone(),
        department_code: "zjj".into(),
        clerk_id: "zjj-lead-01".into(),
        minutes: minutes.into(),
        idempotency_key: key(),
    }
}

async fn get(server: &TestServer, session: &pb::Session) -> pb::Session {
    server
        .sessions()
        .await
        .get_session(pb::GetSessionRequest {
            session_id: session.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap()
}

/// The departments that received notifications of `kind`, sorted, with supervision as "监察".
fn recipients(all: &[pb::Notification], kind: &str) -> Vec<String> {
    let mut out: Vec<String> = all
        .iter()
        .filter(|n| n.kind == kind)
        .map(|n| {
            if n.audience == pb::Audience::Supervision as i32 {
                "监察".to_owned()
            } else {
                n.department_code.clone()
            }
        })
        .collect();
    out.sort();
    out
}

fn outcome<'a>(session: &'a pb::Session, department: &str) -> &'a pb::DepartmentOutcome {
    session
        .outcomes
        .iter()
        .find(|o| o.department_code == department)
        .unwrap_or_else(|| panic!("no outcome for {department}"))
}

fn sorted(codes: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = codes.iter().map(|c| (*c).to_owned()).collect();
    out.sort();
    out
}

async fn absent_departments_are_deemed_to_consent_and_an_objection_stands(backend: Backend) {
    let (server, _database) = start(backend, "2026-03-02 09:00").await;
    let application = submit_acceptance(&server).await;
    set_time(&server, "2026-03-02 09:30").await;
    let session = schedule(
        &server,
        meeting(&application, "2026-03-04 09:00", "2026-03-04 11:00"),
    )
    .await;
    assert_eq!(session.state, pb::SessionState::Scheduled as i32);
    assert_eq!(session.items.len(), 4, "every joint review, not the filing");
    let invited: Vec<&str> = session
        .invitations
        .iter()
        .map(|i| i.department_code.as_str())
        .collect();
    assert_eq!(invited, ["zrzy", "zjj", "rfb", "daj"]);
    assert!(
        session
            .invitations
            .iter()
            .all(|i| !i.late && !i.acknowledged)
    );
    assert_eq!(
        recipients(
            &notifications_of(&server, &application).await,
            "session_invitation"
        ),
        sorted(&["zrzy", "zjj", "rfb", "daj"])
    );

    // rfb signs for its invitation on the first day; so does the lead; daj never does.
    set_time(&server, "2026-03-02 14:00").await;
    acknowledge(&server, &session, "rfb").await;
    let signed = acknowledge(&server, &session, "zjj").await;
    // Signing twice changes nothing.
    assert_eq!(acknowledge(&server, &session, "zjj").await, signed);
    // zrzy objects in writing the day before.
    set_time(&server, "2026-03-03 10:00").await;
    record(
        &server,
        opinion(
            &session,
            "zrzy",
            pb::OpinionKind::Object,
            "实测容积率超出规划许可，不同意",
        ),
    )
    .await;
    // Closing before the session begins is refused and changes nothing.
    let early = server
        .sessions()
        .await
        .close_session(close_request(&session, "纪要"))
        .await;
    let refusal = assert_refused(early, Code::FailedPrecondition, "NOT_YET", "session");
    assert_eq!(refusal.subject(), session.id);
    // At the meeting zjj sends its delegate and consents.
    set_time(&server, "2026-03-04 09:10").await;
    record(
        &server,
        opinion(&session, "zjj", pb::OpinionKind::Delegate, "王工"),
    )
    .await;
    record(
        &server,
        opinion(&session, "zjj", pb::OpinionKind::Consent, "消防验收合格"),
    )
    .await;

    set_time(&server, "2026-03-04 11:00").await;
    let closed = server
        .sessions()
        .await
        .close_session(close_request(
            &session,
            "消防同意；规划不同意；人防、档案缺席",
        ))
        .await
        .expect("the lead closes")
        .into_inner()
        .session
        .unwrap();
    assert_eq!(closed.state, pb::SessionState::Closed as i32);
    assert!(!closed.closed_by_system);
    assert_eq!(closed.closed_by, "zjj-lead-01");
    let attendance = |department: &str| outcome(&closed, department).attendance;
    assert_eq!(attendance("zjj"), pb::Attendance::Attended as i32);
    assert_eq!(attendance("zrzy"), pb::Attendance::WrittenOpinion as i32);
    assert_eq!(attendance("rfb"), pb::Attendance::Absent as i32);
    assert_eq!(attendance("daj"), pb::Attendance::Absent as i32);
    assert!(
        outcome(&closed, "rfb")
            .evidence
            .contains("signed for by rfb-clerk-01")
    );
    assert!(
        outcome(&closed, "daj")
            .evidence
            .contains("never signed for")
    );

    let after = reread(&server, &application.id).await;
    let rule = format!("absent from session {}", closed.id);
    for matter in ["rfb-renfang-yanshou", "daj-dangan-yanshou"] {
        let b = branch(&after, matter);
        assert_eq!(b.state, pb::BranchState::DeemedConsent as i32, "{matter}");
        let o = b.outcome.as_ref().unwrap();
        assert_eq!(o.rule, rule, "{matter}");
        assert_eq!(o.session_id, closed.id);
        assert!(o.decided_by_system);
    }
    assert!(
        branch(&after, "rfb-renfang-yanshou")
            .outcome
            .as_ref()
            .unwrap()
            .reason
            .contains("signed for")
    );
    assert!(
        branch(&after, "daj-dangan-yanshou")
            .outcome
            .as_ref()
            .unwrap()
            .reason
            .contains("never signed for")
    );
    assert_eq!(
        state_of(&after, "zjj-xiaofang-yanshou"),
        pb::BranchState::Consented
    );
    let fire = branch(&after, "zjj-xiaofang-yanshou")
        .outcome
        .clone()
        .unwrap();
    assert_eq!(fire.decided_by.unwrap().clerk_id, "zjj-clerk-01");
    let planning = branch(&after, "zrzy-guihua-heshi").outcome.clone().unwrap();
    assert_eq!(planning.state, pb::BranchState::Objected as i32);
    assert_eq!(planning.reason, "实测容积率超出规划许可，不同意");
    // The objection blocks the completion filing; the application goes to the dispatch window.
    assert_eq!(
        state_of(&after, "zjj-jungong-beian"),
        pb::BranchState::Cancelled
    );
    assert_eq!(after.state, pb::ApplicationState::ReadyForDispatch as i32);

    let all = notifications_of(&server, &application).await;
    assert_eq!(
        recipients(&all, "session_minutes"),
        sorted(&["zrzy", "zjj", "rfb", "daj", "监察"]),
        "the minutes reach every invited department, the absent ones included, and supervision"
    );
    assert!(
        all.iter()
            .filter(|n| n.kind == "session_minutes")
            .all(|n| n.session_id == closed.id && n.message.contains("缺席"))
    );
    assert_eq!(
        recipients(&all, "deemed_consent_by_absence"),
        sorted(&["rfb", "daj", "监察", "监察"])
    );

    // Closed is final: no more opinions, no second closing.
    let late = server
        .sessions()
        .await
        .record_opinion(opinion(&closed, "daj", pb::OpinionKind::Consent, ""))
        .await;
    let refusal = assert_refused(late, Code::FailedPrecondition, "SESSION_STATE", "session");
    assert_eq!(refusal.metadata["state"], "closed");
    let again = server
        .sessions()
        .await
        .close_session(close_request(&closed, "再次关闭"))
        .await;
    let refusal = assert_refused(again, Code::FailedPrecondition, "SESSION_STATE", "session");
    assert_eq!(refusal.metadata["state"], "closed");
    // The deadline later changes nothing: every review has ended.
    set_time(&server, "2026-03-10 09:00").await;
    assert_eq!(
        decided(&reread(&server, &application.id).await),
        decided(&after)
    );

    // Supervisors see attendance and absences per department beside deemed consents by deadline.
    let figures = server
        .statistics()
        .await
        .get_statistics(pb::GetStatisticsRequest {
            from: "2026-03-01".into(),
            to: "2026-03-31".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let department = |code: &str| {
        figures
            .departments
            .iter()
            .find(|d| d.department_code == code)
            .cloned()
            .unwrap()
    };
    for (code, attended, absences) in [("zjj", 1, 0), ("zrzy", 1, 0), ("rfb", 0, 1), ("daj", 0, 1)]
    {
        let d = department(code);
        assert_eq!(d.sessions_invited, 1, "{code}");
        assert_eq!(d.sessions_attended, attended, "{code}");
        assert_eq!(d.session_absences, absences, "{code}");
        assert_eq!(d.deemed_consents_by_absence, absences, "{code}");
        assert_eq!(d.deemed_consents, 0, "{code}");
    }
    let overall = figures.overall.unwrap();
    assert_eq!(overall.deemed_consents_by_absence, 2);
    assert_eq!(overall.deemed_consents, 0);
    server.stop().await;
}

async fn an_overdue_session_is_closed_by_the_system_exactly_once(backend: Backend) {
    let (server, database) = start(backend, "2026-03-02 09:00").await;
    let application = submit_acceptance(&server).await;
    let session = schedule(
        &server,
        meeting(&application, "2026-03-04 09:00", "2026-03-04 11:00"),
    )
    .await;
    assert_eq!(
        shown_at(session.close_due_at.as_ref()),
        "2026-03-04 13:00",
        "two hours of grace by default"
    );
    acknowledge(&server, &session, "zrzy").await;
    // One minute before the grace period ends: still open.
    set_time(&server, "2026-03-04 12:59").await;
    assert_eq!(
        get(&server, &session).await.state,
        pb::SessionState::Scheduled as i32
    );
    // Three sweeps race for it: two admin calls' and the timer's. One closes it; no two do.
    let (first, second) = tokio::join!(
        set_time(&server, "2026-03-04 13:00"),
        set_time(&server, "2026-03-04 13:00"),
    );
    assert!(
        first + second <= 1,
        "closed by at most one of the admin sweeps"
    );
    let closed = get(&server, &session).await;
    assert_eq!(closed.state, pb::SessionState::Closed as i32);
    assert!(closed.closed_by_system);
    assert!(closed.minutes.contains("系统关闭"));
    assert!(
        closed
            .outcomes
            .iter()
            .all(|o| o.attendance == pb::Attendance::Absent as i32)
    );
    let after = reread(&server, &application.id).await;
    for (matter, _) in REVIEWS {
        assert_eq!(
            state_of(&after, matter),
            pb::BranchState::DeemedConsent,
            "{matter}"
        );
    }
    // The filing can start now that every review has consented.
    assert_eq!(state_of(&after, "zjj-jungong-beian"), pb::BranchState::Open);

    // Later sweeps and a restart change nothing more.
    set_time(&server, "2026-03-05 09:00").await;
    server.stop().await;
    let server = TestServer::start_manual(&database.url, beijing("2026-03-06 09:00")).await;
    assert_eq!(get(&server, &session).await, closed);
    assert_eq!(
        decided(&reread(&server, &application.id).await),
        decided(&after)
    );
    let all = notifications_of(&server, &application).await;
    assert_eq!(
        recipients(&all, "session_minutes"),
        sorted(&["zrzy", "zjj", "rfb", "daj", "监察"]),
        "one set of minutes"
    );
    assert_eq!(
        all.iter()
            .filter(|n| n.kind == "deemed_consent_by_absence")
            .count(),
        8,
        "each of four branches once, to its department and to supervision"
    );
    server.stop().await;
    let store = lianban_services::store::Store::connect(&database.url)
        .await
        .unwrap();
    let kinds = store
        .event_kinds(application.id.parse().unwrap())
        .await
        .unwrap();
    let count = |kind: &str| kinds.iter().filter(|k| *k == kind).count();
    assert_eq!(count("session_applied"), 1);
    assert_eq!(count("branch_deemed_consent_by_absence"), 4);
}

/// What a later read must still show: the version and every branch's state and outcome (the
/// remaining working days and colours move with the clock).
fn decided(application: &pb::Application) -> (u64, Vec<(i32, Option<pb::Outcome>)>) {
    (
        application.version,
        application
            .branches
            .iter()
            .map(|b| (b.state, b.outcome.clone()))
            .collect(),
    )
}

fn shown_at(at: Option<&prost_types::Timestamp>) -> String {
    crate::support::shown(at)
}

async fn a_late_invitation_does_not_make_absence_consent(backend: Backend) {
    let (server, _database) = start(backend, "2026-03-02 09:00").await;
    let application = submit_acceptance(&server).await;
    // Invited at 09:30 for the same afternoon: less than one working day's notice.
    set_time(&server, "2026-03-02 09:30").await;
    let session = schedule(
        &server,
        meeting(&application, "2026-03-02 14:00", "2026-03-02 15:00"),
    )
    .await;
    assert!(session.invitations.iter().all(|i| i.late));
    let all = notifications_of(&server, &application).await;
    assert!(
        all.iter()
            .filter(|n| n.kind == "session_invitation")
            .all(|n| n.message.contains("缺席不视为同意"))
    );
    acknowledge(&server, &session, "rfb").await;
    set_time(&server, "2026-03-02 15:00").await;
    let closed = server
        .sessions()
        .await
        .close_session(close_request(&session, "各部门均未到会"))
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert!(
        closed
            .outcomes
            .iter()
            .all(|o| o.attendance == pb::Attendance::AbsentExcused as i32)
    );
    let after = reread(&server, &application.id).await;
    for (matter, _) in REVIEWS {
        assert_eq!(state_of(&after, matter), pb::BranchState::Open, "{matter}");
    }
    let all = notifications_of(&server, &application).await;
    assert_eq!(
        all.iter()
            .filter(|n| n.kind == "absence_not_deemed"
                && n.audience == pb::Audience::Supervision as i32)
            .count(),
        4,
        "the fallback is recorded for each branch"
    );
    assert_eq!(
        all.iter()
            .filter(|n| n.kind == "deemed_consent_by_absence")
            .count(),
        0
    );
    // The branches fall back to their deadline rule: deemed consent at the deadline itself.
    set_time(&server, "2026-03-09 17:30").await;
    let at_deadline = reread(&server, &application.id).await;
    for (matter, _) in REVIEWS {
        let b = branch(&at_deadline, matter);
        assert_eq!(b.state, pb::BranchState::DeemedConsent as i32, "{matter}");
        let o = b.outcome.as_ref().unwrap();
        assert!(
            o.session_id.is_empty(),
            "{matter}: by deadline, not absence"
        );
        assert!(!o.rule.starts_with("absent from session"), "{matter}");
    }
    let figures = server
        .statistics()
        .await
        .get_statistics(pb::GetStatisticsRequest {
            from: "2026-03-01".into(),
            to: "2026-03-31".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let rfb = figures
        .departments
        .iter()
        .find(|d| d.department_code == "rfb")
        .unwrap();
    assert_eq!(rfb.session_absences, 1);
    assert_eq!(rfb.session_absences_excused, 1);
    assert_eq!(rfb.deemed_consents_by_absence, 0);
    assert_eq!(rfb.deemed_consents, 1);
    server.stop().await;
}

async fn moves_and_cancellations_reach_every_invited_department(backend: Backend) {
    let (server, _database) = start(backend, "2026-03-02 09:00").await;
    let application = submit_acceptance(&server).await;
    let reviews: Vec<String> = REVIEWS[..2]
        .iter()
        .map(|(matter, _)| branch(&application, matter).id.clone())
        .collect();
    let mut request = meeting(&application, "2026-03-05 09:00", "2026-03-05 10:00");
    request.kind = pb::SessionKind::SiteSurvey as i32;
    request.branch_ids = reviews;
    let retry = request.clone();
    let session = schedule(&server, request).await;
    // A retry with the same key schedules nothing new.
    assert_eq!(schedule(&server, retry).await, session);
    assert_eq!(session.invitations.len(), 2);
    acknowledge(&server, &session, "zrzy").await;

    let moved = server
        .sessions()
        .await
        .reschedule_session(pb::RescheduleSessionRequest {
            session_id: session.id.clone(),
            department_code: "zjj".into(),
            clerk_id: "zjj-lead-01".into(),
            starts_at: at("2026-03-02 16:00"),
            ends_at: at("2026-03-02 17:00"),
            place: "榕城工业园3号厂房现场".into(),
            reason: "建设单位申请提前".into(),
            idempotency_key: key(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(moved.place, "榕城工业园3号厂房现场");
    assert_eq!(moved.moves.len(), 1);
    assert!(
        moved.invitations.iter().all(|i| !i.acknowledged && i.late),
        "a move must be signed for again, and a same-day move is too late to bind an absence"
    );
    let all = notifications_of(&server, &application).await;
    assert_eq!(
        recipients(&all, "session_rescheduled"),
        sorted(&["zrzy", "zjj"])
    );
    // Only the lead moves or cancels.
    let foreign = server
        .sessions()
        .await
        .cancel_session(pb::CancelSessionRequest {
            session_id: session.id.clone(),
            department_code: "zrzy".into(),
            clerk_id: "zrzy-clerk-01".into(),
            reason: "不想去".into(),
            idempotency_key: key(),
        })
        .await;
    let refusal = assert_refused(foreign, Code::PermissionDenied, "NOT_LEAD", "session");
    assert_eq!(refusal.metadata["lead"], "zjj");
    let cancelled = server
        .sessions()
        .await
        .cancel_session(pb::CancelSessionRequest {
            session_id: session.id.clone(),
            department_code: "zjj".into(),
            clerk_id: "zjj-lead-01".into(),
            reason: "现场不具备踏勘条件".into(),
            idempotency_key: key(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(cancelled.state, pb::SessionState::Cancelled as i32);
    let all = notifications_of(&server, &application).await;
    assert_eq!(
        recipients(&all, "session_cancelled"),
        sorted(&["zrzy", "zjj"])
    );
    // A cancelled session is never closed by the system and decides nothing.
    set_time(&server, "2026-03-04 09:00").await;
    assert_eq!(get(&server, &session).await, cancelled);
    let after = reread(&server, &application.id).await;
    for (matter, _) in REVIEWS {
        assert_eq!(state_of(&after, matter), pb::BranchState::Open, "{matter}");
    }
    // Lists by department and by state.
    let listed = server
        .sessions()
        .await
        .list_sessions(pb::ListSessionsRequest {
            department_code: "zrzy".into(),
            state: pb::SessionState::Cancelled as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .sessions;
    assert_eq!(listed, vec![cancelled.clone()]);
    let none = server
        .sessions()
        .await
        .list_sessions(pb::ListSessionsRequest {
            department_code: "daj".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .sessions;
    assert!(none.is_empty(), "daj was not invited");
    server.stop().await;
}

async fn malformed_and_unauthorised_session_requests_change_nothing(backend: Backend) {
    let (server, _database) = start(backend, "2026-03-02 09:00").await;
    let application = submit_acceptance(&server).await;
    let valid = meeting(&application, "2026-03-04 09:00", "2026-03-04 11:00");
    let filing = branch(&application, "zjj-jungong-beian").id.clone();
    let cases: Vec<(Spoil<pb::ScheduleSessionRequest>, Code, &str)> = vec![
        (Box::new(|r| r.kind = 0), Code::InvalidArgument, "kind"),
        (
            Box::new(|r| r.starts_at = at("2026-03-01 09:00")),
            Code::InvalidArgument,
            "starts_at",
        ),
        (
            Box::new(|r| r.ends_at = at("2026-03-04 08:00")),
            Code::InvalidArgument,
            "ends_at",
        ),
        (
            Box::new(|r| r.place.clear()),
            Code::InvalidArgument,
            "place",
        ),
        (
            Box::new(|r| r.lead_department_code = "nope".into()),
            Code::InvalidArgument,
            "lead_department_code",
        ),
        (
            Box::new(move |r| r.branch_ids = vec![filing.clone()]),
            Code::InvalidArgument,
            "branch_ids[0]",
        ),
        (
            Box::new(|r| r.application_ids = vec!["x".into()]),
            Code::InvalidArgument,
            "application_ids[0]",
        ),
        (
            Box::new(|r| r.application_ids = vec![uuid::Uuid::now_v7().to_string()]),
            Code::NotFound,
            "application",
        ),
        (
            Box::new(|r| r.invited_department_codes = vec!["zrzy".into(), "zrzy".into()]),
            Code::InvalidArgument,
            "invited_department_codes[1]",
        ),
    ];
    for (spoil, code, needle) in cases {
        let mut request = valid.clone();
        spoil(&mut request);
        let result = server.sessions().await.schedule_session(request).await;
        assert_status(result, code, needle);
    }
    let listed = server
        .sessions()
        .await
        .list_sessions(pb::ListSessionsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .sessions;
    assert!(listed.is_empty(), "refused requests scheduled nothing");

    let session = schedule(&server, valid).await;
    let outsider = server
        .sessions()
        .await
        .acknowledge_invitation(pb::AcknowledgeInvitationRequest {
            session_id: session.id.clone(),
            department_code: "scjg".into(),
            clerk_id: "scjg-clerk-01".into(),
        })
        .await;
    let refusal = assert_refused(outsider, Code::PermissionDenied, "NOT_INVITED", "session");
    assert_eq!(refusal.metadata["caller"], "scjg");
    let no_reasons = server
        .sessions()
        .await
        .record_opinion(opinion(&session, "rfb", pb::OpinionKind::Object, ""))
        .await;
    assert_status(no_reasons, Code::InvalidArgument, "text");
    let unknown = server
        .sessions()
        .await
        .get_session(pb::GetSessionRequest {
            session_id: uuid::Uuid::now_v7().to_string(),
        })
        .await;
    assert_refused(unknown, Code::NotFound, "NOT_FOUND", "session");
    assert_eq!(get(&server, &session).await, session);
    server.stop().await;
}

async fn a_project_session_reviews_several_applications_at_once(backend: Backend) {
    let (server, _database) = start(backend, "2026-03-02 09:00").await;
    server
        .projects()
        .await
        .register_project(pb::RegisterProjectRequest {
            project: Some(pb::Project {
                code: "ZD-2026-009".into(),
                name: "榕城智能制造产业园".into(),
                investor: "榕城实业有限公司".into(),
                investment_wan: 120_000,
                facilitator: "bangban-01".into(),
                registered_at: None,
            }),
        })
        .await
        .unwrap();
    let mut submissions = Vec::new();
    for _ in 0..2 {
        let mut request = joint_acceptance();
        request.key_project_code = "ZD-2026-009".into();
        submissions.push(
            server
                .intake()
                .await
                .submit_application(request)
                .await
                .unwrap()
                .into_inner()
                .application
                .unwrap(),
        );
    }
    let outside = submit_acceptance(&server).await;
    let (first, second) = (&submissions[0], &submissions[1]);

    // Only applications of one key project share a session.
    let mut mixed = meeting(first, "2026-03-04 09:00", "2026-03-04 11:00");
    mixed.application_ids.push(outside.id.clone());
    assert_status(
        server.sessions().await.schedule_session(mixed).await,
        Code::InvalidArgument,
        "application_ids[1]",
    );
    let mut request = meeting(first, "2026-03-04 09:00", "2026-03-04 11:00");
    request.application_ids.push(second.id.clone());
    let session = schedule(&server, request).await;
    assert_eq!(session.key_project_code, "ZD-2026-009");
    assert_eq!(
        session.items.len(),
        8,
        "four joint reviews of each application"
    );
    assert_eq!(session.invitations.len(), 4, "each department invited once");

    // rfb's review of the second application waits for an on-site inspection.
    let paused = branch(second, "rfb-renfang-yanshou").id.clone();
    server
        .tasks()
        .await
        .start_special_procedure(pb::StartSpecialProcedureRequest {
            idempotency_key: String::new(),
            branch_id: paused.clone(),
            department_code: "rfb".into(),
            clerk_id: "rfb-clerk-01".into(),
            kind: pb::PauseKind::OnSiteInspection as i32,
            reason: "人防工程现场检测".into(),
            expected_days: 3,
        })
        .await
        .unwrap();
    // daj consents in writing; a retry with the same key records it once.
    let consent = opinion(&session, "daj", pb::OpinionKind::Consent, "档案齐全");
    let recorded = record(&server, consent.clone()).await;
    assert_eq!(record(&server, consent).await, recorded);
    assert_eq!(recorded.opinions.len(), 1);
    // zjj only sends a delegate: attended, but its branches stay with it.
    set_time(&server, "2026-03-04 09:05").await;
    record(
        &server,
        opinion(&session, "zjj", pb::OpinionKind::Delegate, "王工"),
    )
    .await;

    set_time(&server, "2026-03-04 11:00").await;
    let closed = server
        .sessions()
        .await
        .close_session(close_request(
            &session,
            "档案同意；消防到会未表态；规划、人防缺席",
        ))
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(
        outcome(&closed, "zjj").attendance,
        pb::Attendance::Attended as i32
    );
    assert_eq!(
        outcome(&closed, "daj").attendance,
        pb::Attendance::WrittenOpinion as i32
    );
    for application in [first, second] {
        let after = reread(&server, &application.id).await;
        assert_eq!(
            state_of(&after, "daj-dangan-yanshou"),
            pb::BranchState::Consented
        );
        assert_eq!(
            state_of(&after, "zjj-xiaofang-yanshou"),
            pb::BranchState::Open
        );
        assert_eq!(
            state_of(&after, "zrzy-guihua-heshi"),
            pb::BranchState::DeemedConsent
        );
    }
    assert_eq!(
        state_of(&reread(&server, &first.id).await, "rfb-renfang-yanshou"),
        pb::BranchState::DeemedConsent
    );
    assert_eq!(
        state_of(&reread(&server, &second.id).await, "rfb-renfang-yanshou"),
        pb::BranchState::Paused,
        "a paused branch is not deemed to consent by absence"
    );
    let second_notices = notifications_of(&server, second).await;
    assert!(
        second_notices
            .iter()
            .any(|n| n.kind == "absence_not_deemed" && n.branch_id == paused)
    );
    // Both applications list the session; the one outside the project does not.
    for (application, expected) in [(first, 1), (second, 1), (&outside, 0)] {
        let listed = server
            .sessions()
            .await
            .list_sessions(pb::ListSessionsRequest {
                application_id: application.id.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .sessions;
        assert_eq!(listed.len(), expected);
    }
    server.stop().await;
}
