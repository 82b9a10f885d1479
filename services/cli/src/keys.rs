//! Default idempotency keys: a hash of what the command sends, so repeating a command acts once.

use sha2::{Digest, Sha256};

/// `cli-` and the start of the SHA-256 of `text`, 36 characters in all.
pub fn hash_key(text: &str) -> String {
    format!("cli-{:x}", Sha256::digest(text.as_bytes()))[..36].to_owned()
}
