//! Server configuration: built-in defaults, then a TOML file, then `LIANBAN_*` environment
//! variables (nested keys joined with `__`), then a check of the result.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveTime, Utc};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use lianban_orchestrator::SessionPolicy;
use lianban_orchestrator::case::CasePolicy;
use lianban_orchestrator::staffing::Post;
use lianban_orchestrator::warning::WarningPolicy;
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// How far one move of a manual clock may go by default: five years, enough to walk any
/// application through its deadlines, too little to push the clock out of the calendar's reach.
pub const DEFAULT_CLOCK_HORIZON_DAYS: u32 = 1827;
/// The largest horizon an operator may configure: a hundred years.
pub const MAX_CLOCK_HORIZON_DAYS: u32 = 36_525;

/// Everything the server reads at start-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the gRPC server listens on.
    pub listen: SocketAddr,
    /// A loopback address where the server also answers the health service alone, in plaintext
    /// and without authentication, for `lianban-server probe` run inside the container (an exec
    /// readiness probe); unset means no such listener.
    pub probe_listen: Option<SocketAddr>,
    /// Database URL: `sqlite://path?mode=rwc` (embedded) or `postgres://…` (production).
    pub database_url: String,
    /// Folder of catalogue TOML files; unset means the sample catalogue built into the binary.
    pub catalogue_dir: Option<PathBuf>,
    /// Log filter in `RUST_LOG` syntax.
    pub log_filter: String,
    /// `system`, or `manual` for tests and training (refused unless listening on loopback).
    pub clock: ClockKind,
    /// Where a manual clock starts; unset means the system time at start-up.
    pub manual_clock_start: Option<DateTime<Utc>>,
    /// The farthest one SetTime or AdvanceTime may move a manual clock, in days.
    pub manual_clock_horizon_days: u32,
    /// The service centre's working calendar.
    pub calendar: CalendarConfig,
    /// When open branches turn yellow.
    pub warnings: WarningPolicy,
    /// Cron schedule (with seconds) of the safety sweep for passed deadlines.
    pub deadline_sweep: String,
    /// Traces, metrics and logs for operators.
    pub telemetry: crate::telemetry::TelemetryConfig,
    /// Posts of departments (AB岗), declared at start-up (more can be declared through StaffService).
    pub posts: Vec<Post>,
    /// Cron schedule (with seconds, in the centre's time zone) of the daily overdue digest; it is
    /// written on working days only.
    pub digest_schedule: String,
    /// Joint review sessions: notice period and grace period.
    pub sessions: SessionConfig,
    /// Complaints and rectifications: the departments' deadlines in working days.
    #[serde(default)]
    pub cases: CaseConfig,
    /// Limits that protect the service: request size, calls and streams per connection and per
    /// caller, deadlines and keepalives.
    #[serde(default)]
    pub limits: crate::limits::LimitsConfig,
    /// The server's certificate and the CA of its callers' certificates.
    #[serde(default)]
    pub tls: crate::identity::TlsConfig,
    /// The identity provider whose tokens people bring.
    #[serde(default)]
    pub identity: crate::identity::IdentityConfig,
    /// Seconds in-flight calls have to finish once the server begins to stop (keep it below the
    /// orchestrator's termination grace period).
    pub drain_seconds: u64,
    /// How often, in milliseconds, a replica reads what the others committed (changes for
    /// streams, notifications, staffing, calendar, the manual clock); 10 to 5,000.
    pub follow_milliseconds: u64,
    /// The keys of the audit chain, and until when unkeyed events are accepted.
    #[serde(default)]
    pub audit: crate::audit::AuditConfig,
    /// The store's connection wait bound and the readiness probe's timing.
    #[serde(default)]
    pub store: crate::store::StoreConfig,
    /// The web console: its listener and how people sign in.
    #[serde(default)]
    pub console: crate::console::ConsoleConfig,
    /// The national data exchange: its format and the centre's administrative division code.
    #[serde(default)]
    pub exchange: crate::exchange_settings::ExchangeConfig,
    /// The monthly assessment's points and penalties (考核细则).
    #[serde(default)]
    pub assessment: lianban_orchestrator::assessment::AssessmentWeights,
}

/// How joint review sessions run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// A department told of a session fewer working days than this before it starts is not deemed
    /// to consent by its absence.
    pub notice_working_days: u32,
    /// Minutes after a session's scheduled end at which the system closes it if the lead has not.
    pub grace_minutes: u32,
}

impl Default for SessionConfig {
    fn default() -> Self {
        let policy = SessionPolicy::default();
        SessionConfig {
            notice_working_days: policy.notice_working_days,
            grace_minutes: u32::try_from(policy.grace.num_minutes()).unwrap_or(120),
        }
    }
}

