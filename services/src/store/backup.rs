//! Online backups of the embedded SQLite store, taken while the server runs.
//!
//! `VACUUM INTO` copies the whole database inside one read transaction: in WAL mode the server's
//! writes go on meanwhile, and the copy holds exactly what was committed when the transaction
//! began — every change whole or not at all, every audit chain as it stood. The copy is written
//! to a hidden name beside the destination (`.<name>.partial-<id>`), flushed to disk and only then
//! given its name, so a backup cut short never looks whole; an existing destination is never
//! overwritten.
//!
//! PostgreSQL is refused: its own tools do this better (`pg_basebackup` with WAL archiving for
//! point-in-time recovery, `pg_dump` for a logical copy; see `deploy/README.md`, "Backups").

use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};

use super::connection::{Store, sqlite_file};
use super::error::StoreError;

/// A finished backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// The file written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

/// What a PostgreSQL store is told instead of a copy.
const POSTGRES_REFUSAL: &str = "the store is PostgreSQL, which this command does not copy: \
     take a base backup with pg_basebackup (with WAL archiving for point-in-time recovery) or a \
     logical copy with pg_dump (deploy/README.md, \"Backups\")";

impl Store {
    /// Writes a consistent copy of this SQLite store to `destination`, a file that must not
    /// exist yet, while the store goes on serving. Refused on PostgreSQL.
    pub async fn backup_to(&self, destination: &Path) -> Result<Backup, StoreError> {
        if self.db.get_database_backend() != DbBackend::Sqlite {
            return Err(StoreError::Backup(POSTGRES_REFUSAL.into()));
        }
        copy_into(&self.db, destination).await
    }
}

/// Backs up the SQLite database at `url` to `destination` (which must not exist yet), while a
/// server may be using it: the operator's `lianban-server backup`. The database is opened without
/// being changed — no migration, no file created when it is missing. Refused on PostgreSQL and on
/// an in-memory database.
pub async fn backup_database(url: &str, destination: &Path) -> Result<Backup, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(StoreError::Backup(POSTGRES_REFUSAL.into()));
    }
    let Some(file) = sqlite_file(url) else {
        return Err(StoreError::Backup(
            "the database URL names no SQLite file (sqlite://path): nothing to back up".into(),
        ));
    };
    if !file.is_file() {
        return Err(StoreError::Backup(format!(
            "no database at {}",
            file.display()
        )));
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .max_connections(1)
        .map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(false)
                .busy_timeout(Duration::from_secs(10))
        });
    let db = Database::connect(options).await?;
    let copied = copy_into(&db, destination).await;
    db.close().await?;
    copied
}

/// `VACUUM INTO` a hidden file beside `destination`, flushed, then linked to its name.
async fn copy_into(db: &DatabaseConnection, destination: &Path) -> Result<Backup, StoreError> {
    let refuse = |what: String| StoreError::Backup(what);
    if destination.symlink_metadata().is_ok() {
        return Err(refuse(format!(
            "{} already exists: a backup never overwrites a file",
            destination.display()
        )));
    }
    let Some(name) = destination.file_name().and_then(|n| n.to_str()) else {
        return Err(refuse(format!(
            "{} is not a file name in UTF-8",
            destination.display()
        )));
    };
    let folder = match destination.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(refuse(format!("no folder {}", folder.display())));
    }
    let partial = folder.join(format!(".{name}.partial-{}", uuid::Uuid::new_v4().simple()));
    let Some(partial_text) = partial.to_str().map(str::to_owned) else {
        return Err(refuse(format!("{} is not UTF-8", folder.display())));
    };
    let copied = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO ?",
            [partial_text.into()],
        ))
        .await;
    if let Err(error) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(error.into());
    }
    let destination = destination.to_path_buf();
    let finished = tokio::task::spawn_blocking(move || publish(&partial, &destination, &folder))
        .await
        .map_err(|error| refuse(format!("the backup's last step failed: {error}")))?;
    finished.map_err(refuse)
}

/// Flushes the finished copy, gives it its name without ever replacing a file, and flushes the
/// folder so the name survives a crash. The hidden copy is removed whatever happens.
fn publish(partial: &Path, destination: &Path, folder: &Path) -> Result<Backup, String> {
    let result = (|| {
        let file = std::fs::File::open(partial).map_err(|e| format!("reopening the copy: {e}"))?;
        file.sync_all()
            .map_err(|e| format!("flushing the copy to disk: {e}"))?;
        let bytes = file.metadata().map(|m| m.len()).unwrap_or_default();
        // A hard link fails when the destination appeared meanwhile, where a rename would
        // replace it; a file system without links falls back to a checked rename.
        match std::fs::hard_link(partial, destination) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(format!(
                    "{} appeared while the backup was written: not overwritten",
                    destination.display()
                ));
            }
            Err(_) if destination.symlink_metadata().is_err() => {
                std::fs::rename(partial, destination)
                    .map_err(|e| format!("naming the copy {}: {e}", destination.display()))?;
            }
            Err(error) => {
                return Err(format!(
                    "naming the copy {}: {error}",
                    destination.display()
                ));
            }
        }
        sync_folder(folder);
        Ok(Backup {
            path: destination.to_path_buf(),
            bytes,
        })
    })();
    let _ = std::fs::remove_file(partial);
    result
}

/// Flushes a folder's entries (a no-op where folders cannot be opened as files).
fn sync_folder(folder: &Path) {
    if let Ok(handle) = std::fs::File::open(folder) {
        let _ = handle.sync_all();
    }
}
