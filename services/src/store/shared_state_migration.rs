//! Migration `m0006`: what replicas share through the store besides the applications — the log
//! of committed changes that every replica's streams follow, the configuration state every replica
//! acts on (staffing and calendar versions, the calendar's files, the manual clock), and the
//! leases that let one replica at a time act on a due deadline or close an overdue session.

use sea_orm_migration::{prelude::*, schema::*};

/// The change log, shared settings, version counters and deadline leases.
pub(super) struct ShareStateBetweenReplicas;

// Named by hand: the derive names a migration after its file.
impl MigrationName for ShareStateBetweenReplicas {
    fn name(&self) -> &str {
        "m0006_share_state_between_replicas"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ShareStateBetweenReplicas {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("changes")
                    .col(big_integer("position").primary_key())
                    .col(string("application_id"))
                    .col(big_integer("version"))
                    .col(text("branch_ids"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("shared_settings")
                    .col(string("name").primary_key())
                    .col(text("value"))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO counters (name, value) VALUES ('changes', 0), ('staffing', 0), \
                 ('calendar', 0)",
            )
            .await?;
        for table in ["branches", "sessions"] {
            for mut column in [
                string_null("lease_owner"),
                timestamp_with_time_zone_null("lease_until"),
            ] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(table)
                            .add_column(&mut column)
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["branches", "sessions"] {
            for column in ["lease_owner", "lease_until"] {
                manager
                    .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                    .await?;
            }
        }
        manager
            .get_connection()
            .execute_unprepared(
                "DELETE FROM counters WHERE name IN ('changes', 'staffing', 'calendar', \
                 'manual_clock')",
            )
            .await?;
        manager
            .drop_table(Table::drop().table("shared_settings").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("changes").to_owned())
            .await
    }
}
