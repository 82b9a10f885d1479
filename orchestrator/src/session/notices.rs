//! Who must hear of a session, and what: invitations, moves and cancellations to every invited
//! department, and the minutes to every invited department (the absent ones included) and to
//! supervision. The store writes them in the same transaction as the session (an outbox).

use super::commands::SessionEvent;
use super::model::{Attendance, DepartmentOutcome, Invitation, OpinionKind, Session};
use super::rules::local;
use crate::calendar::Calendar;
use crate::catalogue::Catalogue;
use crate::notify::{Audience, Notice};

/// The notices that `events` call for: invitations, moves and cancellations to every invited
/// department, the minutes to every invited department (the absent ones included) and to
/// supervision.
pub fn notices(
    session: &Session,
    events: &[SessionEvent],
    catalogue: &Catalogue,
    calendar: &Calendar,
) -> Vec<Notice> {
    let mut out = Vec::new();
    let what = description(session, catalogue, calendar);
    for event in events {
        match event {
            SessionEvent::Scheduled => {
                to_every_invited(&mut out, session, "session_invitation", |invitation| {
                    invitation_message(&what, invitation)
                });
            }
            SessionEvent::Rescheduled => {
                let reason = session
                    .reschedules
                    .last()
                    .map(|r| r.reason.clone())
                    .unwrap_or_default();
                to_every_invited(&mut out, session, "session_rescheduled", |invitation| {
                    format!(
                        "改期（{reason}）：{}",
                        invitation_message(&what, invitation)
                    )
                });
            }
            SessionEvent::Cancelled => {
                let reason = session
                    .cancellation
                    .as_ref()
                    .map(|c| c.reason.clone())
                    .unwrap_or_default();
                let message = format!("已取消：{what}。原因：{reason}");
                to_every_invited(&mut out, session, "session_cancelled", |_| message.clone());
            }
            SessionEvent::Closed { .. } => {
                let message = minutes_message(session, calendar);
                to_every_invited(&mut out, session, "session_minutes", |_| message.clone());
                out.push(Notice {
                    audience: Audience::Supervision,
                    kind: "session_minutes",
                    branch_id: None,
                    message,
                });
            }
            SessionEvent::Acknowledged { .. } | SessionEvent::OpinionRecorded { .. } => {}
        }
    }
    out
}

/// One notice of `kind` to each invited department, in invitation order.
fn to_every_invited(
    out: &mut Vec<Notice>,
    session: &Session,
    kind: &'static str,
    message: impl Fn(&Invitation) -> String,
) {
    for invitation in &session.invitations {
        out.push(Notice {
            audience: Audience::Department(invitation.department_code.clone()),
            kind,
            branch_id: None,
            message: message(invitation),
        });
    }
}

/// The session as a notice names it: kind, id, time, place and the matters it reviews.
fn description(session: &Session, catalogue: &Catalogue, calendar: &Calendar) -> String {
    format!(
        "{}（{}）{} 至 {}，地点：{}；审查事项：{}",
        session.kind.label(),
        session.id,
        local(calendar, session.starts_at),
        local(calendar, session.ends_at),
        session.place,
        reviewed_matters(session, catalogue)
    )
}

/// An invitation, warning that absence is consent unless the notice came too late.
fn invitation_message(what: &str, invitation: &Invitation) -> String {
    let late = if invitation.late {
        "（通知时间不足规定的提前期，缺席不视为同意）"
    } else {
        "。无正当理由缺席且未提交书面意见的，视为同意（缺席默认）"
    };
    format!("邀请参加{what}，请签收{late}")
}

/// The minutes as sent: who closed the session, the minutes, and how each department took part.
fn minutes_message(session: &Session, calendar: &Calendar) -> String {
    let Some(closing) = &session.closing else {
        return String::new();
    };
    let attendance = closing
        .outcomes
        .iter()
        .map(attendance_line)
        .collect::<Vec<_>>()
        .join("；");
    let by = match &closing.closed_by {
        Some(decider) => format!("{} {}", decider.department_code, decider.clerk_id),
        None => "系统".to_owned(),
    };
    format!(
        "{}（{}）纪要，{} 由{by}关闭：{}。参会情况：{attendance}",
        session.kind.label(),
        session.id,
        local(calendar, closing.at),
        closing.minutes
    )
}

/// One department in the minutes: how it took part and its stance.
fn attendance_line(o: &DepartmentOutcome) -> String {
    let stance = match &o.opinion {
        Some(opinion) if opinion.kind == OpinionKind::Object => {
            format!("，不同意：{}", opinion.text)
        }
        Some(_) => "，同意".to_owned(),
        None => String::new(),
    };
    let label = match o.attendance {
        Attendance::Attended => "出席",
        Attendance::WrittenOpinion => "书面意见",
        Attendance::Absent => "缺席，视为同意",
        Attendance::AbsentExcused => "缺席（通知不足提前期，不视为同意，按期限规则办理）",
    };
    format!("{} {label}{stance}", o.department_code)
}

/// The matters reviewed, each with its application's receipt number.
fn reviewed_matters(session: &Session, catalogue: &Catalogue) -> String {
    session
        .items
        .iter()
        .map(|item| {
            let name = catalogue
                .matter(&item.matter_code)
                .map_or_else(|| item.matter_code.clone(), |m| m.name.clone());
            format!("{} {name}", item.receipt_number)
        })
        .collect::<Vec<_>>()
        .join("、")
}
