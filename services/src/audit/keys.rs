//! The `[audit]` configuration: the key that signs the audit chain (`key_id` with `key_file`, or
//! an inline `key` for development), the keys rotated out that still check older events
//! (`previous_keys`, id → file), and until when unkeyed events are accepted
//! (`accept_plain_until`). A key holds at least 32 bytes once surrounding white space is trimmed.
//!
//! With no key the chain stays plain (SHA-256), and the store says so in one log line at
//! start-up. Secrets are never shown: `Debug` hides the inline key and messages name only files.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::store::{AuditKeys, AuditSecret};

/// The fewest bytes an audit key may have.
pub const MIN_KEY_BYTES: usize = 32;

/// The `[audit]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// The id of the key that signs new events, stored with each of them.
    pub key_id: Option<String>,
    /// A file holding the signing key's secret.
    pub key_file: Option<PathBuf>,
    /// The signing key's secret inline, for development (instead of `key_file`).
    pub key: Option<InlineKey>,
    /// Keys rotated out, id → file: they check the events they signed and sign nothing new.
    pub previous_keys: BTreeMap<String, PathBuf>,
    /// Unkeyed events dated after this instant are refused by verification; unset with a key
    /// configured, no unkeyed event is accepted.
    pub accept_plain_until: Option<DateTime<Utc>>,
}

/// A secret written into the configuration itself; never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InlineKey(pub String);

impl fmt::Debug for InlineKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InlineKey(<hidden>)")
    }
}

impl AuditConfig {
    /// Checks the section and loads its keys: plain keys when no key is configured.
    pub fn keys(&self) -> Result<AuditKeys, Error> {
        let Some(key_id) = &self.key_id else {
            if self.key_file.is_some() || self.key.is_some() || !self.previous_keys.is_empty() {
                return Err(refused(
                    "audit.key_file, audit.key and audit.previous_keys need audit.key_id, the id \
                     of the key that signs new events",
                ));
            }
            if self.accept_plain_until.is_some() {
                return Err(refused(
                    "audit.accept_plain_until needs an audit key (audit.key_id and \
                     audit.key_file): without one every unkeyed event is accepted",
                ));
            }
            return Ok(AuditKeys::plain());
        };
        check_id("audit.key_id", key_id)?;
        let secret = match (&self.key_file, &self.key) {
            (Some(path), None) => read_key("audit.key_file", path)?,
            (None, Some(inline)) => secret_of("audit.key", inline.0.as_bytes())?,
            (Some(_), Some(_)) => {
                return Err(refused("set one of audit.key_file and audit.key, not both"));
            }
            (None, None) => {
                return Err(refused(
                    "audit.key_id needs its secret: set audit.key_file (or audit.key inline, for \
                     development)",
                ));
            }
        };
        let mut previous = Vec::with_capacity(self.previous_keys.len());
        for (id, path) in &self.previous_keys {
            let what = format!("audit.previous_keys.{id}");
            check_id(&what, id)?;
            if id == key_id {
                return Err(refused(format!(
                    "{what}: the current key {key_id:?} cannot also be a previous key"
                )));
            }
            previous.push((id.clone(), read_key(&what, path)?));
        }
        Ok(AuditKeys::keyed(
            key_id.clone(),
            secret,
            previous,
            self.accept_plain_until,
        ))
    }
}

fn refused(message: impl Into<String>) -> Error {
    Error::Config(message.into())
}

