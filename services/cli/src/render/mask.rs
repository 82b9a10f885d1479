//! Masking of personal identifiers: a natural person's ID number never reaches a terminal whole.

/// Masks personal identifiers for display: first four and last four characters.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_ids_are_masked_for_display() {
        assert_eq!(mask_id("11010519491231002X"), "1101**********002X");
    }
}
