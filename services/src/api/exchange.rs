//! `ExchangeService`: the national data exchange's records after a cursor, for the uploader to the
//! provincial platform (the exchange role only; see `exchange` for the datasets and the cursor).

use std::sync::Arc;

use lianban_proto::v1 as pb;
use lianban_proto::v1::exchange_service_server::ExchangeService;
use tonic::Request;

use super::answers::{Reply, inbound_as, ok};
use crate::convert::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::error::Error;
use crate::exchange::{Cursor, ExchangeFormat, export_page};
use crate::runtime::Runtime;

/// The export, in the configured format.
pub struct ExchangeApi {
    runtime: Runtime,
    format: Arc<dyn ExchangeFormat>,
}

impl ExchangeApi {
    /// Over a runtime, speaking `format`.
    pub fn new(runtime: Runtime, format: Arc<dyn ExchangeFormat>) -> Self {
        ExchangeApi { runtime, format }
    }
}

#[tonic::async_trait]
impl ExchangeService for ExchangeApi {
    async fn export_records(
        &self,
        request: Request<pb::ExportRecordsRequest>,
    ) -> Reply<pb::ExportRecordsResponse> {
        let (_caller, request) = inbound_as(request)?;
        let after = Cursor::parse(request.after_cursor.trim())?;
        let max = match u64::from(request.max_records) {
            0 => DEFAULT_PAGE_SIZE,
            size if size > MAX_PAGE_SIZE => {
                return Err(
                    Error::invalid("max_records", format!("at most {MAX_PAGE_SIZE}")).into(),
                );
            }
            size => size,
        };
        let page = export_page(&self.runtime, self.format.as_ref(), after, max as usize).await?;
        ok(pb::ExportRecordsResponse {
            records: page
                .records
                .into_iter()
                .map(|(record, application_id, cursor)| pb::ExchangeRecord {
                    dataset: record.dataset.to_owned(),
                    table: record.table.to_owned(),
                    json: record.json.to_string(),
                    cursor: cursor.to_string(),
                    application_id: application_id.to_string(),
                })
                .collect(),
            next_cursor: page.next.to_string(),
            caught_up: page.caught_up,
        })
    }
}
