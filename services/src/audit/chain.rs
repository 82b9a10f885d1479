//! Verifying an application's chain: every change to an application is an append-only event
//! chained by hash to the one before, and the application row keeps the hash of the last one.
//! Verification recomputes every hash, so an altered event, an inserted or deleted one, or a
//! cut-off tail is found, and the first bad event is named.
//!
//! With an audit key each event's hash is an HMAC-SHA256 under the key its row names, so whoever
//! can write the database but does not hold the key cannot recompute the chain. Verification
//! refuses an event signed with a key the configuration does not know, an unkeyed event after a
//! keyed one (no downgrade), and an unkeyed event where unkeyed events are not accepted
//! (`audit.accept_plain_until`).

use crate::store::{AuditHead, AuditKeys, AuditRow, PlainLinks};

/// The result of checking one application's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The first event that does not fit (its position in the chain), if any.
    pub first_bad_seq: Option<i64>,
    /// What is wrong, for people.
    pub problem: String,
}

impl Verification {
    /// Whether the chain is intact.
    pub fn is_intact(&self) -> bool {
        self.first_bad_seq.is_none()
    }
}

/// Checks a chain in order against the head kept on the application, with the head's keys.
pub fn verify(rows: &[AuditRow], head: &AuditHead) -> Verification {
    let mut expected_seq = 1;
    let mut expected_prev = String::new();
    let mut after_keyed = false;
    for row in rows {
        if row.link.seq != expected_seq {
            return bad(
                expected_seq,
                format!(
                    "event {expected_seq} is missing: the chain jumps to {}",
                    row.link.seq
                ),
            );
        }
        if row.link.prev_hash != expected_prev {
            return bad(
                row.link.seq,
                format!(
                    "event {} does not follow event {}",
                    row.link.seq,
                    expected_seq - 1
                ),
            );
        }
        if let Some(problem) = seal_problem(row, &head.keys, after_keyed) {
            return bad(row.link.seq, problem);
        }
        after_keyed |= row.key_id.is_some();
        expected_prev = row.hash.clone();
        expected_seq += 1;
    }
    if expected_prev != head.hash {
        return bad(
            expected_seq,
            format!(
                "the chain ends at event {} but the application records a later head",
                expected_seq - 1
            ),
        );
    }
    Verification {
        first_bad_seq: None,
        problem: String::new(),
    }
}

/// What is wrong with the row's own hash, if anything: its key, its being unkeyed, or its content.
fn seal_problem(row: &AuditRow, keys: &AuditKeys, after_keyed: bool) -> Option<String> {
    let seq = row.link.seq;
    match &row.key_id {
        Some(key_id) => {
            let shown = shown_id(key_id);
            match keys.keyed_hash(&row.link, key_id) {
                None => Some(format!(
                    "event {seq} was signed with audit key {shown}, which this server's \
                     configuration does not know (audit.key_id or audit.previous_keys)"
                )),
                Some(hash) if hash != row.hash => Some(format!(
                    "event {seq} was altered: its content does not match its keyed hash \
                     (audit key {shown})"
                )),
                Some(_) => None,
            }
        }
        None if after_keyed => Some(format!(
            "event {seq} has no audit key but follows a keyed event: an unkeyed hash after a \
             keyed one is never accepted"
        )),
        None if !keys.accepts_plain(row.link.at) => Some(match keys.plain_links() {
            PlainLinks::Until(until) => format!(
                "event {seq} has no audit key and is dated after audit.accept_plain_until \
                 ({until}): unkeyed events after it are not accepted"
            ),
            _ => format!(
                "event {seq} has no audit key: with an audit key configured and no \
                 audit.accept_plain_until, unkeyed events are not accepted"
            ),
        }),
        None if row.link.hash() != row.hash => Some(format!(
            "event {seq} was altered: its content does not match its hash"
        )),
        None => None,
    }
}

