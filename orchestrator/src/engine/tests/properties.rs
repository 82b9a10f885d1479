//! Property test of the application and branch state machines: whatever sequence of commands
//! arrives, the invariants of the domain hold.

use proptest::prelude::*;
use uuid::Uuid;

use super::fixtures::{approve, at, branch_of, material, rules, submission};
use crate::application::{Application, Channel, HandOverMethod, MaterialSubmission, PauseKind};
use crate::engine::{self, AssignerRole, Command, Verdict};
use crate::machine::{ApplicationState, BranchState};

/// One step of a random walk over an application.
#[derive(Debug, Clone)]
enum Step {
    Decide { matter: usize, verdict: usize },
    Claim { matter: usize, clerk: usize },
    Supplement { material: usize },
    Withdraw,
    Dispatch,
    Deadline { matter: usize },
    Pause { matter: usize },
    Resume { matter: usize },
    Release { matter: usize, clerk: usize },
    Assign { matter: usize, clerk: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..4usize, 0..4usize).prop_map(|(matter, verdict)| Step::Decide { matter, verdict }),
        2 => (0..4usize, 0..2usize).prop_map(|(matter, clerk)| Step::Claim { matter, clerk }),
        2 => (0..2usize).prop_map(|material| Step::Supplement { material }),
        1 => Just(Step::Withdraw),
        1 => Just(Step::Dispatch),
        2 => (0..4usize).prop_map(|matter| Step::Deadline { matter }),
        1 => (0..4usize).prop_map(|matter| Step::Pause { matter }),
        1 => (0..4usize).prop_map(|matter| Step::Resume { matter }),
        1 => (0..4usize, 0..2usize).prop_map(|(matter, clerk)| Step::Release { matter, clerk }),
        1 => (0..4usize, 0..2usize).prop_map(|(matter, clerk)| Step::Assign { matter, clerk }),
    ]
}

fn command_for(application: &Application, step: &Step) -> Command {
    const MATTERS: [&str; 4] = ["register", "fire-opinion", "seal", "engrave"];
    match step {
        Step::Decide { matter, verdict } => {
            let branch = application
                .branches
                .iter()
                .find(|b| b.matter_code == MATTERS[*matter])
                .unwrap();
            let verdict = match verdict {
                0 => approve(),
                1 => Verdict::Reject {
                    reason: "no".into(),
                },
                2 => Verdict::Consent {
                    comment: String::new(),
                },
                _ => Verdict::Object {
                    reasons: "no".into(),
                },
            };
            Command::Decide {
                branch_id: branch.id,
                department_code: branch.department_code.clone(),
                clerk_id: "clerk-0".into(),
                verdict,
            }
        }
        Step::Claim { matter, clerk } => {
            let branch = application
                .branches
                .iter()
                .find(|b| b.matter_code == MATTERS[*matter])
                .unwrap();
            Command::Claim {
                branch_id: branch.id,
                department_code: branch.department_code.clone(),
                clerk_id: format!("clerk-{clerk}"),
            }
        }
        Step::Supplement { material } => Command::Supplement {
            materials: vec![material_of(*material)],
            channel: Channel::OnSite,
        },
        Step::Pause { matter } => {
            let branch = application
                .branches
                .iter()
                .find(|b| b.matter_code == MATTERS[*matter])
                .unwrap();
            Command::Pause {
                branch_id: branch.id,
                department_code: branch.department_code.clone(),
                clerk_id: "clerk-0".into(),
                kind: PauseKind::ExpertReview,
                reason: "专家评审".into(),
                expected_days: 3,
                material_codes: vec![],
            }
        }
        Step::Resume { matter } => {
            let branch = application
                .branches
                .iter()
                .find(|b| b.matter_code == MATTERS[*matter])
                .unwrap();
            Command::Resume {
                branch_id: branch.id,
                department_code: branch.department_code.clone(),
                clerk_id: "clerk-0".into(),
            }
        }
        Step::Release { matter, clerk } => Command::Release {
            branch_id: branch_of(application, MATTERS[*matter]),
            department_code: department_of(application, MATTERS[*matter]),
            clerk_id: format!("clerk-{clerk}"),
            reason: "back to the queue".into(),
        },
        Step::Assign { matter, clerk } => Command::Assign {
            branch_id: branch_of(application, MATTERS[*matter]),
            to_clerk: format!("clerk-{clerk}"),
            by: "head".into(),
            role: AssignerRole::Supervisor,
            reason: "workload".into(),
        },
        Step::Deadline { matter } => Command::DeadlinePassed {
            branch_id: branch_of(application, MATTERS[*matter]),
        },
        Step::Withdraw => Command::Withdraw {
            reason: "changed plans".into(),
        },
        Step::Dispatch => Command::Dispatch {
            method: HandOverMethod::Electronic,
            handed_by: "window".into(),
            recipient: String::new(),
            tracking_reference: String::new(),
        },
    }
}

fn department_of(application: &Application, matter: &str) -> String {
    let id = branch_of(application, matter);
    application.branch(id).unwrap().department_code.clone()
}

fn material_of(index: usize) -> MaterialSubmission {
    material(["id", "lease"][index])
}

