//! Supervision cases in the store: the case document beside the columns the sweep and the
//! assessment read, its trail (hash-chained and sealed with the audit keys like an application's
//! events), and its notices written in the same transaction as the change (the outbox).

use chrono::{DateTime, Utc};
use lianban_orchestrator::case::{Case, CaseEvent, CaseKind, CaseState, Subject};
use lianban_orchestrator::notify::Notice;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Cond, Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::audit_keys::AuditHead;
use super::case_entities::{case, case_event};
use super::codec::{audit_time, version};
use super::connection::Store;
use super::error::StoreError;
use super::keys::write_idempotency;
use super::outbox::{NoticeSubject, advance_counter, write_notices};
use super::records::{AuditLink, AuditRow, IdempotencyRecord, Page, PageRequest};
use super::writer::begin_write;

/// One change to a case, committed atomically with its trail entries and notices.
pub struct CaseChange<'a> {
    /// The case as the engine left it.
    pub case: &'a Case,
    /// The version it was read at, `None` for a new one.
    pub previous_version: Option<u64>,
    /// Who acted, as the trail names them.
    pub actor: &'a str,
    /// What happened: one trail entry each.
    pub events: &'a [CaseEvent],
    /// When.
    pub at: DateTime<Utc>,
    /// Who must be told.
    pub notices: &'a [Notice],
    /// The response to remember, if the request carried a key.
    pub idempotency: Option<IdempotencyRecord>,
}

/// Which cases a reader wants.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only this kind.
    pub kind: Option<CaseKind>,
    /// Only these states (empty: all).
    pub states: Vec<CaseState>,
    /// Only this department's.
    pub department_code: Option<String>,
    /// Only cases overdue at this instant (no reply past the deadline, or a late reply).
    pub overdue_at: Option<DateTime<Utc>>,
    /// Only cases opened at or after this instant.
    pub opened_from: Option<DateTime<Utc>>,
    /// Only cases opened before this instant.
    pub opened_until: Option<DateTime<Utc>>,
}

