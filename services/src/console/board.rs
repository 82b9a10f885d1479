//! One application of a project board: every branch with its start, deadline, remaining working
//! days, colour and what it waits for, and a time line in working days (the centre's calendar,
//! so Spring Festival takes no room) with today marked. Rendered the same for the first page and
//! for each live update, which replaces the application's section.

use chrono::NaiveDate;
use lianban_orchestrator::calendar::Calendar;
use lianban_proto::v1 as pb;
use maud::{Markup, html};

use super::words;

/// An application's section.
pub fn application(
    entry: &pb::ProjectApplication,
    calendar: &Calendar,
    today: NaiveDate,
) -> Markup {
    let Some(application) = &entry.application else {
        return html! {};
    };
    let zone = calendar.zone();
    let axis = Axis::of(application, calendar, today);
    html! {
        section.application data-application=(application.id) aria-labelledby=(format!("h-{}", application.id)) {
            h3 id=(format!("h-{}", application.id)) {
                a href=(format!("/applications/{}", application.id)) {
                    @if application.receipt_number.is_empty() { "办件（未受理）" } @else { "受理编号 " (application.receipt_number) }
                }
                " · " (application.bundle_name)
                " · " span.state { (words::application_state(application.state)) }
            }
            table.branches {
                caption.visually-hidden { (application.bundle_name) " 的各部门事项" }
                thead {
                    tr {
                        th scope="col" { "事项" }
                        th scope="col" { "部门" }
                        th scope="col" { "状态" }
                        th scope="col" { "开始" }
                        th scope="col" { "期限" }
                        th scope="col" { "剩余工作日" }
                        th scope="col" { "预警" }
                        th scope="col" { "等待" }
                        th scope="col" { "时间线（工作日）" }
                    }
                }
                tbody {
                    @for (index, branch) in application.branches.iter().enumerate() {
                        (branch_row(branch, entry.progress.get(index), &axis, zone))
                    }
                }
            }
        }
    }
}

fn branch_row(
    branch: &pb::Branch,
    progress: Option<&pb::BranchProgress>,
    axis: &Axis<'_>,
    zone: chrono_tz::Tz,
) -> Markup {
    let (state, state_words) = words::branch_state(branch.state);
    let deadline = branch.deadline.as_ref();
    let (colour, colour_words) = words::colour(deadline.map_or(0, |d| d.colour));
    let waiting = progress
        .map(|p| words::waiting_for(p.waiting_for, &p.detail))
        .unwrap_or_default();
    html! {
        tr data-branch=(branch.id) data-colour=(colour) data-state=(state) {
            th scope="row" { (branch.matter_name) small { " " (branch.matter_code) } }
            td { (branch.department_code) }
            td { (state_words) }
            td.started { (words::date(branch.started_at.as_ref(), zone)) }
            td.deadline {
                (words::date(deadline.and_then(|d| d.at.as_ref()), zone))
                @if deadline.is_some_and(|d| d.provisional) { " " abbr title="期限跨入尚未公布节假日安排的年份，届时重算" { "暂定" } }
            }
            td.remaining { (deadline.map(|d| d.remaining_working_days.to_string()).unwrap_or_else(|| "—".into())) }
            td { span class=(format!("badge {colour}")) { (colour_words) } }
            td.waiting { (waiting) }
            td { (axis.bar(branch, colour)) }
        }
    }
}

/// The working-day axis of one application: from its earliest start to its latest deadline or
/// today, whichever is later.
struct Axis<'a> {
    calendar: &'a Calendar,
    first: NaiveDate,
    today: NaiveDate,
    length: u32,
}

