//! The store: applications, their branch projections, events and idempotency keys, on SQLite or
//! PostgreSQL through sea-orm, with the same migrations and the same behaviour.
//!
//! Every change is one transaction: the application document, the branch rows that changed, the
//! events and the idempotency record commit together or not at all. Updates are guarded by the
//! version the caller read, so two writers never overwrite each other silently.

mod entities;
pub mod migration;
mod sessions;
mod writer;

pub use sessions::{SessionChange, SessionFilter};

use chrono::{DateTime, Utc};
use lianban_orchestrator::{Application, ApplicationState, BranchState, Event};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
};
use sea_orm_migration::MigratorTrait;
use thiserror::Error;
use uuid::Uuid;

use entities::{
    application, branch, clerk_absence, counter, digest, event, idempotency, notification, post,
    project,
};
use lianban_orchestrator::notify::{Audience, Notice};
use lianban_orchestrator::staffing::{Post, Staffing};

/// Why the store could not do what was asked.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// Another writer changed the application since it was read.
    #[error("application {0} was changed concurrently")]
    Conflict(Uuid),
    /// The idempotency key was recorded by a concurrent request.
    #[error("idempotency key {key} was recorded concurrently")]
    KeyTaken {
        /// The key.
        key: String,
    },
    /// A stored document could not be read back.
    #[error("stored application {id} is unreadable: {message}")]
    Corrupt {
        /// The application.
        id: String,
        /// The decoder's message.
        message: String,
    },
    /// A code that must be unique is taken.
    #[error("{what} {code} already exists")]
    Duplicate {
        /// What kind of thing.
        what: &'static str,
        /// The code.
        code: String,
    },
    /// The database URL is unusable.
    #[error("database url: {0}")]
    Url(String),
}

/// Page size of internal scans.
const SCAN_PAGE: u64 = 500;

/// A response remembered under an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RememberedResponse {
    /// SHA-256 of the request that produced it.
    pub request_hash: String,
    /// The encoded response.
    pub response: Vec<u8>,
}

/// An idempotency record to write with a change.
#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    /// RPC and caller.
    pub scope: String,
    /// The client's key.
    pub key: String,
    /// SHA-256 of the request.
    pub request_hash: String,
    /// The encoded response.
    pub response: Vec<u8>,
}

/// One change to commit atomically.
pub struct Change<'a> {
    /// The application as the engine left it.
    pub application: &'a Application,
    /// The application as it was read, `None` for a new one.
    pub previous: Option<&'a Application>,
    /// What happened.
    pub events: &'a [Event],
    /// Who did it.
    pub actor: &'a str,
    /// When.
    pub at: DateTime<Utc>,
    /// The response to remember, if the request carried a key.
    pub idempotency: Option<IdempotencyRecord>,
    /// What someone must be told of this change.
    pub notices: &'a [Notice],
}

/// A key project (重点项目).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRecord {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Investor.
    pub investor: String,
    /// Investment in 万元.
    pub investment_wan: i64,
    /// Facilitator.
    pub facilitator: String,
    /// When registered.
    pub registered_at: DateTime<Utc>,
}

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

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotification {
    /// Outbox position (the cursor).
    pub position: i64,
    /// The application.
    pub application_id: String,
    /// applicant, department or supervision.
    pub audience: String,
    /// The department, for a department's notification.
    pub department_code: Option<String>,
    /// What kind.
    pub kind: String,
    /// The branch it is about.
    pub branch_id: Option<String>,
    /// The message.
    pub message: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The joint review session it is about, if any.
    pub session_id: Option<String>,
}

/// Which notifications a reader wants.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    /// Only this audience (applicant, department or supervision).
    pub audience: Option<String>,
    /// Only this department's.
    pub department_code: Option<String>,
    /// Only this application's.
    pub application_id: Option<String>,
}

/// Filters for listing applications.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    /// Only this bundle.
    pub bundle_code: Option<String>,
    /// Only these states (empty: all).
    pub states: Vec<ApplicationState>,
    /// Only this key project.
    pub key_project_code: Option<String>,
}

