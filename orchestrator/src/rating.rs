//! The applicant's rating of the service (好差评) as the national standard records it: the five
//! levels of GB/T 39046 A.8 with their codes, the rating channels of its 表9 (评价渠道), and the
//! nationally fixed indicators of on-site and online service, each rated on the same five levels.
//!
//! The national code runs the other way from a star count (1 非常满意 … 5 非常不满意), and both
//! are read in practice, so a level answers both; the last two levels are a negative review (差评),
//! which the rectification of negative reviews starts from. This module knows nothing of the
//! application it belongs to: which indicator set applies follows the application's intake
//! channel, and the application says that.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// When the applicant rated the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingStage {
    /// At acceptance (受理).
    Acceptance,
    /// At dispatch (出件).
    Dispatch,
}

/// A level of satisfaction (满意度), kept as its national code (GB/T 39046 A.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Satisfaction {
    /// 1 非常满意, five stars.
    VerySatisfied,
    /// 2 满意, four stars.
    Satisfied,
    /// 3 基本满意, three stars.
    BasicallySatisfied,
    /// 4 不满意, two stars: a negative review.
    Dissatisfied,
    /// 5 非常不满意, one star: a negative review.
    VeryDissatisfied,
}

impl Satisfaction {
    /// Every level, by code.
    pub const ALL: [Satisfaction; 5] = [
        Satisfaction::VerySatisfied,
        Satisfaction::Satisfied,
        Satisfaction::BasicallySatisfied,
        Satisfaction::Dissatisfied,
        Satisfaction::VeryDissatisfied,
    ];

    /// The level of a national code, 1 to 5.
    pub fn from_code(code: u8) -> Option<Satisfaction> {
        let index = usize::from(code).checked_sub(1)?;
        Satisfaction::ALL.get(index).copied()
    }

    /// The level of a star count, 1 (very poor) to 5 (very good).
    pub fn from_stars(stars: u8) -> Option<Satisfaction> {
        6u8.checked_sub(stars)
            .filter(|_| stars >= 1)
            .and_then(Satisfaction::from_code)
    }

    /// The national code (满意度代码): 1 非常满意 … 5 非常不满意.
    pub fn code(self) -> u8 {
        match self {
            Satisfaction::VerySatisfied => 1,
            Satisfaction::Satisfied => 2,
            Satisfaction::BasicallySatisfied => 3,
            Satisfaction::Dissatisfied => 4,
            Satisfaction::VeryDissatisfied => 5,
        }
    }

    /// Stars, 5 best: `6 - code`.
    pub fn stars(self) -> u8 {
        6 - self.code()
    }

    /// The level's name (满意度).
    pub fn name_zh(self) -> &'static str {
        match self {
            Satisfaction::VerySatisfied => "非常满意",
            Satisfaction::Satisfied => "满意",
            Satisfaction::BasicallySatisfied => "基本满意",
            Satisfaction::Dissatisfied => "不满意",
            Satisfaction::VeryDissatisfied => "非常不满意",
        }
    }

    /// A negative review (差评): 不满意 or 非常不满意.
    pub fn is_negative(self) -> bool {
        matches!(
            self,
            Satisfaction::Dissatisfied | Satisfaction::VeryDissatisfied
        )
    }
}

impl From<Satisfaction> for u8 {
    fn from(level: Satisfaction) -> u8 {
        level.code()
    }
}

/// A code outside 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotASatisfactionCode(pub u8);

impl fmt::Display for NotASatisfactionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not a satisfaction code (1 to 5)", self.0)
    }
}

impl TryFrom<u8> for Satisfaction {
    type Error = NotASatisfactionCode;

    fn try_from(code: u8) -> Result<Self, Self::Error> {
        Satisfaction::from_code(code).ok_or(NotASatisfactionCode(code))
    }
}

/// Where the rating was given (评价渠道, GB/T 39046 表9). The standard exchanges the channel's
/// name itself (字符型 an..50), so there is no national number: `code()` is this service's stable
/// identifier and `name_zh()` the value the standard's dataset carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingChannel {
    /// PC端.
    Pc,
    /// 移动服务端.
    Mobile,
    /// 二维码.
    QrCode,
    /// 政务大厅平板电脑.
    HallTablet,
    /// 政务大厅其他终端.
    HallOtherTerminal,
    /// 电话.
    Phone,
    /// 短信.
    Sms,
}

