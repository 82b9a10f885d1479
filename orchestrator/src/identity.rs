//! Checks of the two identifiers an applicant gives: the 18-character resident ID number
//! (GB 11643) and the unified social credit code of an organisation (GB 32100). Both carry a
//! check character, so a typing error is caught at the front desk instead of in a department.

/// Whether `id` is a well-formed 18-character resident ID number with a correct check character.
pub fn is_valid_resident_id(id: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = id.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    bytes[17].to_ascii_uppercase() == CHECK[(sum % 11) as usize]
}

/// Whether `code` is a well-formed unified social credit code with a correct check character.
pub fn is_valid_credit_code(code: &str) -> bool {
    const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return false;
    }
    let value = |byte: u8| ALPHABET.iter().position(|c| *c == byte).map(|p| p as u32);
    let mut sum = 0;
    for (byte, weight) in bytes[..17].iter().zip(WEIGHTS) {
        match value(*byte) {
            Some(v) => sum += v * weight,
            None => return false,
        }
    }
    let check = (31 - sum % 31) % 31;
    value(bytes[17]) == Some(check)
}

/// Whether `phone` looks like a phone number: 5 to 20 digits, optionally with `+`, `-` or spaces.
pub fn is_plausible_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits)
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_ids_are_checked() {
        // The standard's worked example.
        assert!(is_valid_resident_id("11010519491231002X"));
        assert!(is_valid_resident_id("11010519491231002x"));
        assert!(!is_valid_resident_id("110105194912310021"));
        assert!(!is_valid_resident_id("1101051949123100"));
    }

    #[test]
    fn credit_codes_are_checked() {
        assert!(is_valid_credit_code("91350100M000100Y43"));
        assert!(!is_valid_credit_code("91350100M000100Y44"));
        assert!(!is_valid_credit_code("91350100M000100Y4"));
        assert!(!is_valid_credit_code("91350100I000100Y43"));
    }

    #[test]
    fn phones_are_plausible() {
        assert!(is_plausible_phone("13800138000"));
        assert!(is_plausible_phone("+86 591-8888 8888"));
        assert!(!is_plausible_phone("call me"));
        assert!(!is_plausible_phone("12"));
    }
}