/// Filters for listing branches.
#[derive(Debug, Clone, Default)]
pub struct BranchFilter {
    /// Only this department (all when unset).
    pub department_code: Option<String>,
    /// Only these states (empty: all).
    pub states: Vec<BranchState>,
    /// Only this bundle.
    pub bundle_code: Option<String>,
    /// Only the branches assigned to this clerk.
    pub assignee: Option<String>,
    /// Only the branches nobody of their post can take.
    pub unstaffed_only: bool,
}

/// A page request: at most `size` rows after the row named by `after`.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// How many.
    pub size: u64,
    /// The id of the last row of the previous page.
    pub after: Option<Uuid>,
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// The id to continue after, when there are more rows.
    pub next_after: Option<Uuid>,
}

/// The store over one database.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    writer: writer::Writer,
}

impl Store {
    /// Connects, creating a SQLite file's folder when needed, and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        prepare_sqlite_folder(url)?;
        let mut options = ConnectOptions::new(url.to_owned());
        options.sqlx_logging(false).map_sqlx_sqlite_opts(|opts| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(std::time::Duration::from_secs(10))
                .foreign_keys(true)
        });
        let db = Database::connect(options).await?;
        migration::Migrator::up(&db, None).await?;
        let writer = writer::Writer::start(db.clone());
        Ok(Store { db, writer })
    }

    /// Closes every connection.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await?;
        Ok(())
    }

    /// The underlying connection, for tests that inspect the database directly.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// One application by id.
    pub async fn application(&self, id: Uuid) -> Result<Option<Application>, StoreError> {
        let row = application::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?;
        row.map(|row| decode(&row)).transpose()
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

    /// The application a branch belongs to.
    pub async fn application_of_branch(&self, branch_id: Uuid) -> Result<Option<Uuid>, StoreError> {
        let row = branch::Entity::find_by_id(branch_id.to_string())
            .one(&self.db)
            .await?;
        Ok(row.and_then(|row| row.application_id.parse().ok()))
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
    /// changes are waiting (see [`writer`]).
    pub async fn commit(&self, change: Change<'_>) -> Result<(), StoreError> {
        self.writer.write(writer::prepare(&change)).await
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

    /// The earliest deadline still to be acted on.
    pub async fn next_pending_deadline(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = branch::Entity::find()
            .filter(branch::Column::DeadlinePending.eq(true))
            .order_by_asc(branch::Column::DeadlineAt)
            .one(&self.db)
            .await?;
        Ok(row.and_then(|row| row.deadline_at))
    }

    /// Up to `limit` branches whose deadline has passed at `now` and is still to be acted on, as
    /// (application, branch), earliest deadline first.
    pub async fn due_branches(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        let rows = branch::Entity::find()
            .filter(branch::Column::DeadlinePending.eq(true))
            .filter(branch::Column::DeadlineAt.lte(now))
            .order_by_asc(branch::Column::DeadlineAt)
            .limit(limit)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| Some((row.application_id.parse().ok()?, row.id.parse().ok()?)))
            .collect())
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

    /// Up to `limit` notifications after `after`, in outbox order.
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
            query = query.filter(notification::Column::ApplicationId.eq(application.as_str()));
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

    /// Adds or replaces a post.
    pub async fn save_post(&self, post: &Post) -> Result<(), StoreError> {
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
            .exec_without_returning(&self.db)
            .await?;
        Ok(())
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

    /// Records a clerk away (with the reason) or back.
    pub async fn set_clerk_away(
        &self,
        department: &str,
        clerk: &str,
        away: bool,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
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
                .exec_without_returning(&self.db)
                .await?;
        } else {
            clerk_absence::Entity::delete_many()
                .filter(clerk_absence::Column::DepartmentCode.eq(department))
                .filter(clerk_absence::Column::ClerkId.eq(clerk))
                .exec(&self.db)
                .await?;
        }
        Ok(())
    }

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

    /// Key projects by code, optionally one facilitator's.
    pub async fn projects(
        &self,
        facilitator: Option<&str>,
    ) -> Result<Vec<ProjectRecord>, StoreError> {
        let mut query = project::Entity::find();
        if let Some(facilitator) = facilitator {
            query = query.filter(project::Column::Facilitator.eq(facilitator));
        }
        let rows = query
            .order_by_asc(project::Column::Code)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(ProjectRecord::from).collect())
    }

    /// An application's audit trail in chain order, with the stored chain head.
    pub async fn audit_trail(
        &self,
        application_id: Uuid,
    ) -> Result<Option<(Vec<AuditRow>, String)>, StoreError> {
        let Some(head) = application::Entity::find_by_id(application_id.to_string())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let rows = event::Entity::find()
            .filter(event::Column::ApplicationId.eq(application_id.to_string()))
            .order_by_asc(event::Column::Seq)
            .all(&self.db)
            .await?;
        let rows = rows
            .into_iter()
            .map(|row| AuditRow {
                id: row.id,
                hash: row.hash,
                link: AuditLink {
                    application_id: row.application_id,
                    seq: row.seq,
                    version: row.version,
                    at: row.at,
                    actor: row.actor,
                    kind: row.kind,
                    detail: row.detail,
                    prev_hash: row.prev_hash,
                },
            })
            .collect();
        Ok(Some((rows, head.audit_head)))
    }

    /// The kinds of an application's events, oldest first.
    pub async fn event_kinds(&self, application_id: Uuid) -> Result<Vec<String>, StoreError> {
        let rows = event::Entity::find()
            .filter(event::Column::ApplicationId.eq(application_id.to_string()))
            .order_by_asc(event::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| row.kind).collect())
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
        let applications = documents
            .iter()
            .map(decode)
            .collect::<Result<Vec<_>, _>>()?;
        let items = rows
            .iter()
            .filter_map(|row| {
                let application = applications
                    .iter()
                    .find(|a| a.id.to_string() == row.application_id)?;
                Some((application.clone(), row.id.parse().ok()?))
            })
            .collect();
        Ok(Page { items, next_after })
    }
}

