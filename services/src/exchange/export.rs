//! One page of the export: the records after a cursor, read event by event in commit order from
//! the audit trail, with each event's application document read alongside.

use std::collections::HashMap;

use lianban_orchestrator::{Application, Event};
use uuid::Uuid;

use super::cursor::Cursor;
use super::format::{ExchangeFormat, ExportedEvent, Record};
use crate::error::Error;
use crate::runtime::Runtime;

/// How many events one read takes.
const EVENTS_PER_READ: u64 = 256;
/// How many events one page looks at, at most, when they yield few records: a page over a long
/// run of events without records (claims, assignments) still returns, with a cursor past them.
const EVENTS_PER_PAGE: usize = 4096;

/// One page: records with the cursor after each, and where the next page starts.
#[derive(Debug)]
pub struct ExportPage {
    /// The records with their application and the cursor just after each.
    pub records: Vec<(Record, Uuid, Cursor)>,
    /// Where the next page starts.
    pub next: Cursor,
    /// True when nothing after `next` was committed when the page was read.
    pub caught_up: bool,
}

/// At most `max` records after `after`.
pub async fn export_page(
    runtime: &Runtime,
    format: &dyn ExchangeFormat,
    after: Cursor,
    max: usize,
) -> Result<ExportPage, Error> {
    let mut page = ExportPage {
        records: Vec::new(),
        next: after,
        caught_up: false,
    };
    // The cursor's own event is read again: the records it did not take yet come first.
    let mut read_after = after.event_id.saturating_sub(1);
    let mut looked_at = 0;
    let zone = runtime.calendar().zone();
    loop {
        let rows = runtime
            .store()
            .events_after(read_after, EVENTS_PER_READ)
            .await?;
        let exhausted = (rows.len() as u64) < EVENTS_PER_READ;
        let ids: Vec<Uuid> = rows
            .iter()
            .filter_map(|row| row.link.application_id.parse().ok())
            .collect();
        let documents: HashMap<Uuid, Application> = runtime
            .store()
            .applications_by_id(&dedup(ids))
            .await?
            .into_iter()
            .map(|application| (application.id, application))
            .collect();
        for row in &rows {
            read_after = row.id;
            if row.id < after.event_id {
                continue;
            }
            let skip = if row.id == after.event_id {
                after.taken
            } else {
                0
            };
            let event: Event = serde_json::from_str(&row.link.detail).map_err(|error| {
                Error::Server(format!("event {} does not read back: {error}", row.id))
            })?;
            let application_id: Uuid =
                row.link.application_id.parse().map_err(|_| {
                    Error::Server(format!("event {} names no application id", row.id))
                })?;
            let application = documents.get(&application_id).ok_or_else(|| {
                Error::Server(format!(
                    "event {} has no application {application_id}",
                    row.id
                ))
            })?;
            let records = format.records(&ExportedEvent {
                id: row.id,
                at: row.link.at,
                actor: &row.link.actor,
                event: &event,
                application,
                catalogue: runtime.catalogue(),
                zone,
            });
            let yielded = records.len();
            for (index, record) in records.into_iter().enumerate().skip(skip) {
                if page.records.len() == max {
                    return Ok(page);
                }
                let cursor = Cursor {
                    event_id: row.id,
                    taken: index + 1,
                };
                page.records.push((record, application_id, cursor));
                page.next = cursor;
            }
            // Every record of the event taken (or it had none): the next page starts after it.
            page.next = Cursor {
                event_id: row.id,
                taken: yielded.max(skip),
            };
            looked_at += 1;
            if looked_at >= EVENTS_PER_PAGE {
                return Ok(page);
            }
        }
        if exhausted {
            page.caught_up = true;
            return Ok(page);
        }
    }
}

/// The ids once each, in their first order.
fn dedup(ids: Vec<Uuid>) -> Vec<Uuid> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}
