//! The working-day calendar of a service centre, and deadlines counted in it.
//!
//! A day is a working day unless it is a weekend day, a statutory holiday or a local closure; a
//! make-up working day (调休上班) works even on a weekend. Holidays come from data (one row per
//! day: `date,kind,name`), so a centre adds next year's State Council notice without a rebuild. A
//! year with no holiday rows is not covered: counting through it uses weekends only and marks the
//! result provisional, to be corrected when the year's data arrives.
//!
//! Deadline rule (民法典 第201条: the start day never counts): a limit of N working days that starts
//! at instant t ends at the closing time of the N-th working day strictly after t's local date.
//! N = 0 (即办件) ends at closing time of t's own date when that is a working day and t is before
//! closing, otherwise at closing time of the next working day.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::CalendarError;

/// How a listed day differs from an ordinary weekday or weekend day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A statutory holiday (放假): closed.
    Holiday,
    /// A make-up working day (调休上班): open even on a weekend.
    Workday,
    /// A local extra closure of this centre: closed.
    Closure,
}

/// One listed day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    /// The date.
    pub date: NaiveDate,
    /// What kind of day.
    pub kind: DayKind,
    /// Its name, for people.
    pub name: String,
}

/// When a limit ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// Closing time of the last working day.
    pub at: DateTime<Utc>,
    /// True when counting went through a year the calendar does not cover (weekends only).
    pub provisional: bool,
}

/// A service centre's working calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    zone: Tz,
    closing: NaiveTime,
    days: BTreeMap<NaiveDate, DayKind>,
    covered_years: BTreeSet<i32>,
}

impl Calendar {
    /// An empty calendar: weekends only, no year covered.
    pub fn new(zone: Tz, closing: NaiveTime) -> Self {
        Calendar {
            zone,
            closing,
            days: BTreeMap::new(),
            covered_years: BTreeSet::new(),
        }
    }

    /// The centre's time zone.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The daily closing time.
    pub fn closing(&self) -> NaiveTime {
        self.closing
    }

