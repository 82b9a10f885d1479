//! Request fields and paging: timestamps, UUIDs, required and optional text, idempotency keys and
//! page tokens. Every check that fails names the request field, so that a client knows what to fix.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::bounds::echo;
use crate::error::Error;
use crate::store::PageRequest;

/// Default page size when a request leaves it at 0.
pub const DEFAULT_PAGE_SIZE: u64 = 50;
/// Largest page size a request may ask for.
pub const MAX_PAGE_SIZE: u64 = 500;

/// A timestamp on the wire.
pub fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

/// An optional timestamp on the wire.
pub fn optional_timestamp(at: Option<DateTime<Utc>>) -> Option<prost_types::Timestamp> {
    at.map(timestamp)
}

/// Parses a required timestamp field.
pub fn instant(field: &str, value: Option<prost_types::Timestamp>) -> Result<DateTime<Utc>, Error> {
    let value = value.ok_or_else(|| Error::invalid(field, "required"))?;
    DateTime::from_timestamp(
        value.seconds,
        u32::try_from(value.nanos).unwrap_or(u32::MAX),
    )
    .ok_or_else(|| Error::invalid(field, "out of range"))
}

/// How far from the server's clock a time in a request may lie: five years either way. A session
/// further away is a typing mistake or a probe, and would reach beyond any working calendar.
pub const MAX_DAYS_FROM_CLOCK: i64 = 1827;

/// Parses a required timestamp field that must lie within [`MAX_DAYS_FROM_CLOCK`] of `now`.
pub fn instant_near(
    field: &str,
    value: Option<prost_types::Timestamp>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, Error> {
    let at = instant(field, value)?;
    if (at - now).num_days().abs() > MAX_DAYS_FROM_CLOCK {
        return Err(Error::invalid(
            field,
            format!("more than {MAX_DAYS_FROM_CLOCK} days from the server's clock"),
        ));
    }
    Ok(at)
}

/// Parses a required UUID field.
pub fn uuid_field(field: &str, value: &str) -> Result<Uuid, Error> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "required"));
    }
    Uuid::parse_str(value.trim())
        .map_err(|_| Error::invalid(field, format!("{} is not a UUID", echo(value))))
}

/// Parses an optional UUID field: `None` when blank, refused when malformed.
pub fn optional_uuid(field: &str, value: &str) -> Result<Option<Uuid>, Error> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    uuid_field(field, value).map(Some)
}

/// Parses a list of UUIDs, naming the index of the first that is not one (`field[index]`).
pub fn uuids(field: &str, values: &[String]) -> Result<Vec<Uuid>, Error> {
    values
        .iter()
        .enumerate()
        .map(|(index, value)| uuid_field(&format!("{field}[{index}]"), value))
        .collect()
}

/// A required, non-blank text field.
pub fn required_text(field: &str, value: &str) -> Result<String, Error> {
    if value.trim().is_empty() {
        Err(Error::invalid(field, "required"))
    } else {
        Ok(value.trim().to_owned())
    }
}

/// A trimmed text field, `None` when blank.
pub fn optional_text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// A day as `YYYY-MM-DD`; `expected` is what the refusal says is wanted.
pub fn day(field: &str, value: &str, expected: &str) -> Result<chrono::NaiveDate, Error> {
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, expected))
}

/// An idempotency key: at most 128 characters; `None` when empty and not required.
pub fn idempotency_key(value: &str, required: bool) -> Result<Option<String>, Error> {
    match value.trim() {
        "" if required => Err(Error::invalid(
            "idempotency_key",
            "required: retries are only safe with a key",
        )),
        "" => Ok(None),
        key if key.chars().count() > 128 => Err(Error::invalid(
            "idempotency_key",
            "longer than 128 characters",
        )),
        key => Ok(Some(key.to_owned())),
    }
}

/// Page size and position from a request.
pub fn page_request(page_size: u32, page_token: &str) -> Result<PageRequest, Error> {
    let size = match u64::from(page_size) {
        0 => DEFAULT_PAGE_SIZE,
        size if size > MAX_PAGE_SIZE => {
            return Err(Error::invalid(
                "page_size",
                format!("at most {MAX_PAGE_SIZE}"),
            ));
        }
        size => size,
    };
    let after = match page_token.trim() {
        "" => None,
        token => Some(
            Uuid::parse_str(token)
                .map_err(|_| Error::invalid("page_token", "not a token this server issued"))?,
        ),
    };
    Ok(PageRequest { size, after })
}

/// The token for the page after `last`.
pub fn page_token(last: Option<Uuid>) -> String {
    last.map(|id| id.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_are_checked() {
        assert!(page_request(0, "").unwrap().size == DEFAULT_PAGE_SIZE);
        assert!(
            matches!(page_request(0, "garbage"), Err(Error::InvalidArgument { field, .. }) if field == "page_token")
        );
        assert!(
            matches!(page_request(501, ""), Err(Error::InvalidArgument { field, .. }) if field == "page_size")
        );
    }
}
