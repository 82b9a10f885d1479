//! The server's one clock: the system's, or a manual one that tests and training servers move
//! through the admin RPC. Every decision reads the time here, so that a moved clock moves them all.

use std::sync::Arc;

use chrono::{DateTime, Days, Utc};
use chrono_tz::Tz;

use crate::error::Error;

/// Where the server reads the time. One clock for the whole server, so that tests can drive it.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to: tests and training walk an application through weeks
/// in seconds. It never goes backwards, nor further in one move than its horizon.
#[derive(Debug)]
pub struct ManualClock {
    now: std::sync::Mutex<DateTime<Utc>>,
    horizon_days: u32,
}

impl ManualClock {
    /// A clock standing at `start`, with the default horizon of five years.
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            now: std::sync::Mutex::new(start),
            horizon_days: crate::config::DEFAULT_CLOCK_HORIZON_DAYS,
        }
    }

    /// The same clock, refusing to move further than `days` days in one move.
    pub fn with_horizon(mut self, days: u32) -> Self {
        self.horizon_days = days;
        self
    }

    /// Moves the clock to `to`; refused when that is in its past or beyond its horizon. Times in
    /// the refusal read in `zone`, the centre's.
    pub fn set(&self, to: DateTime<Utc>, zone: Tz) -> Result<DateTime<Utc>, Error> {
        let mut now = self.now.lock().expect("clock lock");
        let local = |at: DateTime<Utc>| {
            at.with_timezone(&zone)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        };
        if to < *now {
            return Err(Error::invalid(
                "time",
                format!("{} is before the clock's time {}", local(to), local(*now)),
            ));
        }
        if now
            .checked_add_days(Days::new(u64::from(self.horizon_days)))
            .is_none_or(|limit| to > limit)
        {
            return Err(Error::invalid(
                "time",
                format!(
                    "{} is more than {} days after the clock's time {}",
                    local(to),
                    self.horizon_days,
                    local(*now)
                ),
            ));
        }
        *now = to;
        Ok(to)
    }

    /// Moves the clock forward to `at`, where another replica moved the shared clock; never back.
    /// Returns whether it moved.
    pub fn catch_up(&self, at: DateTime<Utc>) -> bool {
        let mut now = self.now.lock().expect("clock lock");
        if at > *now {
            *now = at;
            true
        } else {
            false
        }
    }

    /// The farthest one move may go, in days.
    pub fn horizon_days(&self) -> u32 {
        self.horizon_days
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().expect("clock lock")
    }
}

/// Which clock a runtime reads.
pub enum RuntimeClock {
    /// The system clock.
    System,
    /// A manual clock, which the admin RPC moves.
    Manual(Arc<ManualClock>),
}
