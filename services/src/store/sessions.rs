//! Joint review sessions in the store: the session document beside the columns the timer and the
//! lists need, the applications each session reviews, and the session's notices written in the
//! same transaction as the change (the outbox).

use chrono::{DateTime, Utc};
use lianban_orchestrator::Session;
use lianban_orchestrator::notify::Notice;
use lianban_orchestrator::session::SessionState;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::codec::version;
use super::connection::Store;
use super::entities::{session, session_application};
use super::error::StoreError;
use super::keys::write_idempotency;
use super::outbox::{NoticeSubject, write_notices};
use super::paging::SCAN_PAGE;
use super::records::{IdempotencyRecord, Page, PageRequest};

/// One change to a session, committed atomically.
pub struct SessionChange<'a> {
    /// The session as the engine left it.
    pub session: &'a Session,
    /// The version it was read at, `None` for a new one.
    pub previous_version: Option<u64>,
    /// When the system closes it if the lead has not.
    pub close_due_at: DateTime<Utc>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who must be told.
    pub notices: &'a [Notice],
    /// The response to remember, if the request carried a key.
    pub idempotency: Option<IdempotencyRecord>,
}

/// Which sessions a reader wants.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// Only these states (empty: all).
    pub states: Vec<SessionState>,
    /// Only sessions reviewing this application.
    pub application_id: Option<Uuid>,
    /// Only sessions of this key project.
    pub key_project_code: Option<String>,
    /// Only sessions this department leads or is invited to.
    pub department_code: Option<String>,
}

