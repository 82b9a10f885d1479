//! What replicas share through the store besides the applications themselves.
//!
//! - **The change log** (`changes`): one row per committed application change, at a position from
//!   the `changes` counter taken inside the committing transaction; the counter row's lock, held
//!   to commit, makes positions commit in order, so a replica that has read up to position n never
//!   sees a smaller one appear later. Every replica follows it to tell its own streams what any
//!   replica committed.
//! - **Versions** (`counters`): `staffing` and `calendar` move in the transaction that changes
//!   them; `notifications` is the outbox's last position; `manual_clock` is the one manual clock
//!   (microseconds since the epoch), which only moves forward.
//! - **Settings** (`shared_settings`): the calendar's files as last loaded by any replica.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::connection::Store;
use super::entities::{change, counter, shared_setting};
use super::error::StoreError;
use super::outbox::advance_counter;
use super::writer::begin_write;

/// The name of the manual clock's counter row.
const MANUAL_CLOCK: &str = "manual_clock";
/// The name of the setting that holds the calendar's files.
const CALENDAR_FILES: &str = "calendar_files";

/// Where the shared state stands: what a replica compares with what it last saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SharedVersions {
    /// The last logged change.
    pub changes: i64,
    /// The last outbox position.
    pub notifications: i64,
    /// The staffing's version.
    pub staffing: i64,
    /// The calendar's version.
    pub calendar: i64,
    /// The manual clock, when one was started on this store.
    pub manual_clock: Option<DateTime<Utc>>,
}

/// One logged change, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRecord {
    /// Its position.
    pub position: i64,
    /// The application.
    pub application_id: Uuid,
    /// The application's version after it.
    pub version: u64,
    /// The branches it touched.
    pub branch_ids: Vec<Uuid>,
}

fn clock_value(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

fn clock_time(value: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(value)
}

impl Store {
    /// Every version in one read.
    pub async fn shared_versions(&self) -> Result<SharedVersions, StoreError> {
        let rows = counter::Entity::find().all(&self.db).await?;
        let mut versions = SharedVersions::default();
        for row in rows {
            match row.name.as_str() {
                "changes" => versions.changes = row.value,
                "notifications" => versions.notifications = row.value,
                "staffing" => versions.staffing = row.value,
                "calendar" => versions.calendar = row.value,
                MANUAL_CLOCK => versions.manual_clock = clock_time(row.value),
                _ => {}
            }
        }
        Ok(versions)
    }

    /// The logged changes after `position`, in order, at most `limit`.
    pub async fn changes_after(
        &self,
        position: i64,
        limit: u64,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        let rows = change::Entity::find()
            .filter(change::Column::Position.gt(position))
            .order_by_asc(change::Column::Position)
            .limit(limit)
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|row| {
                let corrupt = |message: String| StoreError::Corrupt {
                    id: format!("change {}", row.position),
                    message,
                };
                let branch_ids = row
                    .branch_ids
                    .split(',')
                    .filter(|id| !id.is_empty())
                    .map(|id| id.parse().map_err(|e: uuid::Error| corrupt(e.to_string())))
                    .collect::<Result<_, _>>()?;
                Ok(ChangeRecord {
                    position: row.position,
                    application_id: row
                        .application_id
                        .parse()
                        .map_err(|e: uuid::Error| corrupt(e.to_string()))?,
                    version: u64::try_from(row.version).unwrap_or(0),
                    branch_ids,
                })
            })
            .collect()
    }

    /// Forgets the logged changes up to `position`: every replica has long read them.
    pub async fn forget_changes_through(&self, position: i64) -> Result<u64, StoreError> {
        let deleted = change::Entity::delete_many()
            .filter(change::Column::Position.lte(position))
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected)
    }

    /// The calendar's files as last published by a replica, with the calendar's version (read
    /// first, so the files are at least as new as it says).
    pub async fn calendar_files(&self) -> Result<Option<(i64, Vec<(String, String)>)>, StoreError> {
        let version = self.shared_versions().await?.calendar;
        let Some(row) = shared_setting::Entity::find_by_id(CALENDAR_FILES)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        serde_json::from_str(&row.value)
            .map(|files| Some((version, files)))
            .map_err(|e| StoreError::Corrupt {
                id: "setting calendar_files".to_owned(),
                message: e.to_string(),
            })
    }

    /// Publishes the calendar's files to every replica (a new calendar version), unless they are
    /// the ones published already; returns the new version when they were new.
    pub async fn publish_calendar_files(
        &self,
        files: &[(String, String)],
    ) -> Result<Option<i64>, StoreError> {
        let value = serde_json::to_string(files).expect("file names and texts serialise");
        let txn = begin_write(&self.db).await?;
        let current = shared_setting::Entity::find_by_id(CALENDAR_FILES)
            .one(&txn)
            .await?;
        if current.is_some_and(|row| row.value == value) {
            return Ok(None);
        }
        let row = shared_setting::ActiveModel {
            name: Set(CALENDAR_FILES.to_owned()),
            value: Set(value),
        };
        shared_setting::Entity::insert(row)
            .on_conflict(
                OnConflict::column(shared_setting::Column::Name)
                    .update_column(shared_setting::Column::Value)
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        let version = advance_counter(&txn, "calendar", 1).await?;
        txn.commit().await?;
        Ok(Some(version))
    }

    /// Starts the one manual clock at `start`, or finds it running: a replica that starts (or
    /// restarts) joins the clock where it stands, and a start later than it moves it there.
    pub async fn join_manual_clock(
        &self,
        start: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, StoreError> {
        let row = counter::ActiveModel {
            name: Set(MANUAL_CLOCK.to_owned()),
            value: Set(clock_value(start)),
        };
        counter::Entity::insert(row)
            .on_conflict(
                OnConflict::column(counter::Column::Name)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await?;
        self.advance_manual_clock(start).await
    }

    /// Moves the manual clock forward to `to` (never back); returns where it stands after.
    pub async fn advance_manual_clock(
        &self,
        to: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, StoreError> {
        let update = Query::update()
            .table(counter::Entity)
            .value(counter::Column::Value, clock_value(to))
            .and_where(Expr::col(counter::Column::Name).eq(MANUAL_CLOCK))
            .and_where(Expr::col(counter::Column::Value).lt(clock_value(to)))
            .to_owned();
        self.db.execute(&update).await?;
        self.shared_versions()
            .await?
            .manual_clock
            .ok_or_else(|| StoreError::Corrupt {
                id: "counter manual_clock".to_owned(),
                message: "the manual clock's row is missing or out of range".to_owned(),
            })
    }
}