    /// Parses a calendar file: `date,kind,name` rows (kind is holiday, workday or closure);
    /// `#` comments, blank lines and a `date,kind,name` header are skipped.
    pub fn parse_csv(file: &str, text: &str) -> Result<Vec<CalendarEntry>, CalendarError> {
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("date,") {
                continue;
            }
            let invalid = |message: String| CalendarError::Invalid {
                file: file.to_owned(),
                line: index + 1,
                message,
            };
            let mut fields = line.splitn(3, ',');
            let date = fields.next().unwrap_or_default().trim();
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|_| invalid(format!("{date:?} is not a date (YYYY-MM-DD)")))?;
            let kind = match fields.next().map(str::trim) {
                Some("holiday") => DayKind::Holiday,
                Some("workday") => DayKind::Workday,
                Some("closure") => DayKind::Closure,
                other => {
                    return Err(invalid(format!(
                        "kind {other:?} is not holiday, workday or closure"
                    )));
                }
            };
            let name = fields.next().unwrap_or_default().trim().to_owned();
            entries.push(CalendarEntry { date, kind, name });
        }
        Ok(entries)
    }

    /// Adds entries. A date listed twice with different kinds is refused and nothing is added.
    pub fn add(&mut self, file: &str, entries: &[CalendarEntry]) -> Result<(), CalendarError> {
        let mut merged = self.days.clone();
        for entry in entries {
            match merged.insert(entry.date, entry.kind) {
                Some(previous) if previous != entry.kind => {
                    return Err(CalendarError::Conflict {
                        file: file.to_owned(),
                        date: entry.date,
                    });
                }
                _ => {}
            }
        }
        self.days = merged;
        for entry in entries.iter().filter(|e| e.kind == DayKind::Holiday) {
            self.covered_years.insert(entry.date.year());
        }
        Ok(())
    }

    /// Years whose statutory holidays are known.
    pub fn covered_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.covered_years.iter().copied()
    }

    /// Whether the centre works on `date`.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(DayKind::Workday) => true,
            Some(DayKind::Holiday | DayKind::Closure) => false,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    fn is_covered(&self, date: NaiveDate) -> bool {
        self.covered_years.contains(&date.year())
    }

    /// The `n`-th working day strictly after `from` (`from` itself for n = 0), and whether counting
    /// went through a year the calendar does not cover.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> (NaiveDate, bool) {
        let mut day = from;
        let mut provisional = false;
        let mut counted = 0;
        while counted < n {
            day = day
                .checked_add_days(Days::new(1))
                .expect("date within chrono's range");
            provisional |= !self.is_covered(day);
            if self.is_working_day(day) {
                counted += 1;
            }
        }
        (day, provisional)
    }

    /// The local date of an instant.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// The instant the centre closes on `date`.
    pub fn closing_instant(&self, date: NaiveDate) -> DateTime<Utc> {
        let local = date.and_time(self.closing);
        self.zone
            .from_local_datetime(&local)
            .earliest()
            // A closing time inside a daylight-saving gap: the same wall time an hour later.
            .or_else(|| {
                self.zone
                    .from_local_datetime(&(local + chrono::Duration::hours(1)))
                    .earliest()
            })
            .expect("a closing time exists on every date")
            .with_timezone(&Utc)
    }

    /// The deadline of a limit of `n` working days that starts at `start`.
    pub fn deadline(&self, start: DateTime<Utc>, n: u32) -> Deadline {
        let today = self.local_date(start);
        if n == 0 {
            if self.is_working_day(today) && start < self.closing_instant(today) {
                return Deadline {
                    at: self.closing_instant(today),
                    provisional: !self.is_covered(today),
                };
            }
            let (day, provisional) = self.add_working_days(today, 1);
            return Deadline {
                at: self.closing_instant(day),
                provisional,
            };
        }
        let (day, provisional) = self.add_working_days(today, n);
        Deadline {
            at: self.closing_instant(day),
            provisional,
        }
    }

    /// The working days after `today` up to and including `day` (0 when `day` is not after `today`).
    pub fn working_days_between(&self, today: NaiveDate, day: NaiveDate) -> u32 {
        let mut count = 0;
        let mut cursor = today;
        while cursor < day {
            cursor = cursor
                .checked_add_days(Days::new(1))
                .expect("date within chrono's range");
            if self.is_working_day(cursor) {
                count += 1;
            }
        }
        count
    }

    /// How many working days' closing times fall in `(from, to]`: the working time a pause took.
    pub fn closings_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let mut count = 0;
        let mut day = self.local_date(from);
        let last = self.local_date(to);
        while day <= last {
            let closing = self.closing_instant(day);
            if self.is_working_day(day) && closing > from && closing <= to {
                count += 1;
            }
            day = day
                .checked_add_days(Days::new(1))
                .expect("date within chrono's range");
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CN: &str = include_str!("../../services/calendar/cn-mainland.csv");

    fn china() -> Calendar {
        let mut calendar = Calendar::new(
            chrono_tz::Asia::Shanghai,
            NaiveTime::from_hms_opt(17, 30, 0).unwrap(),
        );
        calendar
            .add(
                "cn-mainland.csv",
                &Calendar::parse_csv("cn-mainland.csv", CN).unwrap(),
            )
            .unwrap();
        calendar
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// A Beijing-time instant.
    fn at(text: &str) -> DateTime<Utc> {
        let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        chrono_tz::Asia::Shanghai
            .from_local_datetime(&local)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn deadline_day(start: &str, n: u32) -> String {
        let calendar = china();
        let deadline = calendar.deadline(at(start), n);
        let local = deadline.at.with_timezone(&chrono_tz::Asia::Shanghai);
        assert_eq!(local.time(), NaiveTime::from_hms_opt(17, 30, 0).unwrap());
        local.date_naive().to_string()
    }

    #[test]
    fn both_years_have_248_working_days() {
        let calendar = china();
        for year in [2025, 2026] {
            let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
            let days = (0..366)
                .filter_map(|i| first.checked_add_days(Days::new(i)))
                .filter(|d| d.year() == year && calendar.is_working_day(*d))
                .count();
            assert_eq!(days, 248, "{year}");
        }
        assert_eq!(
            calendar.covered_years().collect::<Vec<_>>(),
            vec![2025, 2026]
        );
    }

    #[test]
    fn spring_festival_2026_with_its_make_up_saturdays() {
        // Accepted Friday 2026-02-13: 14 Feb is a make-up Saturday (day 1), 15–23 Feb closed,
        // 24 Feb day 2, 25 day 3, 26 day 4, 27 day 5, 28 Feb make-up Saturday day 6.
        assert_eq!(deadline_day("2026-02-13 10:00", 1), "2026-02-14");
        assert_eq!(deadline_day("2026-02-13 10:00", 2), "2026-02-24");
        assert_eq!(deadline_day("2026-02-13 10:00", 5), "2026-02-27");
        assert_eq!(deadline_day("2026-02-13 10:00", 6), "2026-02-28");
        assert_eq!(deadline_day("2026-02-13 10:00", 7), "2026-03-02");
        // Accepted on the make-up Saturday itself.
        assert_eq!(deadline_day("2026-02-14 09:00", 1), "2026-02-24");
        // 即办件 accepted on the make-up Saturday before closing: the same day.
        assert_eq!(deadline_day("2026-02-14 09:00", 0), "2026-02-14");
        // …after closing: the next working day, after the festival.
        assert_eq!(deadline_day("2026-02-14 18:00", 0), "2026-02-24");
        // 即办件 accepted during the festival: the first working day after it.
        assert_eq!(deadline_day("2026-02-17 10:00", 0), "2026-02-24");
    }

    #[test]
    fn spring_festival_2025() {
        // 2025: 26 Jan (Sun) make-up, 28 Jan – 4 Feb closed, 8 Feb (Sat) make-up.
        assert_eq!(deadline_day("2025-01-24 10:00", 1), "2025-01-26");
        assert_eq!(deadline_day("2025-01-24 10:00", 2), "2025-01-27");
        assert_eq!(deadline_day("2025-01-24 10:00", 3), "2025-02-05");
        // From Monday 27 Jan: 5, 6, 7 Feb, then the make-up Saturday 8 Feb is day 4.
        assert_eq!(deadline_day("2025-01-27 16:00", 4), "2025-02-08");
        assert_eq!(deadline_day("2025-01-27 16:00", 5), "2025-02-10");
        assert_eq!(deadline_day("2025-01-27 16:00", 20), "2025-03-03");
    }

    #[test]
    fn national_day_2025_and_2026() {
        // 2025: 28 Sep (Sun) make-up, 1–8 Oct closed, 11 Oct (Sat) make-up.
        assert_eq!(deadline_day("2025-09-26 10:00", 1), "2025-09-28");
        assert_eq!(deadline_day("2025-09-30 10:00", 1), "2025-10-09");
        assert_eq!(deadline_day("2025-09-30 10:00", 3), "2025-10-11");
        // 2026: 20 Sep (Sun) make-up, 25–27 Sep and 1–7 Oct closed, 10 Oct (Sat) make-up.
        assert_eq!(deadline_day("2026-09-24 10:00", 1), "2026-09-28");
        assert_eq!(deadline_day("2026-09-30 10:00", 1), "2026-10-08");
        assert_eq!(deadline_day("2026-09-30 10:00", 3), "2026-10-10");
        assert_eq!(deadline_day("2026-09-18 10:00", 1), "2026-09-20");
    }

    #[test]
    fn an_acceptance_late_in_the_evening_still_counts_from_the_next_day() {
        assert_eq!(deadline_day("2026-03-02 23:30", 1), "2026-03-03");
        // UTC already on the next day: the local date decides.
        assert_eq!(deadline_day("2026-03-03 07:30", 1), "2026-03-04");
    }

    #[test]
    fn beyond_the_covered_years_deadlines_are_provisional_weekends_only() {
        let calendar = china();
        let inside = calendar.deadline(at("2026-12-01 10:00"), 5);
        assert!(!inside.provisional);
        // 2027-01-01 is a Friday: weekends only, so the first working day after 31 Dec is 1 Jan.
        let beyond = calendar.deadline(at("2026-12-31 10:00"), 1);
        assert!(beyond.provisional);
        assert_eq!(calendar.local_date(beyond.at), date("2027-01-01"));
        let mut with_2027 = calendar.clone();
        let entries = vec![CalendarEntry {
            date: date("2027-01-01"),
            kind: DayKind::Holiday,
            name: "元旦".into(),
        }];
        with_2027.add("2027.csv", &entries).unwrap();
        let exact = with_2027.deadline(at("2026-12-31 10:00"), 1);
        assert!(!exact.provisional);
        assert_eq!(with_2027.local_date(exact.at), date("2027-01-04"));
    }

    #[test]
    fn bad_rows_name_the_file_and_line() {
        let error =
            Calendar::parse_csv("x.csv", "date,kind,name\n2026-13-01,holiday,x\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "calendar file x.csv line 2: \"2026-13-01\" is not a date (YYYY-MM-DD)"
        );
        let error = Calendar::parse_csv("x.csv", "2026-01-01,party,x\n").unwrap_err();
        assert!(error.to_string().contains("line 1"));
        let mut calendar = china();
        let conflict = vec![CalendarEntry {
            date: date("2026-02-14"),
            kind: DayKind::Holiday,
            name: String::new(),
        }];
        assert!(
            calendar
                .add("local.csv", &conflict)
                .unwrap_err()
                .to_string()
                .contains("2026-02-14")
        );
    }

    #[test]
    fn remaining_working_days_count_after_today_up_to_the_day() {
        let calendar = china();
        assert_eq!(
            calendar.working_days_between(date("2026-02-13"), date("2026-02-24")),
            2
        );
        assert_eq!(
            calendar.working_days_between(date("2026-02-24"), date("2026-02-24")),
            0
        );
        assert_eq!(
            calendar.working_days_between(date("2026-02-25"), date("2026-02-24")),
            0
        );
    }

    #[test]
    fn a_pause_counts_the_closings_inside_it() {
        let calendar = china();
        // From Friday 13 Feb 10:00 to Tuesday 24 Feb 09:00: closings of 13 Feb and 14 Feb.
        assert_eq!(
            calendar.closings_between(at("2026-02-13 10:00"), at("2026-02-24 09:00")),
            2
        );
        assert_eq!(
            calendar.closings_between(at("2026-02-13 18:00"), at("2026-02-14 17:30")),
            1
        );
        assert_eq!(
            calendar.closings_between(at("2026-03-02 09:00"), at("2026-03-02 12:00")),
            0
        );
    }

    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        // 2024-12-01 .. 2027-02-01, minute resolution: across both covered years and beyond.
        (1_733_011_200i64..1_801_440_000i64)
            .prop_map(|s| DateTime::from_timestamp(s - s % 60, 0).unwrap())
    }

    proptest! {
        #[test]
        fn a_deadline_is_on_a_working_day_at_closing_time(start in instant(), n in 0u32..60) {
            let calendar = china();
            let deadline = calendar.deadline(start, n);
            let day = calendar.local_date(deadline.at);
            prop_assert!(calendar.is_working_day(day));
            prop_assert_eq!(deadline.at, calendar.closing_instant(day));
            prop_assert!(deadline.at > start);
        }

        #[test]
        fn deadlines_are_monotonic_in_start_and_limit(a in instant(), b in instant(), n in 0u32..40, m in 0u32..40) {
            let calendar = china();
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(calendar.deadline(early, n).at <= calendar.deadline(late, n).at);
            let (low, high) = if n <= m { (n, m) } else { (m, n) };
            prop_assert!(calendar.deadline(early, low).at <= calendar.deadline(early, high).at);
        }

        #[test]
        fn adding_n_then_m_working_days_equals_adding_n_plus_m(start in instant(), n in 0u32..40, m in 0u32..40) {
            let calendar = china();
            let from = calendar.local_date(start);
            let (middle, _) = calendar.add_working_days(from, n);
            let (end, _) = calendar.add_working_days(middle, m);
            prop_assert_eq!(end, calendar.add_working_days(from, n + m).0);
            if n >= 1 && m >= 1 {
                let first = calendar.deadline(start, n);
                prop_assert_eq!(calendar.deadline(first.at, m).at, calendar.deadline(start, n + m).at);
            }
        }

        #[test]
        fn remaining_days_invert_adding(start in instant(), n in 0u32..40) {
            let calendar = china();
            let from = calendar.local_date(start);
            let (day, _) = calendar.add_working_days(from, n);
            prop_assert_eq!(calendar.working_days_between(from, day), n);
        }
    }
}
