//! The centre's words for the contract's values (办件 states, 黄牌/红牌, what a branch waits for,
//! levels of satisfaction and rating indicators)
//! and dates in the centre's zone: one place, so every view says the same thing the same way.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lianban_proto::v1 as pb;

/// A branch state: its contract name without the prefix (for `data-state`) and its Chinese name.
pub fn branch_state(state: i32) -> (String, &'static str) {
    let state = pb::BranchState::try_from(state).unwrap_or(pb::BranchState::Unspecified);
    let name = state
        .as_str_name()
        .trim_start_matches("BRANCH_STATE_")
        .to_owned();
    let chinese = match state {
        pb::BranchState::Unspecified => "未知",
        pb::BranchState::Pending => "待受理",
        pb::BranchState::Waiting => "等待前置事项",
        pb::BranchState::Open => "待办理",
        pb::BranchState::Claimed => "办理中",
        pb::BranchState::Approved => "准予许可",
        pb::BranchState::Rejected => "不予许可",
        pb::BranchState::Consented => "同意",
        pb::BranchState::Objected => "不同意",
        pb::BranchState::Cancelled => "已撤销",
        pb::BranchState::DeemedConsent => "缺席默认同意",
        pb::BranchState::Paused => "暂停计时",
    };
    (name, chinese)
}

/// A warning colour: its `data-colour` (`green`, `yellow`, `red`, `none`) and its Chinese name.
pub fn colour(colour: i32) -> (&'static str, &'static str) {
    match pb::WarningColour::try_from(colour).unwrap_or(pb::WarningColour::Unspecified) {
        pb::WarningColour::Green => ("green", "正常"),
        pb::WarningColour::Yellow => ("yellow", "黄牌"),
        pb::WarningColour::Red => ("red", "红牌"),
        pb::WarningColour::Unspecified => ("none", "—"),
    }
}

/// A level of satisfaction (满意度) by its national name.
pub fn satisfaction(level: pb::Satisfaction) -> &'static str {
    match level {
        pb::Satisfaction::VerySatisfied => "非常满意",
        pb::Satisfaction::Satisfied => "满意",
        pb::Satisfaction::BasicallySatisfied => "基本满意",
        pb::Satisfaction::Dissatisfied => "不满意",
        pb::Satisfaction::VeryDissatisfied => "非常不满意",
        pb::Satisfaction::Unspecified => "—",
    }
}

/// A national rating indicator by its name.
pub fn indicator(indicator: i32) -> &'static str {
    match pb::RatingIndicator::try_from(indicator).unwrap_or(pb::RatingIndicator::Unspecified) {
        pb::RatingIndicator::Overall => "整体满意度",
        pb::RatingIndicator::ServiceEfficiency => "服务效率",
        pb::RatingIndicator::ServiceLevel => "服务水平",
        pb::RatingIndicator::ServiceAttitude => "服务态度",
        pb::RatingIndicator::HandlingEfficiency => "办事效率",
        pb::RatingIndicator::GuideAccuracy => "办事指南精确度",
        pb::RatingIndicator::Convenience => "办事便捷度",
        pb::RatingIndicator::PlatformUsability => "平台操作性",
        pb::RatingIndicator::Unspecified => "—",
    }
}

/// What a branch waits for, in words.
pub fn waiting_for(waiting: i32, detail: &str) -> String {
    let what = match pb::WaitingFor::try_from(waiting).unwrap_or(pb::WaitingFor::Unspecified) {
        pb::WaitingFor::Unspecified => return "已办结".to_owned(),
        pb::WaitingFor::Applicant => "等待申请人",
        pb::WaitingFor::Department => "等待部门办理",
        pb::WaitingFor::Predecessor => "等待前置事项",
        pb::WaitingFor::SpecialProcedure => "特别程序中",
    };
    if detail.is_empty() {
        what.to_owned()
    } else {
        format!("{what}：{detail}")
    }
}

/// A special procedure's (or a supplement's) name.
pub fn pause_kind(kind: i32) -> &'static str {
    match pb::PauseKind::try_from(kind).unwrap_or(pb::PauseKind::Unspecified) {
        pb::PauseKind::Unspecified => "暂停",
        pb::PauseKind::Supplement => "补正材料",
        pb::PauseKind::Hearing => "听证",
        pb::PauseKind::ExpertReview => "专家评审",
        pb::PauseKind::OnSiteInspection => "现场勘验",
        pb::PauseKind::Testing => "检验检测",
        pb::PauseKind::PublicNotice => "公示",
    }
}

/// An application state in Chinese.
pub fn application_state(state: i32) -> &'static str {
    match pb::ApplicationState::try_from(state).unwrap_or(pb::ApplicationState::Unspecified) {
        pb::ApplicationState::Unspecified => "未知",
        pb::ApplicationState::AwaitingMaterials => "待补齐材料",
        pb::ApplicationState::InProgress => "办理中",
        pb::ApplicationState::ReadyForDispatch => "待统一出件",
        pb::ApplicationState::Dispatched => "已出件",
        pb::ApplicationState::Withdrawn => "已撤回",
    }
}

/// An instant of the contract as a chrono one.
pub fn instant(at: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    let at = at?;
    DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).unwrap_or(0))
}

/// The centre's date of an instant (`YYYY-MM-DD`), or a dash.
pub fn date(at: Option<&prost_types::Timestamp>, zone: Tz) -> String {
    instant(at)
        .map(|at| at.with_timezone(&zone).format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "—".to_owned())
}

/// The centre's date and time of an instant (`YYYY-MM-DD HH:MM`), or a dash.
pub fn moment(at: Option<&prost_types::Timestamp>, zone: Tz) -> String {
    instant(at)
        .map(|at| at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "—".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_colours_have_stable_names_and_chinese_words() {
        assert_eq!(
            branch_state(pb::BranchState::DeemedConsent as i32),
            ("DEEMED_CONSENT".to_owned(), "缺席默认同意")
        );
        assert_eq!(colour(pb::WarningColour::Red as i32), ("red", "红牌"));
        assert_eq!(colour(99), ("none", "—"));
    }

    #[test]
    fn dates_are_the_centres() {
        let at = prost_types::Timestamp {
            seconds: 1_769_965_200, // 2026-02-01T17:00:00Z
            nanos: 0,
        };
        assert_eq!(date(Some(&at), chrono_tz::Asia::Shanghai), "2026-02-02");
        assert_eq!(
            moment(Some(&at), chrono_tz::Asia::Shanghai),
            "2026-02-02 01:00"
        );
        assert_eq!(date(None, chrono_tz::Asia::Shanghai), "—");
    }
}
