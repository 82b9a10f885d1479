//! Writing idempotency keys inside a change's transaction: the key row commits with the change
//! or not at all, and a key a concurrent request took first refuses the change. Kept apart from
//! the readers so that the writer and the session commits can use it without depending on the
//! store's handle.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;
use sea_orm::sea_query::OnConflict;

use super::entities::idempotency;
use super::error::StoreError;
use super::records::IdempotencyRecord;
use super::statements::Statements;

/// Inserts the idempotency record; `KeyTaken` when a concurrent request recorded its key first.
pub(super) async fn write_idempotency(
    txn: &impl Statements,
    record: &IdempotencyRecord,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    if claim_key(txn, record, at).await? {
        Ok(())
    } else {
        Err(StoreError::KeyTaken {
            key: record.key.clone(),
        })
    }
}

/// Inserts the idempotency record unless its key is taken; true when inserted.
pub(super) async fn claim_key(
    txn: &impl Statements,
    record: &IdempotencyRecord,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let model = idempotency::ActiveModel {
        scope: Set(record.scope.clone()),
        key: Set(record.key.clone()),
        request_hash: Set(record.request_hash.clone()),
        response: Set(record.response.clone()),
        created_at: Set(at),
    };
    let insert = idempotency::Entity::insert(model).on_conflict(
        OnConflict::columns([idempotency::Column::Scope, idempotency::Column::Key])
            .do_nothing()
            .to_owned(),
    );
    let inserted = txn.write(&insert).await?;
    Ok(inserted == 1)
}