impl SessionConfig {
    /// The engine's policy.
    pub fn policy(&self) -> SessionPolicy {
        SessionPolicy {
            notice_working_days: self.notice_working_days,
            grace: chrono::Duration::minutes(i64::from(self.grace_minutes)),
        }
    }
}

/// How long departments have to answer supervision cases, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseConfig {
    /// Working days a department has to reply to a complaint (投诉), 1 to 60.
    pub complaint_days: u32,
    /// Working days a department has to rectify after a negative review (差评整改), 1 to 60;
    /// local rules say 5, 7 or 15.
    pub rectification_days: u32,
}

impl Default for CaseConfig {
    fn default() -> Self {
        let policy = CasePolicy::default();
        CaseConfig {
            complaint_days: policy.complaint_days,
            rectification_days: policy.rectification_days,
        }
    }
}

impl CaseConfig {
    /// The engine's policy.
    pub fn policy(&self) -> CasePolicy {
        CasePolicy {
            complaint_days: self.complaint_days,
            rectification_days: self.rectification_days,
        }
    }

    /// Refuses a deadline of no working day or of more than 60.
    fn validate(&self) -> Result<(), Error> {
        for (name, days) in [
            ("complaint_days", self.complaint_days),
            ("rectification_days", self.rectification_days),
        ] {
            if !(1..=60).contains(&days) {
                return Err(Error::Config(format!(
                    "cases.{name} must be 1 to 60 working days, not {days}"
                )));
            }
        }
        Ok(())
    }
}

/// Which clock the server reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// The operating system's clock.
    System,
    /// A clock that only moves through the admin RPC.
    Manual,
}

/// The working calendar: zone, closing time and holiday data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// IANA time zone of the centre.
    pub time_zone: String,
    /// Closing time, `HH:MM`: a day's deadlines fall at this time.
    pub closing_time: String,
    /// A folder of extra `*.csv` calendar files (next year's notice, local closures), loaded on
    /// top of the built-in national data.
    pub dir: Option<PathBuf>,
}

impl Default for CalendarConfig {
    fn default() -> Self {
        CalendarConfig {
            time_zone: "Asia/Shanghai".to_owned(),
            closing_time: "17:30".to_owned(),
            dir: None,
        }
    }
}

impl CalendarConfig {
    /// The time zone, checked.
    pub fn zone(&self) -> Result<chrono_tz::Tz, Error> {
        self.time_zone.parse().map_err(|_| {
            Error::Config(format!(
                "calendar.time_zone {:?} is not an IANA time zone",
                self.time_zone
            ))
        })
    }

    /// The closing time, checked.
    pub fn closing(&self) -> Result<NaiveTime, Error> {
        NaiveTime::parse_from_str(&self.closing_time, "%H:%M").map_err(|_| {
            Error::Config(format!(
                "calendar.closing_time {:?} is not HH:MM",
                self.closing_time
            ))
        })
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            probe_listen: None,
            database_url: "sqlite://data/lianban.db?mode=rwc".to_owned(),
            catalogue_dir: None,
            log_filter: "info,sqlx=warn,h2=warn,hyper=warn,tower=warn".to_owned(),
            clock: ClockKind::System,
            manual_clock_start: None,
            manual_clock_horizon_days: DEFAULT_CLOCK_HORIZON_DAYS,
            calendar: CalendarConfig::default(),
            warnings: WarningPolicy::default(),
            deadline_sweep: "0 * * * * *".to_owned(),
            digest_schedule: "0 30 8 * * *".to_owned(),
            posts: Vec::new(),
            telemetry: crate::telemetry::TelemetryConfig::default(),
            sessions: SessionConfig::default(),
            cases: CaseConfig::default(),
            limits: crate::limits::LimitsConfig::default(),
            tls: crate::identity::TlsConfig::default(),
            identity: crate::identity::IdentityConfig::default(),
            drain_seconds: 20,
            follow_milliseconds: 250,
            audit: crate::audit::AuditConfig::default(),
            store: crate::store::StoreConfig::default(),
            console: crate::console::ConsoleConfig::default(),
            exchange: crate::exchange_settings::ExchangeConfig::default(),
            assessment: Default::default(),
        }
    }
}

