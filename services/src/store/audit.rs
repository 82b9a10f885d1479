//! An application's events as stored: the audit trail with its stored chain head, which the
//! audit check recomputes, and the bare list of event kinds; and every application's events in
//! commit order after an id, which the data exchange reads from its cursor.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::audit_keys::AuditHead;
use super::connection::Store;
use super::entities::{application, event};
use super::error::StoreError;
use super::records::{AuditLink, AuditRow};

impl Store {
    /// An application's audit trail in chain order, with the stored chain head and the keys to
    /// check the chain with.
    pub async fn audit_trail(
        &self,
        application_id: Uuid,
    ) -> Result<Option<(Vec<AuditRow>, AuditHead)>, StoreError> {
        let Some(head) = application::Entity::find_by_id(application_id.to_string())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let rows = event::Entity::find()
            .filter(event::Column::ApplicationId.eq(application_id.to_string()))
            .order_by_asc(event::Column::Seq)
            .order_by_asc(event::Column::Id)
            .all(&self.db)
            .await?;
        let rows = rows.into_iter().map(audit_row).collect();
        let head = AuditHead {
            hash: head.audit_head,
            keys: self.audit_keys.clone(),
        };
        Ok(Some((rows, head)))
    }

    /// At most `limit` events of every application with an id above `after_id`, by id. Ids commit
    /// in order (the writer inserts events only while it holds the change log's counter row, see
    /// `writer::Accepted::write`), so a reader that has seen id n never sees a smaller one appear
    /// later: the id is a cursor that repeats and misses nothing.
    pub async fn events_after(
        &self,
        after_id: i64,
        limit: u64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let rows = event::Entity::find()
            .filter(event::Column::Id.gt(after_id))
            .order_by_asc(event::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(audit_row).collect())
    }

    /// The kinds of an application's events, oldest first.
    pub async fn event_kinds(&self, application_id: Uuid) -> Result<Vec<String>, StoreError> {
        let rows = event::Entity::find()
            .filter(event::Column::ApplicationId.eq(application_id.to_string()))
            .order_by_asc(event::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| row.kind).collect())
    }
}

/// A stored event as the audit check and the exchange read it.
fn audit_row(row: event::Model) -> AuditRow {
    AuditRow {
        id: row.id,
        hash: row.hash,
        key_id: row.key_id,
        link: AuditLink {
            application_id: row.application_id,
            seq: row.seq,
            version: row.version,
            at: row.at,
            actor: row.actor,
            kind: row.kind,
            detail: row.detail,
            prev_hash: row.prev_hash,
        },
    }
}
