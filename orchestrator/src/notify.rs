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

/// The notices that `events` call for, about `application` as it is after them.
pub fn notices(
    application: &Application,
    events: &[Event],
    catalogue: &Catalogue,
    calendar: &Calendar,
) -> Vec<Notice> {
    let about = About {
        receipt: application
            .receipt_number
            .clone()
            .unwrap_or_else(|| application.id.to_string()),
        application,
        catalogue,
        calendar,
    };
    let mut out = Vec::new();
    for event in events {
        about.notices_for(event, &mut out);
    }
    out
}

/// What the messages about one application draw on: its receipt number (or id, before
/// acceptance), its branches, the catalogue's names and the local time.
struct About<'a> {
    application: &'a Application,
    catalogue: &'a Catalogue,
    calendar: &'a Calendar,
    receipt: String,
}

impl About<'_> {
    /// The notices one event calls for; most events call for none.
    fn notices_for(&self, event: &Event, out: &mut Vec<Notice>) {
        match event {
            Event::NoticeIssued { number } => out.push(self.one_time_notice(*number)),
            Event::Accepted { receipt_number } => out.push(self.accepted(receipt_number)),
            Event::BranchPaused { branch_id, pause } => out.extend(self.paused(*branch_id, *pause)),
            Event::ExtensionRequested {
                branch_id,
                number,
                days,
            } => out.push(self.extension_requested(*branch_id, *number, *days)),
            Event::ExtensionDecided {
                branch_id,
                number,
                approved,
            } => self.extension_decided(out, *branch_id, *number, *approved),
            Event::BranchDeemedConsent {
                branch_id,
                deadline,
                rule,
            } => {
                let message = format!(
                    "{}「{}」至期限 {} 未反馈意见，依「{rule}」视为同意（缺席默认）",
                    self.receipt,
                    self.matter_name(*branch_id),
                    self.local(*deadline)
                );
                self.to_department_and_supervision(out, "deemed_consent", *branch_id, message);
            }
            Event::BranchDeemedConsentByAbsence {
                branch_id,
                session_id: _,
                rule,
            } => {
                let message = format!(
                    "{}「{}」部门未出席联审且未提交意见，依「{rule}」视为同意（缺席默认）",
                    self.receipt,
                    self.matter_name(*branch_id)
                );
                let kind = "deemed_consent_by_absence";
                self.to_department_and_supervision(out, kind, *branch_id, message);
            }
            Event::BranchAbsenceNotDeemed {
                branch_id,
                session_id,
                reason,
            } => {
                let message = format!(
                    "{}「{}」部门缺席联审（{session_id}），不视为同意：{reason}",
                    self.receipt,
                    self.matter_name(*branch_id)
                );
                self.to_department_and_supervision(out, "absence_not_deemed", *branch_id, message);
            }
            Event::BranchEscalated {
                branch_id,
                deadline,
            } => {
                let message = format!(
                    "{}「{}」已超过办理期限 {}，红牌督办",
                    self.receipt,
                    self.matter_name(*branch_id),
                    self.local(*deadline)
                );
                self.to_department_and_supervision(out, "escalation", *branch_id, message);
            }
            Event::BranchCancelled { branch_id, reason } => {
                out.push(self.branch_cancelled(*branch_id, reason));
            }
            Event::BranchUnstaffed { branch_id, post } => {
                let message = format!(
                    "{}「{}」岗位 {post} 的 A、B 岗人员均不在岗，已提交督办",
                    self.receipt,
                    self.matter_name(*branch_id)
                );
                self.to_department_and_supervision(out, "unstaffed", *branch_id, message);
            }
            Event::BranchAssigned {
                branch_id,
                from: Some(from),
                to,
                reason,
            } => out.push(self.handover(*branch_id, from, to, reason)),
            Event::ReadyForDispatch => out.push(self.ready_for_pickup()),
            _ => {}
        }
    }

    /// The one-time notice: every material still missing, by name.
    fn one_time_notice(&self, number: u32) -> Notice {
        let missing: Vec<String> = self
            .application
            .notices
            .iter()
            .find(|n| n.number == number)
            .map(|n| n.missing.iter().map(|m| m.material_code.clone()).collect())
            .unwrap_or_default();
        Notice {
            audience: Audience::Applicant,
            kind: "one_time_notice",
            branch_id: None,
            message: format!(
                "一次性告知书 第{number}号：请补齐以下全部材料：{}",
                self.material_names(&missing)
            ),
        }
    }

    /// Acceptance: the receipt number and the promised date.
    fn accepted(&self, receipt_number: &str) -> Notice {
        let due = self
            .application
            .due
            .map(|d| self.local(d.at))
            .unwrap_or_default();
        Notice {
            audience: Audience::Applicant,
            kind: "accepted",
            branch_id: None,
            message: format!("已受理，受理编号 {receipt_number}，承诺办结期限 {due}"),
        }
    }

    /// A pause, as the applicant hears of it: the materials asked for, or the special procedure.
    fn paused(&self, branch_id: Uuid, pause: PauseKind) -> Option<Notice> {
        let open = self
            .application
            .branch(branch_id)
            .and_then(|b| b.pauses.last())?;
        let receipt = &self.receipt;
        let (kind, message) = match pause {
            PauseKind::Supplement => (
                "supplement_request",
                format!(
                    "{receipt}「{}」需补正材料：{}。原因：{}。补正期间办理时限暂停计算",
                    self.matter_name(branch_id),
                    self.material_names(&open.material_codes),
                    open.reason
                ),
            ),
            other => (
                "special_procedure",
                format!(
                    "{receipt}「{}」进入特别程序（{}），预计 {} 个工作日，所需时间不计入办理时限。原因：{}",
                    self.matter_name(branch_id),
                    other.name(),
                    open.expected_days,
                    open.reason
                ),
            ),
        };
        Some(Notice {
            audience: Audience::Applicant,
            kind,
            branch_id: Some(branch_id),
            message,
        })
    }

    /// An extension request, for supervision to approve or refuse.
    fn extension_requested(&self, branch_id: Uuid, number: u32, days: u32) -> Notice {
        Notice {
            audience: Audience::Supervision,
            kind: "extension_requested",
            branch_id: Some(branch_id),
            message: format!(
                "{}「{}」申请延期 {days} 个工作日（第{number}次），待审批",
                self.receipt,
                self.matter_name(branch_id)
            ),
        }
    }

    /// A decided extension: the department hears the decision, the applicant a new deadline.
    fn extension_decided(
        &self,
        out: &mut Vec<Notice>,
        branch_id: Uuid,
        number: u32,
        approved: bool,
    ) {
        let receipt = &self.receipt;
        let branch = self.application.branch(branch_id);
        let extension = branch.and_then(|b| b.extensions.iter().find(|e| e.number == number));
        let reason = extension.map(|e| e.reason.clone()).unwrap_or_default();
        let deadline = branch
            .and_then(|b| b.deadline)
            .map(|d| self.local(d.at))
            .unwrap_or_default();
        let verdict = if approved { "已批准" } else { "未批准" };
        out.push(Notice {
            audience: Audience::Department(self.department_of(branch_id)),
            kind: "extension_decided",
            branch_id: Some(branch_id),
            message: format!(
                "{receipt}「{}」延期申请{verdict}，当前期限 {deadline}",
                self.matter_name(branch_id)
            ),
        });
        if approved {
            out.push(Notice {
                audience: Audience::Applicant,
                kind: "extension",
                branch_id: Some(branch_id),
                message: format!(
                    "{receipt}「{}」办理期限延长至 {deadline}。延期原因：{reason}",
                    self.matter_name(branch_id)
                ),
            });
        }
    }

    /// A cancelled branch, for its department.
    fn branch_cancelled(&self, branch_id: Uuid, reason: &str) -> Notice {
        Notice {
            audience: Audience::Department(self.department_of(branch_id)),
            kind: "branch_cancelled",
            branch_id: Some(branch_id),
            message: format!(
                "{}「{}」已取消：{reason}",
                self.receipt,
                self.matter_name(branch_id)
            ),
        }
    }

    /// A branch passed from one clerk to another, for its department.
    fn handover(&self, branch_id: Uuid, from: &str, to: &str, reason: &str) -> Notice {
        Notice {
            audience: Audience::Department(self.department_of(branch_id)),
            kind: "handover",
            branch_id: Some(branch_id),
            message: format!(
                "{}「{}」由 {from} 移交 {to}：{reason}",
                self.receipt,
                self.matter_name(branch_id)
            ),
        }
    }

    /// Every branch has ended: the applicant collects every result at once.
    fn ready_for_pickup(&self) -> Notice {
        Notice {
            audience: Audience::Applicant,
            kind: "ready_for_pickup",
            branch_id: None,
            message: format!(
                "{} 全部事项已办结，请到统一出件窗口领取全部结果（或选择邮寄、电子送达）",
                self.receipt
            ),
        }
    }

    /// The same notice for a branch's department and for supervision.
    fn to_department_and_supervision(
        &self,
        out: &mut Vec<Notice>,
        kind: &'static str,
        branch_id: Uuid,
        message: String,
    ) {
        let department = self.department_of(branch_id);
        for audience in [Audience::Department(department), Audience::Supervision] {
            out.push(Notice {
                audience,
                kind,
                branch_id: Some(branch_id),
                message: message.clone(),
            });
        }
    }

    /// A time as people read it: local, to the minute.
    fn local(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.calendar.zone())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// The name of a branch's matter; empty when unknown.
    fn matter_name(&self, branch_id: Uuid) -> String {
        self.application
            .branch(branch_id)
            .and_then(|b| self.catalogue.matter(&b.matter_code))
            .map_or_else(String::new, |m| m.name.clone())
    }

    /// The department of a branch; empty when unknown.
    fn department_of(&self, branch_id: Uuid) -> String {
        self.application
            .branch(branch_id)
            .map(|b| b.department_code.clone())
            .unwrap_or_default()
    }

    /// Materials by name (by code when the catalogue has none), joined as a list.
    fn material_names(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|code| {
                self.catalogue
                    .material(code)
                    .map_or_else(|| code.clone(), |m| m.name.clone())
            })
            .collect::<Vec<_>>()
            .join("、")
    }
}
