//! What a command is decided with ([`Rules`]) and the one limit every free-text field keeps.
//!
//! The engine and the sessions both check text here, so that a field is required, or too long,
//! by the same measure wherever it is typed.

use crate::calendar::Calendar;
use crate::catalogue::Catalogue;
use crate::error::EngineError;
use crate::staffing::Staffing;

/// What the engine decides with: the catalogue and the centre's calendar.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    /// The catalogue.
    pub catalogue: &'a Catalogue,
    /// The working calendar.
    pub calendar: &'a Calendar,
    /// Posts and who is away.
    pub staffing: &'a Staffing,
}

/// Longest free-text field the engine accepts, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

/// Refuses a blank field, and one longer than [`MAX_TEXT_CHARS`].
pub(crate) fn require_text(field: &str, value: &str) -> Result<(), EngineError> {
    if value.trim().is_empty() {
        return Err(EngineError::invalid(field, "required"));
    }
    limit_text(field, value)
}

/// Refuses a field longer than [`MAX_TEXT_CHARS`]; an empty one is fine.
pub(crate) fn limit_text(field: &str, value: &str) -> Result<(), EngineError> {
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(EngineError::invalid(
            field,
            format!("longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(())
}
