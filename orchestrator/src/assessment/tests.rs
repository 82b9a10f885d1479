//! A scripted March 2026 whose figures and scores are worked out by hand below, the month's
//! arithmetic, and the score's bounds for any figures.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::application::{Application, HandOver, HandOverMethod, Outcome};
use crate::calendar::Deadline;
use crate::engine::tests::fixtures::{CALENDAR, rules, submit};
use crate::machine::BranchState;
use crate::session::{
    self, Attendance, Closing, DepartmentOutcome, ScheduleSession, Session, SessionKind,
    SessionPolicy,
};

/// 17:30 on `day` of `month` 2026 in Beijing (the fixtures' closing time).
fn closing(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, 9, 30, 0).unwrap()
}

/// 10:00 on `day` of `month` 2026 in Beijing.
fn morning(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, 2, 0, 0).unwrap()
}

fn deadline(at: DateTime<Utc>) -> Option<Deadline> {
    Some(Deadline {
        at,
        provisional: false,
    })
}

fn outcome(state: BranchState, decided_at: DateTime<Utc>) -> Option<Outcome> {
    Some(Outcome {
        state,
        result_reference: String::new(),
        reason: String::new(),
        decided_by: None,
        rule: String::new(),
        session_id: None,
        decided_at,
    })
}

/// Sets a branch's deadline and outcome.
fn set(application: &mut Application, matter: &str, due: Option<Deadline>, ended: Option<Outcome>) {
    let branch = application
        .branches
        .iter_mut()
        .find(|b| b.matter_code == matter)
        .unwrap();
    branch.deadline = due;
    branch.outcome = ended;
}

fn hand_over(at: DateTime<Utc>) -> Option<HandOver> {
    Some(HandOver {
        method: HandOverMethod::OnSite,
        handed_by: "window-9".into(),
        recipient: "张三".into(),
        tracking_reference: String::new(),
        handed_at: at,
        results: Vec::new(),
    })
}

/// desk-1's application, all in March: the registry on time, fire deemed to consent at its
/// deadline, the seal office late once and still open past a second deadline; ready and handed
/// over in one visit.
fn first_application() -> Application {
    let mut a = submit(&["id", "lease"]).unwrap();
    a.front_desk_clerk = "desk-1".into();
    set(
        &mut a,
        "register",
        deadline(closing(3, 10)),
        outcome(BranchState::Approved, morning(3, 9)),
    );
    let silent = closing(3, 12);
    set(
        &mut a,
        "fire-opinion",
        deadline(silent),
        outcome(BranchState::DeemedConsent, silent),
    );
    set(
        &mut a,
        "seal",
        deadline(closing(3, 13)),
        outcome(BranchState::Approved, morning(3, 16)),
    );
    set(&mut a, "engrave", deadline(closing(3, 20)), None);
    a.ready_at = Some(morning(3, 24));
    a.due = deadline(closing(3, 31));
    a.hand_over = hand_over(morning(3, 25));
    a.visits = 1;
    a
}

/// desk-2's application: the registry late in February; every other branch cancelled.
fn second_application() -> Application {
    let mut a = submit(&["id", "lease"]).unwrap();
    a.front_desk_clerk = "desk-2".into();
    set(
        &mut a,
        "register",
        deadline(closing(2, 20)),
        outcome(BranchState::Approved, morning(2, 25)),
    );
    for matter in ["fire-opinion", "seal", "engrave"] {
        set(
            &mut a,
            matter,
            deadline(closing(3, 5)),
            outcome(BranchState::Cancelled, morning(3, 2)),
        );
    }
    a
}

/// A session closed on 18 March: fire absent though told in time, the seal office told too late.
fn session_closed_in_march(application: &Application) -> Session {
    let command = ScheduleSession {
        session_id: Uuid::now_v7(),
        kind: SessionKind::Meeting,
        lead_department_code: "reg".into(),
        clerk_id: "lead".into(),
        starts_at: morning(3, 18),
        ends_at: morning(3, 18) + Duration::hours(2),
        place: "room 3".into(),
        branch_ids: Vec::new(),
        invited_department_codes: Vec::new(),
    };
    let now = morning(3, 4);
    let mut session = session::schedule(
        rules(),
        SessionPolicy::default(),
        std::slice::from_ref(application),
        command,
        now,
    )
    .unwrap()
    .session;
    let absent = |code: &str, attendance| DepartmentOutcome {
        department_code: code.into(),
        attendance,
        opinion: None,
        evidence: String::new(),
    };
    session.closing = Some(Closing {
        closed_by: None,
        minutes: "minutes".into(),
        at: closing(3, 18),
        outcomes: vec![
            absent("fire", Attendance::Absent),
            absent("seal", Attendance::AbsentExcused),
        ],
    });
    session
}

