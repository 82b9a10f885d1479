//! Receipt numbers (受理编号): what the applicant quotes for an accepted application.

use chrono::{DateTime, FixedOffset, Utc};
use uuid::Uuid;

/// The characters of a receipt number's tail: digits and capitals without I, L, O and U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The receipt number of an application accepted at `now`: `LB`, the China Standard Time date,
/// and twelve characters drawn from the id's random bits (60 bits: collisions are negligible).
pub fn receipt_number(id: Uuid, now: DateTime<Utc>) -> String {
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

/// Whether `text` has the shape of a receipt number: `LB`, eight digits, twelve characters of the
/// tail's alphabet. A lookup by anything else is a malformed request, not a miss.
pub fn is_receipt_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 22
        && bytes.starts_with(b"LB")
        && bytes[2..10].iter().all(u8::is_ascii_digit)
        && bytes[10..].iter().all(|b| ALPHABET.contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_receipt_number_has_the_shape_and_little_else_does() {
        let now = DateTime::from_timestamp(1_772_413_200, 0).unwrap();
        for _ in 0..1000 {
            let number = receipt_number(Uuid::new_v4(), now);
            assert!(is_receipt_number(&number), "{number}");
            assert!(!is_receipt_number(&number.to_lowercase()), "{number}");
            assert!(!is_receipt_number(&number[..21]), "{number}");
        }
        for junk in [
            "",
            "LB",
            "LB2026030200000000000I",
            "XX20260302ABCDEFGHJKMN",
            "LB2026O302ABCDEFGHJKMN",
        ] {
            assert!(!is_receipt_number(junk), "{junk}");
        }
    }
}
