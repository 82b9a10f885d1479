//! The position an uploader resumes from: an event's id in commit order and how many of that
//! event's records it has already taken, written `<event id>.<records taken>` (e.g. `1042.3`).
//!
//! Event ids commit in order (see `store::Store::events_after`), and a format yields the same
//! records for the same event, so resuming from any cursor the server gave repeats nothing and
//! misses nothing. The change log is no cursor: it is trimmed, and an uploader may be offline
//! longer than it keeps.

use std::fmt;

use crate::error::Error;

/// A place in the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Cursor {
    /// The event last read (0 before the first).
    pub event_id: i64,
    /// How many of its records were taken.
    pub taken: usize,
}

impl Cursor {
    /// Reads a cursor the server gave; empty is the start.
    pub fn parse(text: &str) -> Result<Cursor, Error> {
        if text.is_empty() {
            return Ok(Cursor::default());
        }
        let refused = || {
            Error::invalid(
                "after_cursor",
                "not a cursor of this export: <event id>.<records taken>, as a record's cursor or next_cursor gives it",
            )
        };
        let (event, taken) = text.split_once('.').ok_or_else(refused)?;
        let digits = |part: &str| {
            !part.is_empty() && part.len() <= 18 && part.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(event) || !digits(taken) {
            return Err(refused());
        }
        Ok(Cursor {
            event_id: event.parse().map_err(|_| refused())?,
            taken: taken.parse().map_err(|_| refused())?,
        })
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.event_id, self.taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_wrote_and_refuses_anything_else() {
        let cursor = Cursor {
            event_id: 1042,
            taken: 3,
        };
        assert_eq!(Cursor::parse(&cursor.to_string()).unwrap(), cursor);
        assert_eq!(Cursor::parse("").unwrap(), Cursor::default());
        for bad in [
            "1042",
            "a.1",
            "1.-1",
            "-1.0",
            ".",
            "1.2.3",
            "99999999999999999999.0",
        ] {
            assert!(Cursor::parse(bad).is_err(), "{bad}");
        }
    }
}
