//! What the store tells readers: the notification outbox read by position, and the daily
//! digests, written once per day. The outbox's writing side is `outbox`, run inside each change.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::sqlx;
use sea_orm::{
    ColumnTrait, Condition, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    RuntimeErr,
};

use super::connection::Store;
use super::entities::{digest, notification, session_application};
use super::error::StoreError;
use super::records::{NotificationFilter, StoredNotification};

/// The statement that writes a day's digest unless the day has one, with the backend's
/// placeholders.
fn insert_digest_sql(placeholders: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!(
        "INSERT INTO digests (day, generated_at, content) VALUES ({placeholders}) \
         ON CONFLICT (day) DO NOTHING"
    ))
}

/// A driver error as the ORM reports it, so that the store's error mapping sees it the same way.
fn sqlx_error(error: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(std::sync::Arc::new(error)))
}

impl Store {
    /// Writes the digest of `day` unless one exists; true when written.
    ///
    /// A day with many branches near their deadline has a digest of tens of megabytes, so it is
    /// bound straight into the driver's arguments: the query builder and the ORM would copy it
    /// three times more, and those copies were the server's memory peak.
    pub async fn write_digest(
        &self,
        day: &str,
        at: DateTime<Utc>,
        content: String,
    ) -> Result<bool, StoreError> {
        let inserted = match self.db.get_database_backend() {
            DbBackend::Postgres => sqlx::query(insert_digest_sql("$1, $2, $3"))
                .bind(day)
                .bind(at)
                .bind(content)
                .execute(self.db.get_postgres_connection_pool())
                .await
                .map_err(sqlx_error)?
                .rows_affected(),
            _ => sqlx::query(insert_digest_sql("?, ?, ?"))
                .bind(day)
                .bind(at)
                .bind(content)
                .execute(self.db.get_sqlite_connection_pool())
                .await
                .map_err(sqlx_error)?
                .rows_affected(),
        };
        Ok(inserted == 1)
    }

    /// Whether the digest of `day` has been written. Only the key is read: the timer asks at
    /// every wake, and a day's digest of 100,000 branches is tens of megabytes of text.
    pub async fn has_digest(&self, day: &str) -> Result<bool, StoreError> {
        let found: Option<String> = digest::Entity::find_by_id(day.to_owned())
            .select_only()
            .column(digest::Column::Day)
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(found.is_some())
    }

    /// The digest of `day`, or the latest when `day` is `None`, as (day, written at, content).
    pub async fn digest(
        &self,
        day: Option<&str>,
    ) -> Result<Option<(String, DateTime<Utc>, String)>, StoreError> {
        let query = match day {
            Some(day) => digest::Entity::find_by_id(day.to_owned()),
            None => digest::Entity::find().order_by_desc(digest::Column::Day),
        };
        let row = query.one(&self.db).await?;
        Ok(row.map(|row| (row.day, row.generated_at, row.content)))
    }

    /// Up to `limit` notifications after position `after` that `filter` selects, in outbox order:
    /// the feed reads a batch at a time and a list reads one page (and one more to know that
    /// another follows).
    pub async fn notifications_after(
        &self,
        after: i64,
        filter: &NotificationFilter,
        limit: u64,
    ) -> Result<Vec<StoredNotification>, StoreError> {
        let mut query =
            notification::Entity::find().filter(notification::Column::Position.gt(after));
        if let Some(audience) = &filter.audience {
            query = query.filter(notification::Column::Audience.eq(audience.as_str()));
        }
        if let Some(department) = &filter.department_code {
            query = query.filter(notification::Column::DepartmentCode.eq(department.as_str()));
        }
        if let Some(application) = &filter.application_id {
            let sessions = Query::select()
                .column(session_application::Column::SessionId)
                .from(session_application::Entity)
                .and_where(session_application::Column::ApplicationId.eq(application.as_str()))
                .to_owned();
            query = query.filter(
                Condition::any()
                    .add(notification::Column::ApplicationId.eq(application.as_str()))
                    .add(notification::Column::SessionId.in_subquery(sessions)),
            );
        }
        if let Some(kind) = &filter.kind {
            query = query.filter(notification::Column::Kind.eq(kind.as_str()));
        }
        if let Some(session) = &filter.session_id {
            query = query.filter(notification::Column::SessionId.eq(session.as_str()));
        }
        let rows = query
            .order_by_asc(notification::Column::Position)
            .limit(limit)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| StoredNotification {
                position: row.position,
                application_id: row.application_id,
                audience: row.audience,
                department_code: row.department_code,
                kind: row.kind,
                branch_id: row.branch_id,
                message: row.message,
                created_at: row.created_at,
                session_id: row.session_id,
            })
            .collect())
    }
}
