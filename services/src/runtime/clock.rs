//! The server's one clock: the system's, or a manual one that tests and training servers move
//! through the admin RPC. Every decision reads the time here, so that a moved clock moves them all.

use std::sync::Arc;

use chrono::{DateTime, Utc};

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
/// in seconds. It never goes backwards.
#[derive(Debug)]
pub struct ManualClock {
    now: std::sync::Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            now: std::sync::Mutex::new(start),
        }
    }

    /// Moves the clock to `to`; refused when that is in its past.
    pub fn set(&self, to: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
        let mut now = self.now.lock().expect("clock lock");
        if to < *now {
            return Err(Error::invalid(
                "time",
                format!("{to} is before the clock's time {}", *now),
            ));
        }
        *now = to;
        Ok(to)
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
