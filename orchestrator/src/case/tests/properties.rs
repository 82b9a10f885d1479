//! Property test of cases: whatever sequence of commands arrives, a case closes only after its
//! ruling (a complaint) and its call-back where one is owed, its trail grows by one entry per
//! change, its deadline never moves, and a closed case never changes.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use super::fixtures::{call_back, close, complaint, monday, rectification, reply, run};
use crate::case::{CaseCommand, CaseKind, CaseOutcome, CaseState};

#[derive(Debug, Clone)]
enum Step {
    Reply(&'static str),
    Rule(bool),
    Appeal,
    DecideAppeal(bool),
    CallBack,
    Close,
    Escalate,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        prop_oneof![Just("reg"), Just("fire")].prop_map(Step::Reply),
        any::<bool>().prop_map(Step::Rule),
        Just(Step::Appeal),
        any::<bool>().prop_map(Step::DecideAppeal),
        Just(Step::CallBack),
        Just(Step::Close),
        Just(Step::Escalate),
    ]
}

fn command(step: &Step, now: DateTime<Utc>) -> CaseCommand {
    match step {
        Step::Reply(department) => reply(department),
        Step::Rule(upheld) => CaseCommand::Rule {
            supervisor: "zhao".into(),
            upheld: *upheld,
            reason: "r".into(),
        },
        Step::Appeal => CaseCommand::Appeal {
            department_code: "reg".into(),
            clerk_id: "c1".into(),
            reason: "r".into(),
        },
        Step::DecideAppeal(overturn) => CaseCommand::DecideAppeal {
            supervisor: "zhao".into(),
            overturn: *overturn,
            reason: "r".into(),
        },
        Step::CallBack => call_back(now),
        Step::Close => close(),
        Step::Escalate => CaseCommand::EscalateOverdue,
    }
}

proptest! {
    #[test]
    fn whatever_arrives_a_case_closes_only_when_complete_and_its_trail_follows_its_changes(
        complaint_kind in any::<bool>(),
        real_name in any::<bool>(),
        steps in proptest::collection::vec((step(), 0i64..60), 1..30)
    ) {
        let mut now = monday(0);
        let mut case = if complaint_kind { complaint(now) } else { rectification(now, real_name) };
        let due_at = case.due_at;
        let mut trail = 1u64;
        let mut escalations = 0;
        for (step, hours) in steps {
            now += Duration::hours(hours);
            let before = case.clone();
            if let Ok(decision) = run(&case, command(&step, now), now) {
                if decision.events.is_empty() {
                    prop_assert_eq!(&decision.case, &before);
                } else {
                    prop_assert_ne!(before.state, CaseState::Closed, "a closed case never changes");
                    prop_assert_eq!(decision.case.version, before.version + 1);
                    trail += decision.events.len() as u64;
                }
                escalations += decision
                    .events
                    .iter()
                    .filter(|e| e.kind() == "case_escalated")
                    .count();
                case = decision.case;
            }
            prop_assert_eq!(case.due_at, due_at, "the deadline never moves");
            prop_assert_eq!(case.version, trail, "one trail entry per change");
            let owed = before.state.awaits_department() && before.escalated_at.is_none();
            if matches!(step, Step::Escalate) && owed {
                prop_assert_eq!(case.escalated_at.is_some(), now > due_at);
            }
        }
        prop_assert!(escalations <= 1, "escalated at most once");
        if case.state == CaseState::Closed {
            let closing = case.closing.as_ref().unwrap();
            if closing.outcome != CaseOutcome::Overturned {
                prop_assert!(case.reply.is_some());
                if case.call_back_required {
                    prop_assert!(case.call_back.is_some());
                }
            }
            if case.kind == CaseKind::Complaint {
                prop_assert!(case.ruling.is_some());
                prop_assert!(case.call_back.is_some());
            }
        } else {
            prop_assert!(case.closing.is_none());
        }
    }
}
