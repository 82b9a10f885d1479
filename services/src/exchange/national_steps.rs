//! 表7 事项办理 of the national format: one record per step (环节) of a branch — its start (待办),
//! its end by a department's decision, a deemed consent or a cancellation (已办), and each special
//! procedure (特别程序): a pause for a hearing, expert review, inspection, testing or public
//! notice (A.7 code 2) and an extension (A.7 code 1, 延长审批). A supplement request is a step
//! returned to the applicant (退回), not a special procedure.
//!
//! 业务动作: approved, consented and deemed consent pass (通过); rejected and objected go back to
//! the applicant (退回); everything else is 其他.

use chrono::{DateTime, Utc};
use lianban_orchestrator::Event;
use lianban_orchestrator::application::{Branch, Extension, Outcome, Pause, PauseKind};
use lianban_orchestrator::catalogue::Role;
use lianban_orchestrator::machine::BranchState;

use super::format::{ExportedEvent, Record};
use super::national_words::{
    EXTENSION_PROCEDURE, EXTENSION_PROCEDURE_NAME, Fields, MatterFacts, OTHER_PROCEDURE,
    case_number, special_procedure_name,
};

/// 环节办理状态代码: waiting (待办).
const WAITING: &str = "1";
/// 环节办理状态代码: done (已办).
const DONE: &str = "2";
/// Who acted when the system did (a deemed consent, a cancellation).
const SYSTEM: &str = "系统";

/// The step a branch's start, decision, deemed consent or cancellation recorded.
pub(super) fn step(exported: &ExportedEvent<'_>, branch: &Branch) -> Record {
    let matter = MatterFacts::of(exported.catalogue, branch);
    let started = branch.started_at.unwrap_or(exported.at);
    let fields = head(exported, branch, &matter);
    let fields = match (exported.event, &branch.outcome) {
        (Event::BranchStarted { .. }, _) | (_, None) => fields
            .text("业务动作", "其他", 20)
            .text("环节名称", &step_name(branch, &matter), 100)
            .time("环节开始时间", started, exported.zone)
            .time("环节结束时间", started, exported.zone)
            .text("环节办理状态代码", WAITING, 1),
        (_, Some(outcome)) => {
            let handler = outcome
                .decided_by
                .as_ref()
                .map_or(SYSTEM, |d| d.clerk_id.as_str());
            fields
                .text("业务动作", action(outcome.state), 20)
                .text("环节名称", &step_name(branch, &matter), 100)
                .text("环节处理人", handler, 30)
                .text("环节处理意见", &outcome_words(outcome), 1000)
                .time(
                    "环节开始时间",
                    started.min(outcome.decided_at),
                    exported.zone,
                )
                .time("环节结束时间", outcome.decided_at, exported.zone)
                .text("环节办理状态代码", DONE, 1)
                .text("办理单位名称", &matter.department, 100)
                .text("办理人", handler, 30)
        }
    };
    record(fields)
}

/// The step a pause or its end recorded: a special procedure (A.7 code 2), or a supplement
/// request returned to the applicant.
pub(super) fn procedure_step(exported: &ExportedEvent<'_>, branch: &Branch) -> Record {
    let matter = MatterFacts::of(exported.catalogue, branch);
    let resumed = matches!(exported.event, Event::BranchResumed { .. });
    let Some(pause) = pause_of(branch, exported.at, resumed) else {
        return step(exported, branch);
    };
    let ended = pause.ended_at.filter(|_| resumed);
    let requester = pause.requested_by.clerk_id.as_str();
    let name = special_procedure_name(pause.kind);
    let mut fields = head(exported, branch, &matter)
        .text("环节处理人", requester, 30)
        .time("环节开始时间", pause.started_at, exported.zone)
        .time(
            "环节结束时间",
            ended.unwrap_or(pause.started_at),
            exported.zone,
        )
        .text(
            "环节办理状态代码",
            if ended.is_some() { DONE } else { WAITING },
            1,
        );
    if pause.kind == PauseKind::Supplement {
        fields = fields
            .text("业务动作", if resumed { "其他" } else { "退回" }, 20)
            .text(
                "环节名称",
                if resumed {
                    "补正受理"
                } else {
                    "补正告知"
                },
                100,
            )
            .text("环节处理意见", &pause.reason, 1000);
    } else {
        fields = fields
            .text("业务动作", "其他", 20)
            .text("环节名称", &format!("特别程序（{name}）"), 100)
            .text("特别程序种类名称", name, 100)
            .text("特别程序种类代码", OTHER_PROCEDURE, 1)
            .time("特别程序开始时间", pause.started_at, exported.zone)
            .long_text("特别程序启动理由或依据", &pause.reason)
            .text("申请人", requester, 30);
        if let Some(end) = ended {
            fields = fields
                .time("特别程序结束时间", end, exported.zone)
                .long_text(
                    "特别程序结果",
                    &format!(
                        "{name}结束，历时 {} 个工作日，不计入办理时限",
                        pause.counted_days
                    ),
                );
        }
    }
    let fields = fields
        .text("办理单位名称", &matter.department, 100)
        .text("办理人", requester, 30);
    record(fields)
}

