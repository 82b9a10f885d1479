//! Staff in the store: the posts each department declares and the clerks away, which together
//! make the staffing the engine assigns branches with.

use chrono::{DateTime, Utc};
use lianban_orchestrator::staffing::{Post, Staffing};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::connection::Store;
use super::entities::{clerk_absence, post};
use super::error::StoreError;
use super::outbox::advance_counter;
use super::records::AbsenceRecord;
use super::writer::begin_write;

impl Store {
    /// Adds or replaces a post; every replica sees the new staffing version.
    /// Returns the staffing's new version.
    pub async fn save_post(&self, post: &Post) -> Result<i64, StoreError> {
        let txn = begin_write(&self.db).await?;
        let model = post::ActiveModel {
            department_code: Set(post.department.clone()),
            code: Set(post.code.clone()),
            definition: Set(serde_json::to_string(post).expect("a post always serialises")),
        };
        let upsert = OnConflict::columns([post::Column::DepartmentCode, post::Column::Code])
            .update_column(post::Column::Definition)
            .to_owned();
        post::Entity::insert(model)
            .on_conflict(upsert)
            .exec_without_returning(&txn)
            .await?;
        let version = advance_counter(&txn, "staffing", 1).await?;
        txn.commit().await?;
        Ok(version)
    }

    /// The staffing with its version: the version is read first, so the staffing is at least as
    /// new as it says.
    pub async fn versioned_staffing(&self) -> Result<(i64, Staffing), StoreError> {
        let version = self.shared_versions().await?.staffing;
        Ok((version, self.staffing().await?))
    }

    /// Every post and every clerk away: the staffing the engine assigns with.
    pub async fn staffing(&self) -> Result<Staffing, StoreError> {
        let posts = post::Entity::find()
            .order_by_asc(post::Column::DepartmentCode)
            .order_by_asc(post::Column::Code)
            .all(&self.db)
            .await?;
        let mut staffing = Staffing::new(Vec::new());
        for row in posts {
            let post: Post =
                serde_json::from_str(&row.definition).map_err(|e| StoreError::Corrupt {
                    id: format!("post {}/{}", row.department_code, row.code),
                    message: e.to_string(),
                })?;
            staffing.declare(post);
        }
        for absence in clerk_absence::Entity::find().all(&self.db).await? {
            staffing.set_away(&absence.department_code, &absence.clerk_id, true);
        }
        Ok(staffing)
    }

    /// Every clerk marked away, with since when and why, by department and clerk.
    pub async fn absences(&self) -> Result<Vec<AbsenceRecord>, StoreError> {
        let rows = clerk_absence::Entity::find()
            .order_by_asc(clerk_absence::Column::DepartmentCode)
            .order_by_asc(clerk_absence::Column::ClerkId)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| AbsenceRecord {
                department_code: row.department_code,
                clerk_id: row.clerk_id,
                since: row.since,
                reason: row.reason,
            })
            .collect())
    }

    /// Records a clerk away (with the reason) or back; every replica sees the new staffing
    /// version, which is returned.
    pub async fn set_clerk_away(
        &self,
        department: &str,
        clerk: &str,
        away: bool,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let txn = begin_write(&self.db).await?;
        if away {
            let model = clerk_absence::ActiveModel {
                department_code: Set(department.to_owned()),
                clerk_id: Set(clerk.to_owned()),
                reason: Set(reason.to_owned()),
                since: Set(at),
            };
            let upsert = OnConflict::columns([
                clerk_absence::Column::DepartmentCode,
                clerk_absence::Column::ClerkId,
            ])
            .update_columns([clerk_absence::Column::Reason, clerk_absence::Column::Since])
            .to_owned();
            clerk_absence::Entity::insert(model)
                .on_conflict(upsert)
                .exec_without_returning(&txn)
                .await?;
        } else {
            clerk_absence::Entity::delete_many()
                .filter(clerk_absence::Column::DepartmentCode.eq(department))
                .filter(clerk_absence::Column::ClerkId.eq(clerk))
                .exec(&txn)
                .await?;
        }
        let version = advance_counter(&txn, "staffing", 1).await?;
        txn.commit().await?;
        Ok(version)
    }
}
