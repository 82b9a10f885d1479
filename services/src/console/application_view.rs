//! How an application reads on its page: its facts (applicant as returned, so masked where the
//! person may not see it), the form, the materials received and the one-time notices of what was
//! missing, and every branch the person may see with its deadline, colour, remaining working
//! days, pauses, extensions, deadline moves and hand-overs, and the ratings with their level
//! named and in stars; the department's own branches carry the clerk's forms. Also the list of applications of 办件查询.

use chrono_tz::Tz;
use lianban_proto::v1 as pb;
use maud::{Markup, html};

use super::person::Person;
use super::queue_forms;
use super::words;

/// The application's facts.
pub fn facts(application: &pb::Application, zone: Tz) -> Markup {
    let applicant = application.applicant.clone().unwrap_or_default();
    let due = application.due.as_ref();
    let (colour, colour_words) = words::colour(due.map_or(0, |d| d.colour));
    html! {
        dl.facts {
            dt { "受理编号" } dd #receipt { (dash(&application.receipt_number)) }
            dt { "一件事" } dd { (application.bundle_name) small { " " (application.bundle_code) } }
            dt { "状态" } dd #application-state { (words::application_state(application.state)) }
            dt { "申请人" } dd { (applicant.name) small { " " (applicant_kind(applicant.kind)) } }
            dt { "证件号码" } dd { (dash(&applicant.id_number)) }
            dt { "联系电话" } dd { (dash(&applicant.phone)) }
            dt { "受理渠道" } dd { (channel(application.channel)) }
            dt { "首问责任人" } dd { (dash(&application.front_desk_clerk)) }
            @if !application.key_project_code.is_empty() {
                dt { "重点项目" } dd { (application.key_project_code) }
            }
            dt { "提交时间" } dd { (words::moment(application.submitted_at.as_ref(), zone)) }
            dt { "受理时间" } dd { (words::moment(application.accepted_at.as_ref(), zone)) }
            dt { "整体期限" } dd {
                (words::date(due.and_then(|d| d.at.as_ref()), zone))
                @if let Some(due) = due { " · 剩余 " (due.remaining_working_days) " 个工作日 " }
                span class=(format!("badge {colour}")) { (colour_words) }
            }
            @if application.ready_at.is_some() {
                dt { "办结时间" } dd { (words::moment(application.ready_at.as_ref(), zone)) }
            }
            @if application.withdrawn_at.is_some() {
                dt { "撤回" } dd { (words::moment(application.withdrawn_at.as_ref(), zone)) "：" (application.withdrawal_reason) }
            }
            dt { "到场次数" } dd #visits { (application.visits) }
            @if let Some(hand_over) = &application.hand_over {
                dt { "统一出件" } dd {
                    (words::moment(hand_over.handed_at.as_ref(), zone)) " · " (hand_over.handed_by)
                    " → " (hand_over.recipient)
                }
            }
            @for rating in &application.ratings {
                dt { (rating_stage(rating.stage)) "评价" }
                dd.rating {
                    (rating.satisfaction_name) "（" (rating.score) " 星）"
                    @if rating.negative { " " span.badge.red { "差评" } }
                    " · " (rating.channel_name)
                    @if !rating.clerk_id.is_empty() { " · 评价对象 " (rating.clerk_id) }
                    @if let Some(rater) = &rating.rater { " · 评价人 " (dash(&rater.name)) " " (rater.phone) }
                    @if !rating.indicators.is_empty() {
                        br; small { (indicators(&rating.indicators)) }
                    }
                    @if !rating.comment.is_empty() { br; "“" (rating.comment) "”" }
                }
            }
        }
    }
}

