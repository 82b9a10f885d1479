//! The national format, GB/T 39046-2020: which event yields which records of 表5 办事申请, 表6 事项
//! 受理, 表7 事项办理 (in `national_steps`), 表8 事项办结, 表9 政务服务绩效评价 and 表11 电子监察.
//!
//! A matter of a bundle is one 办件 for the national platform, so most events yield one record per
//! branch (the branches of an application are fixed at submission, which keeps the count of an
//! event's records stable):
//!
//! | event | records |
//! | --- | --- |
//! | submitted | 表5 per branch, with the materials received by then |
//! | accepted | 表6 per branch |
//! | branch started, decided, cancelled, paused, resumed; extension decided | 表7 of that branch |
//! | deemed consent (deadline or absence) | 表7 and 表11 of that branch |
//! | escalated (red), unstaffed | 表11 of that branch |
//! | rated | 表9 per branch |
//! | dispatched, withdrawn | 表8 per branch |
//!
//! Other events (claims, assignments, notices, deadline moves…) yield nothing. The applicant's
//! name, ID type and number and phone appear in 表5 only, and the rater's name in 表9: what the
//! standard requires of an exchange, and only the exchange role reads this export.

use lianban_orchestrator::Event;
use lianban_orchestrator::application::{Branch, HandOverMethod, RatingStage};
use lianban_orchestrator::machine::BranchState;

use super::format::{ExchangeFormat, ExportedEvent, Record};
use super::national_steps::{extension_step, outcome_words, procedure_step, step};
use super::national_words::{
    Fields, MatterFacts, case_kind, case_number, id_type_code, receipt_way, source_code,
    warning_type,
};

/// GB/T 39046-2020's datasets.
pub struct NationalFormat {
    region_code: String,
}

impl NationalFormat {
    /// The name `[exchange] format` gives it.
    pub const NAME: &'static str = crate::exchange_settings::NATIONAL_FORMAT;

    /// For a centre in `region_code` (行政区划).
    pub fn new(region_code: &str) -> Self {
        NationalFormat {
            region_code: region_code.to_owned(),
        }
    }
}

