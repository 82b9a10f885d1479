//! The schema, as sea-orm migrations: the same statements create it on SQLite and PostgreSQL.

use sea_orm_migration::{prelude::*, schema::*};

/// Every migration, in order.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(CreateCoreTables),
            Box::new(CreateSessionTables),
            Box::new(AddAuditSeq),
            Box::new(IndexNotificationsBySession),
            Box::new(AddEventKeyId),
            Box::new(super::shared_state_migration::ShareStateBetweenReplicas),
            Box::new(super::ratings_migration::RatingsToTheNationalStandard),
            Box::new(super::case_migration::CreateCaseTables),
            Box::new(super::document_migration::CompactDocuments),
            Box::new(super::document_migration::MessagePackDocuments),
        ]
    }
}

/// Applications, branches, idempotency keys and events.
#[derive(DeriveMigrationName)]
struct CreateCoreTables;

#[async_trait::async_trait]
impl MigrationTrait for CreateCoreTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("applications")
                    .col(string("id").primary_key())
                    .col(string("bundle_code"))
                    .col(string("state"))
                    .col(string_null("receipt_number").unique_key())
                    .col(string_null("key_project_code"))
                    .col(timestamp_with_time_zone("submitted_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(big_integer("version"))
                    .col(text("document"))
                    .col(string("audit_head"))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("applications_by_state", ["state", "id"]),
            ("applications_by_bundle", ["bundle_code", "id"]),
            ("applications_by_project", ["key_project_code", "id"]),
        ] {
            create_index(manager, name, "applications", &columns).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("branches")
                    .col(string("id").primary_key())
                    .col(string("application_id"))
                    .col(string("department_code"))
                    .col(string("matter_code"))
                    .col(string("bundle_code"))
                    .col(string("state"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("deadline_at"))
                    .col(boolean("deadline_pending"))
                    .col(boolean("deadline_provisional"))
                    .col(string_null("assignee"))
                    .col(boolean("unstaffed"))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "branches_by_deadline",
            "branches",
            &["deadline_pending", "deadline_at"],
        )
        .await?;
        create_index(
            manager,
            "branches_by_application",
            "branches",
            &["application_id"],
        )
        .await?;
        create_index(
            manager,
            "branches_by_department",
            "branches",
            &["department_code", "state", "id"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("idempotency_keys")
                    .col(string("scope"))
                    .col(string("key"))
                    .col(string("request_hash"))
                    .col(blob("response"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("scope").col("key"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("events")
                    .col(big_pk_auto("id"))
                    .col(string("application_id"))
                    .col(big_integer("seq"))
                    .col(big_integer("version"))
                    .col(timestamp_with_time_zone("at"))
                    .col(string("actor"))
                    .col(string("kind"))
                    .col(text("detail"))
                    .col(string("prev_hash"))
                    .col(string("hash"))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "events_by_application",
            "events",
            &["application_id", "id"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("notifications")
                    .col(big_integer("position").primary_key())
                    .col(string("application_id"))
                    .col(string("audience"))
                    .col(string_null("department_code"))
                    .col(string("kind"))
                    .col(string_null("branch_id"))
                    .col(text("message"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "notifications_by_application",
            "notifications",
            &["application_id", "position"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("counters")
                    .col(string("name").primary_key())
                    .col(big_integer("value"))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("INSERT INTO counters (name, value) VALUES ('notifications', 0)")
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("projects")
                    .col(string("code").primary_key())
                    .col(string("name"))
                    .col(string("investor"))
                    .col(big_integer("investment_wan"))
                    .col(string("facilitator"))
                    .col(timestamp_with_time_zone("registered_at"))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "projects_by_facilitator",
            "projects",
            &["facilitator", "code"],
        )
        .await?;
        create_index(
            manager,
            "branches_by_assignee",
            "branches",
            &["department_code", "assignee", "id"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("posts")
                    .col(string("department_code"))
                    .col(string("code"))
                    .col(text("definition"))
                    .primary_key(Index::create().col("department_code").col("code"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("clerk_absences")
                    .col(string("department_code"))
                    .col(string("clerk_id"))
                    .col(string("reason"))
                    .col(timestamp_with_time_zone("since"))
                    .primary_key(Index::create().col("department_code").col("clerk_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("digests")
                    .col(string("day").primary_key())
                    .col(timestamp_with_time_zone("generated_at"))
                    .col(text("content"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "digests",
            "events",
            "idempotency_keys",
            "branches",
            "applications",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Joint review sessions, and the session a notification is about.
struct CreateSessionTables;

// Named by hand: the derive names a migration after its file, and every migration lives here.
impl MigrationName for CreateSessionTables {
    fn name(&self) -> &str {
        "m0002_create_session_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateSessionTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    .col(string("id").primary_key())
                    .col(string("state"))
                    .col(string("lead_department_code"))
                    .col(string_null("key_project_code"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("close_due_at"))
                    .col(boolean("settled"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(big_integer("version"))
                    .col(text("document"))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("sessions_by_state", &["state", "close_due_at"][..]),
            ("sessions_unsettled", &["settled", "state"][..]),
        ] {
            create_index(manager, name, "sessions", columns).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("session_applications")
                    .col(string("session_id"))
                    .col(string("application_id"))
                    .primary_key(Index::create().col("session_id").col("application_id"))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "session_applications_by_application",
            "session_applications",
            &["application_id", "session_id"],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .add_column(string_null("session_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("notifications")
                    .drop_column("session_id")
                    .to_owned(),
            )
            .await?;
        for table in ["session_applications", "sessions"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// The position of each application's last audit event, kept beside its hash.
struct AddAuditSeq;

impl MigrationName for AddAuditSeq {
    fn name(&self) -> &str {
        "m0003_add_audit_seq"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddAuditSeq {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("applications")
                    .add_column(big_integer("audit_seq").default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE applications SET audit_seq = COALESCE(\
                 (SELECT MAX(seq) FROM events WHERE events.application_id = applications.id), 0)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("applications")
                    .drop_column("audit_seq")
                    .to_owned(),
            )
            .await
    }
}

/// A session's notices, found by session (its notices are stored against its first application,
/// and are listed from each application it reviews and from the session itself).
struct IndexNotificationsBySession;

impl MigrationName for IndexNotificationsBySession {
    fn name(&self) -> &str {
        "m0004_index_notifications_by_session"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for IndexNotificationsBySession {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_index(
            manager,
            "notifications_by_session",
            "notifications",
            &["session_id", "position"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("notifications_by_session")
                    .table("notifications")
                    .to_owned(),
            )
            .await
    }
}

/// The id of the audit key each event was signed with; `NULL` on the events written before
/// (plain SHA-256 links), which stay verifiable.
struct AddEventKeyId;

impl MigrationName for AddEventKeyId {
    fn name(&self) -> &str {
        "m0005_add_event_key_id"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddEventKeyId {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("events")
                    .add_column(string_null("key_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("events")
                    .drop_column("key_id")
                    .to_owned(),
            )
            .await
    }
}

async fn create_index(
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
