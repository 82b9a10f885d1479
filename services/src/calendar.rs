//! Where the working calendar comes from: China's national holidays built into the binary (the
//! same file as `services/calendar/cn-mainland.csv`), plus every `*.csv` file of the configured
//! `calendar.dir` — next year's State Council notice or the centre's own closures — so that a
//! centre extends its calendar without a rebuild.

use std::path::Path;

use lianban_orchestrator::Calendar;
use lianban_orchestrator::CalendarError;

use crate::config::CalendarConfig;
use crate::error::Error;

/// The national data shipped with the server.
const NATIONAL: &str = include_str!("../calendar/cn-mainland.csv");

/// Builds the calendar from the configuration.
pub fn load(config: &CalendarConfig) -> Result<Calendar, Error> {
    build(config, &files(config)?)
}

/// The configured folder's `*.csv` files, by name, with their text: what a replica publishes
/// through the store so that every replica works on the same calendar.
pub fn files(config: &CalendarConfig) -> Result<Vec<(String, String)>, Error> {
    let Some(dir) = &config.dir else {
        return Ok(Vec::new());
    };
    let unreadable = |path: &Path, error: std::io::Error| CalendarError::Unreadable {
        path: path.display().to_string(),
        message: error.to_string(),
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| unreadable(dir, e))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "csv"))
        .collect();
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| unreadable(&path, e))?;
        files.push((path.display().to_string(), text));
    }
    Ok(files)
}

/// The built-in national data with `files` on top, in the configured zone and closing time.
pub fn build(config: &CalendarConfig, files: &[(String, String)]) -> Result<Calendar, Error> {
    let mut calendar = Calendar::new(config.zone()?, config.closing()?);
    let national = Calendar::parse_csv("(built-in) cn-mainland.csv", NATIONAL)?;
    calendar.add("(built-in) cn-mainland.csv", &national)?;
    for (name, text) in files {
        calendar.add(name, &Calendar::parse_csv(name, text)?)?;
    }
    Ok(calendar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_calendar_covers_2025_and_2026() {
        let calendar = load(&CalendarConfig::default()).unwrap();
        assert_eq!(
            calendar.covered_years().collect::<Vec<_>>(),
            vec![2025, 2026]
        );
    }

    #[test]
    fn a_folder_adds_next_year_and_local_closures() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("2027.csv"), "2027-01-01,holiday,元旦\n").unwrap();
        std::fs::write(
            dir.path().join("local.csv"),
            "2026-03-02,closure,停电检修\n",
        )
        .unwrap();
        let config = CalendarConfig {
            dir: Some(dir.path().to_owned()),
            ..CalendarConfig::default()
        };
        let calendar = load(&config).unwrap();
        assert_eq!(
            calendar.covered_years().collect::<Vec<_>>(),
            vec![2025, 2026, 2027]
        );
        assert!(!calendar.is_working_day(chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()));
    }

    #[test]
    fn the_shipped_file_matches_the_built_in_data() {
        let on_disk = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("calendar/cn-mainland.csv"),
        )
        .unwrap();
        assert_eq!(on_disk, NATIONAL);
    }
}
