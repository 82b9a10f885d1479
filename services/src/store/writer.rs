//! Group commit: one writer writes every application change, many changes to one transaction.
//! On a SQLite file the writer is a thread that owns its own connection (`store::direct`), so
//! none of a batch's statements crosses a thread; elsewhere it is a task on the pool.
//!
//! A commit of its own per change pays a `BEGIN`, a `COMMIT` with its WAL sync, about ten
//! statements, and — on SQLite, whose database has a single write lock — a wait for that lock by
//! polling with sleeps whenever another connection holds it. Here the callers do the expensive
//! part in their own tasks (`store::prepared`: the compact document, the branch rows, the events'
//! JSON), then hand the prepared change to the writer, which takes every change waiting at that
//! moment into one transaction: one read of the chain heads, one guarded write per application
//! (and one insert per idempotency key), then one multi-row statement each for the new branches,
//! the events and the notifications of the whole batch (on PostgreSQL of a fixed text,
//! [`row_inserts`](super::row_inserts)). A branch that was there before is updated
//! by a statement of its own on SQLite, naming only what changed ([`write_branches`] says why);
//! on PostgreSQL it joins the branches' multi-row upsert, and most of the guarded writes go in
//! one statement ([`joined_updates`]), the batch's rows locked in id order first.
//!
//! Each change is still judged alone: a change that loses its version check, or whose
//! idempotency key another request took, writes nothing (its key row, if it wrote one, is
//! removed again) and gets its own refusal while the others commit. A database failure fails the
//! whole batch, and every caller in it is told. A caller is answered only after the transaction
//! holding its change has committed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::{self, Set},
    ColumnTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::audit_keys::AuditKeys;
use super::change_log::{LoggedChange, log_changes};
use super::codec::audit_time;
use super::direct::DirectSqlite;
use super::entities::{application, branch, event, idempotency};
use super::error::StoreError;
use super::joined_updates::{self, JoinedUpdates};
use super::keys::claim_key;
use super::outbox::{NoticeRow, NoticeSubject, write_notice_rows};
use super::paging::in_chunks;
use super::prepared::{BranchRow, Prepared};
use super::records::{AuditLink, IdempotencyRecord};
use super::row_inserts::{Upsert, insert_rows};
use super::statements::Statements;

/// The most changes one transaction takes: bounds the time a caller waits behind others.
const MOST_PER_TRANSACTION: usize = 256;

/// A prepared change and where its answer goes.
struct Job {
    change: Prepared,
    answer: oneshot::Sender<Result<(), StoreError>>,
}

