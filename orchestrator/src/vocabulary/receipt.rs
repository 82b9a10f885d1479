//! Receipt numbers (受理编号): what the applicant quotes for an accepted application.

use chrono::{DateTime, FixedOffset, Utc};
use uuid::Uuid;

/// The receipt number of an application accepted at `now`: `LB`, the China Standard Time date,
/// and twelve characters drawn from the id's random bits (60 bits: collisions are negligible).
pub fn receipt_number(id: Uuid, now: DateTime<Utc>) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let china = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let date = now.with_timezone(&china).format("%Y%m%d");
    let mut bits = id.as_u128() & ((1u128 << 60) - 1);
    let mut tail = [0u8; 12];
    for slot in tail.iter_mut().rev() {
        *slot = ALPHABET[(bits & 31) as usize];
        bits >>= 5;
    }
    format!("LB{date}{}", String::from_utf8_lossy(&tail))
}
