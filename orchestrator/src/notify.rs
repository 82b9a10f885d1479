//! Who must be told what. Every change that the applicant, a department or supervision must hear
//! of becomes a notice here, from the events a command produced; the store writes the notices in
//! the same transaction as the change (an outbox), so none is lost and none is sent for a change
//! that did not happen.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::application::{Application, PauseKind};
use crate::calendar::Calendar;
use crate::catalogue::Catalogue;
use crate::vocabulary::Event;

/// Who a notice is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The applicant (through the front desk, SMS or the portal).
    Applicant,
    /// One department.
    Department(String),
    /// Supervision (电子监察).
    Supervision,
}

/// One thing someone must be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// For whom.
    pub audience: Audience,
    /// What kind, e.g. `one_time_notice`, `deemed_consent`.
    pub kind: &'static str,
    /// The branch it is about, if any.
    pub branch_id: Option<Uuid>,
    /// The message, for people.
    pub message: String,
}

/// The same notice for a branch's department and for supervision.
fn to_department_and_supervision(
    out: &mut Vec<Notice>,
    department: String,
    kind: &'static str,
    branch_id: Uuid,
    message: String,
) {
    for audience in [Audience::Department(department), Audience::Supervision] {
        out.push(Notice {
            audience,
            kind,
            branch_id: Some(branch_id),
            message: message.clone(),
        });
    }
}

