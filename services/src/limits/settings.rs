//! The `[limits]` settings: their defaults, their check, and how they become durations.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Limits that protect the service; every one has a default (see `deploy/lianban.example.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest request message the server decodes, in bytes; beyond it the call is refused with
    /// `RESOURCE_EXHAUSTED` / `LIMIT_EXCEEDED`.
    pub max_request_bytes: u64,
    /// Calls in flight on one connection (an open stream counts until it ends); beyond it a call
    /// is refused.
    pub max_calls_per_connection: u64,
    /// HTTP/2 `SETTINGS_MAX_CONCURRENT_STREAMS` announced to clients: at least
    /// `max_calls_per_connection`, so that extra calls are refused with a status rather than
    /// queued by the client.
    pub http2_max_concurrent_streams: u32,
    /// Open server streams (`WatchTasks`, `Subscribe`, `WatchProject`) on one connection.
    pub max_streams_per_connection: u64,
    /// Open server streams of one caller (until callers authenticate: one peer IP address) over
    /// all its connections.
    pub max_streams_per_caller: u64,
    /// Time a unary call (or the opening of a stream) may take; beyond it the call is cancelled
    /// (`CANCELLED`, "Timeout expired"). A shorter `grpc-timeout` from the client wins.
    pub request_timeout_seconds: u64,
    /// Interval of HTTP/2 pings on a connection.
    pub http2_keepalive_interval_seconds: u64,
    /// Time a ping may go unanswered before the connection is closed.
    pub http2_keepalive_timeout_seconds: u64,
    /// Idle time before TCP keepalive probes start on an accepted connection.
    pub tcp_keepalive_seconds: u64,
    /// Time an accepted connection has to send the HTTP/2 connection preface; a connection that
    /// stays silent is closed.
    pub handshake_timeout_seconds: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_request_bytes: 4 * 1024 * 1024,
            max_calls_per_connection: 100,
            http2_max_concurrent_streams: 200,
            max_streams_per_connection: 16,
            max_streams_per_caller: 64,
            request_timeout_seconds: 60,
            http2_keepalive_interval_seconds: 30,
            http2_keepalive_timeout_seconds: 20,
            tcp_keepalive_seconds: 60,
            handshake_timeout_seconds: 10,
        }
    }
}

impl LimitsConfig {
    /// Refuses settings that cannot work.
    pub fn validate(&self) -> Result<(), Error> {
        let positive = [
            ("max_request_bytes", self.max_request_bytes),
            ("max_calls_per_connection", self.max_calls_per_connection),
            (
                "max_streams_per_connection",
                self.max_streams_per_connection,
            ),
            ("max_streams_per_caller", self.max_streams_per_caller),
            ("request_timeout_seconds", self.request_timeout_seconds),
            (
                "http2_keepalive_interval_seconds",
                self.http2_keepalive_interval_seconds,
            ),
            (
                "http2_keepalive_timeout_seconds",
                self.http2_keepalive_timeout_seconds,
            ),
            ("tcp_keepalive_seconds", self.tcp_keepalive_seconds),
            ("handshake_timeout_seconds", self.handshake_timeout_seconds),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, value)| *value == 0) {
            return Err(Error::Config(format!("limits.{name} must be above 0")));
        }
        if self.max_request_bytes < 1024 || self.max_request_bytes > u64::from(u32::MAX) {
            return Err(Error::Config(format!(
                "limits.max_request_bytes {} is not between 1024 and {}",
                self.max_request_bytes,
                u32::MAX
            )));
        }
        if u64::from(self.http2_max_concurrent_streams) < self.max_calls_per_connection {
            return Err(Error::Config(format!(
                "limits.http2_max_concurrent_streams {} is below limits.max_calls_per_connection {}",
                self.http2_max_concurrent_streams, self.max_calls_per_connection
            )));
        }
        if self.max_streams_per_connection > self.max_calls_per_connection {
            return Err(Error::Config(format!(
                "limits.max_streams_per_connection {} is above limits.max_calls_per_connection {}",
                self.max_streams_per_connection, self.max_calls_per_connection
            )));
        }
        Ok(())
    }

    /// The request size limit for tonic's decoders.
    pub fn max_request_size(&self) -> usize {
        usize::try_from(self.max_request_bytes).unwrap_or(usize::MAX)
    }

    /// The unary deadline.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_seconds)
    }

    /// The HTTP/2 ping interval.
    pub fn http2_keepalive_interval(&self) -> Duration {
        Duration::from_secs(self.http2_keepalive_interval_seconds)
    }

    /// The HTTP/2 ping timeout.
    pub fn http2_keepalive_timeout(&self) -> Duration {
        Duration::from_secs(self.http2_keepalive_timeout_seconds)
    }

    /// The TCP keepalive idle time.
    pub fn tcp_keepalive(&self) -> Duration {
        Duration::from_secs(self.tcp_keepalive_seconds)
    }

    /// The deadline of the HTTP/2 preface.
    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_secs(self.handshake_timeout_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        assert!(LimitsConfig::default().validate().is_ok());
    }

    #[test]
    fn unworkable_limits_are_named() {
        let refused = |config: LimitsConfig| config.validate().unwrap_err().to_string();
        let zero = LimitsConfig {
            max_streams_per_caller: 0,
            ..LimitsConfig::default()
        };
        assert!(refused(zero).contains("limits.max_streams_per_caller"));
        let queued = LimitsConfig {
            http2_max_concurrent_streams: 10,
            ..LimitsConfig::default()
        };
        assert!(refused(queued).contains("limits.http2_max_concurrent_streams"));
        let tiny = LimitsConfig {
            max_request_bytes: 10,
            ..LimitsConfig::default()
        };
        assert!(refused(tiny).contains("limits.max_request_bytes"));
        let streams = LimitsConfig {
            max_streams_per_connection: 1000,
            ..LimitsConfig::default()
        };
        assert!(refused(streams).contains("limits.max_streams_per_connection"));
    }
}