/// The way to the writer task. The task ends when the last handle is dropped.
#[derive(Clone)]
pub(super) struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Writer {
    /// Starts the writer as a task writing through the pool `db`, chaining events with `keys`.
    pub(super) fn start(db: DatabaseConnection, keys: Arc<AuditKeys>) -> Writer {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(run(Target::Pool(db), queue, keys));
        Writer { jobs }
    }

    /// Starts the writer on a thread of its own that owns `connection`: every statement of a
    /// batch is a function call on that thread, and the only hand-offs left are a change coming
    /// in and its answer going out.
    pub(super) fn start_direct(
        connection: DirectSqlite,
        keys: Arc<AuditKeys>,
    ) -> Result<Writer, StoreError> {
        let (jobs, queue) = mpsc::unbounded_channel();
        let thread_failed = |error: std::io::Error| {
            StoreError::Database(DbErr::Custom(format!(
                "cannot start the store's writer: {error}"
            )))
        };
        // The connection never waits on anything but SQLite, so a runtime without timers or
        // I/O drives the writer's futures to the end on this thread.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(thread_failed)?;
        std::thread::Builder::new()
            .name("store-writer".to_owned())
            .spawn(move || runtime.block_on(run(Target::Direct(connection), queue, keys)))
            .map_err(thread_failed)?;
        Ok(Writer { jobs })
    }

    /// Writes one change; answers once its transaction has committed or it was refused.
    pub(super) async fn write(&self, change: Prepared) -> Result<(), StoreError> {
        let (answer, answered) = oneshot::channel();
        self.jobs
            .send(Job { change, answer })
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Database(DbErr::Custom("the store's writer has stopped".to_owned()))
}

/// Where the writer writes: through the pool, or on its own SQLite connection.
enum Target {
    Pool(DatabaseConnection),
    Direct(DirectSqlite),
}

/// Takes whatever is waiting, up to a transaction's worth, and writes it; until every handle is
/// gone.
async fn run(target: Target, mut queue: mpsc::UnboundedReceiver<Job>, keys: Arc<AuditKeys>) {
    let mut batch = Vec::with_capacity(MOST_PER_TRANSACTION);
    while queue.recv_many(&mut batch, MOST_PER_TRANSACTION).await > 0 {
        write_batch(&target, std::mem::take(&mut batch), &keys).await;
    }
}

/// Writes `batch` in one transaction and answers every job. The changes are written in the order
/// of their applications' ids (two changes of one application keep theirs), so that two replicas'
/// transactions lock the rows they share in the same order and never deadlock each other.
async fn write_batch(target: &Target, mut batch: Vec<Job>, keys: &AuditKeys) {
    batch.sort_by_key(|job| job.change.application_id);
    let changes = batch.iter().map(|job| &job.change);
    let written = match target {
        Target::Pool(db) => write_through_pool(db, changes, keys).await,
        Target::Direct(connection) => write_directly(connection, changes, keys).await,
    };
    match written {
        Ok(outcomes) => {
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                // A caller that gave up waiting is no reason to stop.
                let _ = job.answer.send(outcome);
            }
        }
        Err(error) => {
            let message = error.to_string();
            tracing::error!(error = %message, changes = batch.len(), "group commit failed");
            for job in batch {
                let _ = job
                    .answer
                    .send(Err(StoreError::Database(DbErr::Custom(message.clone()))));
            }
        }
    }
}

type Outcomes = Vec<Result<(), StoreError>>;

/// One transaction on a pooled connection.
async fn write_through_pool<'a>(
    db: &DatabaseConnection,
    changes: impl ExactSizeIterator<Item = &'a Prepared> + Clone,
    keys: &AuditKeys,
) -> Result<Outcomes, StoreError> {
    let txn = begin_write(db).await?;
    let outcomes = write_changes(&txn, changes, keys).await?;
    txn.commit().await?;
    Ok(outcomes)
}

/// One transaction on the writer's own connection, taking the write lock at `BEGIN` for the
/// reason [`begin_write`] gives; rolled back when any statement or the commit fails.
async fn write_directly<'a>(
    connection: &DirectSqlite,
    changes: impl ExactSizeIterator<Item = &'a Prepared> + Clone,
    keys: &AuditKeys,
) -> Result<Outcomes, StoreError> {
    connection.batch("BEGIN IMMEDIATE")?;
    let committed = match write_changes(connection, changes, keys).await {
        Ok(outcomes) => connection
            .batch("COMMIT")
            .map(|()| outcomes)
            .map_err(Into::into),
        Err(error) => Err(error),
    };
    if committed.is_err() {
        // Nothing to add when the rollback fails too: the transaction is gone either way.
        let _ = connection.batch("ROLLBACK");
    }
    committed
}

/// Where an application's audit chain ends, and the version that ending belongs to.
#[derive(Debug, Clone)]
struct ChainHead {
    version: i64,
    seq: i64,
    hash: String,
}

/// Writes `changes` inside `txn`; one outcome per change. `Err` only when the database failed,
/// which leaves the transaction unusable. On PostgreSQL most applications' updates are joined in
/// one statement ([`joined_updates`]) after the others are written one by one.
async fn write_changes<'a>(
    txn: &impl Statements,
    changes: impl ExactSizeIterator<Item = &'a Prepared> + Clone,
    keys: &AuditKeys,
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let mut heads = read_chain_heads(txn, changes.clone()).await?;
    let joins = txn.backend() == DbBackend::Postgres;
    let repeated = if joins {
        joined_updates::repeated(changes.clone())
    } else {
        HashSet::new()
    };
    let mut outcomes = Vec::with_capacity(changes.len());
    let mut accepted = Accepted::default();
    let mut joined = Joined::default();
    for change in changes {
        let outcome = if joins && joined_updates::may_join(change, &repeated) {
            match admit(txn, change, &heads, keys).await? {
                Ok(admitted) => {
                    joined.add(outcomes.len(), change, admitted);
                    Ok(())
                }
                Err(refused) => Err(refused),
            }
        } else {
            write_one(txn, change, &mut heads, &mut accepted, keys).await?
        };
        outcomes.push(outcome);
    }
    joined.write(txn, &mut outcomes, &mut accepted).await?;
    accepted.write(txn).await?;
    Ok(outcomes)
}