/// A key id is stored with every event it signs: short, printable, no spaces.
fn check_id(what: &str, id: &str) -> Result<(), Error> {
    let fits = (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if fits {
        Ok(())
    } else {
        Err(refused(format!(
            "{what}: a key id is 1 to 64 of A-Z, a-z, 0-9, '-', '_', '.' and ':'"
        )))
    }
}

/// Reads a key file; the message names the file, never its content.
fn read_key(what: &str, path: &Path) -> Result<AuditSecret, Error> {
    let bytes = std::fs::read(path).map_err(|error| {
        refused(format!(
            "{what}: cannot read the key file {}: {error}",
            path.display()
        ))
    })?;
    secret_of(&format!("{what} ({})", path.display()), &bytes)
}

/// The secret in `bytes`, trimmed of surrounding white space, if it is long enough.
fn secret_of(what: &str, bytes: &[u8]) -> Result<AuditSecret, Error> {
    let trimmed = bytes.trim_ascii();
    if trimmed.len() < MIN_KEY_BYTES {
        return Err(refused(format!(
            "{what}: an audit key needs at least {MIN_KEY_BYTES} bytes, it holds {}",
            trimmed.len()
        )));
    }
    Ok(AuditSecret::new(trimmed.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: &str = "0123456789abcdef0123456789abcdef";

    fn inline(id: &str, key: &str) -> AuditConfig {
        AuditConfig {
            key_id: Some(id.into()),
            key: Some(InlineKey(key.into())),
            ..AuditConfig::default()
        }
    }

    fn message(config: &AuditConfig) -> String {
        config.keys().unwrap_err().to_string()
    }

    #[test]
    fn a_short_key_is_refused_inline_and_in_a_file() {
        let shown = message(&inline("k1", "  too-short-key, padded   "));
        assert!(shown.contains("at least 32"), "{shown}");
        assert!(!shown.contains("too-short"), "{shown}");

        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("k1.key");
        std::fs::write(&path, format!("{}\n", &LONG[..31])).unwrap();
        let config = AuditConfig {
            key_id: Some("k1".into()),
            key_file: Some(path.clone()),
            ..AuditConfig::default()
        };
        let shown = message(&config);
        assert!(
            shown.contains("audit.key_file") && shown.contains("31"),
            "{shown}"
        );
        std::fs::write(&path, format!("\n{LONG}\n")).unwrap();
        let keys = config.keys().unwrap();
        assert_eq!(keys.signing_key_id(), Some("k1"));
    }

    #[test]
    fn a_missing_file_or_a_key_without_id_is_refused() {
        let config = AuditConfig {
            key_id: Some("k1".into()),
            key_file: Some("/nonexistent/lianban/k1.key".into()),
            ..AuditConfig::default()
        };
        assert!(message(&config).contains("/nonexistent/lianban/k1.key"));
        let config = AuditConfig {
            key: Some(InlineKey(LONG.into())),
            ..AuditConfig::default()
        };
        assert!(message(&config).contains("audit.key_id"));
        let config = AuditConfig {
            key_id: Some("k1".into()),
            ..AuditConfig::default()
        };
        assert!(message(&config).contains("audit.key_file"));
        assert!(message(&inline("has space", LONG)).contains("key id"));
        let config = AuditConfig {
            accept_plain_until: Some(DateTime::UNIX_EPOCH),
            ..AuditConfig::default()
        };
        assert!(message(&config).contains("accept_plain_until"));
    }

    #[test]
    fn a_previous_key_checks_but_does_not_sign() {
        let folder = tempfile::tempdir().unwrap();
        let old = folder.path().join("k1.key");
        std::fs::write(&old, LONG.replace('0', "x")).unwrap();
        let mut config = inline("k2", LONG);
        config.previous_keys.insert("k1".into(), old.clone());
        let keys = config.keys().unwrap();
        assert_eq!(keys.signing_key_id(), Some("k2"));
        let link = crate::store::AuditLink {
            application_id: "app".into(),
            seq: 1,
            version: 1,
            at: DateTime::UNIX_EPOCH,
            actor: "system".into(),
            kind: "submitted".into(),
            detail: "{}".into(),
            prev_hash: String::new(),
        };
        assert!(keys.keyed_hash(&link, "k1").is_some());
        assert!(keys.keyed_hash(&link, "k0").is_none());
        config.previous_keys.insert("k2".into(), old);
        assert!(message(&config).contains("cannot also be a previous key"));
    }

    #[test]
    fn no_key_is_plain() {
        let plain = AuditConfig::default();
        assert_eq!(plain.keys().unwrap().signing_key_id(), None);
    }

    #[test]
    fn the_section_reads_from_toml() {
        use figment::providers::{Format, Toml};
        let text = r#"
            key_id = "k2"
            key_file = "/run/secrets/k2"
            accept_plain_until = "2026-12-01T00:00:00Z"
            [previous_keys]
            k1 = "/run/secrets/k1"
        "#;
        let config: AuditConfig = figment::Figment::from(Toml::string(text))
            .extract()
            .unwrap();
        assert_eq!(config.key_id.as_deref(), Some("k2"));
        assert_eq!(
            config.previous_keys.get("k1"),
            Some(&PathBuf::from("/run/secrets/k1"))
        );
        assert_eq!(
            config.accept_plain_until,
            Some("2026-12-01T00:00:00Z".parse().unwrap())
        );
        let unknown = figment::Figment::from(Toml::string("keyid = \"k1\""))
            .extract::<AuditConfig>()
            .unwrap_err();
        assert!(unknown.to_string().contains("keyid"), "{unknown}");
    }

    #[test]
    fn the_inline_secret_never_reaches_debug_output() {
        let shown = format!("{:?}", inline("k1", LONG));
        assert!(shown.contains("k1") && !shown.contains(LONG), "{shown}");
    }
}
