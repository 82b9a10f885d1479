//! Who must hear of a case, and what: its department of every step it must act on (the case
//! routed to it, a ruling, an appeal decided, an escalation, the closing), supervision of every
//! step it must act on or watch (a case opened, a reply, an appeal, an escalation, the closing).
//! The store writes them in the same transaction as the case (the outbox).

use super::commands::CaseEvent;
use super::model::Case;
use crate::calendar::Calendar;
use crate::notify::{Audience, Notice};

/// The notices that `events` call for, about `case` as it is after them.
pub fn notices(case: &Case, events: &[CaseEvent], calendar: &Calendar) -> Vec<Notice> {
    let what = format!("{}（{}）", case.kind.label(), case.number);
    let due = calendar
        .local_date(case.due_at)
        .format("%Y-%m-%d")
        .to_string();
    let mut out = Vec::new();
    let mut to = |audience: Audience, kind: &'static str, message: String| {
        out.push(Notice {
            audience,
            kind,
            branch_id: None,
            message,
        })
    };
    let department = || Audience::Department(case.department_code.clone());
    for event in events {
        match event {
            CaseEvent::Opened { .. } => {
                let message = format!("{what}已转办，请于 {due} 前答复：{}", case.facts);
                to(department(), "case_opened", message.clone());
                to(Audience::Supervision, "case_opened", message);
            }
            CaseEvent::Replied { on_time } => {
                let late = if *on_time { "" } else { "（逾期）" };
                to(
                    Audience::Supervision,
                    "case_replied",
                    format!("{what}部门已答复{late}"),
                );
            }
            CaseEvent::Ruled { upheld, reason } => {
                let verdict = if *upheld { "属实" } else { "不属实" };
                to(
                    department(),
                    "case_ruled",
                    format!("{what}经督查认定{verdict}：{reason}"),
                );
            }
            CaseEvent::Appealed { reason } => to(
                Audience::Supervision,
                "case_appealed",
                format!("{what}部门提出申诉：{reason}"),
            ),
            CaseEvent::AppealDecided { overturned, reason } => {
                let verdict = if *overturned {
                    "申诉成立，差评不计入考核"
                } else {
                    "申诉不成立，请继续整改"
                };
                to(
                    department(),
                    "case_appeal_decided",
                    format!("{what}{verdict}：{reason}"),
                );
            }
            CaseEvent::CalledBack { satisfied } => {
                let said = if *satisfied { "满意" } else { "不满意" };
                to(
                    department(),
                    "case_called_back",
                    format!("{what}已回访，当事人{said}"),
                );
            }
            CaseEvent::Escalated { .. } => {
                let message = format!("{what}已超过答复期限 {due}，亮红灯并升级督办");
                to(department(), "case_escalated", message.clone());
                to(Audience::Supervision, "case_escalated", message);
            }
            CaseEvent::Closed { outcome } => {
                let message = format!("{what}已办结（{}）", outcome.name());
                to(department(), "case_closed", message.clone());
                to(Audience::Supervision, "case_closed", message);
            }
        }
    }
    out
}
