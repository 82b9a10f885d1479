//! The `[store]` settings: how long a call may wait for a database connection, and how often and
//! how patiently readiness probes the database (see `health.rs`).
//!
//! A call never waits longer than `acquire_timeout_ms` for a connection, opening one included:
//! while the database is unreachable, calls are answered `UNAVAILABLE` (`STORE_UNAVAILABLE`) after
//! that bound instead of hanging for the pool's 30-second default.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The store's connection and readiness settings; every one has a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// The most a call waits for a database connection (a free one, or a new one opened), in
    /// milliseconds; beyond it the call is answered `UNAVAILABLE`.
    pub acquire_timeout_ms: u64,
    /// Interval of the readiness probe (a trivial query), in milliseconds.
    pub health_interval_ms: u64,
    /// Time the probe's query may take before the store counts as unreachable, in milliseconds.
    pub health_timeout_ms: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            acquire_timeout_ms: 5_000,
            health_interval_ms: 2_000,
            health_timeout_ms: 1_000,
        }
    }
}

/// The longest any of the store's settings may be: ten minutes.
const MOST_MS: u64 = 600_000;

impl StoreConfig {
    /// Refuses settings that cannot work; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        let settings = [
            ("acquire_timeout_ms", self.acquire_timeout_ms),
            ("health_interval_ms", self.health_interval_ms),
            ("health_timeout_ms", self.health_timeout_ms),
        ];
        for (name, value) in settings {
            if !(1..=MOST_MS).contains(&value) {
                return Err(format!(
                    "store.{name} {value} is not between 1 and {MOST_MS} (milliseconds)"
                ));
            }
        }
        Ok(())
    }

    /// The bound on waiting for a connection.
    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.acquire_timeout_ms)
    }

    /// The probe's interval.
    pub fn health_interval(&self) -> Duration {
        Duration::from_millis(self.health_interval_ms)
    }

    /// The probe's timeout.
    pub fn health_timeout(&self) -> Duration {
        Duration::from_millis(self.health_timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_huge_settings_are_refused_by_name() {
        assert!(StoreConfig::default().validate().is_ok());
        let zero = StoreConfig {
            health_interval_ms: 0,
            ..StoreConfig::default()
        };
        assert!(
            zero.validate()
                .unwrap_err()
                .contains("store.health_interval_ms")
        );
        let huge = StoreConfig {
            acquire_timeout_ms: MOST_MS + 1,
            ..StoreConfig::default()
        };
        assert!(
            huge.validate()
                .unwrap_err()
                .contains("store.acquire_timeout_ms")
        );
    }
}