/// The admitted changes waiting for the one update of [`joined_updates`], each with its place in
/// the batch's outcomes.
#[derive(Default)]
struct Joined<'a> {
    updates: JoinedUpdates,
    changes: Vec<(usize, &'a Prepared, Admitted)>,
}

impl<'a> Joined<'a> {
    fn add(&mut self, at: usize, change: &'a Prepared, admitted: Admitted) {
        self.updates
            .push(change, admitted.head.seq, &admitted.head.hash);
        self.changes.push((at, change, admitted));
    }

    /// Runs the update; a change whose guard held joins `accepted`, and one whose guard another
    /// writer broke is refused, its key released, as when written alone.
    async fn write(
        self,
        txn: &impl Statements,
        outcomes: &mut [Result<(), StoreError>],
        accepted: &mut Accepted<'a>,
    ) -> Result<(), StoreError> {
        if self.updates.is_empty() {
            return Ok(());
        }
        let updated = self.updates.write(txn).await?;
        for (at, change, admitted) in self.changes {
            if updated.contains(&change.application_id.to_string()) {
                accepted.add(change, admitted.events);
                continue;
            }
            if let Some(record) = &change.idempotency {
                release_key(txn, record).await?;
            }
            outcomes[at] = Err(StoreError::Conflict(change.application_id));
        }
        Ok(())
    }
}

/// The rows of the accepted changes, written together at the end of the batch.
#[derive(Default)]
struct Accepted<'a> {
    branches: Vec<&'a BranchRow>,
    events: Vec<event::ActiveModel>,
    notices: Vec<NoticeRow<'a>>,
    changes: Vec<LoggedChange>,
}

impl<'a> Accepted<'a> {
    /// Adds an accepted change's rows.
    fn add(&mut self, change: &'a Prepared, events: Vec<event::ActiveModel>) {
        self.changes.push(LoggedChange {
            application_id: change.application_id,
            version: change.version,
            branch_ids: change
                .branches
                .iter()
                .filter_map(|row| match &row.row.id {
                    ActiveValue::Set(id) => Some(id.clone()),
                    _ => None,
                })
                .collect(),
        });
        self.branches.extend(change.branches.iter());
        self.events.extend(events);
        let about = NoticeSubject {
            application_id: change.application_id,
            session_id: None,
        };
        self.notices
            .extend(change.notices.iter().map(|notice| NoticeRow {
                about,
                notice,
                at: change.at,
            }));
    }

    /// Writes the batch's rows. The change log comes first on purpose: it takes the `changes`
    /// counter row, whose lock serialises every committing writer (of every replica) until its
    /// commit. The events are inserted after it, so their autoincrement ids are assigned under that
    /// lock and commit in id order; inserted before it, two replicas' transactions could take ids
    /// 10 and 11 and commit 11 first, and a reader going by id (the data exchange's cursor) would
    /// step over 10 for good.
    async fn write(self, txn: &impl Statements) -> Result<(), StoreError> {
        log_changes(txn, self.changes).await?;
        write_branches(txn, self.branches).await?;
        insert_rows(txn, self.events, None).await?;
        write_notice_rows(txn, self.notices).await
    }
}

