//! How the engine's values become column values and back: the application document as JSON,
//! versions as signed integers, and the audit chain's instants at the precision every database
//! keeps exactly. Readers and the writer share these so both sides agree on the encoding.

use chrono::{DateTime, Utc};
use lianban_orchestrator::Application;

use super::entities::application;
use super::error::StoreError;

/// The application kept in a row; `Corrupt` when its document no longer reads back.
pub(super) fn decode(row: &application::Model) -> Result<Application, StoreError> {
    serde_json::from_str(&row.document).map_err(|error| StoreError::Corrupt {
        id: row.id.clone(),
        message: error.to_string(),
    })
}

/// The application's document, as stored.
pub(super) fn encode(application: &Application) -> String {
    serde_json::to_string(application).expect("an application always serialises")
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