fn case(
    kind: CaseFactKind,
    department: &str,
    clerk: Option<&str>,
    opened: DateTime<Utc>,
) -> CaseFact {
    CaseFact {
        kind,
        department_code: department.into(),
        clerk_id: clerk.map(Into::into),
        opened_at: opened,
        due_at: opened + Duration::days(7),
        replied_at: None,
        upheld_at: None,
        overturned: false,
    }
}

fn cases() -> Vec<CaseFact> {
    use CaseFactKind::{Complaint, Rectification};
    let mut upheld_in_march = case(Complaint, "seal", Some("desk-1"), morning(3, 5));
    upheld_in_march.upheld_at = Some(morning(3, 20));
    let mut lodged_in_february = case(Complaint, "reg", None, morning(2, 27));
    lodged_in_february.upheld_at = Some(morning(3, 3));
    let mut rectified = case(Rectification, "reg", Some("desk-2"), morning(3, 10));
    rectified.due_at = closing(3, 31);
    rectified.replied_at = Some(morning(3, 30));
    let mut due_in_april = case(Rectification, "seal", None, morning(3, 11));
    due_in_april.due_at = closing(4, 1);
    let mut overturned = case(Rectification, "fire", None, morning(3, 12));
    overturned.overturned = true;
    vec![
        upheld_in_march,
        lodged_in_february,
        rectified,
        due_in_april,
        overturned,
    ]
}

fn march() -> Assessment {
    let month: Month = "2026-03".parse().unwrap();
    let first = first_application();
    let mut builder = AssessmentBuilder::new(month, &CALENDAR, morning(4, 1));
    builder.add_application(&first);
    builder.add_application(&second_application());
    builder.add_sessions(&[session_closed_in_march(&first)]);
    for case in cases() {
        builder.add_case(&case);
    }
    builder.finish(&AssessmentWeights::default())
}

fn row<'a>(rows: &'a [AssessmentRow], subject: &str) -> &'a AssessmentRow {
    rows.iter().find(|r| r.subject == subject).unwrap()
}

#[test]
fn a_scripted_month_is_counted_where_each_fact_happened() {
    let march = march();
    let subjects: Vec<&str> = march
        .departments
        .iter()
        .map(|r| r.subject.as_str())
        .collect();
    assert_eq!(subjects, ["fire", "reg", "seal"]);
    let reg = row(&march.departments, "reg");
    assert_eq!(
        reg.figures,
        Figures {
            decided: 1,
            on_time: 1,
            complaints_upheld: 1,
            negative_reviews: 1,
            rectifications_due: 1,
            rectified_on_time: 1,
            dispatched: 1,
            one_visit: 1,
            ..Figures::default()
        }
    );
    assert_eq!(
        reg.previous,
        Figures {
            decided: 1,
            overdue: 1,
            complaints_received: 1,
            ..Figures::default()
        }
    );
    let fire = row(&march.departments, "fire");
    assert_eq!((fire.figures.decided, fire.figures.on_time), (1, 1));
    assert_eq!((fire.figures.deemed_consents, fire.figures.overdue), (1, 0));
    assert_eq!(fire.figures.session_absences, 1);
    assert_eq!(fire.figures.negative_reviews, 0, "overturned on appeal");
    let seal = row(&march.departments, "seal");
    assert_eq!((seal.figures.decided, seal.figures.on_time), (1, 0));
    assert_eq!(
        seal.figures.overdue, 2,
        "decided late once, still open past another"
    );
    assert_eq!(seal.figures.session_absences, 0, "told too late");
    assert_eq!(
        (
            seal.figures.complaints_received,
            seal.figures.complaints_upheld
        ),
        (1, 1)
    );
    assert_eq!(
        (
            seal.figures.negative_reviews,
            seal.figures.rectifications_due
        ),
        (1, 0)
    );
}

