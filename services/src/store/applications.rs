//! Applications in the store: committing a change, reading one application or many, the
//! filtered lists and scans, the count per state, and the responses remembered under
//! idempotency keys (which answer a repeated request before it reaches an application).

use lianban_orchestrator::Application;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::codec::{decode, document_json};
use super::connection::Store;
use super::entities::{application, idempotency};
use super::error::StoreError;
use super::paging::{SCAN_PAGE, cut_page, in_chunks};
use super::prepared;
use super::records::{ApplicationFilter, Change, Page, PageRequest, RememberedResponse};

impl Store {
    /// One application by id.
    pub async fn application(&self, id: Uuid) -> Result<Option<Application>, StoreError> {
        let row = application::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?;
        row.map(|row| decode(&row)).transpose()
    }

    /// One application's document as it is stored, as JSON text, for an operator to read (the
    /// store keeps it compressed); `None` when there is no such application. Unlike
    /// [`Store::application`], a document that no longer decodes into an application is still
    /// shown.
    pub async fn document_json(&self, id: Uuid) -> Result<Option<String>, StoreError> {
        let Some(row) = application::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let json = document_json(&row).map_err(|message| StoreError::Corrupt {
            id: row.id.clone(),
            message,
        })?;
        String::from_utf8(json.into_owned())
            .map(Some)
            .map_err(|error| StoreError::Corrupt {
                id: row.id,
                message: error.to_string(),
            })
    }

    /// The applications with these ids that exist, in one read.
    pub async fn applications_by_id(&self, ids: &[Uuid]) -> Result<Vec<Application>, StoreError> {
        let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        let mut found = Vec::with_capacity(ids.len());
        for chunk in in_chunks(ids) {
            let rows = application::Entity::find()
                .filter(application::Column::Id.is_in(chunk))
                .all(&self.db)
                .await?;
            for row in &rows {
                found.push(decode(row)?);
            }
        }
        Ok(found)
    }

    /// One application by receipt number.
    pub async fn application_by_receipt(
        &self,
        receipt: &str,
    ) -> Result<Option<Application>, StoreError> {
        let row = application::Entity::find()
            .filter(application::Column::ReceiptNumber.eq(receipt))
            .one(&self.db)
            .await?;
        row.map(|row| decode(&row)).transpose()
    }

    /// The response remembered under a key, if any.
    pub async fn remembered(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<Option<RememberedResponse>, StoreError> {
        let row = idempotency::Entity::find_by_id((scope.to_owned(), key.to_owned()))
            .one(&self.db)
            .await?;
        Ok(row.map(|row| RememberedResponse {
            request_hash: row.request_hash,
            response: row.response,
        }))
    }

    /// Commits one change atomically. `Conflict` when the application changed since it was read;
    /// `KeyTaken` when a concurrent request recorded the same idempotency key first.
    ///
    /// The change goes to the store's writer, which commits it together with whatever other
    /// changes are waiting (see the `writer` module).
    pub async fn commit(&self, change: Change<'_>) -> Result<(), StoreError> {
        self.writer.write(prepared::prepare(&change)).await
    }

    /// How many applications are in each state.
    pub async fn count_by_state(&self) -> Result<Vec<(String, u64)>, StoreError> {
        use sea_orm::sea_query::{Expr, ExprTrait};
        let rows: Vec<(String, i64)> = application::Entity::find()
            .select_only()
            .column(application::Column::State)
            .column_as(Expr::col(application::Column::Id).count(), "count")
            .group_by(application::Column::State)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(state, count)| (state, u64::try_from(count).unwrap_or(0)))
            .collect())
    }

    /// Applications matching the filter, in submission order.
    pub async fn applications(
        &self,
        filter: &ApplicationFilter,
        page: &PageRequest,
    ) -> Result<Page<Application>, StoreError> {
        let mut query = application::Entity::find();
        if let Some(bundle) = &filter.bundle_code {
            query = query.filter(application::Column::BundleCode.eq(bundle.as_str()));
        }
        if !filter.states.is_empty() {
            query = query
                .filter(application::Column::State.is_in(filter.states.iter().map(|s| s.name())));
        }
        if let Some(project) = &filter.key_project_code {
            query = query.filter(application::Column::KeyProjectCode.eq(project.as_str()));
        }
        if let Some(after) = page.after {
            query = query.filter(application::Column::Id.gt(after.to_string()));
        }
        let rows = query
            .order_by_asc(application::Column::Id)
            .limit(page.size + 1)
            .all(&self.db)
            .await?;
        let mut items = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        let next_after = cut_page(&mut items, page.size).map(|last: &Application| last.id);
        Ok(Page { items, next_after })
    }

    /// Every application matching the filter (for filters that keep few, such as one key
    /// project's).
    pub async fn all_applications(
        &self,
        filter: &ApplicationFilter,
    ) -> Result<Vec<Application>, StoreError> {
        let mut all = Vec::new();
        self.scan_applications(filter, |application| all.push(application))
            .await?;
        Ok(all)
    }

    /// Hands every application matching the filter to `visit`, oldest first, reading a page at a
    /// time, so that memory holds one page however many match.
    pub async fn scan_applications(
        &self,
        filter: &ApplicationFilter,
        mut visit: impl FnMut(Application),
    ) -> Result<(), StoreError> {
        let mut page = PageRequest {
            size: SCAN_PAGE,
            after: None,
        };
        loop {
            let found = self.applications(filter, &page).await?;
            found.items.into_iter().for_each(&mut visit);
            match found.next_after {
                Some(after) => page.after = Some(after),
                None => return Ok(()),
            }
        }
    }
}
