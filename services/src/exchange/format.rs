//! The seam between Lianban's audit trail and a platform's datasets: an `ExchangeFormat` turns one
//! committed event, with its application and the catalogue, into the records of that platform.
//!
//! The cursor counts records within an event, so a format must be deterministic: the same event
//! yields the same number of records, in the same order, however often and however late it is
//! asked (the application document it is given is the current one; a record about the past reads
//! the history entries of the document — pauses, extensions, outcomes, the hand-over — which never
//! change once written, and never the current state).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lianban_orchestrator::{Application, Catalogue, Event};

/// One committed event, with what a format may read to describe it.
pub struct ExportedEvent<'a> {
    /// The event's row id: its place in commit order.
    pub id: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who caused it, as the trail records it.
    pub actor: &'a str,
    /// What happened.
    pub event: &'a Event,
    /// The application, as it is now.
    pub application: &'a Application,
    /// The catalogue, for names and national codes.
    pub catalogue: &'a Catalogue,
    /// The centre's time zone: the datasets' times are local.
    pub zone: Tz,
}

/// One record of one dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The dataset's name, e.g. "办事申请".
    pub dataset: &'static str,
    /// Its table in the standard, e.g. "表5".
    pub table: &'static str,
    /// The record: one JSON object with the dataset's field names.
    pub json: serde_json::Value,
}

/// A platform's datasets.
pub trait ExchangeFormat: Send + Sync {
    /// The name `[exchange] format` gives it.
    fn name(&self) -> &'static str;

    /// The records `event` yields, oldest first: always the same ones for the same event.
    fn records(&self, event: &ExportedEvent<'_>) -> Vec<Record>;
}
