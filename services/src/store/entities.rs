//! The tables, as sea-orm entities. The application row keeps the whole aggregate as a JSON
//! document (the engine's value, read back whole); the other columns are projections that queries
//! filter and page on, written in the same transaction.

/// One row per application.
pub mod application {
    use sea_orm::entity::prelude::*;

    /// An application: indexed columns plus the whole aggregate.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "applications")]
    pub struct Model {
        /// UUID v7 as text: ordered by submission, so it doubles as the paging key.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// Bundle code.
        pub bundle_code: String,
        /// State name.
        pub state: String,
        /// Receipt number once accepted.
        #[sea_orm(unique)]
        pub receipt_number: Option<String>,
        /// Key project code.
        pub key_project_code: Option<String>,
        /// When submitted.
        pub submitted_at: DateTimeUtc,
        /// When last changed.
        pub updated_at: DateTimeUtc,
        /// Optimistic-concurrency version: an update must name the version it read.
        pub version: i64,
        /// The engine's aggregate as JSON, for a document written before `body` existed; empty
        /// otherwise.
        #[sea_orm(column_type = "Text")]
        pub document: String,
        /// The engine's aggregate in the compact encoding (`store::codec`); `None` for a document
        /// written before it existed.
        #[sea_orm(column_type = "Blob", nullable)]
        pub body: Option<Vec<u8>>,
        /// Hash of the application's last audit event: deleting events at the end is detected.
        pub audit_head: String,
        /// Position of that last event in the chain (0 before the first), so that a writer can
        /// extend the chain without reading the events.
        pub audit_seq: i64,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One row per branch: the projection department queues read.
pub mod branch {
    use sea_orm::entity::prelude::*;

    /// A branch's queryable columns; the branch itself lives in its application's document.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "branches")]
    pub struct Model {
        /// UUID v7 as text.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The application.
        pub application_id: String,
        /// Department code.
        pub department_code: String,
        /// Matter code.
        pub matter_code: String,
        /// Bundle code.
        pub bundle_code: String,
        /// State name.
        pub state: String,
        /// When last changed.
        pub updated_at: DateTimeUtc,
        /// The branch's deadline once started.
        pub deadline_at: Option<DateTimeUtc>,
        /// True while the deadline still has to be acted on: the index the timer sleeps on.
        pub deadline_pending: bool,
        /// True while the branch runs with a provisional deadline (recounted on calendar reload).
        pub deadline_provisional: bool,
        /// The clerk it is assigned to.
        pub assignee: Option<String>,
        /// True while nobody of its post is available.
        pub unstaffed: bool,
        /// The replica that claimed the branch's due deadline, while its lease runs.
        pub lease_owner: Option<String>,
        /// Until when that claim holds (wall-clock time); any commit of the branch clears it.
        pub lease_until: Option<DateTimeUtc>,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The responses of requests that carried an idempotency key.
pub mod idempotency {
    use sea_orm::entity::prelude::*;

    /// One remembered request.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "idempotency_keys")]
    pub struct Model {
        /// The RPC and caller the key belongs to.
        #[sea_orm(primary_key, auto_increment = false)]
        pub scope: String,
        /// The client's key.
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        /// SHA-256 of the request, to refuse the same key with a different request.
        pub request_hash: String,
        /// The encoded response returned the first time.
        pub response: Vec<u8>,
        /// When.
        pub created_at: DateTimeUtc,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The history of every application: one row per engine event.
pub mod event {
    use sea_orm::entity::prelude::*;

    /// One event.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "events")]
    pub struct Model {
        /// Global order.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The application.
        pub application_id: String,
        /// 1, 2, 3… within the application: a gap is a deleted event.
        pub seq: i64,
        /// The application version the event produced.
        pub version: i64,
        /// When.
        pub at: DateTimeUtc,
        /// Who: `front-desk:<clerk>`, `department:<code>/<clerk>`, `dispatch:<clerk>` or `system`.
        pub actor: String,
        /// Event kind.
        pub kind: String,
        /// The event as JSON.
        #[sea_orm(column_type = "Text")]
        pub detail: String,
        /// Hash of the application's previous event ("" for the first).
        pub prev_hash: String,
        /// HMAC-SHA256 under the audit key `key_id` (or, without one, SHA-256) over this
        /// event's fields and `prev_hash`.
        pub hash: String,
        /// The id of the audit key that signed the event; `NULL` for a plain SHA-256 link.
        pub key_id: Option<String>,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The daily overdue digests for supervisors.
pub mod digest {
    use sea_orm::entity::prelude::*;

