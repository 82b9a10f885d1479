//! How the engine's values become column values and back: the application document in its
//! compact encoding, versions as signed integers, and the audit chain's instants at the precision
//! every database keeps exactly. Readers and the writer share these so both sides agree on the
//! encoding.
//!
//! The compact document is the JSON one compressed (a format byte, then an LZ4 block with its
//! length before it): a 开办企业 document of about 9 KB of JSON keeps in about 2 KB, so a change
//! writes one database page for it rather than three, and compressing or expanding it takes
//! microseconds. JSON underneath keeps the engine's serde shapes (tagged enums, absent fields)
//! working unchanged, and `lianban-server document ID` prints it for an operator.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use lianban_orchestrator::Application;

use super::entities::application;
use super::error::StoreError;

/// The first byte of a compact document: JSON in an LZ4 block.
const LZ4_JSON: u8 = 1;

/// The application kept in a row; `Corrupt` when its document no longer reads back.
pub(super) fn decode(row: &application::Model) -> Result<Application, StoreError> {
    let corrupt = |message: String| StoreError::Corrupt {
        id: row.id.clone(),
        message,
    };
    let json = document_json(row).map_err(corrupt)?;
    serde_json::from_slice(&json).map_err(|error| corrupt(error.to_string()))
}

/// The JSON of the document kept in a row, whichever way it is kept; a document from before the
/// compact encoding is read where it lies.
pub(super) fn document_json(row: &application::Model) -> Result<Cow<'_, [u8]>, String> {
    match &row.body {
        None => Ok(Cow::Borrowed(row.document.as_bytes())),
        Some(body) => expand(body).map(Cow::Owned),
    }
}

/// The JSON of a compact document.
pub(super) fn expand(body: &[u8]) -> Result<Vec<u8>, String> {
    match body.split_first() {
        Some((&LZ4_JSON, block)) => lz4_flex::decompress_size_prepended(block)
            .map_err(|error| format!("the compact document does not expand: {error}")),
        Some((format, _)) => Err(format!("unknown document format {format}")),
        None => Err("the compact document is empty".to_owned()),
    }
}

/// The application's document in the compact encoding, as stored.
pub(super) fn encode(application: &Application) -> Vec<u8> {
    let json = serde_json::to_vec(application).expect("an application always serialises");
    let block = lz4_flex::compress_prepend_size(&json);
    let mut body = Vec::with_capacity(1 + block.len());
    body.push(LZ4_JSON);
    body.extend_from_slice(&block);
    body
}

/// A version as the database column holds it.
pub(super) fn version(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// An instant as the audit trail keeps it: microseconds, which every database stores exactly.
pub(super) fn audit_time(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::DurationRound;
    at.duration_trunc(chrono::Duration::microseconds(1))
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compact_document_expands_to_its_json_and_a_damaged_one_is_refused() {
        let json = br#"{"id":"01","branches":[{"state":"open"},{"state":"open"}]}"#;
        let mut body = vec![LZ4_JSON];
        body.extend_from_slice(&lz4_flex::compress_prepend_size(json));
        assert_eq!(expand(&body).unwrap(), json);
        assert!(expand(&[]).unwrap_err().contains("empty"));
        assert!(expand(&[7, 0, 0]).unwrap_err().contains("format 7"));
        let truncated = &body[..body.len() - 3];
        assert!(expand(truncated).unwrap_err().contains("does not expand"));
    }
}
