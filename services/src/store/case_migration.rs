//! Migration `m0008`: supervision cases (complaints and the rectification of negative reviews)
//! and their hash-chained trail. The columns beside each case document are what the overdue
//! sweep claims on and what a monthly assessment counts by department (opened, replied on time,
//! ruled upheld, overturned), so neither reads the documents.

use sea_orm_migration::{prelude::*, schema::*};

/// The case and case-event tables, and the counter of case numbers.
pub(super) struct CreateCaseTables;

// Named by hand: the derive names a migration after its file.
impl MigrationName for CreateCaseTables {
    fn name(&self) -> &str {
        "m0008_create_case_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateCaseTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("cases")
                    .col(string("id").primary_key())
                    .col(string("number").unique_key())
                    .col(string("kind"))
                    .col(string("state"))
                    .col(string("department_code"))
                    .col(string_null("application_id"))
                    .col(timestamp_with_time_zone("opened_at"))
                    .col(timestamp_with_time_zone("due_at"))
                    .col(timestamp_with_time_zone_null("replied_at"))
                    .col(boolean_null("replied_on_time"))
                    .col(boolean_null("ruled_upheld"))
                    .col(boolean("escalated"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .col(string_null("outcome"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(big_integer("version"))
                    .col(text("document"))
                    .col(big_integer("audit_seq"))
                    .col(string("audit_head"))
                    .col(string_null("lease_owner"))
                    .col(timestamp_with_time_zone_null("lease_until"))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("cases_by_department", &["department_code", "opened_at"][..]),
            ("cases_by_kind", &["kind", "opened_at"][..]),
            ("cases_by_due", &["escalated", "state", "due_at"][..]),
            ("cases_by_application", &["application_id"][..]),
        ] {
            index(manager, name, "cases", columns).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("case_events")
                    .col(big_pk_auto("id"))
                    .col(string("case_id"))
                    .col(big_integer("seq"))
                    .col(big_integer("version"))
                    .col(timestamp_with_time_zone("at"))
                    .col(string("actor"))
                    .col(string("kind"))
                    .col(text("detail"))
                    .col(string("prev_hash"))
                    .col(string("hash"))
                    .col(string_null("key_id"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "case_events_by_case",
            "case_events",
            &["case_id", "seq"],
        )
        .await?;
        manager
            .get_connection()
            .execute_unprepared("INSERT INTO counters (name, value) VALUES ('cases', 0)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DELETE FROM counters WHERE name = 'cases'")
            .await?;
        for table in ["case_events", "cases"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &'static str,
    columns: &[&'static str],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(*column);
    }
    manager.create_index(index.to_owned()).await
}
