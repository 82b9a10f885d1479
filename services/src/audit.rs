//! The audit trail (全过程留痕): every change to an application is an append-only event chained by
//! hash to the one before, and the application row keeps the hash of the last one. Verification
//! recomputes every hash, so an altered event, an inserted or deleted one, or a cut-off tail is
//! found, and the first bad event is named.

use crate::store::AuditRow;

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

/// Checks a chain in order against the head kept on the application.
pub fn verify(rows: &[AuditRow], head: &str) -> Verification {
    let mut expected_seq = 1;
    let mut expected_prev = String::new();
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
        if row.link.hash() != row.hash {
            return bad(
                row.link.seq,
                format!(
                    "event {} was altered: its content does not match its hash",
                    row.link.seq
                ),
            );
        }
        expected_prev = row.hash.clone();
        expected_seq += 1;
    }
    if expected_prev != head {
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

fn bad(seq: i64, problem: String) -> Verification {
    Verification {
        first_bad_seq: Some(seq),
        problem,
    }
}
