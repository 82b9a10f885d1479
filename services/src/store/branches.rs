//! Branches in the store: the deadlines the timer acts on (the next one, the due ones, the
//! provisional ones), the filtered lists and scans of branches with their applications, and the
//! application a branch belongs to. Branch rows are projections the writer keeps beside the
//! application document; these reads only filter and page on them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use lianban_orchestrator::Application;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::codec::decode;
use super::connection::Store;
use super::entities::{application, branch};
use super::error::StoreError;
use super::paging::{SCAN_PAGE, cut_page};
use super::records::{BranchFilter, Page, PageRequest};

impl Store {
    /// The application a branch belongs to.
    pub async fn application_of_branch(&self, branch_id: Uuid) -> Result<Option<Uuid>, StoreError> {
        let row = branch::Entity::find_by_id(branch_id.to_string())
            .one(&self.db)
            .await?;
        Ok(row.and_then(|row| row.application_id.parse().ok()))
    }

    /// The earliest deadline still to be acted on.
    pub async fn next_pending_deadline(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = branch::Entity::find()
            .filter(branch::Column::DeadlinePending.eq(true))
            .order_by_asc(branch::Column::DeadlineAt)
            .one(&self.db)
            .await?;
        Ok(row.and_then(|row| row.deadline_at))
    }

    /// Every running branch whose deadline is provisional, as (application, branch).
    pub async fn provisional_branches(&self) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        let rows = branch::Entity::find()
            .filter(branch::Column::DeadlineProvisional.eq(true))
            .order_by_asc(branch::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| Some((row.application_id.parse().ok()?, row.id.parse().ok()?)))
            .collect())
    }

    /// Hands every branch matching the filter, with its application, to `visit`, in start order.
    /// The rows are read a page at a time, so memory holds one page however many match: the
    /// caller keeps only what it needs.
    pub async fn scan_branches(
        &self,
        filter: &BranchFilter,
        mut visit: impl FnMut(Application, Uuid),
    ) -> Result<(), StoreError> {
        let mut page = PageRequest {
            size: SCAN_PAGE,
            after: None,
        };
        loop {
            let found = self.branches(filter, &page).await?;
            for (application, branch_id) in found.items {
                visit(application, branch_id);
            }
            match found.next_after {
                Some(after) => page.after = Some(after),
                None => return Ok(()),
            }
        }
    }

    /// Branches matching the filter, in start order, each with its application.
    pub async fn branches(
        &self,
        filter: &BranchFilter,
        page: &PageRequest,
    ) -> Result<Page<(Application, Uuid)>, StoreError> {
        let mut query = branch::Entity::find();
        if let Some(department) = &filter.department_code {
            query = query.filter(branch::Column::DepartmentCode.eq(department.as_str()));
        }
        if !filter.states.is_empty() {
            query =
                query.filter(branch::Column::State.is_in(filter.states.iter().map(|s| s.name())));
        }
        if let Some(bundle) = &filter.bundle_code {
            query = query.filter(branch::Column::BundleCode.eq(bundle.as_str()));
        }
        if let Some(assignee) = &filter.assignee {
            query = query.filter(branch::Column::Assignee.eq(assignee.as_str()));
        }
        if filter.unstaffed_only {
            query = query.filter(branch::Column::Unstaffed.eq(true));
        }
        if let Some(application) = filter.application_id {
            query = query.filter(branch::Column::ApplicationId.eq(application.to_string()));
        }
        if let Some(after) = page.after {
            query = query.filter(branch::Column::Id.gt(after.to_string()));
        }
        let mut rows = query
            .order_by_asc(branch::Column::Id)
            .limit(page.size + 1)
            .all(&self.db)
            .await?;
        let next_after = cut_page(&mut rows, page.size).and_then(|last| last.id.parse().ok());
        let application_ids: Vec<String> =
            rows.iter().map(|row| row.application_id.clone()).collect();
        let documents = application::Entity::find()
            .filter(application::Column::Id.is_in(application_ids))
            .all(&self.db)
            .await?;
        // By id, so that matching a page's branches to their applications is one look-up each
        // rather than a search of the page (the gauges scan every running branch this way).
        let applications = documents
            .iter()
            .map(|document| Ok((document.id.as_str(), decode(document)?)))
            .collect::<Result<HashMap<_, _>, StoreError>>()?;
        let items = rows
            .iter()
            .filter_map(|row| {
                let application = applications.get(row.application_id.as_str())?;
                Some((application.clone(), row.id.parse().ok()?))
            })
            .collect();
        Ok(Page { items, next_after })
    }
}
