//! Joint review sessions as `session list` and the other `session` commands print them: who was
//! invited, who signed for the notice and in time, each department's opinion and outcome.

use lianban_proto::v1 as pb;

use super::table::table;
use crate::time::local_time;

/// Sessions as a table, one row each.
pub fn render_sessions(sessions: &[pb::Session]) -> String {
    let rows = sessions
        .iter()
        .map(|s| {
            vec![
                s.id.clone(),
                session_state_name(s.state).to_owned(),
                s.lead_department_code.clone(),
                local_time(s.starts_at.as_ref()),
                s.place.clone(),
                s.invitations
                    .iter()
                    .map(|i| i.department_code.clone())
                    .collect::<Vec<_>>()
                    .join(","),
            ]
        })
        .collect();
    table(
        &["SESSION", "STATE", "LEAD", "STARTS", "PLACE", "INVITED"],
        rows,
    )
}

/// One session: its header, then one row per invited department.
pub fn render_session(session: &pb::Session) -> String {
    let mut out = header(session);
    out.push('\n');
    let rows = session
        .invitations
        .iter()
        .map(|invitation| invitation_row(session, invitation))
        .collect();
    out.push_str(&table(
        &["DEPT", "SIGNED FOR", "NOTICE", "OPINION", "OUTCOME"],
        rows,
    ));
    out
}

/// The first line, the items reviewed and, once closed, who closed it with which minutes.
fn header(session: &pb::Session) -> String {
    let mut out = format!(
        "session {} ({}) led by {}, {} to {}, {}\n",
        session.id,
        session_state_name(session.state),
        session.lead_department_code,
        local_time(session.starts_at.as_ref()),
        local_time(session.ends_at.as_ref()),
        session.place
    );
    for item in &session.items {
        out.push_str(&format!(
            "  reviews {} {} ({})\n",
            item.receipt_number, item.matter_code, item.department_code
        ));
    }
    if !session.minutes.is_empty() {
        let by = if session.closed_by_system {
            "the system".to_owned()
        } else {
            session.closed_by.clone()
        };
        out.push_str(&format!(
            "  closed {} by {by}: {}\n",
            local_time(session.closed_at.as_ref()),
            session.minutes
        ));
    }
    out
}

/// One invited department; its opinion is the one of its outcome once closed, else its latest.
fn invitation_row(session: &pb::Session, invitation: &pb::Invitation) -> Vec<String> {
    let department = &invitation.department_code;
    let outcome = session
        .outcomes
        .iter()
        .find(|o| &o.department_code == department);
    let latest = session
        .opinions
        .iter()
        .rev()
        .find(|o| &o.department_code == department);
    vec![
        department.clone(),
        if invitation.acknowledged {
            format!(
                "{} {}",
                invitation.acknowledged_by,
                local_time(invitation.acknowledged_at.as_ref())
            )
        } else {
            "not signed".to_owned()
        },
        if invitation.late {
            "late".to_owned()
        } else {
            "in time".to_owned()
        },
        opinion_text(outcome.and_then(|o| o.opinion.as_ref()).or(latest)),
        outcome
            .map_or("-", |o| attendance_name(o.attendance))
            .to_owned(),
    ]
}

fn session_state_name(state: i32) -> &'static str {
    match pb::SessionState::try_from(state) {
        Ok(pb::SessionState::Scheduled) => "scheduled",
        Ok(pb::SessionState::Closed) => "closed",
        Ok(pb::SessionState::Cancelled) => "cancelled",
        _ => "unknown",
    }
}

fn attendance_name(attendance: i32) -> &'static str {
    match pb::Attendance::try_from(attendance) {
        Ok(pb::Attendance::Attended) => "attended",
        Ok(pb::Attendance::WrittenOpinion) => "written opinion",
        Ok(pb::Attendance::Absent) => "absent: deemed to consent",
        Ok(pb::Attendance::AbsentExcused) => "absent, notified too late: deadline rule",
        _ => "-",
    }
}

fn opinion_text(opinion: Option<&pb::Opinion>) -> String {
    let Some(opinion) = opinion else {
        return "-".to_owned();
    };
    match pb::OpinionKind::try_from(opinion.kind) {
        Ok(pb::OpinionKind::Object) => format!("object: {}", opinion.text),
        Ok(pb::OpinionKind::Consent) => format!("consent {}", opinion.text).trim().to_owned(),
        Ok(pb::OpinionKind::Delegate) => format!("delegate {}", opinion.text),
        _ => "-".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_session_shows_who_signed_and_who_was_deemed_to_consent() {
        let session = pb::Session {
            id: "s1".into(),
            state: pb::SessionState::Closed as i32,
            lead_department_code: "zjj".into(),
            invitations: vec![
                pb::Invitation {
                    department_code: "rfb".into(),
                    acknowledged: true,
                    acknowledged_by: "rfb-01".into(),
                    ..Default::default()
                },
                pb::Invitation {
                    department_code: "daj".into(),
                    ..Default::default()
                },
            ],
            outcomes: vec![
                pb::DepartmentOutcome {
                    department_code: "rfb".into(),
                    attendance: pb::Attendance::Absent as i32,
                    ..Default::default()
                },
                pb::DepartmentOutcome {
                    department_code: "daj".into(),
                    attendance: pb::Attendance::AbsentExcused as i32,
                    ..Default::default()
                },
            ],
            minutes: "纪要".into(),
            closed_by_system: true,
            ..Default::default()
        };
        let text = render_session(&session);
        assert!(text.contains("closed - by the system: 纪要"), "{text}");
        let rfb = text.lines().find(|l| l.starts_with("rfb")).unwrap();
        assert!(
            rfb.contains("rfb-01") && rfb.contains("deemed to consent"),
            "{rfb}"
        );
        let daj = text.lines().find(|l| l.starts_with("daj")).unwrap();
        assert!(
            daj.contains("not signed") && daj.contains("deadline rule"),
            "{daj}"
        );
    }
}
