//! The sections of 督查台 that only read: the filter form, the warned and unstaffed branches, the
//! deemed consents by department and the day's digest. Every row links to its application.

use chrono::NaiveDate;
use chrono_tz::Tz;
use lianban_proto::v1 as pb;
use maud::{Markup, html};

use super::catalog::{self, Names};
use super::filters::Filters;
use super::words;

/// What the desk's sections share.
pub struct Desk<'a> {
    /// The filters of the page.
    pub filters: &'a Filters,
    /// Department names by code.
    pub departments: Names,
    /// Bundle names by code.
    pub bundles: Names,
    /// The centre's zone.
    pub zone: Tz,
    /// The day the digest and the deemed consents are of.
    pub day: NaiveDate,
}

impl Desk<'_> {
    /// The filter form: a GET, so the filtered desk has its own address.
    pub fn filter_form(&self) -> Markup {
        let colours = [("", "黄牌和红牌"), ("yellow", "黄牌"), ("red", "红牌")];
        html! {
            form.filters method="get" action="/supervision" aria-label="筛选" {
                p {
                    label for="f-department" { "部门" }
                    select #f-department name="department" {
                        option value="" { "全部部门" }
                        @for (code, name) in &self.departments {
                            option value=(code) selected[self.filters.department.trim() == code] { (name) }
                        }
                    }
                }
                p {
                    label for="f-bundle" { "一件事" }
                    select #f-bundle name="bundle" {
                        option value="" { "全部" }
                        @for (code, name) in &self.bundles {
                            option value=(code) selected[self.filters.bundle.trim() == code] { (name) }
                        }
                    }
                }
                p {
                    label for="f-colour" { "预警" }
                    select #f-colour name="colour" {
                        @for (value, name) in colours {
                            option value=(value) selected[self.filters.colour.trim() == value] { (name) }
                        }
                    }
                }
                p {
                    label for="f-day" { "日期" }
                    input #f-day type="date" name="day" value=(self.day);
                }
                p { button type="submit" { "筛选" } " " a href="/supervision" { "清除筛选" } }
            }
        }
    }

    fn department(&self, code: &str) -> String {
        catalog::name(&self.departments, code).to_owned()
    }

    /// The warned branches by colour, and those nobody of their post can take.
    pub fn warnings(&self, tasks: &[pb::Task]) -> Markup {
        let unstaffed: Vec<&pb::Task> = tasks
            .iter()
            .filter(|t| branch(t).is_some_and(|b| b.unstaffed_since.is_some()))
            .collect();
        let colour_of = |t: &pb::Task| {
            branch(t)
                .and_then(|b| b.deadline.as_ref())
                .map_or(0, |d| d.colour)
        };
        let red: Vec<&pb::Task> = tasks
            .iter()
            .filter(|t| colour_of(t) == pb::WarningColour::Red as i32)
            .collect();
        let yellow: Vec<&pb::Task> = tasks
            .iter()
            .filter(|t| colour_of(t) == pb::WarningColour::Yellow as i32)
            .collect();
        html! {
            section aria-labelledby="h-warnings" {
                h2 #h-warnings { "预警（红牌 " (red.len()) "，黄牌 " (yellow.len()) "）" }
                @if red.is_empty() && yellow.is_empty() {
                    p { "没有符合筛选条件的黄牌或红牌事项。" }
                }
                @if !red.is_empty() { (self.task_table("红牌：已超期", &red, false)) }
                @if !yellow.is_empty() { (self.task_table("黄牌：临近期限", &yellow, false)) }
            }
            section aria-labelledby="h-unstaffed" {
                h2 #h-unstaffed { "无人承办（" (unstaffed.len()) "）" }
                @if unstaffed.is_empty() {
                    p { "没有无人承办的事项。" }
                } @else {
                    (self.task_table("本岗位无人可办、已升级督办的事项", &unstaffed, true))
                }
            }
        }
    }

    fn task_table(&self, caption: &str, tasks: &[&pb::Task], unstaffed: bool) -> Markup {
        html! {
            table.list {
                caption { (caption) }
                thead {
                    tr {
                        th scope="col" { "受理编号" }
                        th scope="col" { "一件事" }
                        th scope="col" { "事项" }
                        th scope="col" { "部门" }
                        th scope="col" { "状态" }
                        th scope="col" { "期限" }
                        th scope="col" { "剩余工作日" }
                        th scope="col" { "预警" }
                        @if unstaffed { th scope="col" { "岗位" } th scope="col" { "无人承办自" } }
                        @else { th scope="col" { "承办人" } th scope="col" { "升级督办" } }
                    }
                }
                tbody {
                    @for task in tasks {
                        @if let Some(branch) = branch(task) {
                            (self.task_row(task, branch, unstaffed))
                        }
                    }
                }
            }
        }
    }

    fn task_row(&self, task: &pb::Task, branch: &pb::Branch, unstaffed: bool) -> Markup {
        let deadline = branch.deadline.as_ref();
        let (colour, colour_words) = words::colour(deadline.map_or(0, |d| d.colour));
        let (state, state_words) = words::branch_state(branch.state);
        let holder = if branch.claimed_by.is_empty() {
            &branch.assignee
        } else {
            &branch.claimed_by
        };
        html! {
            tr data-branch=(branch.id) data-colour=(colour) data-state=(state) {
                th scope="row" { a href=(format!("/applications/{}", branch.application_id)) { (task.receipt_number) } }
                td { (catalog::name(&self.bundles, &task.bundle_code)) }
                td { (branch.matter_name) }
                td { (self.department(&branch.department_code)) }
                td { (state_words) }
                td.deadline { (words::date(deadline.and_then(|d| d.at.as_ref()), self.zone)) }
                td.remaining { (deadline.map(|d| d.remaining_working_days.to_string()).unwrap_or_else(|| "—".into())) }
                td { span class=(format!("badge {colour}")) { (colour_words) } }
                @if unstaffed {
                    td { (if branch.post.is_empty() { "—" } else { &branch.post }) }
                    td { (words::moment(branch.unstaffed_since.as_ref(), self.zone)) }
                } @else {
                    td { (if holder.is_empty() { "未认领" } else { holder }) }
                    td { (words::moment(branch.escalated_at.as_ref(), self.zone)) }
                }
            }
        }
    }

    /// Deemed consents of the day and of its month to that day, by department: at the deadline
    /// (the department stayed silent) and for absence from a joint review session.
    pub fn deemed_consents(&self, of_day: &pb::Statistics, of_month: &pb::Statistics) -> Markup {
        let wanted = |code: &str| {
            let department = self.filters.department.trim();
            department.is_empty() || department == code
        };
        let rows: Vec<(&str, [u32; 4])> = of_month
            .departments
            .iter()
            .filter(|m| wanted(&m.department_code))
            .map(|m| {
                let d = of_day
                    .departments
                    .iter()
                    .find(|d| d.department_code == m.department_code);
                let counts = [
                    d.map_or(0, |d| d.deemed_consents),
                    d.map_or(0, |d| d.deemed_consents_by_absence),
                    m.deemed_consents,
                    m.deemed_consents_by_absence,
                ];
                (m.department_code.as_str(), counts)
            })
            .filter(|(_, counts)| counts.iter().any(|c| *c > 0))
            .collect();
        html! {
            section aria-labelledby="h-deemed" {
                h2 #h-deemed { "缺席默认（" (self.day) "，及本月累计）" }
                @if rows.is_empty() {
                    p { "当日与本月至今没有缺席默认。" }
                } @else {
                    table.list #deemed-consents {
                        caption { "按部门：到期未办默认同意、联审会缺席默认同意" }
                        thead {
                            tr {
                                th scope="col" { "部门" }
                                th scope="col" { "当日·到期默认" }
                                th scope="col" { "当日·缺席联审" }
                                th scope="col" { "本月·到期默认" }
                                th scope="col" { "本月·缺席联审" }
                            }
                        }
                        tbody {
                            @for (code, counts) in &rows {
                                tr data-department=(code) {
                                    th scope="row" { (self.department(code)) }
                                    @for count in counts { td.number { (count) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The overdue digest of the day, by department, as written that morning.
    pub fn digest(&self, digest: Option<&pb::Digest>) -> Markup {
        html! {
            section aria-labelledby="h-digest" {
                h2 #h-digest { "每日督办摘要（" (self.day) "）" }
                @match digest {
                    None => p { "该日没有督办摘要（非工作日、尚未到生成时间或尚未到该日）。" },
                    Some(digest) => {
                        p #digest-totals {
                            "生成于 " (words::moment(digest.generated_at.as_ref(), self.zone))
                            "：红牌 " strong { (digest.red_total) } "，黄牌 " strong { (digest.yellow_total) } "。"
                        }
                        @for part in digest.departments.iter().filter(|p| {
                            let department = self.filters.department.trim();
                            department.is_empty() || department == p.department_code
                        }) {
                            (self.digest_department(part))
                        }
                    }
                }
            }
        }
    }

    fn digest_department(&self, part: &pb::DepartmentDigest) -> Markup {
        let items = part.red.iter().chain(&part.yellow);
        html! {
            table.list data-digest-department=(part.department_code) {
                caption { (self.department(&part.department_code)) "：红牌 " (part.red.len()) "，黄牌 " (part.yellow.len()) }
                thead {
                    tr {
                        th scope="col" { "受理编号" }
                        th scope="col" { "事项" }
                        th scope="col" { "期限" }
                        th scope="col" { "剩余工作日" }
                        th scope="col" { "预警" }
                        th scope="col" { "升级督办" }
                    }
                }
                tbody {
                    @for item in items {
                        @let (colour, colour_words) = words::colour(item.colour);
                        tr data-branch=(item.branch_id) data-colour=(colour) {
                            th scope="row" { a href=(format!("/applications/{}", item.application_id)) { (item.receipt_number) } }
                            td { (item.matter_code) }
                            td.deadline { (words::date(item.deadline.as_ref(), self.zone)) }
                            td.remaining { (item.remaining_working_days) }
                            td { span class=(format!("badge {colour}")) { (colour_words) } }
                            td { (words::moment(item.escalated_at.as_ref(), self.zone)) }
                        }
                    }
                }
            }
        }
    }
}

fn branch(task: &pb::Task) -> Option<&pb::Branch> {
    task.branch.as_ref()
}
