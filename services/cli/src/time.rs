//! The CLI's one time zone, China Standard Time, both ways: reading `YYYY-MM-DD HH:MM` from flags
//! and showing timestamps to the minute.

use chrono::{FixedOffset, TimeZone};

fn china_standard_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// Parses `YYYY-MM-DD HH:MM` in China Standard Time.
pub fn parse_local_time(flag: &str, text: &str) -> Result<prost_types::Timestamp, String> {
    let naive = chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M")
        .map_err(|_| format!("{flag} {text:?} is not YYYY-MM-DD HH:MM"))?;
    let at = china_standard_time()
        .from_local_datetime(&naive)
        .single()
        .ok_or_else(|| format!("{flag} {text:?} is not a valid time"))?;
    Ok(prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    })
}

/// A timestamp in China Standard Time, to the minute.
pub fn local_time(at: Option<&prost_types::Timestamp>) -> String {
    let Some(at) = at else { return "-".to_owned() };
    china_standard_time()
        .timestamp_opt(at.seconds, at.nanos.max(0) as u32)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_times_are_read_in_china_standard_time() {
        let at = parse_local_time("--starts", "2026-03-04 09:00").unwrap();
        assert_eq!(at.seconds, 1_772_586_000);
        assert!(
            parse_local_time("--starts", "tomorrow")
                .unwrap_err()
                .contains("--starts")
        );
    }
}
