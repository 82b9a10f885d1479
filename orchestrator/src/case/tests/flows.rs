//! Each kind's way to its closing, the refusals on the way, escalation and the table itself.

use chrono::{Datelike, Duration};

use super::fixtures::{call_back, close, complaint, monday, rectification, reply, run};
use crate::case::{
    CASE_TRANSITIONS, CaseCommand, CaseEvent, CaseKind, CaseOutcome, CaseState, CaseTrigger,
};
use crate::error::EngineError;

#[test]
fn a_complaint_is_due_five_working_days_on_at_closing_time() {
    let case = complaint(monday(0));
    // Monday 2 March + 5 working days = Monday 9 March, 17:30 in Beijing.
    let local = case.due_at.with_timezone(&chrono_tz::Asia::Shanghai);
    assert_eq!((local.month(), local.day()), (3, 9));
    assert_eq!(local.time().to_string(), "17:30:00");
    assert!(case.call_back_required);
    let rectification = rectification(monday(0), false);
    let local = rectification
        .due_at
        .with_timezone(&chrono_tz::Asia::Shanghai);
    assert_eq!((local.month(), local.day()), (3, 23), "15 working days");
    assert!(!rectification.call_back_required, "an anonymous rating");
}

#[test]
fn a_complaint_closes_only_after_its_ruling_and_its_call_back() {
    let case = complaint(monday(0));
    let refused = run(&case, close(), monday(1)).unwrap_err();
    assert!(matches!(
        refused,
        EngineError::CaseStepMissing { step: "ruling", .. }
    ));
    let case = run(&case, reply("reg"), monday(1)).unwrap().case;
    let ruled = CaseCommand::Rule {
        supervisor: "zhao".into(),
        upheld: true,
        reason: "属实".into(),
    };
    let case = run(&case, ruled, monday(2)).unwrap().case;
    let refused = run(&case, close(), monday(2)).unwrap_err();
    assert!(matches!(
        refused,
        EngineError::CaseStepMissing {
            step: "call_back",
            ..
        }
    ));
    let case = run(&case, call_back(monday(2)), monday(2)).unwrap().case;
    let decision = run(&case, close(), monday(3)).unwrap();
    assert_eq!(decision.case.state, CaseState::Closed);
    assert_eq!(
        decision.events,
        vec![CaseEvent::Closed {
            outcome: CaseOutcome::Upheld
        }]
    );
    assert_eq!(decision.case.version, 5, "one version per step");
}

#[test]
fn only_the_responsible_department_replies_and_a_ruling_needs_its_reason() {
    let case = complaint(monday(0));
    let refused = run(&case, reply("fire"), monday(1)).unwrap_err();
    assert!(matches!(refused, EngineError::NotResponsible { .. }));
    let case = run(&case, reply("reg"), monday(1)).unwrap().case;
    let blank = CaseCommand::Rule {
        supervisor: "zhao".into(),
        upheld: false,
        reason: " ".into(),
    };
    let refused = run(&case, blank, monday(1)).unwrap_err();
    assert!(matches!(refused, EngineError::InvalidArgument { ref field, .. } if field == "reason"));
    let refused = run(&case, reply("reg"), monday(1)).unwrap_err();
    assert!(matches!(
        refused,
        EngineError::InvalidTransition { entity: "case", .. }
    ));
}

#[test]
fn an_overdue_case_is_escalated_once_and_a_late_reply_is_not_on_time() {
    let case = complaint(monday(0));
    let early = run(&case, CaseCommand::EscalateOverdue, monday(6)).unwrap();
    assert!(early.events.is_empty() && !early.case.is_overdue(monday(6)));
    let late = monday(8);
    let escalated = run(&case, CaseCommand::EscalateOverdue, late).unwrap().case;
    assert_eq!(escalated.escalated_at, Some(late));
    assert!(escalated.is_overdue(late));
    let again = run(
        &escalated,
        CaseCommand::EscalateOverdue,
        late + Duration::days(1),
    )
    .unwrap();
    assert!(again.events.is_empty(), "escalated once");
    let replied = run(&escalated, reply("reg"), late).unwrap();
    assert_eq!(replied.events, vec![CaseEvent::Replied { on_time: false }]);
    assert!(replied.case.is_overdue(late) && !replied.case.rectified_on_time());
}

#[test]
fn a_rectification_on_time_closes_as_rectified_and_a_named_rater_is_called_back_first() {
    let anonymous = rectification(monday(0), false);
    let done = run(&anonymous, reply("reg"), monday(3)).unwrap().case;
    assert!(done.rectified_on_time());
    let closed = run(&done, close(), monday(3)).unwrap().case;
    assert_eq!(closed.closing.unwrap().outcome, CaseOutcome::Rectified);

    let named = rectification(monday(0), true);
    let done = run(&named, reply("reg"), monday(3)).unwrap().case;
    let refused = run(&done, close(), monday(3)).unwrap_err();
    assert!(matches!(
        refused,
        EngineError::CaseStepMissing {
            step: "call_back",
            ..
        }
    ));
}

#[test]
fn an_appeal_overturned_closes_the_case_and_one_rejected_sends_it_back() {
    let case = rectification(monday(0), false);
    let appeal = |reason: &str| CaseCommand::Appeal {
        department_code: "reg".into(),
        clerk_id: "c1".into(),
        reason: reason.into(),
    };
    let decide = |overturn| CaseCommand::DecideAppeal {
        supervisor: "zhao".into(),
        overturn,
        reason: "核实".into(),
    };
    let appealed = run(&case, appeal("恶意差评"), monday(1)).unwrap().case;
    assert_eq!(appealed.state, CaseState::Appealed);
    let rejected = run(&appealed, decide(false), monday(2)).unwrap().case;
    assert_eq!(rejected.state, CaseState::Open);
    let appealed = run(&rejected, appeal("再次申诉"), monday(2)).unwrap().case;
    let overturned = run(&appealed, decide(true), monday(3)).unwrap().case;
    assert_eq!(overturned.state, CaseState::Closed);
    assert_eq!(
        overturned.closing.as_ref().unwrap().outcome,
        CaseOutcome::Overturned
    );
    assert!(overturned.appeals.iter().all(|a| a.decision.is_some()));
    let complaint = complaint(monday(0));
    let refused = run(&complaint, appeal("x"), monday(1)).unwrap_err();
    assert!(matches!(refused, EngineError::InvalidTransition { .. }));
}

#[test]
fn the_table_closes_each_kind_one_way_and_leaves_a_closed_case_alone() {
    for kind in [CaseKind::Complaint, CaseKind::Rectification] {
        for trigger in CaseTrigger::ALL {
            assert_eq!(CaseState::Closed.next(kind, trigger), None);
        }
    }
    let into_closed: Vec<_> = CASE_TRANSITIONS
        .iter()
        .filter(|(_, _, _, to)| *to == CaseState::Closed)
        .map(|(kind, from, trigger, _)| (*kind, *from, *trigger))
        .collect();
    assert_eq!(
        into_closed,
        vec![
            (CaseKind::Complaint, CaseState::Ruled, CaseTrigger::Close),
            (
                CaseKind::Rectification,
                CaseState::Appealed,
                CaseTrigger::Overturn
            ),
            (
                CaseKind::Rectification,
                CaseState::Replied,
                CaseTrigger::Close
            ),
        ]
    );
    for (kind, from, trigger, _) in CASE_TRANSITIONS {
        let pairs = CASE_TRANSITIONS
            .iter()
            .filter(|(k, f, t, _)| k == kind && f == from && t == trigger)
            .count();
        assert_eq!(pairs, 1, "one transition per kind, state and trigger");
    }
}
