//! What a rating means for a case: whether it is negative (差评) and whether the rater gave a
//! name. Every reader of a rating asks here, so that the day ratings carry the national
//! satisfaction code (GB/T 39046 A.8: 1 非常满意 … 5 非常不满意) and the rater, only these lines
//! change.

use crate::application::Rating;

/// The satisfaction code of a rating (1 very satisfied … 5 very dissatisfied), from its stars.
pub fn satisfaction_code(rating: &Rating) -> u8 {
    6u8.saturating_sub(rating.score.clamp(1, 5))
}

/// Whether a rating is negative (不满意 or 非常不满意): it opens a rectification case.
pub fn is_negative(rating: &Rating) -> bool {
    satisfaction_code(rating) >= 4
}

/// Whether the rater gave their name, so that a call-back is owed before the case closes.
/// Ratings carry no rater yet: every one is anonymous.
pub fn is_real_name(_rating: &Rating) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::application::RatingStage;

    fn rating(score: u8) -> Rating {
        Rating {
            stage: RatingStage::Dispatch,
            score,
            comment: String::new(),
            at: Utc::now(),
        }
    }

    #[test]
    fn one_and_two_stars_are_negative_and_three_is_not() {
        assert_eq!(satisfaction_code(&rating(1)), 5);
        assert_eq!(satisfaction_code(&rating(5)), 1);
        assert!(is_negative(&rating(1)) && is_negative(&rating(2)));
        assert!(!is_negative(&rating(3)) && !is_negative(&rating(5)));
        assert!(!is_real_name(&rating(1)));
    }
}
