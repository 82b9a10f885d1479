//! What the store tells readers: the notification outbox read by position, and the daily
//! digests, written once per day. The outbox's writing side is `outbox`, run inside each change.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr};

use super::connection::Store;
use super::entities::{digest, notification, session_application};
use super::error::StoreError;
use super::records::{NotificationFilter, StoredNotification};

impl Store {
    /// Writes the digest of `day` unless one exists; true when written.
    pub async fn write_digest(
        &self,
        day: &str,
        at: DateTime<Utc>,
        content: &str,
    ) -> Result<bool, StoreError> {
        let model = digest::ActiveModel {
            day: Set(day.to_owned()),
            generated_at: Set(at),
            content: Set(content.to_owned()),
        };
        match digest::Entity::insert(model)
            .exec_without_returning(&self.db)
            .await
        {
            Ok(_) => Ok(true),
            Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                Ok(false)
            }
            Err(error) => Err(error.into()),
        }
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
