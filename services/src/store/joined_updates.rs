//! On PostgreSQL the guarded updates of a batch's applications go in one statement. There every
//! statement is a round trip to the server, and one statement per change was half of the writer's
//! time in a catch-up (BENCHMARKS.md, seventh sitting). The statement's text never changes: the
//! rows' values travel as one array per column, joined to the table through `UNNEST`, so the
//! server parses and plans it once per connection whatever the batch's size. It answers with the
//! ids of the rows whose version guard held; a change whose id is missing lost the guard to
//! another writer and is refused like one written alone.
//!
//! Only a change of an existing application that sets the columns a change usually sets (its
//! document, version and time, and perhaps its state) joins; the rarer ones, and every change of
//! an application that has more than one in the batch, are written alone in the batch's order.

use std::collections::HashSet;

use sea_orm::sea_query::ArrayType;
use sea_orm::{ActiveValue, DbBackend, DbErr, Statement, Value};
use uuid::Uuid;

use super::entities::application;
use super::prepared::Prepared;
use super::statements::Statements;

/// The update of every joined application, guarded by the version each change was decided on.
/// An empty state keeps the stored one (no state is named by the empty string).
const UPDATE_JOINED: &str = "UPDATE applications AS a SET \
     state = COALESCE(NULLIF(v.state, ''), a.state), updated_at = v.updated_at, \
     version = v.version, document = v.document, body = v.body, \
     audit_head = v.audit_head, audit_seq = v.audit_seq \
     FROM UNNEST($1::varchar[], $2::int8[], $3::varchar[], $4::timestamptz[], $5::int8[], \
     $6::text[], $7::bytea[], $8::varchar[], $9::int8[]) \
     AS v(id, expected, state, updated_at, version, document, body, audit_head, audit_seq) \
     WHERE a.id = v.id AND a.version = v.expected \
     RETURNING a.id";

/// Whether `change` may join the one update (on PostgreSQL): an update of an application that
/// appears once in the batch (`repeated` holds those that do not) and sets no column the
/// statement does not name. The row is taken apart field by field, so that a column added to the
/// entity is decided on here.
pub(super) fn may_join(change: &Prepared, repeated: &HashSet<Uuid>) -> bool {
    let application::ActiveModel {
        id,
        bundle_code,
        state: _,
        receipt_number,
        key_project_code,
        submitted_at,
        updated_at,
        version,
        document,
        body,
        audit_head: _,
        audit_seq: _,
    } = &change.row;
    change.expected_version.is_some()
        && !repeated.contains(&change.application_id)
        && !named(id)
        && !named(bundle_code)
        && !named(receipt_number)
        && !named(key_project_code)
        && !named(submitted_at)
        && named(updated_at)
        && named(version)
        && named(document)
        && matches!(body, ActiveValue::Set(Some(_)))
}

/// The value a row names for a column, if it names one.
fn set<T: Clone + Into<Value>>(value: &ActiveValue<T>) -> Option<T> {
    match value {
        ActiveValue::Set(value) | ActiveValue::Unchanged(value) => Some(value.clone()),
        ActiveValue::NotSet => None,
    }
}

/// Whether a row names the column (to set it).
fn named<T: Into<Value>>(value: &ActiveValue<T>) -> bool {
    !matches!(value, ActiveValue::NotSet)
}

/// The applications that have more than one change in `changes`.
pub(super) fn repeated<'a>(changes: impl Iterator<Item = &'a Prepared>) -> HashSet<Uuid> {
    let mut seen = HashSet::new();
    changes
        .filter(|change| !seen.insert(change.application_id))
        .map(|change| change.application_id)
        .collect()
}

/// The joined changes' columns, one array each, in the order of [`UPDATE_JOINED`]'s parameters.
#[derive(Default)]
pub(super) struct JoinedUpdates {
    ids: Vec<Value>,
    expected: Vec<Value>,
    states: Vec<Value>,
    updated_at: Vec<Value>,
    versions: Vec<Value>,
    documents: Vec<Value>,
    bodies: Vec<Value>,
    audit_heads: Vec<Value>,
    audit_seqs: Vec<Value>,
}

impl JoinedUpdates {
    /// Adds `change`, which [`may_join`], its chain then ending at `seq` with `hash`.
    pub(super) fn push(&mut self, change: &Prepared, seq: i64, hash: &str) {
        let row = &change.row;
        self.ids
            .push(Value::String(Some(change.application_id.to_string())));
        self.expected.push(Value::BigInt(change.expected_version));
        self.states
            .push(Value::String(Some(set(&row.state).unwrap_or_default())));
        self.updated_at
            .push(Value::ChronoDateTimeUtc(set(&row.updated_at)));
        self.versions.push(Value::BigInt(set(&row.version)));
        self.documents.push(Value::String(set(&row.document)));
        self.bodies.push(Value::Bytes(set(&row.body).flatten()));
        self.audit_heads.push(Value::String(Some(hash.to_owned())));
        self.audit_seqs.push(Value::BigInt(Some(seq)));
    }

    /// Whether no change joined.
    pub(super) fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Runs the update; the ids of the applications it updated.
    pub(super) async fn write(self, txn: &impl Statements) -> Result<HashSet<String>, DbErr> {
        let array = |ty: ArrayType, values: Vec<Value>| Value::Array(ty, Some(Box::new(values)));
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            UPDATE_JOINED,
            [
                array(ArrayType::String, self.ids),
                array(ArrayType::BigInt, self.expected),
                array(ArrayType::String, self.states),
                array(ArrayType::ChronoDateTimeUtc, self.updated_at),
                array(ArrayType::BigInt, self.versions),
                array(ArrayType::String, self.documents),
                array(ArrayType::Bytes, self.bodies),
                array(ArrayType::String, self.audit_heads),
                array(ArrayType::BigInt, self.audit_seqs),
            ],
        );
        Ok(txn.texts(statement).await?.into_iter().collect())
    }
}