impl Config {
    /// Loads the layers: defaults, the TOML file (when given, or `lianban.toml` when present), the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, Error> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(Error::Config(format!(
                    "configuration file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file(path)),
            None => figment = figment.merge(Toml::file("lianban.toml")),
        }
        let config: Config = figment
            .merge(Env::prefixed("LIANBAN_").split("__").ignore(&["CONFIG"]))
            .extract()
            .map_err(|error| Error::Config(error.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Off the loopback interface, callers must be authenticated over TLS, the audit chain keyed
    /// and personal data not hashed with the key everyone knows: each refusal says what to
    /// configure.
    fn check_exposure(&self) -> Result<(), Error> {
        if self.listen.ip().is_loopback() {
            return Ok(());
        }
        let listen = self.listen;
        if !self.tls.is_enabled() {
            return Err(Error::Config(format!(
                "listening on {listen} without TLS is refused: set tls.cert and tls.key (and \
                 tls.client_ca for department systems), or listen on 127.0.0.1"
            )));
        }
        if !crate::identity::authentication_on(&self.tls, &self.identity) {
            return Err(Error::Config(format!(
                "listening on {listen} without authentication is refused: set tls.client_ca \
                 (client certificates) and/or identity.jwks_file with identity.issuer (tokens)"
            )));
        }
        if self.audit.key_id.is_none() {
            return Err(Error::Config(format!(
                "listening on {listen} with an unkeyed audit chain is refused: set audit.key_id \
                 and audit.key_file (LIANBAN_AUDIT__KEY_FILE) from a secret"
            )));
        }
        if self.telemetry.pii_key == crate::telemetry::DEVELOPMENT_PII_KEY {
            return Err(Error::Config(format!(
                "listening on {listen} with the built-in telemetry.pii_key is refused: set \
                 telemetry.pii_key (LIANBAN_TELEMETRY__PII_KEY) from a secret"
            )));
        }
        Ok(())
    }

    /// Refuses values that parse but cannot work.
    pub fn validate(&self) -> Result<(), Error> {
        let url = self.database_url.as_str();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(Error::Config(
                "database_url must start with sqlite:, postgres:// or postgresql://".to_owned(),
            ));
        }
        self.calendar.zone()?;
        self.calendar.closing()?;
        self.limits.validate()?;
        self.cases.validate()?;
        self.store.validate().map_err(Error::Config)?;
        self.tls.validate()?;
        self.identity.validate()?;
        self.console.validate(
            self.identity.accepts_tokens(),
            crate::identity::authentication_on(&self.tls, &self.identity),
        )?;
        self.exchange.validate().map_err(Error::Config)?;
        self.assessment
            .validate()
            .map_err(|error| Error::Config(error.to_string()))?;
        self.sweep_schedule()?;
        self.digest_schedule()?;
        if self.clock == ClockKind::Manual && !self.listen.ip().is_loopback() {
            return Err(Error::Config(format!(
                "clock = \"manual\" is only allowed on a loopback listen address, not {}",
                self.listen
            )));
        }
        self.check_exposure()?;
        if let Some(probe) = self.probe_listen {
            if !probe.ip().is_loopback() {
                return Err(Error::Config(format!(
                    "probe_listen {probe} is refused: the probe listener has no TLS and no \
                     authentication, so it may only listen on loopback (e.g. 127.0.0.1:50052)"
                )));
            }
            if probe == self.listen {
                return Err(Error::Config(format!(
                    "probe_listen {probe} is the listen address; give the probe its own port"
                )));
            }
        }
        if !(10..=5000).contains(&self.follow_milliseconds) {
            return Err(Error::Config(format!(
                "follow_milliseconds {} is not between 10 and 5000",
                self.follow_milliseconds
            )));
        }
        if self.drain_seconds > 3600 {
            return Err(Error::Config(format!(
                "drain_seconds {} is more than an hour",
                self.drain_seconds
            )));
        }
        if !(1..=MAX_CLOCK_HORIZON_DAYS).contains(&self.manual_clock_horizon_days) {
            return Err(Error::Config(format!(
                "manual_clock_horizon_days {} is not between 1 and {MAX_CLOCK_HORIZON_DAYS}",
                self.manual_clock_horizon_days
            )));
        }
        let share = self.warnings.yellow_share_of_limit;
        if !(0.0..=1.0).contains(&share) {
            return Err(Error::Config(format!(
                "warnings.yellow_share_of_limit {share} is not between 0 and 1"
            )));
        }
        if let Some(dir) = self.calendar.dir.as_ref().filter(|dir| !dir.is_dir()) {
            return Err(Error::Config(format!(
                "calendar.dir {} is not a folder",
                dir.display()
            )));
        }
        if let Some(dir) = self.catalogue_dir.as_ref().filter(|dir| !dir.is_dir()) {
            return Err(Error::Config(format!(
                "catalogue_dir {} is not a folder",
                dir.display()
            )));
        }
        self.audit.keys()?;
        Ok(())
    }
}

