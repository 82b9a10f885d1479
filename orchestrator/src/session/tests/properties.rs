//! Property test of sessions: whatever sequence of commands arrives, a session ends once, and
//! absence follows the record.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use super::fixtures::{run, schedule_at, wednesday};
use crate::engine::tests::fixtures::{at, submit};
use crate::session::{Attendance, OpinionKind, SessionCommand, SessionPolicy, SessionState};

#[derive(Debug, Clone)]
enum Step {
    Acknowledge(&'static str),
    Opinion(&'static str, OpinionKind),
    Reschedule(i64),
    Cancel,
    Close,
    CloseOverdue,
}

fn step() -> impl Strategy<Value = Step> {
    let department = prop_oneof![Just("fire"), Just("reg")];
    let kind = prop_oneof![
        Just(OpinionKind::Delegate),
        Just(OpinionKind::Consent),
        Just(OpinionKind::Object)
    ];
    prop_oneof![
        department.clone().prop_map(Step::Acknowledge),
        (department, kind).prop_map(|(d, k)| Step::Opinion(d, k)),
        (1i64..72).prop_map(Step::Reschedule),
        Just(Step::Cancel),
        Just(Step::Close),
        Just(Step::CloseOverdue),
    ]
}

fn command(step: &Step, now: DateTime<Utc>) -> SessionCommand {
    let lead = || ("reg".to_owned(), "lead".to_owned());
    match step {
        Step::Acknowledge(d) => SessionCommand::Acknowledge {
            department_code: (*d).into(),
            clerk_id: "c".into(),
        },
        Step::Opinion(d, kind) => SessionCommand::RecordOpinion {
            department_code: (*d).into(),
            clerk_id: "c".into(),
            kind: *kind,
            text: "why".into(),
        },
        Step::Reschedule(hours) => SessionCommand::Reschedule {
            department_code: lead().0,
            clerk_id: lead().1,
            starts_at: now + Duration::hours(*hours),
            ends_at: now + Duration::hours(*hours + 1),
            place: String::new(),
            reason: "moved".into(),
        },
        Step::Cancel => SessionCommand::Cancel {
            department_code: lead().0,
            clerk_id: lead().1,
            reason: "off".into(),
        },
        Step::Close => SessionCommand::Close {
            department_code: lead().0,
            clerk_id: lead().1,
            minutes: "m".into(),
        },
        Step::CloseOverdue => SessionCommand::CloseOverdue,
    }
}

proptest! {
    #[test]
    fn whatever_arrives_a_session_ends_once_and_absence_follows_the_record(
        steps in proptest::collection::vec((step(), 0i64..30), 1..25)
    ) {
        let application = submit(&["id", "lease"]).unwrap();
        let mut now = at(2);
        let mut session = schedule_at(&application, now, wednesday(9)).unwrap();
        for (step, hours) in steps {
            now += Duration::hours(hours);
            let before = session.clone();
            if let Ok(decision) = run(&session, command(&step, now), now) {
                    if decision.events.is_empty() {
                        prop_assert_eq!(&decision.session, &before);
                    } else {
                        prop_assert_eq!(decision.session.version, before.version + 1);
                        prop_assert_eq!(before.state, SessionState::Scheduled, "a final session never changes");
                    }
                    session = decision.session;
            }
            if matches!(step, Step::CloseOverdue) && before.state == SessionState::Scheduled {
                let due = now >= before.ends_at + SessionPolicy::default().grace;
                prop_assert_eq!(session.state == SessionState::Closed, due);
            }
        }
        if let Some(closing) = &session.closing {
            prop_assert_eq!(session.state, SessionState::Closed);
            prop_assert_eq!(closing.outcomes.len(), session.invitations.len());
            for outcome in &closing.outcomes {
                let invitation = session.invitation(&outcome.department_code).unwrap();
                let spoke = session.opinions.iter().any(|o| o.department_code == outcome.department_code);
                let absent = matches!(outcome.attendance, Attendance::Absent | Attendance::AbsentExcused);
                prop_assert_eq!(absent, !spoke);
                if absent {
                    prop_assert_eq!(outcome.attendance == Attendance::AbsentExcused, invitation.late);
                }
            }
        } else {
            prop_assert!(session.verdicts().is_empty());
        }
    }
}
