//! The national codes of a matter, as the data exchange with the provincial platform needs them
//! (GB/T 39046-2020 表4–表6, 表11): 基本编码 (an..10) and 实施编码 (an..24) of GB/T 39554.1, and
//! 事项类型代码 of GB/T 39046 appendix A.1.
//!
//! A catalogue may declare them per matter; they are checked when the catalogue loads. A catalogue
//! that does not (an older one, or one written for another purpose) still exports: each missing
//! code is derived from the matter's own code, so that the export always validates:
//!
//! - 基本编码 and 实施编码: the matter code's ASCII letters and digits, upper-cased; when that is
//!   longer than the field allows, or empty, its first letters and digits followed by six
//!   hexadecimal digits of a hash of the whole code (FNV-1a), so that two long codes sharing a
//!   prefix still get two codes;
//! - 事项类型代码: `10` (其他类别事项), since nothing in the catalogue says which kind it is.

use super::entries::Matter;

/// Longest 基本编码 (GB/T 39554.1; GB/T 39046 表4 an..10).
pub const BASIC_CODE_MAX: usize = 10;
/// Longest 实施编码 (GB/T 39554.1; GB/T 39046 表4 an..24).
pub const IMPLEMENTATION_CODE_MAX: usize = 24;
/// 事项类型代码 when a matter declares none: 其他类别事项.
const DEFAULT_MATTER_TYPE: &str = "10";

/// A matter's codes for the exchange: declared, or derived when the catalogue has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeCodes {
    /// 基本编码.
    pub basic_code: String,
    /// 实施编码.
    pub implementation_code: String,
    /// 事项类型代码 (A.1).
    pub matter_type: String,
}

impl ExchangeCodes {
    /// The codes of a matter that declares none (or that the catalogue no longer holds).
    pub fn derived(matter_code: &str) -> ExchangeCodes {
        ExchangeCodes {
            basic_code: derived_code(matter_code, BASIC_CODE_MAX),
            implementation_code: derived_code(matter_code, IMPLEMENTATION_CODE_MAX),
            matter_type: DEFAULT_MATTER_TYPE.to_owned(),
        }
    }
}

impl Matter {
    /// The matter's codes for the exchange, derived where the catalogue declares none.
    pub fn exchange_codes(&self) -> ExchangeCodes {
        let derived = ExchangeCodes::derived(&self.code);
        ExchangeCodes {
            basic_code: self.basic_code.clone().unwrap_or(derived.basic_code),
            implementation_code: self
                .implementation_code
                .clone()
                .unwrap_or(derived.implementation_code),
            matter_type: self.matter_type.clone().unwrap_or(derived.matter_type),
        }
    }

    /// Why a declared code is refused, naming the field; `None` when every declared code is sound.
    pub(super) fn code_problem(&self) -> Option<String> {
        if let Some(code) = &self.basic_code
            && !is_alphanumeric_up_to(code, BASIC_CODE_MAX)
        {
            return Some(format!(
                "basic_code {code:?} must be 1 to {BASIC_CODE_MAX} ASCII letters and digits (GB/T 39554.1 基本编码)"
            ));
        }
        if let Some(code) = &self.implementation_code
            && !is_alphanumeric_up_to(code, IMPLEMENTATION_CODE_MAX)
        {
            return Some(format!(
                "implementation_code {code:?} must be 1 to {IMPLEMENTATION_CODE_MAX} ASCII letters and digits (GB/T 39554.1 实施编码)"
            ));
        }
        if let Some(code) = &self.matter_type
            && matter_type_name(code).is_none()
        {
            return Some(format!(
                "matter_type {code:?} must be a GB/T 39046 A.1 code: 00 to 10, 20, or an extension 11–19 or 21–29"
            ));
        }
        None
    }
}

