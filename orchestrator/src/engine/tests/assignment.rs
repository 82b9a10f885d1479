//! Who holds a branch: the first available clerk of its post, a hand-over when that clerk goes
//! away, and escalation when nobody of the post is left.

use uuid::Uuid;

use super::fixtures::{CALENDAR, TEST_CATALOGUE, at, branch_of, submission};
use crate::engine::{self, Command, Rules};
use crate::machine::BranchState;

#[test]
fn a_branch_goes_to_the_first_available_clerk_and_moves_when_they_leave() {
    use crate::staffing::{Post, Staffing};
    let mut staffing = Staffing::new(vec![Post {
        department: "reg".into(),
        code: "dengji".into(),
        matters: vec!["register".into()],
        a: "zhang".into(),
        b: vec!["li".into()],
    }]);
    let rules = Rules {
        catalogue: &TEST_CATALOGUE,
        calendar: &CALENDAR,
        staffing: &staffing,
    };
    let application = engine::submit(
        rules,
        submission(&["id", "lease"]),
        &mut Uuid::now_v7,
        at(2),
    )
    .unwrap()
    .application;
    let register = branch_of(&application, "register");
    assert_eq!(
        application.branch(register).unwrap().assignee.as_deref(),
        Some("zhang")
    );
    assert_eq!(
        application
            .branch(branch_of(&application, "fire-opinion"))
            .unwrap()
            .assignee,
        None,
        "no post: common queue"
    );
    let claim = Command::Claim {
        branch_id: register,
        department_code: "reg".into(),
        clerk_id: "zhang".into(),
    };
    let claimed = engine::execute(rules, &application, claim, at(2))
        .unwrap()
        .application;

    staffing.set_away("reg", "zhang", true);
    let rules = Rules {
        catalogue: &TEST_CATALOGUE,
        calendar: &CALENDAR,
        staffing: &staffing,
    };
    let reassign = Command::Reassign {
        branch_id: register,
        reason: "zhang on leave".into(),
    };
    let moved = engine::execute(rules, &claimed, reassign.clone(), at(3))
        .unwrap()
        .application;
    let branch = moved.branch(register).unwrap();
    assert_eq!(branch.assignee.as_deref(), Some("li"));
    assert_eq!(
        branch.state,
        BranchState::Open,
        "the away clerk's claim is released"
    );
    assert_eq!(branch.handovers[0].from.as_deref(), Some("zhang"));
    assert_eq!(branch.handovers[0].reason, "zhang on leave");

    staffing.set_away("reg", "li", true);
    let rules = Rules {
        catalogue: &TEST_CATALOGUE,
        calendar: &CALENDAR,
        staffing: &staffing,
    };
    let nobody = engine::execute(rules, &moved, reassign, at(3)).unwrap();
    let branch = nobody.application.branch(register).unwrap();
    assert!(branch.assignee.is_none() && branch.unstaffed_since.is_some());
    assert!(
        nobody
            .events
            .iter()
            .any(|e| matches!(e, engine::Event::BranchUnstaffed { .. }))
    );
}
