//! The sea-orm entities of supervision cases: the case row (indexed columns beside the document)
//! and its trail's events.

pub mod case {
    use sea_orm::entity::prelude::*;

    /// A case: the columns the sweep and the assessment read, plus the whole aggregate.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cases")]
    pub struct Model {
        /// UUID as text (v7 for a complaint, v5 of the rating for a rectification).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// The readable number, e.g. `TS2026000123`.
        pub number: String,
        /// `complaint` or `rectification`.
        pub kind: String,
        /// State name.
        pub state: String,
        /// The responsible department.
        pub department_code: String,
        /// The application it is about, if any.
        pub application_id: Option<String>,
        /// When registered.
        pub opened_at: DateTimeUtc,
        /// The department's deadline.
        pub due_at: DateTimeUtc,
        /// When the department replied.
        pub replied_at: Option<DateTimeUtc>,
        /// Whether that was on or before the deadline.
        pub replied_on_time: Option<bool>,
        /// A complaint's ruling: upheld or not.
        pub ruled_upheld: Option<bool>,
        /// Whether it was escalated for being overdue.
        pub escalated: bool,
        /// When closed (or overturned).
        pub closed_at: Option<DateTimeUtc>,
        /// How it ended.
        pub outcome: Option<String>,
        /// When last changed.
        pub updated_at: DateTimeUtc,
        /// Optimistic-concurrency version.
        pub version: i64,
        /// The aggregate as JSON.
        #[sea_orm(column_type = "Text")]
        pub document: String,
        /// Position of the last event on its trail.
        pub audit_seq: i64,
        /// Hash of the last event on its trail.
        pub audit_head: String,
        /// The replica that claimed its escalation, while its lease runs.
        pub lease_owner: Option<String>,
        /// Until when that claim holds (wall-clock time); any commit of the case clears it.
        pub lease_until: Option<DateTimeUtc>,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod case_event {
    use sea_orm::entity::prelude::*;

    /// One entry of a case's trail.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_events")]
    pub struct Model {
        /// Global order.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The case.
        pub case_id: String,
        /// 1, 2, 3… within the case: a gap is a deleted entry.
        pub seq: i64,
        /// The case version the entry produced.
        pub version: i64,
        /// When.
        pub at: DateTimeUtc,
        /// Who: the caller's principal, or `system`.
        pub actor: String,
        /// Event kind.
        pub kind: String,
        /// The event as JSON.
        #[sea_orm(column_type = "Text")]
        pub detail: String,
        /// Hash of the previous entry ("" for the first).
        pub prev_hash: String,
        /// HMAC-SHA256 under the audit key `key_id` (or, without one, SHA-256).
        pub hash: String,
        /// The id of the audit key that signed it; `NULL` for a plain SHA-256 link.
        pub key_id: Option<String>,
    }

    /// No relations are navigated through the ORM.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