/// Keeps the first `size` items and returns the last kept one when more followed.
fn cut_page<T>(items: &mut Vec<T>, size: u64) -> Option<&T> {
    let size = size as usize;
    if items.len() > size {
        items.truncate(size);
        items.last()
    } else {
        None
    }
}

fn decode(row: &application::Model) -> Result<Application, StoreError> {
    serde_json::from_str(&row.document).map_err(|error| StoreError::Corrupt {
        id: row.id.clone(),
        message: error.to_string(),
    })
}

fn encode(application: &Application) -> String {
    serde_json::to_string(application).expect("an application always serialises")
}

fn version(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// What a batch of notices is about: an application, and the session for a session's notices.
#[derive(Debug, Clone, Copy)]
struct NoticeSubject {
    application_id: Uuid,
    session_id: Option<Uuid>,
}

async fn write_notices(
    txn: &impl ConnectionTrait,
    about: NoticeSubject,
    notices: &[Notice],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let rows = notices
        .iter()
        .map(|notice| NoticeRow { about, notice, at })
        .collect();
    write_notice_rows(txn, rows).await
}

/// One notice to write: what it is about, what it says, when.
struct NoticeRow<'a> {
    about: NoticeSubject,
    notice: &'a Notice,
    at: DateTime<Utc>,
}

