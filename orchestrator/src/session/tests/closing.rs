//! The session transition table, and what a closing records: an absent department deemed to
//! consent once, with its evidence, and absence excused by a notice that came too late.

use chrono::Duration;

use super::fixtures::{close, schedule_at, wednesday};
use crate::engine::tests::fixtures::{at, branch_of, rules, state_of, submit};
use crate::engine::{self, Command};
use crate::machine::BranchState;
use crate::session::{
    Attendance, SESSION_TRANSITIONS, SessionState, SessionTrigger, SessionVerdict,
};

#[test]
fn the_table_is_the_only_source_of_session_transitions() {
    for state in SessionState::ALL {
        for trigger in SessionTrigger::ALL {
            let listed = SESSION_TRANSITIONS
                .iter()
                .find(|(from, on, _)| *from == state && *on == trigger)
                .map(|(_, _, to)| *to);
            assert_eq!(state.next(trigger), listed, "{state:?} {trigger:?}");
        }
    }
    for state in [SessionState::Closed, SessionState::Cancelled] {
        assert!(SessionTrigger::ALL.iter().all(|t| state.next(*t).is_none()));
    }
}

#[test]
fn an_absent_department_is_deemed_to_consent_once_with_its_evidence() {
    let application = submit(&["id", "lease"]).unwrap();
    let session = schedule_at(&application, at(2), wednesday(9)).unwrap();
    assert_eq!(session.items.len(), 1, "only the joint review");
    assert_eq!(session.invitations[0].department_code, "fire");
    assert!(!session.invitations[0].late);
    let closed = close(&session, wednesday(11));
    let outcome = &closed.closing.as_ref().unwrap().outcomes[0];
    assert_eq!(outcome.attendance, Attendance::Absent);
    assert!(outcome.evidence.contains("never signed for"));
    let verdicts = closed.verdicts().remove(&application.id).unwrap();
    assert!(matches!(verdicts[0].1, SessionVerdict::Absent { .. }));
    let command = Command::ApplySession {
        session_id: closed.id,
        verdicts,
    };
    let applied = engine::execute(rules(), &application, command.clone(), wednesday(11))
        .unwrap()
        .application;
    assert_eq!(
        state_of(&applied, "fire-opinion"),
        BranchState::DeemedConsent
    );
    let fire = applied.branch(branch_of(&applied, "fire-opinion")).unwrap();
    let recorded = fire.outcome.as_ref().unwrap();
    assert_eq!(recorded.rule, format!("absent from session {}", closed.id));
    assert_eq!(recorded.session_id, Some(closed.id));
    let again = engine::execute(rules(), &applied, command, wednesday(12)).unwrap();
    assert!(again.events.is_empty(), "a session is applied once");
}

#[test]
fn a_notice_shorter_than_one_working_day_excuses_absence() {
    let application = submit(&["id", "lease"]).unwrap();
    // Invited Monday morning for Monday afternoon.
    let session = schedule_at(&application, at(2), at(2) + Duration::hours(5)).unwrap();
    assert!(session.invitations[0].late);
    let closed = close(&session, at(2) + Duration::hours(8));
    let verdicts = closed.verdicts().remove(&application.id).unwrap();
    assert!(matches!(verdicts[0].1, SessionVerdict::Excused { .. }));
    let applied = engine::execute(
        rules(),
        &application,
        Command::ApplySession {
            session_id: closed.id,
            verdicts,
        },
        at(2) + Duration::hours(8),
    )
    .unwrap();
    assert_eq!(
        state_of(&applied.application, "fire-opinion"),
        BranchState::Open
    );
    assert!(
        applied
            .events
            .iter()
            .any(|e| matches!(e, engine::Event::BranchAbsenceNotDeemed { .. }))
    );
}
