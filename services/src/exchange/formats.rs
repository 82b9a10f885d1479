//! The formats built in, by the name `[exchange] format` gives them: the national one, and the
//! place where a province's adapter is added (one arm here, its name in
//! `exchange_settings::FORMATS`).

use super::format::ExchangeFormat;
use super::national::NationalFormat;

/// The format `name` names, for a centre in `region_code`; `None` for an unknown name.
pub fn format_named(name: &str, region_code: &str) -> Option<Box<dyn ExchangeFormat>> {
    match name {
        NationalFormat::NAME => Some(Box::new(NationalFormat::new(region_code))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange_settings::FORMATS;

    #[test]
    fn every_name_the_settings_accept_is_a_built_in_format() {
        for name in FORMATS {
            let format = format_named(name, "350102").expect("built in");
            assert_eq!(format.name(), *name);
        }
        assert!(format_named("zhejiang", "330100").is_none());
    }
}
