//! The words of GB/T 39046-2020 the national format writes: a record's fields (cut to the lengths
//! the tables allow), its date-time format, the 办件编号 of a branch, a matter's names and codes,
//! and the code tables of appendix A (A.5 办理形式, A.6 办件类型, A.7 特别程序种类, A.8 满意度) with
//! the few local codes the standard leaves open (申请者证件类型 from GA/T 2000.156, 监察预警类型).
//! A rating's 满意度 (A.8) and 评价渠道 are the rating's own (`lianban_orchestrator::rating`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lianban_orchestrator::Catalogue;
use lianban_orchestrator::application::{ApplicantKind, Application, Branch, Channel, PauseKind};
use lianban_orchestrator::catalogue::ExchangeCodes;
use serde_json::{Map, Value};

/// A record's fields as they are put in: an empty text is left out (the field is optional), a
/// longer one cut to the table's length.
#[derive(Default)]
pub(super) struct Fields(Map<String, Value>);

impl Fields {
    /// A text field of at most `max` characters; left out when empty.
    pub(super) fn text(mut self, name: &str, value: &str, max: usize) -> Self {
        let value = value.trim();
        if !value.is_empty() {
            let cut: String = value.chars().take(max).collect();
            self.0.insert(name.to_owned(), Value::String(cut));
        }
        self
    }

    /// A text field of unlimited length (字符型..ul); left out when empty.
    pub(super) fn long_text(self, name: &str, value: &str) -> Self {
        self.text(name, value, usize::MAX)
    }

    /// A date-time field.
    pub(super) fn time(self, name: &str, at: DateTime<Utc>, zone: Tz) -> Self {
        self.text(name, &date_time(at, zone), 15)
    }

    /// A number field (数字型).
    pub(super) fn number(mut self, name: &str, value: u64) -> Self {
        self.0.insert(name.to_owned(), Value::from(value));
        self
    }

    /// A list of objects.
    pub(super) fn list(mut self, name: &str, items: Vec<Fields>) -> Self {
        let items = items
            .into_iter()
            .map(|item| Value::Object(item.0))
            .collect();
        self.0.insert(name.to_owned(), Value::Array(items));
        self
    }

    /// The record.
    pub(super) fn done(self) -> Value {
        Value::Object(self.0)
    }
}

/// What the datasets say of a branch's matter and department.
pub(super) struct MatterFacts {
    /// 事项名称.
    pub(super) name: String,
    /// 基本编码, 实施编码, 事项类型代码.
    pub(super) codes: ExchangeCodes,
    /// The department's name (处理单位, 机构名称, 责任部门).
    pub(super) department: String,
    /// Whether the matter charges a fee.
    pub(super) charged: bool,
}

impl MatterFacts {
    /// A branch's matter as the catalogue names it; the bare codes when the catalogue no longer
    /// holds it.
    pub(super) fn of(catalogue: &Catalogue, branch: &Branch) -> MatterFacts {
        let department = catalogue
            .department(&branch.department_code)
            .map_or_else(|| branch.department_code.clone(), |d| d.name.clone());
        match catalogue.matter(&branch.matter_code) {
            Some(matter) => MatterFacts {
                name: matter.name.clone(),
                codes: matter.exchange_codes(),
                department,
                charged: matter.fee_fen > 0,
            },
            None => MatterFacts {
                name: branch.matter_code.clone(),
                codes: ExchangeCodes::derived(&branch.matter_code),
                department,
                charged: false,
            },
        }
    }
}

/// A date-time as the datasets write it: `YYYYMMDDThhmmss` (GB/T 7408 basic format, as 表5, 表6,
/// 表7 and 表9 give it) in the centre's time zone. 表8 and 表11 print other forms
/// (`YYYYMMDDhh:mm:ss`, `YYYYMMDDhhmmss`); the export writes one form throughout, so that an
/// uploader parses one.
pub(super) fn date_time(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y%m%dT%H%M%S").to_string()
}

/// The 办件编号 of a branch (an..50): a matter of a bundle is one 办件 for the national platform.
/// The application's id in 32 hexadecimal digits and the branch's place in the bundle in two
/// digits: known from submission on (unlike the receipt number), letters and digits only.
pub(super) fn case_number(application: &Application, branch: &Branch) -> String {
    let place = application
        .branches
        .iter()
        .position(|b| b.id == branch.id)
        .unwrap_or_default()
        + 1;
    format!("{}{place:02}", application.id.simple())
}

/// 办件类型 and its code (A.6): 即办件 (1) for a promised limit of 0 working days, 承诺件 (2)
/// otherwise.
pub(super) fn case_kind(branch: &Branch) -> (&'static str, &'static str) {
    if branch.limit_days == 0 {
        ("即办件", "1")
    } else {
        ("承诺件", "2")
    }
}

/// 申报来源代码 (表5, 办理形式 A.5) of an intake channel.
pub(super) fn source_code(channel: Channel) -> &'static str {
    match channel {
        Channel::OnSite => "1",
        Channel::Online => "2",
        Channel::Post => "4",
    }
}

/// How a material arrived, for 表5 收取方式.
pub(super) fn receipt_way(channel: Channel) -> &'static str {
    match channel {
        Channel::OnSite => "窗口收取",
        Channel::Online => "网上提交",
        Channel::Post => "邮寄",
    }
}

/// 申请者证件类型代码 (GA/T 2000.156): 111 居民身份证 for a natural person, 001 统一社会信用代码
/// for an organisation.
pub(super) fn id_type_code(kind: ApplicantKind) -> &'static str {
    match kind {
        ApplicantKind::NaturalPerson => "111",
        ApplicantKind::Organisation => "001",
    }
}

/// 特别程序种类名称 of a special procedure (A.7 code 2: 除延长审批之外的情况).
pub(super) fn special_procedure_name(kind: PauseKind) -> &'static str {
    match kind {
        PauseKind::Supplement => "补正",
        PauseKind::Hearing => "听证",
        PauseKind::ExpertReview => "专家评审",
        PauseKind::OnSiteInspection => "现场踏勘",
        PauseKind::Testing => "检验检测",
        PauseKind::PublicNotice => "公示",
    }
}

/// 特别程序种类代码 (A.7) of an extension.
pub(super) const EXTENSION_PROCEDURE: &str = "1";
/// 特别程序种类代码 (A.7) of any other special procedure.
pub(super) const OTHER_PROCEDURE: &str = "2";
/// 特别程序种类名称 of an extension (A.7 code 1).
pub(super) const EXTENSION_PROCEDURE_NAME: &str = "延长审批";

/// 监察预警类型代码 (表11): the standard defines no list; these are Lianban's, stable.
pub(super) mod warning_type {
    /// An approval branch past its deadline: red, escalated (超期督办).
    pub(in super::super) const OVERDUE: &str = "2";
    /// A silent joint review deemed to consent (逾期视为同意 / 缺席默认).
    pub(in super::super) const DEEMED_CONSENT: &str = "3";
    /// Nobody of the branch's post available (无人在岗).
    pub(in super::super) const UNSTAFFED: &str = "4";
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_local_in_the_basic_format() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 1, 2, 3).unwrap();
        assert_eq!(date_time(at, chrono_tz::Asia::Shanghai), "20260302T090203");
    }
}