/// The chain heads of the applications the batch updates, in one read per few hundred. On
/// PostgreSQL the read locks their rows, in the order of their ids: every later statement of the
/// batch finds them held, so two replicas' batches, whatever order a statement of theirs would
/// take rows in, wait for each other instead of deadlocking (SQLite has one writer at a time).
async fn read_chain_heads<'a>(
    txn: &impl Statements,
    changes: impl Iterator<Item = &'a Prepared>,
) -> Result<HashMap<Uuid, ChainHead>, StoreError> {
    let ids: Vec<String> = changes
        .filter(|change| change.expected_version.is_some())
        .map(|change| change.application_id.to_string())
        .collect();
    let mut heads = HashMap::with_capacity(ids.len());
    for chunk in in_chunks(ids) {
        let query = application::Entity::find()
            .select_only()
            .columns([
                application::Column::Id,
                application::Column::Version,
                application::Column::AuditSeq,
                application::Column::AuditHead,
            ])
            .filter(application::Column::Id.is_in(chunk));
        let query = if txn.backend() == DbBackend::Postgres {
            query.order_by_asc(application::Column::Id).lock_exclusive()
        } else {
            query
        };
        for (id, version, seq, hash) in txn.text_integers_text(query.build(txn.backend())).await? {
            if let Ok(id) = id.parse() {
                heads.insert(id, ChainHead { version, seq, hash });
            }
        }
    }
    Ok(heads)
}

/// A change admitted to the batch: its events linked onto the application's chain, and where the
/// chain then ends.
struct Admitted {
    events: Vec<event::ActiveModel>,
    head: ChainHead,
}

/// Admits a change whose version is the one read and whose idempotency key is free (claiming
/// it), or refuses it having written nothing.
async fn admit(
    txn: &impl Statements,
    change: &Prepared,
    heads: &HashMap<Uuid, ChainHead>,
    keys: &AuditKeys,
) -> Result<Result<Admitted, StoreError>, StoreError> {
    let head = match change.expected_version {
        None => ChainHead {
            version: 0,
            seq: 0,
            hash: String::new(),
        },
        Some(expected) => match heads.get(&change.application_id) {
            Some(head) if head.version == expected => head.clone(),
            _ => return Ok(Err(StoreError::Conflict(change.application_id))),
        },
    };
    if let Some(record) = &change.idempotency
        && !claim_key(txn, record, change.at).await?
    {
        return Ok(Err(StoreError::KeyTaken {
            key: record.key.clone(),
        }));
    }
    let (events, head) = chain(change, &head, keys);
    Ok(Ok(Admitted { events, head }))
}

/// Writes one change's application row and idempotency key, or refuses it having written
/// nothing; an accepted change's other rows join `accepted`.
async fn write_one<'a>(
    txn: &impl Statements,
    change: &'a Prepared,
    heads: &mut HashMap<Uuid, ChainHead>,
    accepted: &mut Accepted<'a>,
    keys: &AuditKeys,
) -> Result<Result<(), StoreError>, StoreError> {
    let admitted = match admit(txn, change, heads, keys).await? {
        Ok(admitted) => admitted,
        Err(refused) => return Ok(Err(refused)),
    };
    if !write_application(txn, change, &admitted.head).await? {
        if let Some(record) = &change.idempotency {
            release_key(txn, record).await?;
        }
        return Ok(Err(StoreError::Conflict(change.application_id)));
    }
    heads.insert(change.application_id, admitted.head);
    accepted.add(change, admitted.events);
    Ok(Ok(()))
}

/// The change's events linked onto `head` (signed with the current audit key, if any), and the
/// new head.
fn chain(
    change: &Prepared,
    head: &ChainHead,
    keys: &AuditKeys,
) -> (Vec<event::ActiveModel>, ChainHead) {
    let application_id = change.application_id.to_string();
    let at = audit_time(change.at);
    let mut seq = head.seq;
    let mut prev_hash = head.hash.clone();
    let mut models = Vec::with_capacity(change.events.len());
    for (kind, detail) in &change.events {
        seq += 1;
        let link = AuditLink {
            application_id: application_id.clone(),
            seq,
            version: change.version,
            at,
            actor: change.actor.clone(),
            kind: (*kind).to_owned(),
            detail: detail.clone(),
            prev_hash: std::mem::take(&mut prev_hash),
        };
        let (key_id, hash) = keys.seal(&link);
        prev_hash.clone_from(&hash);
        models.push(event::ActiveModel {
            application_id: Set(link.application_id),
            seq: Set(link.seq),
            version: Set(link.version),
            at: Set(link.at),
            actor: Set(link.actor),
            kind: Set(link.kind),
            detail: Set(link.detail),
            prev_hash: Set(link.prev_hash),
            hash: Set(hash),
            key_id: Set(key_id),
            ..Default::default()
        });
    }
    let head = ChainHead {
        version: change.version,
        seq,
        hash: prev_hash,
    };
    (models, head)
}