impl Config {
    /// The digest's schedule, checked.
    pub fn digest_schedule(&self) -> Result<cron::Schedule, Error> {
        self.digest_schedule.parse().map_err(|error| {
            Error::Config(format!(
                "digest_schedule {:?} is not a cron schedule with seconds (e.g. \"0 30 8 * * *\"): {error}",
                self.digest_schedule
            ))
        })
    }

    /// The safety sweep's schedule, checked.
    pub fn sweep_schedule(&self) -> Result<cron::Schedule, Error> {
        self.deadline_sweep.parse().map_err(|error| {
            Error::Config(format!(
                "deadline_sweep {:?} is not a cron schedule with seconds (e.g. \"0 * * * * *\"): {error}",
                self.deadline_sweep
            ))
        })
    }
}

/// A database URL with any password replaced, safe to log.
pub fn redact_url(url: &str) -> String {
    const SECRET_PARAMETERS: [&str; 5] = ["password", "pass", "pwd", "sslpassword", "secret"];
    let Ok(mut parsed) = url::Url::parse(url) else {
        // Not a URL the parser reads: nothing of it is worth the risk of a password in the log.
        return "<an unreadable database URL>".to_owned();
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    let has_secret = parsed
        .query_pairs()
        .any(|(key, _)| SECRET_PARAMETERS.contains(&key.to_ascii_lowercase().as_str()));
    if has_secret {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let secret = SECRET_PARAMETERS.contains(&key.to_ascii_lowercase().as_str());
                let value = if secret {
                    "***".to_owned()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/lianban"),
            "postgres://app:***@db:5432/lianban"
        );
        assert_eq!(
            redact_url("sqlite://data/lianban.db?mode=rwc"),
            "sqlite://data/lianban.db?mode=rwc"
        );
        for leaky in [
            "postgres://app:p@ss@db/lianban",
            "postgres://app@db/lianban?password=s3cret&sslmode=require",
            "postgresql://db/lianban?user=app&PASSWORD=s3cret",
            "postgres://app:s3cret@db:5432/lianban?password=s3cret",
            "not a url with s3cret inside",
        ] {
            let shown = redact_url(leaky);
            assert!(
                !shown.contains("s3cret") && !shown.contains("ss@"),
                "{leaky} → {shown}"
            );
        }
        assert!(
            redact_url("postgres://app@db/lianban?password=x&sslmode=require")
                .contains("sslmode=require")
        );
    }

    #[test]
    fn the_example_configuration_in_deploy_loads() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/lianban.example.toml");
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn case_deadlines_outside_one_to_sixty_working_days_are_refused() {
        for days in [0, 61] {
            let config = Config {
                cases: CaseConfig {
                    complaint_days: 5,
                    rectification_days: days,
                },
                ..Config::default()
            };
            let refusal = config.validate().unwrap_err().to_string();
            assert!(refusal.contains("cases.rectification_days"), "{refusal}");
        }
        let local = CaseConfig {
            complaint_days: 5,
            rectification_days: 7,
        };
        assert_eq!(local.policy().rectification_days, 7);
    }

    #[test]
    fn a_manual_clock_is_refused_off_loopback() {
        let config = Config {
            clock: ClockKind::Manual,
            listen: "0.0.0.0:50051".parse().unwrap(),
            ..Config::default()
        };
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("loopback")
        );
        let config = Config {
            clock: ClockKind::Manual,
            ..Config::default()
        };
        assert!(config.validate().is_ok());
    }

    #[test]
    fn a_probe_listener_off_loopback_is_refused() {
        let config = Config {
            probe_listen: Some("0.0.0.0:50052".parse().unwrap()),
            ..Config::default()
        };
        let refusal = config.validate().unwrap_err().to_string();
        assert!(refusal.contains("probe_listen"), "{refusal}");
        let config = Config {
            probe_listen: Some(Config::default().listen),
            ..Config::default()
        };
        assert!(config.validate().is_err());
        for probe in ["127.0.0.1:50052", "[::1]:50052"] {
            let config = Config {
                probe_listen: Some(probe.parse().unwrap()),
                ..Config::default()
            };
            assert!(config.validate().is_ok(), "{probe}");
        }
    }

    #[test]
    fn bad_calendar_and_schedule_settings_are_named() {
        let mut config = Config::default();
        config.calendar.time_zone = "Mars/Olympus".into();
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("calendar.time_zone")
        );
        let config = Config {
            deadline_sweep: "*/5 * * * *".into(),
            ..Config::default()
        };
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("deadline_sweep")
        );
    }

    #[test]
    fn a_bad_database_url_is_refused() {
        let config = Config {
            database_url: "mysql://x".into(),
            ..Config::default()
        };
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("database_url")
        );
    }
}