impl ExchangeFormat for NationalFormat {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn records(&self, exported: &ExportedEvent<'_>) -> Vec<Record> {
        let every_branch = |build: &dyn Fn(&Branch) -> Record| {
            exported.application.branches.iter().map(build).collect()
        };
        let region = self.region_code.as_str();
        let branch = exported
            .event
            .branch_id()
            .and_then(|id| exported.application.branch(id));
        match (exported.event, branch) {
            (Event::Submitted, _) => every_branch(&|b| application(exported, b, region)),
            (Event::Accepted { .. }, _) => every_branch(&|b| acceptance(exported, b, region)),
            (Event::Dispatched | Event::Withdrawn { .. }, _) => {
                every_branch(&|b| completion(exported, b, region))
            }
            (Event::Rated { stage, .. }, _) => {
                every_branch(&|b| rating(exported, b, *stage, region))
            }
            (
                Event::BranchDeemedConsent { rule, .. }
                | Event::BranchDeemedConsentByAbsence { rule, .. },
                Some(b),
            ) => vec![
                step(exported, b),
                supervision(
                    exported,
                    b,
                    warning_type::DEEMED_CONSENT,
                    "YQSTY",
                    &format!("联审部门逾期未反馈意见，视为同意（{rule}）"),
                ),
            ],
            (Event::BranchEscalated { .. }, Some(b)) => vec![supervision(
                exported,
                b,
                warning_type::OVERDUE,
                "CQDB",
                "审批超过办理期限，红牌督办",
            )],
            (Event::BranchUnstaffed { post, .. }, Some(b)) => vec![supervision(
                exported,
                b,
                warning_type::UNSTAFFED,
                "WRZG",
                &format!("岗位 {post} 无人在岗，转督查处理"),
            )],
            (
                Event::BranchStarted { .. }
                | Event::BranchDecided { .. }
                | Event::BranchCancelled { .. },
                Some(b),
            ) => vec![step(exported, b)],
            (Event::BranchPaused { .. } | Event::BranchResumed { .. }, Some(b)) => {
                vec![procedure_step(exported, b)]
            }
            (Event::ExtensionDecided { number, .. }, Some(b)) => {
                match b.extensions.iter().find(|e| e.number == *number) {
                    Some(extension) => vec![extension_step(exported, b, extension)],
                    None => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }
}

/// 表5 办事申请 of one branch.
fn application(exported: &ExportedEvent<'_>, branch: &Branch, region: &str) -> Record {
    let app = exported.application;
    let matter = MatterFacts::of(exported.catalogue, branch);
    let (kind, kind_code) = case_kind(branch);
    let materials = branch
        .material_codes
        .iter()
        .map(|code| {
            let name = exported
                .catalogue
                .material(code)
                .map_or(code.as_str(), |m| m.name.as_str());
            let received = app
                .materials
                .get(code)
                .filter(|material| material.received_at <= exported.at);
            let fields = Fields::default().text("材料名称", name, 200).text(
                "是否收取",
                if received.is_some() { "1" } else { "0" },
                1,
            );
            match received {
                Some(material) => fields
                    .text("收取方式", receipt_way(material.channel), 20)
                    .text("收取数量", "1", 2)
                    .time("收取时间", material.received_at, exported.zone),
                None => fields,
            }
        })
        .collect();
    let record = Fields::default()
        .text("办件编号", &case_number(app, branch), 50)
        .text("实施编码", &matter.codes.implementation_code, 24)
        .text("事项名称", &matter.name, 200)
        .text("办件类型", kind, 20)
        .text("办件类型代码", kind_code, 1)
        .text("申请者名称", &app.applicant.name, 100)
        .text("申请者证件类型代码", id_type_code(app.applicant.kind), 3)
        .text("申请者证件号码", &app.applicant.id_number, 18)
        .text("联系人手机号码", &app.applicant.phone, 18)
        .text("申报来源代码", source_code(app.channel), 1)
        .time("申请时间", app.submitted_at, exported.zone)
        .text("行政区划", region, 9)
        .list("材料", materials);
    Record {
        dataset: "办事申请",
        table: "表5",
        json: record.done(),
    }
}

/// 表6 事项受理 of one branch.
fn acceptance(exported: &ExportedEvent<'_>, branch: &Branch, region: &str) -> Record {
    let app = exported.application;
    let matter = MatterFacts::of(exported.catalogue, branch);
    let (kind, kind_code) = case_kind(branch);
    let mut record = Fields::default()
        .text("办件编号", &case_number(app, branch), 50)
        .text("基本编码", &matter.codes.basic_code, 10)
        .text("实施编码", &matter.codes.implementation_code, 24)
        .text("事项名称", &matter.name, 200)
        .text("受理单位名称", &matter.department, 100)
        .text("受理人员", &app.front_desk_clerk, 30)
        .time(
            "受理时间",
            app.accepted_at.unwrap_or(exported.at),
            exported.zone,
        )
        .text(
            "受理文书编号",
            app.receipt_number.as_deref().unwrap_or_default(),
            30,
        );
    if let Some(due) = app.due {
        record = record.time("承诺办结时间", due.at, exported.zone);
    }
    let record = record
        .text("办件类型", kind, 20)
        .text("办件类型代码", kind_code, 1)
        .text("行政区划", region, 9);
    Record {
        dataset: "事项受理",
        table: "表6",
        json: record.done(),
    }
}

/// 表8 事项办结 of one branch: at the hand-over, or at the withdrawal.
fn completion(exported: &ExportedEvent<'_>, branch: &Branch, region: &str) -> Record {
    let app = exported.application;
    let matter = MatterFacts::of(exported.catalogue, branch);
    let outcome = branch.outcome.as_ref();
    let handler = outcome
        .and_then(|o| o.decided_by.as_ref())
        .map_or("系统", |d| d.clerk_id.as_str());
    let approved = outcome.is_some_and(|o| o.state == BranchState::Approved);
    let description = match (exported.event, outcome) {
        (Event::Withdrawn { reason }, _) => format!("申请人撤回申请：{reason}"),
        (_, Some(o)) => outcome_words(o),
        (_, None) => "未办理".to_owned(),
    };
    let posted = matches!(exported.event, Event::Dispatched)
        && app
            .hand_over
            .as_ref()
            .is_some_and(|h| h.method == HandOverMethod::Post);
    let mut record = Fields::default()
        .text("办件编号", &case_number(app, branch), 50)
        .text("办理人姓名", handler, 30)
        .time("办结时间", exported.at, exported.zone);
    if approved {
        record = record
            .text("结果证照名称", &matter.name, 200)
            .text(
                "结果证照编号",
                outcome.map_or("", |o| o.result_reference.as_str()),
                50,
            )
            .text("发证/盖章单位", &matter.department, 100);
    }
    let record = record
        .text("办件结果描述", &description, 1000)
        .text("行政区划", region, 9)
        .text("是否快递寄送结果", if posted { "1" } else { "0" }, 1)
        .text("是否收费", if matter.charged { "1" } else { "0" }, 1);
    Record {
        dataset: "事项办结",
        table: "表8",
        json: record.done(),
    }
}

/// 表9 政务服务绩效评价 of one branch: the rating the event recorded.
fn rating(
    exported: &ExportedEvent<'_>,
    branch: &Branch,
    stage: RatingStage,
    region: &str,
) -> Record {
    let app = exported.application;
    let position = app.ratings.iter().position(|r| r.stage == stage);
    let rated = position.map(|index| &app.ratings[index]);
    // A real-name rater may be someone the applicant sent; otherwise the applicant rated.
    let rater = rated
        .and_then(|r| r.rater.as_ref())
        .map_or(app.applicant.name.as_str(), |rater| rater.name.as_str());
    let mut record = Fields::default()
        .text("办件编号", &case_number(app, branch), 50)
        .text("评价人", rater, 30)
        .time("评价时间", exported.at, exported.zone)
        .number("评价次数", position.map_or(1, |index| index as u64 + 1))
        .text("行政区划", region, 9);
    if let Some(r) = rated {
        record = record
            .text("评价渠道", r.channel.name_zh(), 50)
            .text("满意度", r.satisfaction.name_zh(), 20)
            .text("满意度代码", &r.satisfaction.code().to_string(), 1)
            .long_text("文字评价", &r.comment);
    }
    Record {
        dataset: "政务服务绩效评价",
        table: "表9",
        json: record.done(),
    }
}

/// 表11 电子监察 of one branch.
fn supervision(
    exported: &ExportedEvent<'_>,
    branch: &Branch,
    warning: &str,
    rule: &str,
    content: &str,
) -> Record {
    let matter = MatterFacts::of(exported.catalogue, branch);
    let record = Fields::default()
        .text("办件编号", &case_number(exported.application, branch), 50)
        .text("督办内容", &format!("{}：{content}", matter.name), 1000)
        .text("机构名称", &matter.department, 100)
        .text("事项类型代码", &matter.codes.matter_type, 2)
        .time("督办发出时间", exported.at, exported.zone)
        .text("监察编号", &format!("JC{:018}", exported.id), 20)
        .text("监察规则编号", rule, 20)
        .text("监察预警类型代码", warning, 1)
        .time("状态产生时间", exported.at, exported.zone)
        .text("监察结果描述", content, 1000)
        .text("责任部门", &matter.department, 100);
    Record {
        dataset: "电子监察",
        table: "表11",
        json: record.done(),
    }
}