/// The step a supervisor's decision on an extension recorded (A.7 code 1, 延长审批).
pub(super) fn extension_step(
    exported: &ExportedEvent<'_>,
    branch: &Branch,
    extension: &Extension,
) -> Record {
    let matter = MatterFacts::of(exported.catalogue, branch);
    let decision = extension.decision.as_ref();
    let decided_at = decision.map_or(exported.at, |d| d.decided_at);
    let supervisor = decision.map_or("", |d| d.supervisor_id.as_str());
    let note = decision.map_or("", |d| d.note.as_str());
    let result = if decision.is_some_and(|d| d.approved) {
        format!("同意延长 {} 个工作日", extension.days)
    } else {
        "不同意延长".to_owned()
    };
    let fields = head(exported, branch, &matter)
        .text("业务动作", "其他", 20)
        .text("环节名称", EXTENSION_PROCEDURE_NAME, 100)
        .text("环节处理人", supervisor, 30)
        .text("环节处理意见", note, 1000)
        .time("环节开始时间", extension.requested_at, exported.zone)
        .time("环节结束时间", decided_at, exported.zone)
        .text("环节办理状态代码", DONE, 1)
        .text("特别程序种类名称", EXTENSION_PROCEDURE_NAME, 100)
        .text("特别程序种类代码", EXTENSION_PROCEDURE, 1)
        .time("特别程序开始时间", extension.requested_at, exported.zone)
        .long_text("特别程序启动理由或依据", &extension.reason)
        .text("申请人", &extension.requested_by.clerk_id, 30)
        .time("特别程序结束时间", decided_at, exported.zone)
        .long_text("特别程序结果", &result)
        .long_text("特别程序办理意见", note)
        .text("办理单位名称", &matter.department, 100)
        .text("办理人", supervisor, 30);
    record(fields)
}

/// What an outcome says, for 环节处理意见 and 办件结果描述.
pub(super) fn outcome_words(outcome: &Outcome) -> String {
    let state = match outcome.state {
        BranchState::Approved => "准予许可",
        BranchState::Rejected => "不予许可",
        BranchState::Consented => "同意",
        BranchState::Objected => "不同意",
        BranchState::DeemedConsent => "逾期视为同意",
        BranchState::Cancelled => "已取消",
        _ => "办理中",
    };
    let detail = [
        outcome.result_reference.as_str(),
        outcome.reason.as_str(),
        outcome.rule.as_str(),
    ]
    .into_iter()
    .filter(|text| !text.is_empty())
    .collect::<Vec<_>>()
    .join("；");
    if detail.is_empty() {
        state.to_owned()
    } else {
        format!("{state}：{detail}")
    }
}

/// The fields every step starts with.
fn head(exported: &ExportedEvent<'_>, branch: &Branch, matter: &MatterFacts) -> Fields {
    Fields::default()
        .text("办件编号", &case_number(exported.application, branch), 50)
        .text("处理单位名称", &matter.department, 100)
}

/// 业务动作 of a final state.
fn action(state: BranchState) -> &'static str {
    match state {
        BranchState::Approved | BranchState::Consented | BranchState::DeemedConsent => "通过",
        BranchState::Rejected | BranchState::Objected => "退回",
        _ => "其他",
    }
}

/// 环节名称 of a branch's own step.
fn step_name(branch: &Branch, matter: &MatterFacts) -> String {
    match branch.role {
        Role::Approval => format!("{}审批", matter.department),
        Role::JointReview => format!("{}联审意见", matter.department),
    }
}

/// The pause a pause or resume event at `at` recorded: the one that started (or ended) nearest to
/// it. The event and the pause carry the same instant, the trail's cut to microseconds.
fn pause_of(branch: &Branch, at: DateTime<Utc>, resumed: bool) -> Option<&Pause> {
    branch
        .pauses
        .iter()
        .filter_map(|pause| {
            let when = if resumed {
                pause.ended_at?
            } else {
                pause.started_at
            };
            Some((
                pause,
                (when - at).num_microseconds().unwrap_or(i64::MAX).abs(),
            ))
        })
        .min_by_key(|(_, distance)| *distance)
        .map(|(pause, _)| pause)
}

fn record(fields: Fields) -> Record {
    Record {
        dataset: "事项办理",
        table: "表7",
        json: fields.done(),
    }
}
