//! Migration `m0009`: a binary column for the application document. A document written since is
//! kept there in the compact encoding of `store::codec` (about a sixth of its JSON), and its JSON
//! column is left empty; a document written before stays JSON until its application next changes.
//! Nothing is rewritten going up, so the migration takes no time on a large store; going down
//! writes every compact document back as JSON before the column goes, so no document is lost.
//!
//! Migration `m0010`: compact documents may be MessagePack (format 2 of `store::codec`). It
//! changes no table; it is there so that a server that reads only JSON documents refuses the store
//! instead of finding its new documents corrupt, and going down writes each MessagePack document
//! back as compact JSON.

use sea_orm_migration::{prelude::*, schema::*};

use super::codec::{as_compact_json, compact_json};

/// Documents read at a time going down.
const BATCH: u64 = 500;

/// Adds `applications.body`.
pub(super) struct CompactDocuments;

// Named by hand: the derive names a migration after its file.
impl MigrationName for CompactDocuments {
    fn name(&self) -> &str {
        "m0009_compact_documents"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CompactDocuments {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("applications")
                    .add_column(blob_null("body"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        write_compact_documents_back_as_json(manager).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("applications")
                    .drop_column("body")
                    .to_owned(),
            )
            .await
    }
}

/// Puts each compact document's JSON in its `document` column and empties `body`.
async fn write_compact_documents_back_as_json(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    rewrite_compact_documents(manager, |body| {
        let json = compact_json(body)
            .and_then(|json| String::from_utf8(json).map_err(|e| e.to_string()))?;
        Ok(Some(vec![
            ("document", json.into()),
            ("body", Option::<Vec<u8>>::None.into()),
        ]))
    })
    .await
}

/// Hands each compact document to `rewrite`, a page of applications at a time in id order, and
/// sets the columns it answers with (none: the row stays as it is).
async fn rewrite_compact_documents(
    manager: &SchemaManager<'_>,
    rewrite: impl Fn(&[u8]) -> Result<Option<Vec<(&'static str, Value)>>, String>,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let mut after = String::new();
    loop {
        let select = Query::select()
            .columns(["id", "body"])
            .from("applications")
            .and_where(Expr::col("body").is_not_null())
            .and_where(Expr::col("id").gt(after.as_str()))
            .order_by("id", Order::Asc)
            .limit(BATCH)
            .to_owned();
        let rows = db.query_all(&select).await?;
        for row in &rows {
            let id: String = row.try_get("", "id")?;
            let body: Vec<u8> = row.try_get("", "body")?;
            let columns = rewrite(&body)
                .map_err(|problem| DbErr::Migration(format!("application {id}: {problem}")))?;
            if let Some(columns) = columns {
                let mut update = Query::update();
                update.table("applications");
                for (column, value) in columns {
                    update.value(column, value);
                }
                update.and_where(Expr::col("id").eq(id.as_str()));
                db.execute(&update).await?;
            }
            after = id;
        }
        if (rows.len() as u64) < BATCH {
            return Ok(());
        }
    }
}

/// Marks that compact documents may be MessagePack.
pub(super) struct MessagePackDocuments;

// Named by hand: the derive names a migration after its file.
impl MigrationName for MessagePackDocuments {
    fn name(&self) -> &str {
        "m0010_message_pack_documents"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for MessagePackDocuments {
    async fn up(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Documents are written in MessagePack from their next change on; none is rewritten.
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rewrite_compact_documents(manager, |body| {
            Ok(as_compact_json(body)?.map(|older| vec![("body", older.into())]))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, EntityTrait};
    use sea_orm_migration::MigratorTrait;

    use super::super::codec;
    use super::super::connection::Store;
    use super::super::entities::application;
    use super::super::migration::Migrator;
    use super::super::prepared::{prepare, tests::accepted};
    use super::super::records::Change;

    #[tokio::test]
    async fn going_down_writes_every_document_back_as_json_a_json_server_reads() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/s.db?mode=rwc", dir.path().display());
        let store = Store::connect(&url).await.unwrap();
        let accepted = accepted();
        let change = Change {
            application: &accepted,
            previous: None,
            events: &[],
            actor: "test",
            at: chrono::Utc::now(),
            idempotency: None,
            notices: &[],
        };
        let mut row = prepare(&change).row;
        row.audit_head = sea_orm::ActiveValue::Set("head".into());
        row.audit_seq = sea_orm::ActiveValue::Set(0);
        let db = store.connection();
        application::Entity::insert(row).exec(db).await.unwrap();
        let read = || async {
            application::Entity::find()
                .one(db)
                .await
                .unwrap()
                .expect("the row")
        };
        assert_eq!(read().await.body.expect("compact")[0], 2, "MessagePack");

        Migrator::down(db, Some(1)).await.unwrap();
        let row = read().await;
        assert_eq!(row.body.as_ref().expect("compact")[0], 1, "compact JSON");
        assert_eq!(codec::decode(&row).unwrap(), accepted);

        Migrator::down(db, Some(1)).await.unwrap();
        let document: String = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT document FROM applications",
            ))
            .await
            .unwrap()
            .expect("the row")
            .try_get("", "document")
            .unwrap();
        assert_eq!(document, serde_json::to_string(&accepted).unwrap());
    }
}
