//! The store's handle and its lifecycle: the connection pool and the writer task, opening a
//! database (its folder and schema included) and closing it. The methods live in the files of
//! what they serve; this file only holds what they all share.

use std::path::PathBuf;
use std::sync::Arc;

use sea_orm::{
    ConnAcquireErr, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend,
    DbErr, Statement, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use super::audit_keys::AuditKeys;
use super::direct::DirectSqlite;
use super::error::StoreError;
use super::migration;
use super::settings::StoreConfig;
use super::writer;

/// The store over one database.
#[derive(Clone)]
pub struct Store {
    pub(super) db: DatabaseConnection,
    pub(super) writer: writer::Writer,
    pub(super) audit_keys: Arc<AuditKeys>,
}

impl Store {
    /// Connects, creating a SQLite file's folder when needed, and brings the schema up to date,
    /// with a plain audit chain (tools and tests; the server connects with its keys).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_keys(url, Arc::new(AuditKeys::plain())).await
    }

    /// Connects like [`Store::connect`], with the audit chain signed and checked with `keys`.
    pub async fn connect_with_keys(url: &str, keys: Arc<AuditKeys>) -> Result<Self, StoreError> {
        Self::connect_with_settings(url, keys, &StoreConfig::default()).await
    }

    /// Connects like [`Store::connect_with_keys`], with the `[store]` settings: a call waits at
    /// most `acquire_timeout_ms` for a connection (opening one included), so that an unreachable
    /// database answers promptly instead of after the pool's 30-second default.
    pub async fn connect_with_settings(
        url: &str,
        keys: Arc<AuditKeys>,
        settings: &StoreConfig,
    ) -> Result<Self, StoreError> {
        prepare_sqlite_folder(url)?;
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .acquire_timeout(settings.acquire_timeout())
            .connect_timeout(settings.acquire_timeout());
        options.sqlx_logging(false).map_sqlx_sqlite_opts(|opts| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(std::time::Duration::from_secs(10))
                .foreign_keys(true)
        });
        let db = Database::connect(options).await?;
        migrate(&db).await?;
        let writer = start_writer(url, &db, &keys)?;
        Ok(Store {
            db,
            writer,
            audit_keys: keys,
        })
    }

    /// Closes every connection.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await?;
        Ok(())
    }

    /// Whether the database answers a trivial query within `timeout` (readiness). A connection
    /// is taken from the pool, opened anew when the pooled ones are gone.
    pub async fn ping(&self, timeout: std::time::Duration) -> Result<(), StoreError> {
        match tokio::time::timeout(timeout, self.db.ping()).await {
            Ok(answered) => Ok(answered?),
            Err(_) => Err(StoreError::Database(DbErr::ConnectionAcquire(
                ConnAcquireErr::Timeout,
            ))),
        }
    }

    /// The underlying connection, for tests that inspect the database directly.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }
}

/// The key of the PostgreSQL advisory lock migrations run under ("lianban" in ASCII).
const MIGRATION_LOCK: i64 = 0x006c_6961_6e62_616e;

/// Brings the schema up to date. On PostgreSQL every migration runs in one transaction holding
/// an advisory lock, so replicas that start together on an empty or older database migrate one
/// after the other (the others then find nothing to do) instead of racing in the catalogue. A
/// database whose schema is newer than this build is refused with what to do.
async fn migrate(db: &DatabaseConnection) -> Result<(), StoreError> {
    let known: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let newer = |error: DbErr| match &error {
        DbErr::Custom(text) if text.contains("missing") => StoreError::Schema(format!(
            "the database's schema is newer than this server knows ({text}); run a newer \
             server, or restore a backup taken before the upgrade (known migrations: {})",
            known.len()
        )),
        _ => StoreError::from(error),
    };
    if db.get_database_backend() != DbBackend::Postgres {
        return migration::Migrator::up(db, None).await.map_err(newer);
    }
    let transaction = db.begin().await?;
    transaction
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [MIGRATION_LOCK.into()],
        ))
        .await?;
    migration::Migrator::up(&transaction, None)
        .await
        .map_err(newer)?;
    transaction.commit().await?;
    Ok(())
}

/// The writer: on a SQLite file, on a thread of its own with its own connection; otherwise (an
/// in-memory SQLite database, which only the pool's connection sees, or PostgreSQL) through the
/// pool.
fn start_writer(
    url: &str,
    db: &DatabaseConnection,
    keys: &Arc<AuditKeys>,
) -> Result<writer::Writer, StoreError> {
    match sqlite_file(url) {
        Some(path) => {
            let connection = DirectSqlite::open(&path)?;
            writer::Writer::start_direct(connection, keys.clone())
        }
        None => Ok(writer::Writer::start(db.clone(), keys.clone())),
    }
}

/// The file of a `sqlite://` URL; `None` for another scheme or an in-memory database.
pub(super) fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory =
        path.is_empty() || path == ":memory:" || query.split('&').any(|pair| pair == "mode=memory");
    (!in_memory).then(|| PathBuf::from(path))
}

/// Creates the folder of a `sqlite://` file URL, so that a fresh machine needs no set-up.
fn prepare_sqlite_folder(url: &str) -> Result<(), StoreError> {
    let Some(path) = sqlite_file(url) else {
        return Ok(());
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| {
            StoreError::Url(format!(
                "cannot create folder {}: {error}",
                parent.display()
            ))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;

    #[test]
    fn a_sqlite_url_names_its_file_unless_it_is_in_memory() {
        assert_eq!(
            sqlite_file("sqlite:///var/lib/lianban/lianban.db?mode=rwc"),
            Some("/var/lib/lianban/lianban.db".into())
        );
        assert_eq!(sqlite_file("sqlite:x.db"), Some("x.db".into()));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(
            sqlite_file("sqlite://shared?mode=memory&cache=shared"),
            None
        );
        assert_eq!(sqlite_file("postgres://localhost/lianban"), None);
    }
}