#[test]
fn a_scripted_month_scores_as_computed_by_hand() {
    let march = march();
    // reg: 60·1 + 20·1 + 20·1 − 5 (upheld) − 1 (negative) = 94; February: 60·0 + 20 + 20 − 2·1 = 38.
    let reg = row(&march.departments, "reg");
    assert_eq!(
        (reg.score, reg.previous_score, reg.change()),
        (94.0, Some(38.0), Some(56.0))
    );
    // fire: 100 − 1 (deemed consent) − 2 (absence) = 97; nothing in February.
    let fire = row(&march.departments, "fire");
    assert_eq!(
        (fire.score, fire.previous_score, fire.change()),
        (97.0, None, None)
    );
    // seal: 60·0 + 20·1 + 20 (nothing due) − 2·2 − 5 − 1 = 30.
    assert_eq!(row(&march.departments, "seal").score, 30.0);
    // desk-1: on time, one visit, nothing due, one upheld complaint: 100 − 5 = 95.
    let desk1 = row(&march.clerks, "desk-1");
    assert_eq!((desk1.figures.decided, desk1.figures.dispatched), (1, 1));
    assert_eq!(desk1.score, 95.0);
    // desk-2: nothing completed or handed over (full marks), rectified on time, one negative: 99.
    assert_eq!(row(&march.clerks, "desk-2").score, 99.0);
}

#[test]
fn weights_deduct_down_to_zero_and_no_further() {
    let weights = AssessmentWeights::default();
    let figures = Figures {
        decided: 3,
        on_time: 2,
        dispatched: 4,
        one_visit: 3,
        ..Figures::default()
    };
    // 60·2/3 + 20·3/4 + 20 = 75.
    assert_eq!(weights.score(&figures), 75.0);
    let hopeless = Figures {
        overdue: 80,
        ..figures
    };
    assert_eq!(weights.score(&hopeless), 0.0);
    assert_eq!(weights.score(&Figures::default()), 100.0);
}

#[test]
fn weights_that_cannot_score_are_refused() {
    let negative = AssessmentWeights {
        per_absence: -1.0,
        ..AssessmentWeights::default()
    };
    assert_eq!(negative.validate().unwrap_err().field, "per_absence");
    let nothing = AssessmentWeights {
        on_time: 0.0,
        one_visit: 0.0,
        rectified_on_time: 0.0,
        ..AssessmentWeights::default()
    };
    assert!(nothing.validate().is_err());
    assert!(AssessmentWeights::default().validate().is_ok());
}

#[test]
fn months_parse_and_step_across_years() {
    let january: Month = "2027-01".parse().unwrap();
    assert_eq!(january.previous().to_string(), "2026-12");
    assert_eq!(january.previous().next(), january);
    let february: Month = "2028-02".parse().unwrap();
    assert_eq!(
        february.last_day(),
        NaiveDate::from_ymd_opt(2028, 2, 29).unwrap()
    );
    for wrong in ["2026-13", "2026-3", "26-03", "2026/03", "", "2026-00"] {
        assert!(wrong.parse::<Month>().is_err(), "{wrong}");
    }
}

proptest! {
    #[test]
    fn any_score_lies_between_nothing_and_full_marks(
        decided in 0u32..50, on_time_part in 0u32..50, overdue in 0u32..20,
        deemed in 0u32..20, absences in 0u32..20, upheld in 0u32..20, negative in 0u32..20,
        due in 0u32..20, rectified_part in 0u32..20, dispatched in 0u32..50, one_part in 0u32..50,
    ) {
        let figures = Figures {
            decided,
            on_time: on_time_part.min(decided),
            overdue,
            deemed_consents: deemed,
            session_absences: absences,
            complaints_upheld: upheld,
            negative_reviews: negative,
            rectifications_due: due,
            rectified_on_time: rectified_part.min(due),
            dispatched,
            one_visit: one_part.min(dispatched),
            ..Figures::default()
        };
        let weights = AssessmentWeights::default();
        let score = weights.score(&figures);
        prop_assert!((0.0..=weights.full_marks()).contains(&score));
        let worse = Figures { overdue: overdue + 1, ..figures.clone() };
        prop_assert!(weights.score(&worse) <= score);
    }
}
