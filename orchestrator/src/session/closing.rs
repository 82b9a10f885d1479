//! The closing of a session: how each invited department took part, and the evidence for it
//! that the minutes, the supervisors and any deemed consent cite.

use chrono::{DateTime, Utc};

use super::model::Session;
use super::model::{Attendance, Closing, DepartmentOutcome, Invitation, Opinion, OpinionKind};
use super::rules::local;
use crate::application::Decider;
use crate::calendar::Calendar;

/// Records the closing and every invited department's outcome.
pub(super) fn close(
    calendar: &Calendar,
    session: &mut Session,
    closed_by: Option<Decider>,
    minutes: String,
    now: DateTime<Utc>,
) {
    let outcomes = session
        .invitations
        .iter()
        .map(|invitation| department_outcome(calendar, session, invitation, now))
        .collect();
    session.closing = Some(Closing {
        closed_by,
        minutes,
        at: now,
        outcomes,
    });
}

/// How one invited department took part, its standing opinion, and the evidence.
fn department_outcome(
    calendar: &Calendar,
    session: &Session,
    invitation: &Invitation,
    now: DateTime<Utc>,
) -> DepartmentOutcome {
    let code = &invitation.department_code;
    let given: Vec<&Opinion> = session
        .opinions
        .iter()
        .filter(|o| &o.department_code == code)
        .collect();
    let opinion = given
        .iter()
        .rev()
        .find(|o| o.kind != OpinionKind::Delegate)
        .map(|o| (*o).clone());
    let attendance = attendance(session, invitation, &given);
    let evidence = evidence(calendar, session, invitation, attendance, &given, now);
    DepartmentOutcome {
        department_code: code.clone(),
        attendance,
        opinion,
        evidence,
    }
}

/// A delegate, or an opinion once the session had started, is attendance; an opinion before it
/// is a written one; nothing is absence, excused when the notice came too late.
fn attendance(session: &Session, invitation: &Invitation, given: &[&Opinion]) -> Attendance {
    let attended = given
        .iter()
        .any(|o| o.kind == OpinionKind::Delegate || o.at >= session.starts_at);
    match (attended, given.is_empty(), invitation.late) {
        (true, _, _) => Attendance::Attended,
        (false, false, _) => Attendance::WrittenOpinion,
        (false, true, false) => Attendance::Absent,
        (false, true, true) => Attendance::AbsentExcused,
    }
}

/// The notice, its acknowledgement (or its absence), and what the department did or failed to do.
fn evidence(
    calendar: &Calendar,
    session: &Session,
    invitation: &Invitation,
    attendance: Attendance,
    given: &[&Opinion],
    now: DateTime<Utc>,
) -> String {
    let notified = local(calendar, invitation.notified_at);
    let acknowledged = match &invitation.acknowledgement {
        Some(ack) => format!(
            "signed for by {} at {}",
            ack.clerk_id,
            local(calendar, ack.at)
        ),
        None => "never signed for".to_owned(),
    };
    let mut evidence = format!(
        "notified {notified} of the session starting {}; {acknowledged}",
        local(calendar, session.starts_at)
    );
    match attendance {
        Attendance::Absent => evidence.push_str(&format!(
            "; no delegate and no opinion by the closing at {}",
            local(calendar, now)
        )),
        Attendance::AbsentExcused => evidence.push_str(
            "; notified less than the notice period before the start, so its absence is not consent: the deadline rule applies",
        ),
        Attendance::Attended | Attendance::WrittenOpinion => {
            for o in given {
                evidence.push_str(&format!(
                    "; {} by {} at {}",
                    o.kind.name(),
                    o.clerk_id,
                    local(calendar, o.at)
                ));
            }
        }
    }
    evidence
}
