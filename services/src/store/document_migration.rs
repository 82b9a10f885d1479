//! Migration `m0009`: a binary column for the application document. A document written since is
//! kept there in the compact encoding of `store::codec` (about a sixth of its JSON), and its JSON
//! column is left empty; a document written before stays JSON until its application next changes.
//! Nothing is rewritten going up, so the migration takes no time on a large store; going down
//! writes every compact document back as JSON before the column goes, so no document is lost.

use sea_orm_migration::{prelude::*, schema::*};

use super::codec::expand;

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

/// Puts each compact document's JSON in its `document` column and empties `body`, a page of
/// applications at a time.
async fn write_compact_documents_back_as_json(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    loop {
        // Each page empties the `body` it read, so the next query finds the rest.
        let select = Query::select()
            .columns(["id", "body"])
            .from("applications")
            .and_where(Expr::col("body").is_not_null())
            .order_by("id", Order::Asc)
            .limit(BATCH)
            .to_owned();
        let rows = db.query_all(&select).await?;
        for row in &rows {
            let id: String = row.try_get("", "id")?;
            let body: Vec<u8> = row.try_get("", "body")?;
            let json = expand(&body)
                .and_then(|json| String::from_utf8(json).map_err(|e| e.to_string()))
                .map_err(|problem| DbErr::Migration(format!("application {id}: {problem}")))?;
            let update = Query::update()
                .table("applications")
                .value("document", json)
                .value("body", Option::<Vec<u8>>::None)
                .and_where(Expr::col("id").eq(id))
                .to_owned();
            db.execute(&update).await?;
        }
        if (rows.len() as u64) < BATCH {
            return Ok(());
        }
    }
}
