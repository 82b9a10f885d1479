//! The store's one error type: every store call answers with it, so callers map store failures
//! to status codes in one place.

use sea_orm::DbErr;
use thiserror::Error;
use uuid::Uuid;

/// Why the store could not do what was asked.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// Another writer changed the application since it was read.
    #[error("application {0} was changed concurrently")]
    Conflict(Uuid),
    /// The idempotency key was recorded by a concurrent request.
    #[error("idempotency key {key} was recorded concurrently")]
    KeyTaken {
        /// The key.
        key: String,
    },
    /// A stored document could not be read back.
    #[error("stored application {id} is unreadable: {message}")]
    Corrupt {
        /// The application.
        id: String,
        /// The decoder's message.
        message: String,
    },
    /// A code that must be unique is taken.
    #[error("{what} {code} already exists")]
    Duplicate {
        /// What kind of thing.
        what: &'static str,
        /// The code.
        code: String,
    },
    /// The database URL is unusable.
    #[error("database url: {0}")]
    Url(String),
    /// The database's schema is newer than this build knows.
    #[error("database schema: {0}")]
    Schema(String),
    /// A backup was refused or failed.
    #[error("backup: {0}")]
    Backup(String),
}