/// Writes notices at the next outbox positions, in the order given. The counter row's lock, held
/// to the end of the transaction, makes positions commit in order, so a reader that has seen
/// position n will never see a smaller one appear later.
async fn write_notice_rows(
    txn: &impl ConnectionTrait,
    rows: Vec<NoticeRow<'_>>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let count = rows.len() as i64;
    let last = advance_counter(txn, "notifications", count).await?;
    let models: Vec<notification::ActiveModel> = rows
        .into_iter()
        .enumerate()
        .map(|(index, row)| {
            let (audience, department) = match &row.notice.audience {
                Audience::Applicant => ("applicant", None),
                Audience::Department(code) => ("department", Some(code.clone())),
                Audience::Supervision => ("supervision", None),
            };
            notification::ActiveModel {
                position: Set(last - count + 1 + index as i64),
                application_id: Set(row.about.application_id.to_string()),
                audience: Set(audience.to_owned()),
                department_code: Set(department),
                kind: Set(row.notice.kind.to_owned()),
                branch_id: Set(row.notice.branch_id.map(|id| id.to_string())),
                message: Set(row.notice.message.clone()),
                created_at: Set(row.at),
                session_id: Set(row.about.session_id.map(|id| id.to_string())),
            }
        })
        .collect();
    for chunk in in_chunks(models) {
        notification::Entity::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Adds `by` to the named counter and returns its new value, in one statement.
async fn advance_counter(
    txn: &impl ConnectionTrait,
    name: &str,
    by: i64,
) -> Result<i64, StoreError> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let update = Query::update()
        .table(counter::Entity)
        .value(
            counter::Column::Value,
            Expr::col(counter::Column::Value).add(by),
        )
        .and_where(Expr::col(counter::Column::Name).eq(name))
        .returning_col(counter::Column::Value)
        .to_owned();
    let row = txn
        .query_one(&update)
        .await?
        .ok_or_else(|| StoreError::Corrupt {
            id: format!("counter {name}"),
            message: "the counter row is missing".to_owned(),
        })?;
    Ok(row.try_get::<i64>("", "value")?)
}

/// Rows per multi-row insert: far below every backend's limit on bound parameters (SQLite's is
/// 32,766 and PostgreSQL's 65,535; the widest table here has a dozen columns).
const ROWS_PER_INSERT: usize = 500;

/// `rows` in pieces of at most [`ROWS_PER_INSERT`].
fn in_chunks<T>(rows: Vec<T>) -> Vec<Vec<T>> {
    let mut chunks = Vec::with_capacity(rows.len().div_ceil(ROWS_PER_INSERT));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        chunks.push(rows.by_ref().take(ROWS_PER_INSERT).collect());
    }
    chunks
}

/// An instant as the audit trail keeps it: microseconds, which every database stores exactly.
fn audit_time(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::DurationRound;
    at.duration_trunc(chrono::Duration::microseconds(1))
        .unwrap_or(at)
}

/// One audit event's fields, as hashed into the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLink {
    /// The application.
    pub application_id: String,
    /// Position in the application's chain, from 1.
    pub seq: i64,
    /// The application version the event produced.
    pub version: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// What.
    pub kind: String,
    /// The event, with its reasons, as JSON.
    pub detail: String,
    /// The previous event's hash.
    pub prev_hash: String,
}

impl AuditLink {
    /// SHA-256 over every field, hex.
    pub fn hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for part in [
            self.application_id.as_str(),
            &self.seq.to_string(),
            &self.version.to_string(),
            &self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            &self.actor,
            &self.kind,
            &self.detail,
            &self.prev_hash,
        ] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
        format!("{:x}", hasher.finalize())
    }
}

/// One stored audit event: its fields and the hash stored with it.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// Row id.
    pub id: i64,
    /// The fields.
    pub link: AuditLink,
    /// The stored hash.
    pub hash: String,
}

/// Inserts the idempotency record; `KeyTaken` when a concurrent request recorded its key first.
async fn write_idempotency(
    txn: &impl ConnectionTrait,
    record: &IdempotencyRecord,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    if claim_key(txn, record, at).await? {
        Ok(())
    } else {
        Err(StoreError::KeyTaken {
            key: record.key.clone(),
        })
    }
}

/// Inserts the idempotency record unless its key is taken; true when inserted.
async fn claim_key(
    txn: &impl ConnectionTrait,
    record: &IdempotencyRecord,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let model = idempotency::ActiveModel {
        scope: Set(record.scope.clone()),
        key: Set(record.key.clone()),
        request_hash: Set(record.request_hash.clone()),
        response: Set(record.response.clone()),
        created_at: Set(at),
    };
    let inserted = idempotency::Entity::insert(model)
        .on_conflict(
            OnConflict::columns([idempotency::Column::Scope, idempotency::Column::Key])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok(inserted == 1)
}

/// Creates the folder of a `sqlite://` file URL, so that a fresh machine needs no set-up.
fn prepare_sqlite_folder(url: &str) -> Result<(), StoreError> {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return Ok(());
    };
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|error| {
            StoreError::Url(format!(
                "cannot create folder {}: {error}",
                parent.display()
            ))
        })?;
    }
    Ok(())
}
