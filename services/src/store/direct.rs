//! A SQLite connection driven on the thread that uses it: the group-commit writer's own.
//!
//! sqlx runs every SQLite connection on a worker thread of its own, so each statement, and each
//! row it returns, crosses a channel to that thread and back: two thread hand-offs a statement,
//! which the profile showed as the largest share of the server's CPU. The writer needs no pool
//! and no concurrency of its own (it writes one batch at a time), so it owns a plain SQLite
//! connection on its own thread instead and runs every statement of a batch as a function call.
//!
//! It runs the statements the writer builds with sea-orm's builders for SQLite
//! ([`Statements`]), so the writer's code is the one PostgreSQL runs too. Values are bound
//! exactly as sqlx binds them (an instant as RFC 3339 text, a flag as 0 or 1), so the rows read
//! the same through the pool.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use chrono::SecondsFormat;
use rusqlite::types::Value as Sqlite;
use sea_orm::sea_query::Value;
use sea_orm::{DbBackend, DbErr, RuntimeErr, Statement};

use super::statements::Statements;

/// How long a statement waits for another connection's write lock (the pool's, or another
/// process's) before it fails; the same as the pool's.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Statements kept prepared: the writer builds a few dozen distinct ones (a multi-row insert of
/// each size is its own).
const PREPARED_STATEMENTS: usize = 256;

/// A SQLite connection owned by one thread. The mutex is never contended (one thread uses it);
/// it is there because a connection the writer runs on must be shareable (`Statements: Sync`).
pub(super) struct DirectSqlite {
    connection: Mutex<rusqlite::Connection>,
}

