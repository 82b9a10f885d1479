//! The `[exchange]` section: which format the export speaks and the centre's administrative
//! division code (行政区划, GB/T 2260) that every record carries. Beside the configuration rather
//! than inside `exchange`, which reads the runtime: the configuration must not import its way
//! back to itself.

use serde::{Deserialize, Serialize};

/// The national format's name: GB/T 39046-2020's datasets.
pub const NATIONAL_FORMAT: &str = "gbt39046";
/// The names `format` may take: one per format in `exchange::formats`.
pub const FORMATS: &[&str] = &[NATIONAL_FORMAT];

/// How the data exchange exports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExchangeConfig {
    /// The format's name: `gbt39046` (the national datasets) unless a province's adapter is built
    /// in.
    pub format: String,
    /// The centre's administrative division code (行政区划代码, 6 to 9 digits), e.g. `330102`.
    pub region_code: String,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        ExchangeConfig {
            format: NATIONAL_FORMAT.to_owned(),
            region_code: "000000".to_owned(),
        }
    }
}

impl ExchangeConfig {
    /// Refuses an unknown format or a region code that is not 6 to 9 digits.
    pub fn validate(&self) -> Result<(), String> {
        if !FORMATS.contains(&self.format.as_str()) {
            return Err(format!(
                "exchange.format {:?} is not a built-in format (known: {})",
                self.format,
                FORMATS.join(", ")
            ));
        }
        let code = &self.region_code;
        if !(6..=9).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "exchange.region_code {code:?} is not an administrative division code of 6 to 9 digits"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_sound_and_bad_values_are_named() {
        assert_eq!(ExchangeConfig::default().validate(), Ok(()));
        let unknown = ExchangeConfig {
            format: "zhejiang".into(),
            ..Default::default()
        };
        assert!(unknown.validate().unwrap_err().contains("exchange.format"));
        let region = ExchangeConfig {
            region_code: "33-01".into(),
            ..Default::default()
        };
        assert!(
            region
                .validate()
                .unwrap_err()
                .contains("exchange.region_code")
        );
    }
}
