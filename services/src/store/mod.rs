//! The store: applications, their branch projections, events and idempotency keys, on SQLite or
//! PostgreSQL through sea-orm, with the same migrations and the same behaviour.
//!
//! Every change is one transaction: the application document, the branch rows that changed, the
//! events and the idempotency record commit together or not at all. Updates are guarded by the
//! version the caller read, so two writers never overwrite each other silently.
//!
//! One [`Store`] type, its methods grouped by what they serve, each group in a file of its own:
//! `connection` (the handle, opening and closing), `applications` (reads, lists, scans, commits,
//! remembered responses), `audit` (the stored audit trail) with `audit_keys` (the keys that sign
//! and check it), `backup` (online copies of a SQLite store), `branches` (deadlines and branch
//! lists), `notifications` (the outbox and the digests), `sessions`, `cases` (complaints and
//! rectifications with their trail; `case_entities`, migration `case_migration`), `projects` and
//! `staffing`.
//! Beside them, `records` holds the values they share and `error` the error; `writer` commits
//! application changes, with `outbox` and `keys` (idempotency keys) writing inside a change's transaction,
//! `codec` encoding values as columns and `paging` bounding reads and writes; `settings` holds
//! the `[store]` section (the connection wait bound and the readiness probe's timing).

mod applications;
mod audit;
mod audit_keys;
mod backup;
mod branches;
mod case_entities;
mod case_migration;
mod cases;
mod change_log;
mod codec;
mod connection;
mod direct;
mod document_migration;
mod entities;
mod error;
mod joined_updates;
mod keys;
mod leases;
pub mod migration;
mod notifications;
mod outbox;
mod paging;
mod prepared;
mod projects;
mod ratings_migration;
mod records;
mod row_inserts;
mod sessions;
mod settings;
mod shared_state;
mod shared_state_migration;
mod staffing;
mod statements;
mod writer;

pub use audit_keys::{AuditHead, AuditKeys, AuditSecret, PlainLinks};
pub use backup::{Backup, backup_database};
pub use cases::{CaseChange, CaseFilter};
pub use connection::Store;
pub use error::StoreError;
pub use leases::Claim;
pub use records::{
    AbsenceRecord, ApplicationFilter, AuditLink, AuditRow, BranchFilter, Change, IdempotencyRecord,
    NotificationFilter, Page, PageRequest, ProjectRecord, RememberedResponse, StoredNotification,
};
pub use sessions::{SessionChange, SessionFilter};
pub use settings::StoreConfig;
pub use shared_state::{ChangeRecord, SharedVersions};