impl RatingChannel {
    /// Every channel, in the standard's order.
    pub const ALL: [RatingChannel; 7] = [
        RatingChannel::Pc,
        RatingChannel::Mobile,
        RatingChannel::QrCode,
        RatingChannel::HallTablet,
        RatingChannel::HallOtherTerminal,
        RatingChannel::Phone,
        RatingChannel::Sms,
    ];

    /// The stable identifier, as stored (`pc`, `hall_other_terminal`, …).
    pub fn code(self) -> &'static str {
        match self {
            RatingChannel::Pc => "pc",
            RatingChannel::Mobile => "mobile",
            RatingChannel::QrCode => "qr_code",
            RatingChannel::HallTablet => "hall_tablet",
            RatingChannel::HallOtherTerminal => "hall_other_terminal",
            RatingChannel::Phone => "phone",
            RatingChannel::Sms => "sms",
        }
    }

    /// The name 表9 carries.
    pub fn name_zh(self) -> &'static str {
        match self {
            RatingChannel::Pc => "PC端",
            RatingChannel::Mobile => "移动服务端",
            RatingChannel::QrCode => "二维码",
            RatingChannel::HallTablet => "政务大厅平板电脑",
            RatingChannel::HallOtherTerminal => "政务大厅其他终端",
            RatingChannel::Phone => "电话",
            RatingChannel::Sms => "短信",
        }
    }
}

/// Which nationally fixed indicators apply: those of service in the hall or those of service
/// online. The application's intake channel decides, not the channel the rating came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndicatorSet {
    /// 现场服务: 整体满意度, 服务效率, 服务水平, 服务态度.
    OnSite,
    /// 网上服务: 整体满意度, 办事效率, 办事指南精确度, 办事便捷度, 平台操作性.
    Online,
}

impl IndicatorSet {
    /// Its indicators, in the national order.
    pub fn indicators(self) -> &'static [Indicator] {
        match self {
            IndicatorSet::OnSite => &[
                Indicator::Overall,
                Indicator::ServiceEfficiency,
                Indicator::ServiceLevel,
                Indicator::ServiceAttitude,
            ],
            IndicatorSet::Online => &[
                Indicator::Overall,
                Indicator::HandlingEfficiency,
                Indicator::GuideAccuracy,
                Indicator::Convenience,
                Indicator::PlatformUsability,
            ],
        }
    }

    /// Whether `indicator` belongs to the set.
    pub fn contains(self, indicator: Indicator) -> bool {
        self.indicators().contains(&indicator)
    }

    /// The set's name.
    pub fn name_zh(self) -> &'static str {
        match self {
            IndicatorSet::OnSite => "现场服务",
            IndicatorSet::Online => "网上服务",
        }
    }
}

/// One nationally fixed indicator; 整体满意度 belongs to both sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// 整体满意度 (both sets).
    Overall,
    /// 服务效率 (on site).
    ServiceEfficiency,
    /// 服务水平 (on site).
    ServiceLevel,
    /// 服务态度 (on site).
    ServiceAttitude,
    /// 办事效率 (online).
    HandlingEfficiency,
    /// 办事指南精确度 (online).
    GuideAccuracy,
    /// 办事便捷度 (online).
    Convenience,
    /// 平台操作性 (online).
    PlatformUsability,
}

impl Indicator {
    /// The indicator's name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Indicator::Overall => "整体满意度",
            Indicator::ServiceEfficiency => "服务效率",
            Indicator::ServiceLevel => "服务水平",
            Indicator::ServiceAttitude => "服务态度",
            Indicator::HandlingEfficiency => "办事效率",
            Indicator::GuideAccuracy => "办事指南精确度",
            Indicator::Convenience => "办事便捷度",
            Indicator::PlatformUsability => "平台操作性",
        }
    }
}

/// One indicator rated on the five levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorRating {
    /// The indicator.
    pub indicator: Indicator,
    /// Its level.
    pub satisfaction: Satisfaction,
}

