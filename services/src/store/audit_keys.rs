//! The audit chain's keys as the store uses them: the key that signs new events (HMAC-SHA256 over
//! the same length-prefixed fields as the plain SHA-256 link, with a secret the database does not
//! hold), the keys rotated out that still check older events, and until when unkeyed (plain
//! SHA-256) events are accepted. Without a key the chain stays plain, as it was before keys.
//!
//! A server's configuration reaches its store through [`prepare_audit_keys`]: the keys are left
//! for the next store that connects to that database URL.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::records::AuditLink;

/// The bytes of a secret audit key; never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditSecret(Vec<u8>);

impl AuditSecret {
    /// Wraps a secret's bytes.
    pub fn new(bytes: Vec<u8>) -> AuditSecret {
        AuditSecret(bytes)
    }

    /// How many bytes it has.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for AuditSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditSecret(<hidden>)")
    }
}

/// Which unkeyed (plain SHA-256) events verification accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainLinks {
    /// Every one: no key is configured.
    Always,
    /// Those dated at or before this instant.
    Until(DateTime<Utc>),
    /// None.
    Never,
}

/// The keys of one server's audit chain.
#[derive(Clone)]
pub struct AuditKeys {
    /// The id of the key that signs new events, if any.
    signing: Option<String>,
    /// Every key known by id: the signing one and those rotated out.
    secrets: HashMap<String, AuditSecret>,
    plain: PlainLinks,
}

impl AuditKeys {
    /// No key: new events are plain SHA-256 links and every plain link is accepted.
    pub fn plain() -> AuditKeys {
        AuditKeys {
            signing: None,
            secrets: HashMap::new(),
            plain: PlainLinks::Always,
        }
    }

    /// New events signed with `secret` under `key_id`; events signed with one of `previous` still
    /// verify; plain events are accepted up to `accept_plain_until` (none when unset).
    pub fn keyed(
        key_id: String,
        secret: AuditSecret,
        previous: impl IntoIterator<Item = (String, AuditSecret)>,
        accept_plain_until: Option<DateTime<Utc>>,
    ) -> AuditKeys {
        let mut secrets: HashMap<String, AuditSecret> = previous.into_iter().collect();
        secrets.insert(key_id.clone(), secret);
        AuditKeys {
            signing: Some(key_id),
            secrets,
            plain: accept_plain_until.map_or(PlainLinks::Never, PlainLinks::Until),
        }
    }

    /// The id of the key that signs new events; `None` when the chain is not keyed.
    pub fn signing_key_id(&self) -> Option<&str> {
        self.signing.as_deref()
    }

    /// Which plain links are accepted.
    pub fn plain_links(&self) -> PlainLinks {
        self.plain
    }

    /// Whether a plain link dated `at` is accepted.
    pub fn accepts_plain(&self, at: DateTime<Utc>) -> bool {
        match self.plain {
            PlainLinks::Always => true,
            PlainLinks::Until(until) => at <= until,
            PlainLinks::Never => false,
        }
    }

    /// The link's HMAC-SHA256 under the key `key_id`, hex; `None` when that key is unknown.
    pub fn keyed_hash(&self, link: &AuditLink, key_id: &str) -> Option<String> {
        let secret = self.secrets.get(key_id)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&secret.0).expect("HMAC takes any key length");
        link.feed(|bytes| mac.update(bytes));
        Some(format!("{:x}", mac.finalize().into_bytes()))
    }

    /// The hash a new event stores and the id of the key it was made with (none: plain).
    pub fn seal(&self, link: &AuditLink) -> (Option<String>, String) {
        match &self.signing {
            Some(id) => {
                let hash = self
                    .keyed_hash(link, id)
                    .expect("the signing key is always known");
                (Some(id.clone()), hash)
            }
            None => (None, link.hash()),
        }
    }
}

impl fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut known: Vec<&str> = self.secrets.keys().map(String::as_str).collect();
        known.sort_unstable();
        f.debug_struct("AuditKeys")
            .field("signing", &self.signing)
            .field("known", &known)
            .field("plain", &self.plain)
            .finish()
    }
}

/// Where an application's chain ends as stored, with the keys to check the chain with.
#[derive(Debug, Clone)]
pub struct AuditHead {
    /// The hash of the last event, as the application row records it.
    pub hash: String,
    /// The keys of the store that read it.
    pub keys: Arc<AuditKeys>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> AuditLink {
        AuditLink {
            application_id: "app".into(),
            seq: 1,
            version: 1,
            at: DateTime::UNIX_EPOCH,
            actor: "system".into(),
            kind: "submitted".into(),
            detail: "{}".into(),
            prev_hash: String::new(),
        }
    }

    #[test]
    fn a_keyed_link_depends_on_the_key_and_a_plain_one_does_not() {
        let secret = AuditSecret::new(vec![7; 32]);
        let old = AuditSecret::new(vec![9; 32]);
        let keys = AuditKeys::keyed("k2".into(), secret, [("k1".into(), old)], None);
        let (id, hash) = keys.seal(&link());
        assert_eq!(id.as_deref(), Some("k2"));
        assert_ne!(hash, link().hash());
        assert_eq!(keys.keyed_hash(&link(), "k2"), Some(hash.clone()));
        assert_ne!(keys.keyed_hash(&link(), "k1"), Some(hash));
        assert_eq!(keys.keyed_hash(&link(), "k0"), None);
        assert!(!keys.accepts_plain(DateTime::UNIX_EPOCH));
        assert_eq!(AuditKeys::plain().seal(&link()), (None, link().hash()));
    }

    #[test]
    fn secrets_never_reach_debug_output() {
        let keys = AuditKeys::keyed(
            "k1".into(),
            AuditSecret::new(b"s3cret-s3cret-s3cret-s3cret-s3cret".to_vec()),
            [],
            None,
        );
        let shown = format!("{keys:?}");
        assert!(shown.contains("k1") && !shown.contains("s3cret"), "{shown}");
    }
}