/// Removes a key this transaction claimed for a change that was then refused.
async fn release_key(txn: &impl Statements, record: &IdempotencyRecord) -> Result<(), StoreError> {
    txn.write(&idempotency::Entity::delete_by_id((
        record.scope.clone(),
        record.key.clone(),
    )))
    .await?;
    Ok(())
}

/// Inserts a new application or updates one guarded by the version read; false when the guard
/// (or, for a new one, a unique column) refused it.
async fn write_application(
    txn: &impl Statements,
    change: &Prepared,
    head: &ChainHead,
) -> Result<bool, StoreError> {
    let mut row = change.row.clone();
    row.audit_seq = Set(head.seq);
    row.audit_head = Set(head.hash.clone());
    let written = match change.expected_version {
        None => {
            let insert = application::Entity::insert(row)
                .on_conflict(OnConflict::new().do_nothing().to_owned());
            txn.write(&insert).await?
        }
        Some(expected) => {
            let update = application::Entity::update_many()
                .set(row)
                .filter(application::Column::Id.eq(change.application_id.to_string()))
                .filter(application::Column::Version.eq(expected));
            txn.write(&update).await?
        }
    };
    Ok(written == 1)
}

/// Writes the batch's branch rows. On SQLite a branch that was there before is updated in a
/// statement of its own naming only the columns that changed: SQLite rewrites the entry of every
/// index on a column a statement names, so a multi-row upsert (which names them all) rewrote the
/// department's and the assignee's indexes of every branch at every change; each statement is a
/// function call on the writer's own connection. Elsewhere (PostgreSQL, a round trip per
/// statement) every row goes into one multi-row upsert. New branches are inserted first, so an
/// update later in the batch finds its row.
async fn write_branches(txn: &impl Statements, rows: Vec<&BranchRow>) -> Result<(), StoreError> {
    let one_by_one = txn.backend() == DbBackend::Sqlite;
    let (updates, whole): (Vec<&BranchRow>, Vec<&BranchRow>) = rows
        .into_iter()
        .partition(|row| one_by_one && row.changed.is_some());
    upsert_branches(txn, whole.into_iter().map(|row| row.row.clone()).collect()).await?;
    for row in updates {
        let (Some(changed), ActiveValue::Set(id)) = (&row.changed, &row.row.id) else {
            continue;
        };
        let update = branch::Entity::update_many()
            .set(changed.clone())
            .filter(branch::Column::Id.eq(id.as_str()));
        txn.write(&update).await?;
    }
    Ok(())
}

/// Upserts whole branch rows; when one branch changed twice in the batch, its last row wins (one
/// statement may not touch a row twice).
async fn upsert_branches(
    txn: &impl Statements,
    rows: Vec<branch::ActiveModel>,
) -> Result<(), StoreError> {
    let mut seen = HashSet::with_capacity(rows.len());
    let mut latest: Vec<branch::ActiveModel> = rows
        .into_iter()
        .rev()
        .filter(|row| match &row.id {
            ActiveValue::Set(id) => seen.insert(id.clone()),
            _ => true,
        })
        .collect();
    latest.reverse();
    insert_rows(txn, latest, Some(&BRANCH_UPSERT)).await?;
    Ok(())
}

/// A branch row written again sets what a change may change.
const BRANCH_UPSERT: Upsert<branch::Column> = Upsert {
    key: branch::Column::Id,
    update: &[
        branch::Column::State,
        branch::Column::UpdatedAt,
        branch::Column::DeadlineAt,
        branch::Column::DeadlinePending,
        branch::Column::DeadlineProvisional,
        branch::Column::Assignee,
        branch::Column::Unstaffed,
        branch::Column::LeaseOwner,
        branch::Column::LeaseUntil,
    ],
};

/// Begins a transaction that writes. On SQLite it takes the write lock at `BEGIN` (`IMMEDIATE`):
/// a transaction that read first and then wrote would be refused at once, without waiting, when
/// another process (a second server on the same file) committed in between; waiting for the lock
/// up front lets the busy timeout do its work. PostgreSQL ignores the mode.
pub(super) async fn begin_write(
    db: &DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}
