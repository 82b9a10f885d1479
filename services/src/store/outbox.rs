//! Writing the notification outbox: the notices of a change go in inside the change's own
//! transaction, at positions that commit in order. Kept apart from the readers of the outbox so
//! that the writer can use it without depending on the store's handle.

use chrono::{DateTime, Utc};
use lianban_orchestrator::notify::{Audience, Notice};
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use super::entities::{counter, notification};
use super::error::StoreError;
use super::row_inserts::insert_rows;
use super::statements::Statements;

/// What a batch of notices is about: an application, and the session for a session's notices.
#[derive(Debug, Clone, Copy)]
pub(super) struct NoticeSubject {
    pub(super) application_id: Uuid,
    pub(super) session_id: Option<Uuid>,
}

/// Writes the notices of one subject, all at `at`, in the order given.
pub(super) async fn write_notices(
    txn: &impl Statements,
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
pub(super) struct NoticeRow<'a> {
    pub(super) about: NoticeSubject,
    pub(super) notice: &'a Notice,
    pub(super) at: DateTime<Utc>,
}

/// Writes notices at the next outbox positions, in the order given. The counter row's lock, held
/// to the end of the transaction, makes positions commit in order, so a reader that has seen
/// position n will never see a smaller one appear later.
pub(super) async fn write_notice_rows(
    txn: &impl Statements,
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
    insert_rows(txn, models, None).await?;
    Ok(())
}

/// Adds `by` to the named counter and returns its new value, in one statement.
pub(super) async fn advance_counter(
    txn: &impl Statements,
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
    txn.integer(txn.backend().build(&update))
        .await?
        .ok_or_else(|| StoreError::Corrupt {
            id: format!("counter {name}"),
            message: "the counter row is missing".to_owned(),
        })
}
