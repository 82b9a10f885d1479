//! Key projects (重点项目) in the store: registering one, each code once, and reading them back,
//! one or a page of them (a facilitator's), by code.

use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr};

use super::connection::Store;
use super::entities::project;
use super::error::StoreError;
use super::paging::cut_page;
use super::records::ProjectRecord;

impl From<project::Model> for ProjectRecord {
    fn from(row: project::Model) -> Self {
        ProjectRecord {
            code: row.code,
            name: row.name,
            investor: row.investor,
            investment_wan: row.investment_wan,
            facilitator: row.facilitator,
            registered_at: row.registered_at,
        }
    }
}

impl Store {
    /// Registers a key project; `Duplicate` when the code is taken.
    pub async fn insert_project(&self, record: ProjectRecord) -> Result<(), StoreError> {
        let code = record.code.clone();
        let model = project::ActiveModel {
            code: Set(record.code),
            name: Set(record.name),
            investor: Set(record.investor),
            investment_wan: Set(record.investment_wan),
            facilitator: Set(record.facilitator),
            registered_at: Set(record.registered_at),
        };
        match project::Entity::insert(model)
            .exec_without_returning(&self.db)
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                Err(StoreError::Duplicate {
                    what: "project",
                    code,
                })
            }
            Err(error) => Err(error.into()),
        }
    }

    /// One key project.
    pub async fn project(&self, code: &str) -> Result<Option<ProjectRecord>, StoreError> {
        Ok(project::Entity::find_by_id(code.to_owned())
            .one(&self.db)
            .await?
            .map(ProjectRecord::from))
    }

    /// One page of key projects by code after the code `after`, optionally one facilitator's.
    pub async fn projects(
        &self,
        facilitator: Option<&str>,
        after: Option<&str>,
        size: u64,
    ) -> Result<(Vec<ProjectRecord>, Option<String>), StoreError> {
        let mut query = project::Entity::find();
        if let Some(facilitator) = facilitator {
            query = query.filter(project::Column::Facilitator.eq(facilitator));
        }
        if let Some(after) = after {
            query = query.filter(project::Column::Code.gt(after));
        }
        let mut rows = query
            .order_by_asc(project::Column::Code)
            .limit(size + 1)
            .all(&self.db)
            .await?;
        let next = cut_page(&mut rows, size).map(|row| row.code.clone());
        Ok((rows.into_iter().map(ProjectRecord::from).collect(), next))
    }
}
