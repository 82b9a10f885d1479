//! Warnings (黄牌预警 / 红牌): how close an open branch, or a whole application, is to its deadline.
//!
//! Remaining working days are the working days after today up to and including the deadline's
//! day. Red once the deadline has passed; yellow when the remaining days are at most a threshold
//! or at most a share of the limit; green otherwise. Warnings are computed when read, from the
//! deadline and the time, so they never go stale in the store.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Deadline};

/// A warning colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    /// Comfortably within the limit.
    Green,
    /// Close to the deadline.
    Yellow,
    /// Past the deadline.
    Red,
}

/// When a branch turns yellow. Configurable per centre.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningPolicy {
    /// Yellow when at most this many working days remain.
    pub yellow_remaining_days: u32,
    /// Yellow when the remaining days are at most this share of the limit.
    pub yellow_share_of_limit: f64,
}

impl Default for WarningPolicy {
    fn default() -> Self {
        WarningPolicy {
            yellow_remaining_days: 1,
            yellow_share_of_limit: 1.0 / 3.0,
        }
    }
}

/// The state of one deadline at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    /// Working days after today up to and including the deadline's day.
    pub remaining_days: u32,
    /// The colour.
    pub colour: Colour,
}

/// Assesses a deadline with a limit of `limit_days` at `now`.
pub fn assess(
    calendar: &Calendar,
    policy: &WarningPolicy,
    deadline: &Deadline,
    limit_days: u32,
    now: DateTime<Utc>,
) -> Assessment {
    let today = calendar.local_date(now);
    let remaining_days = calendar.working_days_between(today, calendar.local_date(deadline.at));
    let colour = if now > deadline.at {
        Colour::Red
    } else if remaining_days <= policy.yellow_remaining_days
        || f64::from(remaining_days) <= f64::from(limit_days) * policy.yellow_share_of_limit
    {
        Colour::Yellow
    } else {
        Colour::Green
    };
    Assessment {
        remaining_days,
        colour,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveTime, TimeZone};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, 3, day, hour, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn colours_follow_the_remaining_working_days() {
        let calendar = Calendar::new(
            chrono_tz::Asia::Shanghai,
            NaiveTime::from_hms_opt(17, 30, 0).unwrap(),
        );
        let policy = WarningPolicy::default();
        // Started Monday 2 March with 6 working days: deadline Tuesday 10 March 17:30.
        let deadline = calendar.deadline(at(2, 10), 6);
        let colour_on = |day, hour| assess(&calendar, &policy, &deadline, 6, at(day, hour));
        assert_eq!(
            colour_on(2, 11),
            Assessment {
                remaining_days: 6,
                colour: Colour::Green
            }
        );
        assert_eq!(
            colour_on(5, 11),
            Assessment {
                remaining_days: 3,
                colour: Colour::Green
            }
        );
        assert_eq!(
            colour_on(6, 11),
            Assessment {
                remaining_days: 2,
                colour: Colour::Yellow
            },
            "a third of 6"
        );
        assert_eq!(colour_on(9, 11).colour, Colour::Yellow);
        assert_eq!(
            colour_on(10, 17).colour,
            Colour::Yellow,
            "its last working day"
        );
        assert_eq!(
            colour_on(10, 18),
            Assessment {
                remaining_days: 0,
                colour: Colour::Red
            }
        );
    }
}