fn check_invariants(application: &Application) {
    let all_final = application.branches.iter().all(|b| b.state.is_final());
    match application.state {
        ApplicationState::AwaitingMaterials => {
            assert!(
                application
                    .branches
                    .iter()
                    .all(|b| b.state == BranchState::Pending)
            );
            assert!(application.receipt_number.is_none());
        }
        ApplicationState::InProgress => assert!(!all_final),
        ApplicationState::ReadyForDispatch | ApplicationState::Dispatched => assert!(all_final),
        ApplicationState::Withdrawn => assert!(all_final),
    }
    for branch in &application.branches {
        if branch.state.is_actionable() {
            for predecessor in &branch.depends_on {
                let before = application
                    .branches
                    .iter()
                    .find(|b| &b.matter_code == predecessor)
                    .unwrap();
                assert!(
                    before.state.lets_dependants_start(),
                    "{} open before {predecessor}",
                    branch.matter_code
                );
            }
        }
        assert_eq!(
            branch.state.is_final(),
            branch.outcome.is_some(),
            "{}",
            branch.matter_code
        );
        if branch.state == BranchState::Approved {
            assert_eq!(
                branch.role,
                crate::catalogue::Role::Approval,
                "a joint review is never approved"
            );
        }
        if branch.state == BranchState::DeemedConsent {
            assert_eq!(
                branch.role,
                crate::catalogue::Role::JointReview,
                "an approval is never deemed"
            );
            assert!(
                branch
                    .deadline
                    .is_some_and(|d| d.at <= branch.outcome.as_ref().unwrap().decided_at)
            );
        }
        let open_pause = branch.pauses.last().is_some_and(|p| p.ended_at.is_none());
        assert_eq!(
            branch.state == BranchState::Paused,
            open_pause,
            "{}",
            branch.matter_code
        );
        if branch.state.is_actionable() {
            assert!(branch.deadline.is_some() && branch.started_at.is_some());
        }
    }
}

proptest! {
    #[test]
    fn any_command_sequence_keeps_the_invariants(initial in proptest::collection::vec(0..2usize, 0..3), steps in proptest::collection::vec(step(), 0..40)) {
        let cat = rules();
        let materials: Vec<&str> = initial.iter().map(|i| ["id", "lease"][*i]).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        let mut application = engine::submit(cat, submission(&materials), &mut Uuid::now_v7, at(2)).unwrap().application;
        check_invariants(&application);
        for (index, step) in steps.iter().enumerate() {
            let command = command_for(&application, step);
            // Time moves on through March, so deadlines fall due along the way.
            let now = at(3 + (index as u32) / 2);
            // A refused command changes nothing: `execute` only reads the current application.
            if let Ok(decision) = engine::execute(cat, &application, command, now) {
                prop_assert!(decision.application.version >= application.version);
                prop_assert_eq!(decision.events.is_empty(), decision.application == application);
                application = decision.application;
            }
            check_invariants(&application);
        }
    }
}

/// The application and events of a `DeadlinePassed` for each of `branches` in turn, as one
/// change would hold them; `None` when one is refused.
fn one_deadline_after_another(
    application: &Application,
    branches: &[Uuid],
    now: chrono::DateTime<chrono::Utc>,
) -> Option<(Application, Vec<engine::Event>, usize)> {
    let mut current = application.clone();
    let mut events = Vec::new();
    let mut changed = 0;
    for &branch_id in branches {
        let decision = engine::execute(
            rules(),
            &current,
            Command::DeadlinePassed { branch_id },
            now,
        )
        .ok()?;
        changed += usize::from(!decision.events.is_empty());
        events.extend(decision.events);
        current = decision.application;
    }
    Some((current, events, changed))
}

proptest! {
    #[test]
    fn deadlines_acted_on_together_do_what_they_do_one_after_another(steps in proptest::collection::vec(step(), 0..30), day in 3u32..20, reversed in any::<bool>(), unknown in any::<bool>(), named in 0usize..6) {
        let mut application = engine::submit(rules(), submission(&["id", "lease"]), &mut Uuid::now_v7, at(2)).unwrap().application;
        for (index, step) in steps.iter().enumerate() {
            let command = command_for(&application, step);
            if let Ok(decision) = engine::execute(rules(), &application, command, at(3 + (index as u32) / 3)) {
                application = decision.application;
            }
        }
        let mut branches: Vec<Uuid> = application.branches.iter().map(|b| b.id).collect();
        if reversed {
            branches.reverse();
        }
        if unknown {
            branches.insert(0, Uuid::now_v7());
        }
        let named = &branches[..named.min(branches.len())];
        let now = at(day);
        let together = engine::deadlines_passed(rules(), &application, named, now);
        // The named ones first, then every other branch of the application in its order: each
        // changes something only when it is due.
        let others = application.branches.iter().map(|b| b.id).filter(|id| !named.contains(id));
        let in_turn: Vec<Uuid> = named.iter().copied().chain(others).collect();
        match one_deadline_after_another(&application, &in_turn, now) {
            None => prop_assert!(together.is_err(), "a refusal of one refuses the whole"),
            Some((after, events, changed)) => {
                let (decision, acted) = together.unwrap();
                prop_assert_eq!(&decision.events, &events);
                prop_assert_eq!(acted, changed);
                let bump = u64::from(!events.is_empty());
                prop_assert_eq!(decision.application.version, application.version + bump, "one new version");
                let mut expected = after;
                expected.version = decision.application.version;
                prop_assert_eq!(decision.application, expected);
            }
        }
    }
}