/// Who rated (评价人), when the rater gave a name or a phone; personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rater {
    /// Name; empty for an anonymous rater who left only a phone.
    pub name: String,
    /// Contact phone, may be empty.
    pub phone: String,
}

/// One rating (好差评).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// At acceptance or at dispatch.
    pub stage: RatingStage,
    /// The overall level (满意度 with its code).
    pub satisfaction: Satisfaction,
    /// Where it was given.
    pub channel: RatingChannel,
    /// The fixed indicators rated, each at most once, of the set the intake channel decides.
    pub indicators: Vec<IndicatorRating>,
    /// Optional comment (文字评价).
    pub comment: String,
    /// The window clerk rated: who accepted (the front-desk clerk) for the acceptance stage, who
    /// handed out for the dispatch stage; `None` when the application names nobody.
    pub clerk_id: Option<String>,
    /// The rater, when not anonymous.
    pub rater: Option<Rater>,
    /// When.
    pub at: DateTime<Utc>,
}

impl Rating {
    /// A negative review (差评).
    pub fn is_negative(&self) -> bool {
        self.satisfaction.is_negative()
    }

    /// Whether the rater gave a name (实名评价): a negative real-name review must be called back.
    pub fn is_real_name(&self) -> bool {
        self.rater
            .as_ref()
            .is_some_and(|r| !r.name.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_stars_run_opposite_ways() {
        let table: Vec<(u8, u8, &str, bool)> = Satisfaction::ALL
            .iter()
            .map(|s| (s.code(), s.stars(), s.name_zh(), s.is_negative()))
            .collect();
        assert_eq!(
            table,
            vec![
                (1, 5, "非常满意", false),
                (2, 4, "满意", false),
                (3, 3, "基本满意", false),
                (4, 2, "不满意", true),
                (5, 1, "非常不满意", true),
            ]
        );
        for level in Satisfaction::ALL {
            assert_eq!(Satisfaction::from_code(level.code()), Some(level));
            assert_eq!(Satisfaction::from_stars(level.stars()), Some(level));
        }
        for outside in [0, 6, 255] {
            assert_eq!(Satisfaction::from_code(outside), None);
            assert_eq!(Satisfaction::from_stars(outside), None);
        }
    }

    #[test]
    fn a_level_is_stored_as_its_national_code() {
        assert_eq!(
            serde_json::to_string(&Satisfaction::Dissatisfied).unwrap(),
            "4"
        );
        let read: Satisfaction = serde_json::from_str("1").unwrap();
        assert_eq!(read, Satisfaction::VerySatisfied);
        assert!(serde_json::from_str::<Satisfaction>("6").is_err());
        assert!(serde_json::from_str::<Satisfaction>("0").is_err());
    }

    #[test]
    fn the_indicator_sets_are_the_national_ones() {
        let names = |set: IndicatorSet| -> Vec<&str> {
            set.indicators().iter().map(|i| i.name_zh()).collect()
        };
        assert_eq!(
            names(IndicatorSet::OnSite),
            ["整体满意度", "服务效率", "服务水平", "服务态度"]
        );
        assert_eq!(
            names(IndicatorSet::Online),
            [
                "整体满意度",
                "办事效率",
                "办事指南精确度",
                "办事便捷度",
                "平台操作性"
            ]
        );
        assert!(IndicatorSet::Online.contains(Indicator::Overall));
        assert!(!IndicatorSet::Online.contains(Indicator::ServiceAttitude));
        assert!(!IndicatorSet::OnSite.contains(Indicator::PlatformUsability));
    }

    #[test]
    fn channels_carry_the_names_of_the_standard() {
        let names: Vec<&str> = RatingChannel::ALL.iter().map(|c| c.name_zh()).collect();
        assert_eq!(
            names,
            [
                "PC端",
                "移动服务端",
                "二维码",
                "政务大厅平板电脑",
                "政务大厅其他终端",
                "电话",
                "短信"
            ]
        );
        for channel in RatingChannel::ALL {
            let stored = serde_json::to_string(&channel).unwrap();
            assert_eq!(stored, format!("\"{}\"", channel.code()));
        }
    }
}