impl<'a> Axis<'a> {
    fn of(application: &pb::Application, calendar: &'a Calendar, today: NaiveDate) -> Axis<'a> {
        let dates = |pick: fn(&pb::Branch) -> Option<&prost_types::Timestamp>| {
            application
                .branches
                .iter()
                .filter_map(move |b| words::instant(pick(b)))
                .map(|at| calendar.local_date(at))
        };
        let first = dates(|b| b.started_at.as_ref())
            .min()
            .unwrap_or(today)
            .min(today);
        let last = dates(|b| b.deadline.as_ref().and_then(|d| d.at.as_ref()))
            .max()
            .unwrap_or(today)
            .max(today);
        Axis {
            calendar,
            first,
            today,
            length: calendar.working_days_between(first, last).max(1),
        }
    }

    /// Where `date` falls, as a share of the axis in percent.
    fn at(&self, date: NaiveDate) -> f64 {
        f64::from(self.calendar.working_days_between(self.first, date)) * 100.0
            / f64::from(self.length)
    }

    fn bar(&self, branch: &pb::Branch, colour: &str) -> Markup {
        let start =
            words::instant(branch.started_at.as_ref()).map(|at| self.calendar.local_date(at));
        let end = words::instant(branch.deadline.as_ref().and_then(|d| d.at.as_ref()))
            .map(|at| self.calendar.local_date(at));
        let today = self.at(self.today);
        html! {
            div.timeline role="img" aria-label=(self.label(start, end)) {
                @if let (Some(start), Some(end)) = (start, end) {
                    @let left = self.at(start);
                    @let width = (self.at(end) - left).max(1.0);
                    span class=(format!("bar {colour}")) style=(format!("left:{left:.1}%;width:{width:.1}%")) {}
                }
                span.today style=(format!("left:{today:.1}%")) title="今天" {}
            }
        }
    }

    fn label(&self, start: Option<NaiveDate>, end: Option<NaiveDate>) -> String {
        match (start, end) {
            (Some(start), Some(end)) => format!(
                "{start} 开始，{end} 到期，共 {} 个工作日，今天 {}",
                self.calendar.working_days_between(start, end),
                self.today
            ),
            _ => "尚未开始计时".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> prost_types::Timestamp {
        let instant = chrono::DateTime::parse_from_rfc3339(text).unwrap();
        prost_types::Timestamp {
            seconds: instant.timestamp(),
            nanos: 0,
        }
    }

    fn branch(id: &str, started: &str, deadline: &str, colour: pb::WarningColour) -> pb::Branch {
        pb::Branch {
            id: id.into(),
            matter_name: "食品经营许可".into(),
            started_at: Some(at(started)),
            deadline: Some(pb::DeadlineView {
                at: Some(at(deadline)),
                remaining_working_days: 3,
                colour: colour as i32,
                ..Default::default()
            }),
            state: pb::BranchState::Open as i32,
            ..Default::default()
        }
    }

    #[test]
    fn the_time_line_counts_working_days_through_spring_festival() {
        let calendar = crate::calendar::build(&Default::default(), &[]).unwrap();
        let entry = pb::ProjectApplication {
            application: Some(pb::Application {
                id: "LB1".into(),
                branches: vec![branch(
                    "b1",
                    "2026-02-12T02:00:00Z",
                    "2026-02-26T09:30:00Z",
                    pb::WarningColour::Yellow,
                )],
                ..Default::default()
            }),
            progress: vec![pb::BranchProgress {
                branch_id: "b1".into(),
                waiting_for: pb::WaitingFor::Department as i32,
                detail: "scjg".into(),
            }],
        };
        let today = NaiveDate::from_ymd_opt(2026, 2, 24).unwrap();
        let html = application(&entry, &calendar, today).into_string();
        // 13 Feb, the make-up Saturday 14 Feb, then 24, 25 and 26 Feb: the festival takes no room.
        assert!(
            html.contains("2026-02-12 开始，2026-02-26 到期，共 5 个工作日"),
            "{html}"
        );
        assert!(html.contains(r#"data-colour="yellow""#), "{html}");
        assert!(html.contains(r#"<td class="remaining">3</td>"#), "{html}");
        assert!(html.contains("等待部门办理：scjg"), "{html}");
        // Today (24 Feb) is the third of five working days after the start: 60% along.
        assert!(html.contains("left:60.0%"), "{html}");
    }

    #[test]
    fn text_from_the_store_is_escaped() {
        let calendar = crate::calendar::build(&Default::default(), &[]).unwrap();
        let mut entry = pb::ProjectApplication::default();
        let mut application = pb::Application {
            id: "LB2".into(),
            ..Default::default()
        };
        let mut hostile = branch(
            "b2",
            "2026-03-02T02:00:00Z",
            "2026-03-09T09:30:00Z",
            pb::WarningColour::Green,
        );
        hostile.matter_name = "<script>alert(1)</script>".into();
        application.branches.push(hostile);
        entry.application = Some(application);
        let today = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let html = application_html(&entry, &calendar, today);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    fn application_html(
        entry: &pb::ProjectApplication,
        calendar: &Calendar,
        today: NaiveDate,
    ) -> String {
        application(entry, calendar, today).into_string()
    }
}
