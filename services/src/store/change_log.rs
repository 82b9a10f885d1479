//! Writing the change log: one entry per accepted change, inside the batch's own transaction, at
//! positions that commit in order (see `shared_state` for who reads it and why). Kept apart from
//! the readers so that the writer can use it without depending on the store's handle.

use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use super::entities::change;
use super::error::StoreError;
use super::outbox::advance_counter;
use super::row_inserts::insert_rows;
use super::statements::Statements;

/// One accepted change, as the writer logs it.
pub(super) struct LoggedChange {
    pub(super) application_id: Uuid,
    pub(super) version: i64,
    pub(super) branch_ids: Vec<String>,
}

/// Logs a batch's accepted changes at the next positions, in the order given.
pub(super) async fn log_changes(
    txn: &impl Statements,
    changes: Vec<LoggedChange>,
) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let count = changes.len() as i64;
    let last = advance_counter(txn, "changes", count).await?;
    let rows: Vec<change::ActiveModel> = changes
        .into_iter()
        .enumerate()
        .map(|(index, logged)| change::ActiveModel {
            position: Set(last - count + 1 + index as i64),
            application_id: Set(logged.application_id.to_string()),
            version: Set(logged.version),
            branch_ids: Set(logged.branch_ids.join(",")),
        })
        .collect();
    insert_rows(txn, rows, None).await?;
    Ok(())
}
