//! How the engine's values become column values and back: the application document in its
//! compact encoding, versions as signed integers, and the audit chain's instants at the precision
//! every database keeps exactly. Readers and the writer share these so both sides agree on the
//! encoding.
//!
//! The compact document is the application in MessagePack compressed (a format byte, then an LZ4
//! block with its length before it): a 开办企业 document of about 9 KB of JSON keeps in about 2 KB,
//! so a change writes one database page for it rather than three. MessagePack is written with
//! named fields and the readable forms of instants and ids — the same serde shapes as JSON, so
//! tagged enums and absent fields work unchanged — and needs no escaping, no quoting and no
//! parsing of numbers from text. Documents written before in JSON (format 1, or uncompressed in
//! the `document` column) are read where they lie; `lianban-server document ID` prints any of them
//! as JSON for an operator.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use lianban_orchestrator::Application;
use serde::{Deserialize, Serialize};

use super::entities::application;
use super::error::StoreError;

/// The first byte of a compact document: JSON in an LZ4 block (read, no longer written).
const LZ4_JSON: u8 = 1;
/// The first byte of a compact document: MessagePack in an LZ4 block.
const LZ4_MSGPACK: u8 = 2;

/// A document's encoding once expanded.
enum Expanded {
    Json(Vec<u8>),
    MessagePack(Vec<u8>),
}

/// The application kept in a row; `Corrupt` when its document no longer reads back.
pub(super) fn decode(row: &application::Model) -> Result<Application, StoreError> {
    let corrupt = |message: String| StoreError::Corrupt {
        id: row.id.clone(),
        message,
    };
    match &row.body {
        None => serde_json::from_str(&row.document).map_err(|error| corrupt(error.to_string())),
        Some(body) => read_expanded(expand(body).map_err(corrupt)?).map_err(corrupt),
    }
}

/// The JSON of the document kept in a row, whichever way it is kept; a document from before the
/// compact encoding is read where it lies.
pub(super) fn document_json(row: &application::Model) -> Result<Cow<'_, [u8]>, String> {
    match &row.body {
        None => Ok(Cow::Borrowed(row.document.as_bytes())),
        Some(body) => compact_json(body).map(Cow::Owned),
    }
}

/// The JSON of a compact document.
pub(super) fn compact_json(body: &[u8]) -> Result<Vec<u8>, String> {
    match expand(body)? {
        Expanded::Json(json) => Ok(json),
        packed @ Expanded::MessagePack(_) => {
            let application = read_expanded(packed)?;
            serde_json::to_vec(&application).map_err(|error| error.to_string())
        }
    }
}

/// A compact document in MessagePack written again as compact JSON (format 1), for a server that
/// reads only that; `None` when it is JSON already.
pub(super) fn as_compact_json(body: &[u8]) -> Result<Option<Vec<u8>>, String> {
    match expand(body)? {
        Expanded::Json(_) => Ok(None),
        packed @ Expanded::MessagePack(_) => {
            let application = read_expanded(packed)?;
            let json = serde_json::to_vec(&application).map_err(|error| error.to_string())?;
            let mut older = vec![LZ4_JSON];
            older.extend_from_slice(&lz4_flex::compress_prepend_size(&json));
            Ok(Some(older))
        }
    }
}

/// The encoded document inside a compact one.
fn expand(body: &[u8]) -> Result<Expanded, String> {
    let block = |block: &[u8]| {
        lz4_flex::decompress_size_prepended(block)
            .map_err(|error| format!("the compact document does not expand: {error}"))
    };
    match body.split_first() {
        Some((&LZ4_JSON, rest)) => block(rest).map(Expanded::Json),
        Some((&LZ4_MSGPACK, rest)) => block(rest).map(Expanded::MessagePack),
        Some((format, _)) => Err(format!("unknown document format {format}")),
        None => Err("the compact document is empty".to_owned()),
    }
}

/// The application in an expanded document.
fn read_expanded(expanded: Expanded) -> Result<Application, String> {
    match expanded {
        Expanded::Json(json) => serde_json::from_slice(&json).map_err(|error| error.to_string()),
        Expanded::MessagePack(packed) => {
            let mut reader = rmp_serde::Deserializer::from_read_ref(&packed).with_human_readable();
            Application::deserialize(&mut reader).map_err(|error| error.to_string())
        }
    }
}

/// The application's document in the compact encoding, as stored.
pub(super) fn encode(application: &Application) -> Vec<u8> {
    let mut packed = Vec::with_capacity(4096);
    let mut writer = rmp_serde::Serializer::new(&mut packed)
        .with_struct_map()
        .with_human_readable();
    application
        .serialize(&mut writer)
        .expect("an application always serialises");
    let block = lz4_flex::compress_prepend_size(&packed);
    let mut body = Vec::with_capacity(1 + block.len());
    body.push(LZ4_MSGPACK);
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
    fn an_application_reads_back_from_its_compact_document_and_prints_as_its_json() {
        let accepted = super::super::prepared::tests::accepted();
        let mut decided = accepted.clone();
        decided.version += 1;
        decided.branches[0].assignee = Some("clerk-7".into());
        for application in [accepted, decided] {
            let body = encode(&application);
            assert_eq!(body[0], LZ4_MSGPACK);
            let expanded = expand(&body).unwrap();
            assert_eq!(read_expanded(expanded).unwrap(), application);
            let json = compact_json(&body).unwrap();
            assert_eq!(json, serde_json::to_vec(&application).unwrap());
            // A document written as JSON before reads back the same.
            let mut older = vec![LZ4_JSON];
            older.extend_from_slice(&lz4_flex::compress_prepend_size(&json));
            assert_eq!(read_expanded(expand(&older).unwrap()).unwrap(), application);
        }
    }

    #[test]
    fn a_compact_json_document_expands_to_its_json_and_a_damaged_one_is_refused() {
        let json = br#"{"id":"01","branches":[{"state":"open"},{"state":"open"}]}"#;
        let mut body = vec![LZ4_JSON];
        body.extend_from_slice(&lz4_flex::compress_prepend_size(json));
        assert_eq!(compact_json(&body).unwrap(), json);
        assert!(compact_json(&[]).unwrap_err().contains("empty"));
        assert!(compact_json(&[7, 0, 0]).unwrap_err().contains("format 7"));
        let truncated = &body[..body.len() - 3];
        assert!(
            compact_json(truncated)
                .unwrap_err()
                .contains("does not expand")
        );
    }
}