    /// One day's digest.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "digests")]
    pub struct Model {
        /// The day, YYYY-MM-DD in the centre's time zone.
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: String,
        /// When it was written.
        pub generated_at: DateTimeUtc,
        /// The digest as JSON.
        #[sea_orm(column_type = "Text")]
        pub content: String,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The outbox: everything someone must be told, in the order it must be read.
pub mod notification {
    use sea_orm::entity::prelude::*;

    /// One notification.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notifications")]
    pub struct Model {
        /// Position in the outbox: gapless and committed in order, the subscribers' cursor.
        #[sea_orm(primary_key, auto_increment = false)]
        pub position: i64,
        /// The application.
        pub application_id: String,
        /// applicant, department or supervision.
        pub audience: String,
        /// The department, for a department's notification.
        pub department_code: Option<String>,
        /// What kind.
        pub kind: String,
        /// The branch it is about.
        pub branch_id: Option<String>,
        /// The message.
        #[sea_orm(column_type = "Text")]
        pub message: String,
        /// When.
        pub created_at: DateTimeUtc,
        /// The joint review session it is about, if any.
        pub session_id: Option<String>,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Counters whose row lock orders commits (the outbox position).
pub mod counter {
    use sea_orm::entity::prelude::*;

    /// One counter.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "counters")]
    pub struct Model {
        /// Its name.
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        /// Its value.
        pub value: i64,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Key projects (重点项目).
pub mod project {
    use sea_orm::entity::prelude::*;

    /// One project.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "projects")]
    pub struct Model {
        /// Stable code.
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        /// Name.
        pub name: String,
        /// Investor.
        pub investor: String,
        /// Investment in 万元.
        pub investment_wan: i64,
        /// The facilitator.
        pub facilitator: String,
        /// When registered.
        pub registered_at: DateTimeUtc,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Posts of departments (AB岗).
pub mod post {
    use sea_orm::entity::prelude::*;

    /// One post.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "posts")]
    pub struct Model {
        /// The department.
        #[sea_orm(primary_key, auto_increment = false)]
        pub department_code: String,
        /// The post's code.
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        /// The post as JSON (matters, A, Bs).
        #[sea_orm(column_type = "Text")]
        pub definition: String,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Clerks who are away.
pub mod clerk_absence {
    use sea_orm::entity::prelude::*;

    /// One clerk away.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "clerk_absences")]
    pub struct Model {
        /// The department.
        #[sea_orm(primary_key, auto_increment = false)]
        pub department_code: String,
        /// The clerk.
        #[sea_orm(primary_key, auto_increment = false)]
        pub clerk_id: String,
        /// Why.
        pub reason: String,
        /// Since when.
        pub since: DateTimeUtc,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One row per joint review session.
pub mod session {
    use sea_orm::entity::prelude::*;

    /// A session: indexed columns plus the whole aggregate.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        /// UUID v7 as text, the paging key.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// State name.
        pub state: String,
        /// The convening department.
        pub lead_department_code: String,
        /// Key project code.
        pub key_project_code: Option<String>,
        /// Scheduled start.
        pub starts_at: DateTimeUtc,
        /// When the system closes it if the lead has not.
        pub close_due_at: DateTimeUtc,
        /// Whether its closing has been applied to every application.
        pub settled: bool,
        /// When last changed.
        pub updated_at: DateTimeUtc,
        /// Optimistic-concurrency version.
        pub version: i64,
        /// The aggregate as JSON.
        #[sea_orm(column_type = "Text")]
        pub document: String,
        /// The replica that claimed the session's overdue closing, while its lease runs.
        pub lease_owner: Option<String>,
        /// Until when that claim holds (wall-clock time); any commit of the session clears it.
        pub lease_until: Option<DateTimeUtc>,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Which applications each session reviews, to list an application's sessions.
pub mod session_application {
    use sea_orm::entity::prelude::*;

    /// One (session, application) pair.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "session_applications")]
    pub struct Model {
        /// The session.
        #[sea_orm(primary_key, auto_increment = false)]
        pub session_id: String,
        /// The application.
        #[sea_orm(primary_key, auto_increment = false)]
        pub application_id: String,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The log of committed application changes, in commit order, which every replica follows to
/// tell its streams what any replica committed.
pub mod change {
    use sea_orm::entity::prelude::*;

    /// One committed change of one application.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "changes")]
    pub struct Model {
        /// Its place in commit order (from the `changes` counter).
        #[sea_orm(primary_key, auto_increment = false)]
        pub position: i64,
        /// The application.
        pub application_id: String,
        /// The application's version after the change.
        pub version: i64,
        /// The branches the change touched, comma-separated UUIDs.
        pub branch_ids: String,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Configuration state every replica acts on, by name (the calendar's files).
pub mod shared_setting {
    use sea_orm::entity::prelude::*;

    /// One setting.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "shared_settings")]
    pub struct Model {
        /// Its name.
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        /// Its value (JSON).
        pub value: String,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