/// A key id read from the database, quoted and cut short for a message.
fn shown_id(key_id: &str) -> String {
    let cut: String = key_id.chars().take(64).collect();
    format!("{cut:?}")
}

fn bad(seq: i64, problem: String) -> Verification {
    Verification {
        first_bad_seq: Some(seq),
        problem,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::store::{AuditLink, AuditSecret};

    fn secret(byte: u8) -> AuditSecret {
        AuditSecret::new(vec![byte; 32])
    }

    /// A chain of `count` events written with `keys`, dated a minute apart from the epoch.
    fn written(keys: &AuditKeys, count: i64) -> Vec<AuditRow> {
        let mut prev_hash = String::new();
        (1..=count)
            .map(|seq| {
                let link = AuditLink {
                    application_id: "app".into(),
                    seq,
                    version: seq,
                    at: DateTime::UNIX_EPOCH + Duration::minutes(seq),
                    actor: "system".into(),
                    kind: "submitted".into(),
                    detail: "{}".into(),
                    prev_hash: std::mem::take(&mut prev_hash),
                };
                let (key_id, hash) = keys.seal(&link);
                prev_hash.clone_from(&hash);
                AuditRow {
                    id: seq,
                    link,
                    hash,
                    key_id,
                }
            })
            .collect()
    }

    fn check(rows: &[AuditRow], keys: AuditKeys) -> Verification {
        let head = AuditHead {
            hash: rows.last().map(|row| row.hash.clone()).unwrap_or_default(),
            keys: Arc::new(keys),
        };
        verify(rows, &head)
    }

    fn keyed(id: &str, byte: u8, until: Option<DateTime<Utc>>) -> AuditKeys {
        AuditKeys::keyed(id.into(), secret(byte), [], until)
    }

    #[test]
    fn a_keyed_chain_verifies_only_with_its_key() {
        let rows = written(&keyed("k1", 1, None), 3);
        assert!(check(&rows, keyed("k1", 1, None)).is_intact());
        let wrong = check(&rows, keyed("k1", 2, None));
        assert_eq!(wrong.first_bad_seq, Some(1), "{}", wrong.problem);
        assert!(wrong.problem.contains("altered"), "{}", wrong.problem);
    }

    #[test]
    fn an_unknown_key_id_is_named() {
        let rows = written(&keyed("k1", 1, None), 2);
        for keys in [keyed("k2", 1, None), AuditKeys::plain()] {
            let found = check(&rows, keys);
            assert_eq!(found.first_bad_seq, Some(1));
            assert!(found.problem.contains("\"k1\""), "{}", found.problem);
        }
    }

    #[test]
    fn plain_events_are_accepted_only_where_configured() {
        let rows = written(&AuditKeys::plain(), 3);
        assert!(check(&rows, AuditKeys::plain()).is_intact());
        let refused = check(&rows, keyed("k1", 1, None));
        assert_eq!(refused.first_bad_seq, Some(1), "{}", refused.problem);
        let until = DateTime::UNIX_EPOCH + Duration::minutes(2);
        let late = check(&rows, keyed("k1", 1, Some(until)));
        assert_eq!(late.first_bad_seq, Some(3), "{}", late.problem);
        assert!(
            late.problem.contains("accept_plain_until"),
            "{}",
            late.problem
        );
        let later = until + Duration::minutes(5);
        assert!(check(&rows, keyed("k1", 1, Some(later))).is_intact());
    }

    #[test]
    fn a_plain_event_after_a_keyed_one_is_refused() {
        let keys = keyed("k1", 1, Some(DateTime::<Utc>::MAX_UTC));
        let mut rows = written(&keys, 3);
        rows[2].key_id = None;
        rows[2].hash = rows[2].link.hash();
        let found = check(&rows, keys);
        assert_eq!(found.first_bad_seq, Some(3), "{}", found.problem);
        assert!(
            found.problem.contains("follows a keyed"),
            "{}",
            found.problem
        );
    }
}