impl Store {
    /// Commits one session change. `Conflict` when the session changed since it was read.
    pub async fn commit_session(&self, change: SessionChange<'_>) -> Result<(), StoreError> {
        let txn = super::writer::begin_write(&self.db).await?;
        write_session(&txn, &change).await?;
        let about = NoticeSubject {
            application_id: change
                .session
                .items
                .first()
                .map_or(Uuid::nil(), |item| item.application_id),
            session_id: Some(change.session.id),
        };
        write_notices(&txn, about, change.notices, change.at).await?;
        if let Some(record) = &change.idempotency {
            write_idempotency(&txn, record, change.at).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The session with this id.
    pub async fn session(&self, id: Uuid) -> Result<Option<Session>, StoreError> {
        let row = session::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?;
        row.as_ref().map(decode).transpose()
    }

    /// One page of sessions, oldest first.
    pub async fn sessions(
        &self,
        filter: &SessionFilter,
        page: &PageRequest,
    ) -> Result<Page<Session>, StoreError> {
        let mut items = Vec::new();
        let mut after = page.after;
        // The department filter looks inside the document, so rows are read in batches until
        // the page is full.
        loop {
            let rows = self.session_rows(filter, after, SCAN_PAGE).await?;
            let exhausted = (rows.len() as u64) < SCAN_PAGE;
            for row in &rows {
                after = row.id.parse().ok();
                let session = decode(row)?;
                if filter
                    .department_code
                    .as_deref()
                    .is_none_or(|code| involves(&session, code))
                {
                    items.push(session);
                }
                if items.len() as u64 > page.size {
                    items.truncate(page.size as usize);
                    let next_after = items.last().map(|s| s.id);
                    return Ok(Page { items, next_after });
                }
            }
            if exhausted {
                return Ok(Page {
                    items,
                    next_after: None,
                });
            }
        }
    }

    /// Every session matching the filter (for statistics).
    pub async fn all_sessions(&self, filter: &SessionFilter) -> Result<Vec<Session>, StoreError> {
        let mut all = Vec::new();
        let mut page = PageRequest {
            size: SCAN_PAGE,
            after: None,
        };
        loop {
            let found = self.sessions(filter, &page).await?;
            all.extend(found.items);
            match found.next_after {
                Some(after) => page.after = Some(after),
                None => return Ok(all),
            }
        }
    }

    /// Closed sessions whose closing is not yet applied to every application.
    pub async fn unsettled_sessions(&self) -> Result<Vec<Uuid>, StoreError> {
        let rows = session::Entity::find()
            .filter(session::Column::Settled.eq(false))
            .filter(session::Column::State.eq(SessionState::Closed.name()))
            .order_by_asc(session::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows.iter().filter_map(|row| row.id.parse().ok()).collect())
    }

    /// Records that a closed session's closing was applied to every application.
    pub async fn mark_session_settled(&self, id: Uuid) -> Result<(), StoreError> {
        session::Entity::update_many()
            .col_expr(
                session::Column::Settled,
                sea_orm::sea_query::Expr::value(true),
            )
            .filter(session::Column::Id.eq(id.to_string()))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The earliest time the system must close a scheduled session.
    pub async fn next_session_close_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = session::Entity::find()
            .filter(session::Column::State.eq(SessionState::Scheduled.name()))
            .order_by_asc(session::Column::CloseDueAt)
            .one(&self.db)
            .await?;
        Ok(row.map(|row| row.close_due_at))
    }

    async fn session_rows(
        &self,
        filter: &SessionFilter,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<session::Model>, StoreError> {
        let mut query = session::Entity::find();
        if !filter.states.is_empty() {
            query = query.filter(
                session::Column::State.is_in(filter.states.iter().map(|state| state.name())),
            );
        }
        if let Some(project) = &filter.key_project_code {
            query = query.filter(session::Column::KeyProjectCode.eq(project.as_str()));
        }
        if let Some(application_id) = filter.application_id {
            let ids: Vec<String> = session_application::Entity::find()
                .filter(session_application::Column::ApplicationId.eq(application_id.to_string()))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|row| row.session_id)
                .collect();
            query = query.filter(session::Column::Id.is_in(ids));
        }
        if let Some(after) = after {
            query = query.filter(session::Column::Id.gt(after.to_string()));
        }
        Ok(query
            .order_by_asc(session::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }
}

/// Whether the department leads the session or is invited to it.
fn involves(session: &Session, department_code: &str) -> bool {
    session.lead_department_code == department_code || session.invitation(department_code).is_some()
}

async fn write_session(
    txn: &impl ConnectionTrait,
    change: &SessionChange<'_>,
) -> Result<(), StoreError> {
    let s = change.session;
    let model = session::ActiveModel {
        id: Set(s.id.to_string()),
        state: Set(s.state.name().to_owned()),
        lead_department_code: Set(s.lead_department_code.clone()),
        key_project_code: Set(s.key_project_code.clone()),
        starts_at: Set(s.starts_at),
        close_due_at: Set(change.close_due_at),
        settled: Set(false),
        updated_at: Set(change.at),
        version: Set(version(s.version)),
        document: Set(serde_json::to_string(s).expect("a session always serialises")),
        // A commit of the session ends any claim on its closing.
        lease_owner: Set(None),
        lease_until: Set(None),
    };
    match change.previous_version {
        None => {
            session::Entity::insert(model)
                .exec_without_returning(txn)
                .await?;
            let pairs: Vec<session_application::ActiveModel> = s
                .application_ids()
                .into_iter()
                .map(|application_id| session_application::ActiveModel {
                    session_id: Set(s.id.to_string()),
                    application_id: Set(application_id.to_string()),
                })
                .collect();
            session_application::Entity::insert_many(pairs)
                .exec_without_returning(txn)
                .await?;
        }
        Some(previous) => {
            let result = session::Entity::update_many()
                .set(model)
                .filter(session::Column::Id.eq(s.id.to_string()))
                .filter(session::Column::Version.eq(version(previous)))
                .exec(txn)
                .await?;
            if result.rows_affected != 1 {
                return Err(StoreError::Conflict(s.id));
            }
        }
    }
    Ok(())
}

fn decode(row: &session::Model) -> Result<Session, StoreError> {
    serde_json::from_str(&row.document).map_err(|error| StoreError::Corrupt {
        id: row.id.clone(),
        message: error.to_string(),
    })
}