impl DirectSqlite {
    /// Opens the database file with the settings the pool uses: write-ahead log, a full sync at
    /// each commit, foreign keys checked, and the same wait for a busy database.
    pub(super) fn open(path: &Path) -> Result<Self, DbErr> {
        let connection = rusqlite::Connection::open(path).map_err(connection_error)?;
        connection
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(connection_error)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            )
            .map_err(connection_error)?;
        connection.set_prepared_statement_cache_capacity(PREPARED_STATEMENTS);
        Ok(DirectSqlite {
            connection: Mutex::new(connection),
        })
    }

    /// Runs `sql` (no parameters, no rows): `BEGIN IMMEDIATE`, `COMMIT`, `ROLLBACK`.
    pub(super) fn batch(&self, sql: &str) -> Result<(), DbErr> {
        self.lock()?
            .execute_batch(sql)
            .map_err(|error| exec_error(&error))
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, rusqlite::Connection>, DbErr> {
        self.connection
            .lock()
            .map_err(|_| DbErr::Custom("the writer's SQLite connection is poisoned".to_owned()))
    }

    /// Runs `statement` and hands each row to `read`.
    fn rows<T>(
        &self,
        statement: &Statement,
        mut read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, DbErr> {
        let connection = self.lock()?;
        let mut prepared = connection
            .prepare_cached(&statement.sql)
            .map_err(|error| query_error(&error))?;
        let mut rows = prepared
            .query(rusqlite::params_from_iter(parameters(statement)?))
            .map_err(|error| query_error(&error))?;
        let mut read_rows = Vec::new();
        // Every row is stepped through, so an `UPDATE … RETURNING` has done all its work.
        while let Some(row) = rows.next().map_err(|error| query_error(&error))? {
            read_rows.push(read(row).map_err(|error| query_error(&error))?);
        }
        Ok(read_rows)
    }
}

impl Statements for DirectSqlite {
    fn backend(&self) -> DbBackend {
        DbBackend::Sqlite
    }

    async fn rows_changed(&self, statement: Statement) -> Result<u64, DbErr> {
        let connection = self.lock()?;
        let mut prepared = connection
            .prepare_cached(&statement.sql)
            .map_err(|error| exec_error(&error))?;
        let changed = prepared
            .execute(rusqlite::params_from_iter(parameters(&statement)?))
            .map_err(|error| exec_error(&error))?;
        Ok(changed as u64)
    }

    async fn integer(&self, statement: Statement) -> Result<Option<i64>, DbErr> {
        Ok(self.rows(&statement, |row| row.get(0))?.into_iter().next())
    }

    async fn texts(&self, statement: Statement) -> Result<Vec<String>, DbErr> {
        self.rows(&statement, |row| row.get(0))
    }

    async fn text_integers_text(
        &self,
        statement: Statement,
    ) -> Result<Vec<(String, i64, i64, String)>, DbErr> {
        self.rows(&statement, |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
    }
}

/// The statement's values, bound the way sqlx binds them for SQLite.
fn parameters(statement: &Statement) -> Result<Vec<Sqlite>, DbErr> {
    statement
        .values
        .iter()
        .flat_map(|values| values.0.iter())
        .map(parameter)
        .collect()
}

/// One value as SQLite keeps it; the same text sqlx writes, so either side reads the other's.
fn parameter(value: &Value) -> Result<Sqlite, DbErr> {
    fn or_null<T>(value: &Option<T>, into: impl FnOnce(&T) -> Sqlite) -> Sqlite {
        value.as_ref().map_or(Sqlite::Null, into)
    }
    Ok(match value {
        Value::Bool(v) => or_null(v, |b| Sqlite::Integer(i64::from(*b))),
        Value::TinyInt(v) => or_null(v, |i| Sqlite::Integer(i64::from(*i))),
        Value::SmallInt(v) => or_null(v, |i| Sqlite::Integer(i64::from(*i))),
        Value::Int(v) => or_null(v, |i| Sqlite::Integer(i64::from(*i))),
        Value::BigInt(v) => or_null(v, |i| Sqlite::Integer(*i)),
        Value::TinyUnsigned(v) => or_null(v, |i| Sqlite::Integer(i64::from(*i))),
        Value::SmallUnsigned(v) => or_null(v, |i| Sqlite::Integer(i64::from(*i))),
        Value::Unsigned(v) => or_null(v, |i| Sqlite::Integer(i64::from(*i))),
        Value::BigUnsigned(Some(i)) => Sqlite::Integer(
            i64::try_from(*i).map_err(|_| DbErr::Custom(format!("{i} does not fit SQLite")))?,
        ),
        Value::BigUnsigned(None) => Sqlite::Null,
        Value::Float(v) => or_null(v, |f| Sqlite::Real(f64::from(*f))),
        Value::Double(v) => or_null(v, |f| Sqlite::Real(*f)),
        Value::String(v) => or_null(v, |s| Sqlite::Text(s.clone())),
        Value::Char(v) => or_null(v, |c| Sqlite::Text(c.to_string())),
        Value::Bytes(v) => or_null(v, |b| Sqlite::Blob(b.clone())),
        Value::Json(v) => or_null(v, |j| Sqlite::Text(j.to_string())),
        Value::ChronoDateTimeUtc(v) => or_null(v, |t| {
            Sqlite::Text(t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
        }),
        Value::Uuid(v) => or_null(v, |u| Sqlite::Blob(u.as_bytes().to_vec())),
        other => {
            return Err(DbErr::Custom(format!(
                "the writer's SQLite connection cannot bind {other:?}"
            )));
        }
    })
}

fn connection_error(error: rusqlite::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::Internal(error.to_string()))
}

fn exec_error(error: &rusqlite::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::Internal(error.to_string()))
}

fn query_error(error: &rusqlite::Error) -> DbErr {
    DbErr::Query(RuntimeErr::Internal(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn an_instant_is_bound_as_the_text_sqlx_writes() {
        let at = Utc.with_ymd_and_hms(2026, 2, 17, 9, 30, 0).unwrap();
        assert_eq!(
            parameter(&Value::ChronoDateTimeUtc(Some(at))).unwrap(),
            Sqlite::Text("2026-02-17T09:30:00+00:00".to_owned())
        );
        let precise = at + chrono::Duration::microseconds(1_500);
        assert_eq!(
            parameter(&Value::ChronoDateTimeUtc(Some(precise))).unwrap(),
            Sqlite::Text("2026-02-17T09:30:00.001500+00:00".to_owned())
        );
    }

    #[test]
    fn flags_are_integers_and_absent_values_null() {
        assert_eq!(
            parameter(&Value::Bool(Some(true))).unwrap(),
            Sqlite::Integer(1)
        );
        assert_eq!(parameter(&Value::String(None)).unwrap(), Sqlite::Null);
    }

    #[tokio::test]
    async fn rows_written_here_read_back_through_the_pool() {
        use sea_orm::{ConnectionTrait as _, Database};
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("direct.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let pool = Database::connect(&url).await.unwrap();
        pool.execute_unprepared("CREATE TABLE t (id TEXT PRIMARY KEY, at TEXT, n INTEGER)")
            .await
            .unwrap();
        let direct = DirectSqlite::open(&path).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 10, 8, 16, 0, 0).unwrap();
        let insert = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO t (id, at, n) VALUES (?, ?, ?)",
            [
                Value::String(Some("a".to_owned())),
                Value::ChronoDateTimeUtc(Some(at)),
                Value::BigInt(Some(7)),
            ],
        );
        direct.batch("BEGIN IMMEDIATE").unwrap();
        assert_eq!(direct.rows_changed(insert).await.unwrap(), 1);
        direct.batch("COMMIT").unwrap();

        let read = pool
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT at, n FROM t WHERE id = 'a'",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.try_get::<chrono::DateTime<Utc>>("", "at").unwrap(), at);
        assert_eq!(read.try_get::<i64>("", "n").unwrap(), 7);

        let returned = direct
            .integer(Statement::from_string(
                DbBackend::Sqlite,
                "UPDATE t SET n = n + 3 WHERE id = 'a' RETURNING n",
            ))
            .await
            .unwrap();
        assert_eq!(returned, Some(10));
        let rows = direct
            .text_integers_text(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT id, n, n * 2, at FROM t",
            ))
            .await
            .unwrap();
        assert_eq!(
            rows,
            [(
                "a".to_owned(),
                10,
                20,
                "2026-10-08T16:00:00+00:00".to_owned()
            )]
        );
    }
}