impl Store {
    /// Commits one case change. `Conflict` when the case changed since it was read.
    pub async fn commit_case(&self, change: CaseChange<'_>) -> Result<(), StoreError> {
        let txn = begin_write(&self.db).await?;
        let c = change.case;
        let (seq, head) = match change.previous_version {
            None => (0, String::new()),
            Some(_) => {
                let row = case::Entity::find_by_id(c.id.to_string())
                    .one(&txn)
                    .await?
                    .ok_or(StoreError::Conflict(c.id))?;
                (row.audit_seq, row.audit_head)
            }
        };
        let (events, seq, head) = self.chain(&change, seq, head);
        let model = row_of(&change, seq, head);
        match change.previous_version {
            None => {
                case::Entity::insert(model)
                    .exec_without_returning(&txn)
                    .await?;
            }
            Some(previous) => {
                let result = case::Entity::update_many()
                    .set(model)
                    .filter(case::Column::Id.eq(c.id.to_string()))
                    .filter(case::Column::Version.eq(version(previous)))
                    .exec(&txn)
                    .await?;
                if result.rows_affected != 1 {
                    return Err(StoreError::Conflict(c.id));
                }
            }
        }
        if !events.is_empty() {
            case_event::Entity::insert_many(events)
                .exec_without_returning(&txn)
                .await?;
        }
        let about = NoticeSubject {
            application_id: application_of(c).unwrap_or(Uuid::nil()),
            session_id: None,
        };
        write_notices(&txn, about, change.notices, change.at).await?;
        if let Some(record) = &change.idempotency {
            write_idempotency(&txn, record, change.at).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The change's events linked onto the case's chain, sealed with the current audit key.
    fn chain(
        &self,
        change: &CaseChange<'_>,
        mut seq: i64,
        mut head: String,
    ) -> (Vec<case_event::ActiveModel>, i64, String) {
        let at = audit_time(change.at);
        let mut models = Vec::with_capacity(change.events.len());
        for event in change.events {
            seq += 1;
            let link = AuditLink {
                application_id: change.case.id.to_string(),
                seq,
                version: version(change.case.version),
                at,
                actor: change.actor.to_owned(),
                kind: event.kind().to_owned(),
                detail: serde_json::to_string(event).expect("a case event always serialises"),
                prev_hash: std::mem::take(&mut head),
            };
            let (key_id, hash) = self.audit_keys.seal(&link);
            head.clone_from(&hash);
            models.push(case_event::ActiveModel {
                id: NotSet,
                case_id: Set(link.application_id),
                seq: Set(link.seq),
                version: Set(link.version),
                at: Set(link.at),
                actor: Set(link.actor),
                kind: Set(link.kind),
                detail: Set(link.detail),
                prev_hash: Set(link.prev_hash),
                hash: Set(hash),
                key_id: Set(key_id),
            });
        }
        (models, seq, head)
    }

    /// The case with this id.
    pub async fn case(&self, id: Uuid) -> Result<Option<Case>, StoreError> {
        let row = case::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?;
        row.as_ref().map(decode).transpose()
    }

    /// One page of cases matching the filter, in id order.
    pub async fn cases(
        &self,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> Result<Page<Case>, StoreError> {
        let mut query = case::Entity::find();
        if let Some(kind) = filter.kind {
            query = query.filter(case::Column::Kind.eq(kind.name()));
        }
        if !filter.states.is_empty() {
            query = query.filter(case::Column::State.is_in(filter.states.iter().map(|s| s.name())));
        }
        if let Some(code) = &filter.department_code {
            query = query.filter(case::Column::DepartmentCode.eq(code.as_str()));
        }
        if let Some(from) = filter.opened_from {
            query = query.filter(case::Column::OpenedAt.gte(from));
        }
        if let Some(until) = filter.opened_until {
            query = query.filter(case::Column::OpenedAt.lt(until));
        }
        if let Some(now) = filter.overdue_at {
            let unanswered = Cond::all()
                .add(Expr::col(case::Column::RepliedAt).is_null())
                .add(Expr::col(case::Column::State).ne(CaseState::Closed.name()))
                .add(Expr::col(case::Column::DueAt).lt(now));
            query = query.filter(
                Cond::any()
                    .add(Expr::col(case::Column::RepliedOnTime).eq(false))
                    .add(unanswered),
            );
        }
        if let Some(after) = page.after {
            query = query.filter(case::Column::Id.gt(after.to_string()));
        }
        let rows = query
            .order_by_asc(case::Column::Id)
            .limit(page.size + 1)
            .all(&self.db)
            .await?;
        let mut items = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        let next_after = if items.len() as u64 > page.size {
            items.truncate(page.size as usize);
            items.last().map(|c| c.id)
        } else {
            None
        };
        Ok(Page { items, next_after })
    }

    /// A case's trail in chain order, with the stored chain head and the keys to check it with.
    pub async fn case_trail(
        &self,
        case_id: Uuid,
    ) -> Result<Option<(Vec<AuditRow>, AuditHead)>, StoreError> {
        let Some(row) = case::Entity::find_by_id(case_id.to_string())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let events = case_event::Entity::find()
            .filter(case_event::Column::CaseId.eq(case_id.to_string()))
            .order_by_asc(case_event::Column::Seq)
            .order_by_asc(case_event::Column::Id)
            .all(&self.db)
            .await?;
        let rows = events
            .into_iter()
            .map(|e| AuditRow {
                id: e.id,
                hash: e.hash,
                key_id: e.key_id,
                link: AuditLink {
                    application_id: e.case_id,
                    seq: e.seq,
                    version: e.version,
                    at: e.at,
                    actor: e.actor,
                    kind: e.kind,
                    detail: e.detail,
                    prev_hash: e.prev_hash,
                },
            })
            .collect();
        let head = AuditHead {
            hash: row.audit_head,
            keys: self.audit_keys.clone(),
        };
        Ok(Some((rows, head)))
    }

    /// The next case number of `kind` in `year`, e.g. `TS2026000123`: one counter shared by every
    /// replica, advanced in its own transaction (a refused case leaves a gap, never a repeat).
    pub async fn next_case_number(&self, kind: CaseKind, year: i32) -> Result<String, StoreError> {
        let txn = begin_write(&self.db).await?;
        let value = advance_counter(&txn, "cases", 1).await?;
        txn.commit().await?;
        Ok(format!("{}{year}{value:06}", kind.number_prefix()))
    }

    /// The earliest deadline of a case still awaiting its department and not yet escalated.
    pub async fn next_case_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = case::Entity::find()
            .filter(case::Column::Escalated.eq(false))
            .filter(case::Column::State.is_in(awaiting_department()))
            .order_by_asc(case::Column::DueAt)
            .one(&self.db)
            .await?;
        Ok(row.map(|row| row.due_at))
    }
}

/// The names of the states in which a department owes its answer.
pub(super) fn awaiting_department() -> Vec<&'static str> {
    CaseState::ALL
        .into_iter()
        .filter(|state| state.awaits_department())
        .map(CaseState::name)
        .collect()
}

/// The row of a case as the change leaves it; a commit ends any claim on its escalation.
fn row_of(change: &CaseChange<'_>, audit_seq: i64, audit_head: String) -> case::ActiveModel {
    let c = change.case;
    let application_id = application_of(c);
    case::ActiveModel {
        id: Set(c.id.to_string()),
        number: Set(c.number.clone()),
        kind: Set(c.kind.name().to_owned()),
        state: Set(c.state.name().to_owned()),
        department_code: Set(c.department_code.clone()),
        application_id: Set(application_id.map(|id| id.to_string())),
        opened_at: Set(c.opened_at),
        due_at: Set(c.due_at),
        replied_at: Set(c.reply.as_ref().map(|r| r.at)),
        replied_on_time: Set(c.reply.as_ref().map(|r| r.on_time)),
        ruled_upheld: Set(c.ruling.as_ref().map(|r| r.upheld)),
        escalated: Set(c.escalated_at.is_some()),
        closed_at: Set(c.closing.as_ref().map(|closing| closing.at)),
        outcome: Set(c
            .closing
            .as_ref()
            .map(|closing| closing.outcome.name().to_owned())),
        updated_at: Set(change.at),
        version: Set(version(c.version)),
        document: Set(serde_json::to_string(c).expect("a case always serialises")),
        audit_seq: Set(audit_seq),
        audit_head: Set(audit_head),
        lease_owner: Set(None),
        lease_until: Set(None),
    }
}

/// The application a case is about: the rated one, or a complaint's subject.
fn application_of(c: &Case) -> Option<Uuid> {
    match (&c.rating, &c.subject) {
        (Some(rating), _) => Some(rating.application_id),
        (None, Some(Subject::Application { application_id })) => Some(*application_id),
        _ => None,
    }
}

fn decode(row: &case::Model) -> Result<Case, StoreError> {
    serde_json::from_str(&row.document).map_err(|error| StoreError::Corrupt {
        id: row.id.clone(),
        message: error.to_string(),
    })
}