/// The notices that `events` call for, about `application` as it is after them.
pub fn notices(
    application: &Application,
    events: &[Event],
    catalogue: &Catalogue,
    calendar: &Calendar,
) -> Vec<Notice> {
    let mut out = Vec::new();
    let receipt = application
        .receipt_number
        .clone()
        .unwrap_or_else(|| application.id.to_string());
    let local = |at: DateTime<Utc>| {
        at.with_timezone(&calendar.zone())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let matter_name = |branch_id: Uuid| {
        application
            .branch(branch_id)
            .and_then(|b| catalogue.matter(&b.matter_code))
            .map_or_else(String::new, |m| m.name.clone())
    };
    let department_of = |branch_id: Uuid| {
        application
            .branch(branch_id)
            .map(|b| b.department_code.clone())
            .unwrap_or_default()
    };
    let material_names = |codes: &[String]| {
        codes
            .iter()
            .map(|code| {
                catalogue
                    .material(code)
                    .map_or_else(|| code.clone(), |m| m.name.clone())
            })
            .collect::<Vec<_>>()
            .join("、")
    };
    for event in events {
        match event {
            Event::NoticeIssued { number } => {
                let missing: Vec<String> = application
                    .notices
                    .iter()
                    .find(|n| n.number == *number)
                    .map(|n| n.missing.iter().map(|m| m.material_code.clone()).collect())
                    .unwrap_or_default();
                out.push(Notice {
                    audience: Audience::Applicant,
                    kind: "one_time_notice",
                    branch_id: None,
                    message: format!(
                        "一次性告知书 第{number}号：请补齐以下全部材料：{}",
                        material_names(&missing)
                    ),
                });
            }
            Event::Accepted { receipt_number } => {
                let due = application.due.map(|d| local(d.at)).unwrap_or_default();
                out.push(Notice {
                    audience: Audience::Applicant,
                    kind: "accepted",
                    branch_id: None,
                    message: format!("已受理，受理编号 {receipt_number}，承诺办结期限 {due}"),
                });
            }
            Event::BranchPaused { branch_id, pause } => {
                let Some(open) = application.branch(*branch_id).and_then(|b| b.pauses.last())
                else {
                    continue;
                };
                let (kind, message) = match pause {
                    PauseKind::Supplement => (
                        "supplement_request",
                        format!(
                            "{receipt}「{}」需补正材料：{}。原因：{}。补正期间办理时限暂停计算",
                            matter_name(*branch_id),
                            material_names(&open.material_codes),
                            open.reason
                        ),
                    ),
                    other => (
                        "special_procedure",
                        format!(
                            "{receipt}「{}」进入特别程序（{}），预计 {} 个工作日，所需时间不计入办理时限。原因：{}",
                            matter_name(*branch_id),
                            other.name(),
                            open.expected_days,
                            open.reason
                        ),
                    ),
                };
                out.push(Notice {
                    audience: Audience::Applicant,
                    kind,
                    branch_id: Some(*branch_id),
                    message,
                });
            }
            Event::ExtensionRequested {
                branch_id,
                number,
                days,
            } => out.push(Notice {
                audience: Audience::Supervision,
                kind: "extension_requested",
                branch_id: Some(*branch_id),
                message: format!(
                    "{receipt}「{}」申请延期 {days} 个工作日（第{number}次），待审批",
                    matter_name(*branch_id)
                ),
            }),
            Event::ExtensionDecided {
                branch_id,
                number,
                approved,
            } => {
                let branch = application.branch(*branch_id);
                let extension =
                    branch.and_then(|b| b.extensions.iter().find(|e| e.number == *number));
                let reason = extension.map(|e| e.reason.clone()).unwrap_or_default();
                let deadline = branch
                    .and_then(|b| b.deadline)
                    .map(|d| local(d.at))
                    .unwrap_or_default();
                let verdict = if *approved { "已批准" } else { "未批准" };
                out.push(Notice {
                    audience: Audience::Department(department_of(*branch_id)),
                    kind: "extension_decided",
                    branch_id: Some(*branch_id),
                    message: format!(
                        "{receipt}「{}」延期申请{verdict}，当前期限 {deadline}",
                        matter_name(*branch_id)
                    ),
                });
                if *approved {
                    out.push(Notice {
                        audience: Audience::Applicant,
                        kind: "extension",
                        branch_id: Some(*branch_id),
                        message: format!(
                            "{receipt}「{}」办理期限延长至 {deadline}。延期原因：{reason}",
                            matter_name(*branch_id)
                        ),
                    });
                }
            }
            Event::BranchDeemedConsent {
                branch_id,
                deadline,
                rule,
            } => {
                let message = format!(
                    "{receipt}「{}」至期限 {} 未反馈意见，依「{rule}」视为同意（缺席默认）",
                    matter_name(*branch_id),
                    local(*deadline)
                );
                to_department_and_supervision(
                    &mut out,
                    department_of(*branch_id),
                    "deemed_consent",
                    *branch_id,
                    message,
                );
            }
            Event::BranchDeemedConsentByAbsence {
                branch_id,
                session_id: _,
                rule,
            } => {
                let message = format!(
                    "{receipt}「{}」部门未出席联审且未提交意见，依「{rule}」视为同意（缺席默认）",
                    matter_name(*branch_id)
                );
                to_department_and_supervision(
                    &mut out,
                    department_of(*branch_id),
                    "deemed_consent_by_absence",
                    *branch_id,
                    message,
                );
            }
            Event::BranchAbsenceNotDeemed {
                branch_id,
                session_id,
                reason,
            } => {
                let message = format!(
                    "{receipt}「{}」部门缺席联审（{session_id}），不视为同意：{reason}",
                    matter_name(*branch_id)
                );
                to_department_and_supervision(
                    &mut out,
                    department_of(*branch_id),
                    "absence_not_deemed",
                    *branch_id,
                    message,
                );
            }
            Event::BranchEscalated {
                branch_id,
                deadline,
            } => {
                let message = format!(
                    "{receipt}「{}」已超过办理期限 {}，红牌督办",
                    matter_name(*branch_id),
                    local(*deadline)
                );
                to_department_and_supervision(
                    &mut out,
                    department_of(*branch_id),
                    "escalation",
                    *branch_id,
                    message,
                );
            }
            Event::BranchCancelled { branch_id, reason } => out.push(Notice {
                audience: Audience::Department(department_of(*branch_id)),
                kind: "branch_cancelled",
                branch_id: Some(*branch_id),
                message: format!("{receipt}「{}」已取消：{reason}", matter_name(*branch_id)),
            }),
            Event::BranchUnstaffed { branch_id, post } => {
                let message = format!(
                    "{receipt}「{}」岗位 {post} 的 A、B 岗人员均不在岗，已提交督办",
                    matter_name(*branch_id)
                );
                to_department_and_supervision(
                    &mut out,
                    department_of(*branch_id),
                    "unstaffed",
                    *branch_id,
                    message,
                );
            }
            Event::BranchAssigned {
                branch_id,
                from: Some(from),
                to,
                reason,
            } => out.push(Notice {
                audience: Audience::Department(department_of(*branch_id)),
                kind: "handover",
                branch_id: Some(*branch_id),
                message: format!(
                    "{receipt}「{}」由 {from} 移交 {to}：{reason}",
                    matter_name(*branch_id)
                ),
            }),
            Event::ReadyForDispatch => out.push(Notice {
                audience: Audience::Applicant,
                kind: "ready_for_pickup",
                branch_id: None,
                message: format!(
                    "{receipt} 全部事项已办结，请到统一出件窗口领取全部结果（或选择邮寄、电子送达）"
                ),
            }),
            _ => {}
        }
    }
    out
}