/// The name of a 事项类型代码 (GB/T 39046 A.1), or `None` for a code outside the table. The
/// table's "11……" and "21……" rows leave room for local kinds after 10 and after 20; this takes each
/// decade as its category's room (11–19 for powers, 21–29 for public services).
pub fn matter_type_name(code: &str) -> Option<&'static str> {
    let name = match code {
        "00" => "行政权力事项",
        "01" => "行政许可",
        "02" => "行政处罚",
        "03" => "行政强制",
        "04" => "行政征收",
        "05" => "行政给付",
        "06" => "行政检查",
        "07" => "行政确认",
        "08" => "行政奖励",
        "09" => "行政裁决",
        "10" => "其他类别事项",
        "20" => "公共服务事项",
        _ => {
            let bytes = code.as_bytes();
            let extension = bytes.len() == 2
                && (bytes[0] == b'1' || bytes[0] == b'2')
                && bytes[1].is_ascii_digit()
                && bytes[1] != b'0';
            return extension.then_some(if bytes[0] == b'1' {
                "行政权力类扩展事项"
            } else {
                "公共服务类扩展事项"
            });
        }
    };
    Some(name)
}

/// Whether `code` is 1 to `max` ASCII letters and digits.
fn is_alphanumeric_up_to(code: &str, max: usize) -> bool {
    !code.is_empty() && code.len() <= max && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A code of at most `max` letters and digits derived from a matter's own code (see the module
/// doc).
fn derived_code(code: &str, max: usize) -> String {
    let normal: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !normal.is_empty() && normal.len() <= max {
        return normal;
    }
    let hash = format!("{:06X}", fnv1a(code) & 0xFF_FFFF);
    let keep = max - hash.len();
    format!("{}{hash}", &normal[..normal.len().min(keep)])
}

/// FNV-1a over the code's bytes: stable across builds and platforms, unlike the std hasher.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matter(code: &str) -> Matter {
        toml::from_str(&format!(
            "code = {code:?}\nname = \"x\"\ndepartment = \"d\"\nlegal_limit_days = 1\npromised_limit_days = 0\n"
        ))
        .unwrap()
    }

    #[test]
    fn a_short_code_is_normalised_and_a_long_one_cut_with_a_hash() {
        let codes = matter("scjg-qiye").exchange_codes();
        assert_eq!(codes.basic_code, "SCJGQIYE");
        assert_eq!(codes.implementation_code, "SCJGQIYE");
        assert_eq!(codes.matter_type, "10");
        let long = matter("scjg-shipin-jingying-xuke").exchange_codes();
        assert_eq!(long.basic_code.len(), BASIC_CODE_MAX);
        assert!(long.basic_code.starts_with("SCJG"));
        assert_eq!(long.implementation_code, "SCJGSHIPINJINGYINGXUKE");
        let other = matter("scjg-shipin-jingying-other").exchange_codes();
        assert_ne!(long.basic_code, other.basic_code);
        let chinese = matter("食品经营许可").exchange_codes();
        assert_eq!(chinese.basic_code.len(), 6);
        assert!(
            chinese
                .basic_code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric())
        );
    }

    #[test]
    fn derived_codes_always_pass_the_checks_they_would_face_if_declared() {
        for code in ["a", "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q", "--", "事项", "X1"] {
            let mut m = matter(code);
            let codes = m.exchange_codes();
            m.basic_code = Some(codes.basic_code);
            m.implementation_code = Some(codes.implementation_code);
            m.matter_type = Some(codes.matter_type);
            assert_eq!(m.code_problem(), None, "{code}");
        }
    }

    #[test]
    fn declared_codes_are_checked_by_field() {
        let mut m = matter("m");
        m.basic_code = Some("12345678901".into());
        assert!(m.code_problem().unwrap().starts_with("basic_code"));
        m.basic_code = Some("3300000001".into());
        m.implementation_code = Some("11330000-0001".into());
        assert!(m.code_problem().unwrap().starts_with("implementation_code"));
        m.implementation_code = Some("113300000025286780000101".into());
        for bad in ["30", "1", "a1", "011"] {
            m.matter_type = Some(bad.into());
            assert!(
                m.code_problem().unwrap().starts_with("matter_type"),
                "{bad}"
            );
        }
        for good in ["00", "01", "10", "11", "19", "20", "21", "29"] {
            m.matter_type = Some(good.into());
            assert_eq!(m.code_problem(), None, "{good}");
        }
    }
}