/// The form's entries as (label, value): in the bundle's order under its labels, then any key
/// the bundle does not name, by key.
fn labelled_form<'a>(
    application: &'a pb::Application,
    bundle: Option<&'a pb::Bundle>,
) -> Vec<(&'a str, &'a str)> {
    let fields = bundle.map(|b| b.form_fields.as_slice()).unwrap_or_default();
    let mut entries: Vec<(&str, &str)> = fields
        .iter()
        .filter_map(|field| {
            let value = application.form.get(&field.key)?;
            Some((field.label.as_str(), value.as_str()))
        })
        .collect();
    let mut rest: Vec<_> = application
        .form
        .iter()
        .filter(|(key, _)| !fields.iter().any(|field| &field.key == *key))
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    rest.sort();
    entries.extend(rest);
    entries
}

/// The name the bundle gives a material, or its code.
fn material_name<'a>(bundle: Option<&'a pb::Bundle>, code: &'a str) -> &'a str {
    bundle
        .and_then(|b| b.materials.iter().find(|m| m.code == code))
        .map_or(code, |m| m.name.as_str())
}

/// The form, the materials received and the one-time notices, named as the bundle names them.
pub fn form_and_materials(
    application: &pb::Application,
    bundle: Option<&pb::Bundle>,
    zone: Tz,
) -> Markup {
    let form = labelled_form(application, bundle);
    html! {
        h2 { "申请表" }
        @if form.is_empty() { p { "（无可查看的表单内容）" } } @else {
            dl.facts { @for (label, value) in form { dt { (label) } dd { (value) } } }
        }
        h2 { "已收材料" }
        @if application.materials.is_empty() { p { "尚未收到材料。" } } @else {
            table.materials {
                caption.visually-hidden { "已收材料" }
                thead { tr { th scope="col" { "材料" } th scope="col" { "文档" } th scope="col" { "收到时间" } th scope="col" { "渠道" } } }
                tbody {
                    @for material in &application.materials {
                        tr data-material=(material.material_code) {
                            th scope="row" {
                                (material_name(bundle, &material.material_code))
                                small { " " (material.material_code) }
                            }
                            td { (material.document_ref) }
                            td { (words::moment(material.received_at.as_ref(), zone)) }
                            td { (channel(material.channel)) }
                        }
                    }
                }
            }
        }
        @if !application.notices.is_empty() {
            h2 { "一次性告知" }
            @for notice in &application.notices {
                section.notice data-notice=(notice.number) {
                    h3 { "第 " (notice.number) " 次告知 · " (words::moment(notice.issued_at.as_ref(), zone)) }
                    ul {
                        @for missing in &notice.missing {
                            li data-missing=(missing.material_code) {
                                (missing.material_name) small { " " (missing.material_code) }
                                @if !missing.description.is_empty() { "：" (missing.description) }
                                small { " 需要此材料的部门：" (missing.department_codes.join("、")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Every branch the person may see, with its history and (for the department's own) its forms.
pub fn branches(person: &Person, application: &pb::Application, zone: Tz, back: &str) -> Markup {
    html! {
        h2 { "各部门事项" }
        @if application.branches.is_empty() { p { "没有可查看的部门事项。" } } @else {
            table.branches {
                caption.visually-hidden { "各部门事项的期限与状态" }
                thead {
                    tr {
                        th scope="col" { "事项" }
                        th scope="col" { "部门" }
                        th scope="col" { "状态" }
                        th scope="col" { "开始" }
                        th scope="col" { "期限" }
                        th scope="col" { "剩余工作日" }
                        th scope="col" { "预警" }
                        th scope="col" { "承办" }
                        th scope="col" { "结果与经过" }
                    }
                }
                tbody {
                    @for branch in &application.branches { (branch_row(person, branch, zone, back)) }
                }
            }
        }
    }
}

fn branch_row(person: &Person, branch: &pb::Branch, zone: Tz, back: &str) -> Markup {
    let (state, state_words) = words::branch_state(branch.state);
    let deadline = branch.deadline.as_ref();
    let (colour, colour_words) = words::colour(deadline.map_or(0, |d| d.colour));
    html! {
        tr data-branch=(branch.id) data-colour=(colour) data-state=(state) {
            th scope="row" { (branch.matter_name) small { " " (branch.matter_code) } }
            td { (branch.department_code) }
            td.state { (state_words) }
            td.started { (words::date(branch.started_at.as_ref(), zone)) }
            td.deadline {
                (words::date(deadline.and_then(|d| d.at.as_ref()), zone))
                @if deadline.is_some_and(|d| d.provisional) { " " abbr title="期限跨入尚未公布节假日安排的年份，届时重算" { "暂定" } }
            }
            td.remaining { (deadline.map(|d| d.remaining_working_days.to_string()).unwrap_or_else(|| "—".into())) }
            td { span class=(format!("badge {colour}")) { (colour_words) } }
            td.claimed-by {
                (dash(&branch.claimed_by))
                @if !branch.assignee.is_empty() && branch.assignee != branch.claimed_by { small { " 分派给 " (branch.assignee) } }
            }
            td {
                (outcome(branch, zone))
                (history(branch, zone))
                (queue_forms::actions(person, branch, back))
            }
        }
    }
}

fn outcome(branch: &pb::Branch, zone: Tz) -> Markup {
    let Some(outcome) = &branch.outcome else {
        return html! {};
    };
    let by = match &outcome.decided_by {
        Some(d) if !outcome.decided_by_system => format!("{}/{}", d.department_code, d.clerk_id),
        _ => "系统".to_owned(),
    };
    html! {
        p.outcome {
            (words::branch_state(outcome.state).1)
            @if !outcome.result_reference.is_empty() { " · " (outcome.result_reference) }
            @if !outcome.reason.is_empty() { "：" (outcome.reason) }
            small { " " (by) " · " (words::moment(outcome.decided_at.as_ref(), zone)) }
            @if !outcome.rule.is_empty() { small { " 规则：" (outcome.rule) } }
        }
    }
}

/// Pauses, extension requests, deadline moves and hand-overs, oldest first.
fn history(branch: &pb::Branch, zone: Tz) -> Markup {
    if branch.pauses.is_empty()
        && branch.extensions.is_empty()
        && branch.deadline_moves.is_empty()
        && branch.handovers.is_empty()
    {
        return html! {};
    }
    html! {
        ul.history {
            @for pause in &branch.pauses {
                li.pause {
                    (words::pause_kind(pause.kind)) " " (words::moment(pause.started_at.as_ref(), zone))
                    @if pause.ended_at.is_some() { " 至 " (words::moment(pause.ended_at.as_ref(), zone)) "，顺延 " (pause.counted_days) " 个工作日" } @else { "（计时暂停中）" }
                    "：" (pause.reason)
                    @if pause.expected_days > 0 { small { " 预计 " (pause.expected_days) " 个工作日" } }
                    @if !pause.material_codes.is_empty() { small { " 材料：" (pause.material_codes.join("、")) } }
                }
            }
            @for extension in &branch.extensions {
                li.extension data-extension-number=(extension.number) {
                    "延期申请 " (extension.days) " 个工作日（" (words::moment(extension.requested_at.as_ref(), zone)) "）：" (extension.reason)
                    " — " (extension_answer(extension))
                }
            }
            @for moved in &branch.deadline_moves {
                li.moved {
                    "期限由 " (words::date(moved.from.as_ref(), zone)) " 调整为 " (words::date(moved.to.as_ref(), zone))
                    "（" (moved.reason) "）"
                }
            }
            @for handover in &branch.handovers {
                li.handover {
                    "转办 " (words::moment(handover.at.as_ref(), zone)) "：" (dash(&handover.from)) " → " (dash(&handover.to)) "，" (handover.reason)
                }
            }
        }
    }
}

fn extension_answer(extension: &pb::ExtensionView) -> String {
    match (extension.decided, extension.approved) {
        (false, _) => "待督查审批".to_owned(),
        (true, true) => format!("已批准（{}）{}", extension.supervisor_id, extension.note),
        (true, false) => format!("未批准（{}）{}", extension.supervisor_id, extension.note),
    }
}

/// The list of applications of 办件查询.
pub fn list(applications: &[pb::Application], zone: Tz) -> Markup {
    html! {
        @if applications.is_empty() { p { "没有办件。" } } @else {
            table.list {
                caption { "办件" }
                thead {
                    tr {
                        th scope="col" { "受理编号" }
                        th scope="col" { "一件事" }
                        th scope="col" { "申请人" }
                        th scope="col" { "状态" }
                        th scope="col" { "提交时间" }
                        th scope="col" { "整体期限" }
                    }
                }
                tbody {
                    @for application in applications {
                        @let (colour, colour_words) = words::colour(application.due.as_ref().map_or(0, |d| d.colour));
                        tr data-application=(application.id) data-colour=(colour) {
                            th scope="row" {
                                a href=(format!("/applications/{}", application.id)) {
                                    (if application.receipt_number.is_empty() { "（未受理）" } else { application.receipt_number.as_str() })
                                }
                            }
                            td { (application.bundle_name) }
                            td { (application.applicant.as_ref().map(|a| a.name.as_str()).unwrap_or("")) }
                            td { (words::application_state(application.state)) }
                            td { (words::moment(application.submitted_at.as_ref(), zone)) }
                            td {
                                (words::date(application.due.as_ref().and_then(|d| d.at.as_ref()), zone)) " "
                                span class=(format!("badge {colour}")) { (colour_words) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn dash(text: &str) -> &str {
    if text.is_empty() { "—" } else { text }
}

fn applicant_kind(kind: i32) -> &'static str {
    match pb::ApplicantKind::try_from(kind).unwrap_or(pb::ApplicantKind::Unspecified) {
        pb::ApplicantKind::Organisation => "单位",
        pb::ApplicantKind::NaturalPerson => "个人",
        pb::ApplicantKind::Unspecified => "",
    }
}

fn channel(channel: i32) -> &'static str {
    match pb::Channel::try_from(channel).unwrap_or(pb::Channel::Unspecified) {
        pb::Channel::OnSite => "窗口",
        pb::Channel::Online => "网上",
        pb::Channel::Post => "邮寄",
        pb::Channel::Unspecified => "—",
    }
}

/// The indicators rated, each with its level: 服务态度 满意 · 服务效率 不满意.
fn indicators(rated: &[pb::IndicatorRating]) -> String {
    rated
        .iter()
        .map(|r| {
            let level = pb::Satisfaction::try_from(r.satisfaction)
                .map_or("—", |l| words::satisfaction(l));
            format!("{} {level}", words::indicator(r.indicator))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn rating_stage(stage: i32) -> &'static str {
    match pb::RatingStage::try_from(stage).unwrap_or(pb::RatingStage::Unspecified) {
        pb::RatingStage::Acceptance => "受理",
        pb::RatingStage::Dispatch => "出件",
        pb::RatingStage::Unspecified => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_shows_its_level_by_name_and_in_stars_with_the_clerk_and_the_masked_rater() {
        let application = pb::Application {
            ratings: vec![pb::RatingView {
                stage: pb::RatingStage::Acceptance as i32,
                score: 2,
                satisfaction: pb::Satisfaction::Dissatisfied as i32,
                satisfaction_name: "不满意".into(),
                channel_name: "政务大厅平板电脑".into(),
                indicators: vec![pb::IndicatorRating {
                    indicator: pb::RatingIndicator::ServiceAttitude as i32,
                    satisfaction: pb::Satisfaction::VeryDissatisfied as i32,
                }],
                clerk_id: "desk-01".into(),
                rater: Some(pb::Rater {
                    name: "王**".into(),
                    phone: "138****8000".into(),
                }),
                negative: true,
                comment: "排队太久".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let page = facts(&application, chrono_tz::Asia::Shanghai).into_string();
        for shown in [
            "受理评价",
            "不满意（2 星）",
            "差评",
            "政务大厅平板电脑",
            "评价对象 desk-01",
            "评价人 王** 138****8000",
            "服务态度 非常不满意",
            "排队太久",
        ] {
            assert!(page.contains(shown), "{shown:?} missing from {page}");
        }
    }
}
