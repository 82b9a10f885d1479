//! Claims on due deadlines, overdue sessions and overdue cases, so that several replicas sweeping
//! at once act on different ones.
//!
//! A replica claims a batch of due, unclaimed branches in one statement (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL, so that replicas claiming at once pass over each other's rows instead of
//! waiting on them; SQLite's single writer serialises the claims) and holds them for a lease of
//! wall-clock time. It acts on each through the ordinary command loop: the commit that marks the
//! deadline done also clears the claim, in the same transaction. A replica that dies mid-sweep
//! leaves its claims to expire, and the next sweep of any replica takes them over. The
//! application's version guard is the fencing token: if a paused replica wakes after its lease
//! and acts late, only one of the two commits wins, and the engine turns the repeat into no
//! change.

use chrono::{DateTime, Utc};
use lianban_orchestrator::session::SessionState;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, LockBehavior, LockType, Order, Query};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::case_entities::case;
use super::cases::awaiting_department;
use super::connection::Store;
use super::entities::{branch, session};
use super::error::StoreError;
use super::writer::begin_write;

/// A claim to take: who claims, the time the deadlines are judged at, and the lease.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    /// The replica claiming.
    pub owner: &'a str,
    /// Deadlines at or before this time are due (the server's clock, which may be manual).
    pub due_by: DateTime<Utc>,
    /// The wall-clock time now: claims that ran out before it are free again.
    pub wall_now: DateTime<Utc>,
    /// Until when the new claims hold (wall-clock time).
    pub lease_until: DateTime<Utc>,
    /// The most branches to claim.
    pub limit: u64,
}

/// Rows a claim takes: those of `table` (each with `id`, `lease_owner` and `lease_until`) that are
/// `due`, earliest `due_at` first, each returned with the `returning` columns.
struct Claimable {
    table: &'static str,
    due: Cond,
    due_at: &'static str,
    returning: &'static [&'static str],
}

impl Store {
    /// Claims due, unclaimed branches, earliest deadline first; returns them as (application,
    /// branch).
    pub async fn claim_due_branches(
        &self,
        claim: &Claim<'_>,
    ) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        let branches = Claimable {
            table: "branches",
            due: Cond::all()
                .add(Expr::col(branch::Column::DeadlinePending).eq(true))
                .add(Expr::col(branch::Column::DeadlineAt).lte(claim.due_by)),
            due_at: "deadline_at",
            returning: &["application_id", "id"],
        };
        let mut claimed = Vec::new();
        for row in self.claim_rows(branches, claim).await? {
            let application: String = row.try_get("", "application_id")?;
            let id: String = row.try_get("", "id")?;
            if let (Ok(application), Ok(id)) = (application.parse(), id.parse()) {
                claimed.push((application, id));
            }
        }
        Ok(claimed)
    }

    /// Claims scheduled sessions whose closing time for the system has come, earliest first.
    pub async fn claim_overdue_sessions(&self, claim: &Claim<'_>) -> Result<Vec<Uuid>, StoreError> {
        let sessions = Claimable {
            table: "sessions",
            due: Cond::all()
                .add(Expr::col(session::Column::State).eq(SessionState::Scheduled.name()))
                .add(Expr::col(session::Column::CloseDueAt).lte(claim.due_by)),
            due_at: "close_due_at",
            returning: &["id"],
        };
        let mut claimed = Vec::new();
        for row in self.claim_rows(sessions, claim).await? {
            let id: String = row.try_get("", "id")?;
            if let Ok(id) = id.parse() {
                claimed.push(id);
            }
        }
        Ok(claimed)
    }

    /// Claims cases whose department owes an answer past their deadline and that are not yet
    /// escalated, earliest deadline first.
    pub async fn claim_overdue_cases(&self, claim: &Claim<'_>) -> Result<Vec<Uuid>, StoreError> {
        let cases = Claimable {
            table: "cases",
            due: Cond::all()
                .add(Expr::col(case::Column::Escalated).eq(false))
                .add(Expr::col(case::Column::State).is_in(awaiting_department()))
                .add(Expr::col(case::Column::DueAt).lt(claim.due_by)),
            due_at: "due_at",
            returning: &["id"],
        };
        let mut claimed = Vec::new();
        for row in self.claim_rows(cases, claim).await? {
            let id: String = row.try_get("", "id")?;
            if let Ok(id) = id.parse() {
                claimed.push(id);
            }
        }
        Ok(claimed)
    }

    /// Marks up to `claim.limit` due rows that no live claim holds as this replica's, in one
    /// statement and its own transaction; returns the rows claimed.
    ///
    /// A plain read looks first whether any row is claimable: the timer sweeps whenever a commit
    /// brings a new deadline, nearly always to find nothing due, and a claim that finds nothing
    /// would still take the write lock (SQLite) and a transaction from the writer's turn.
    async fn claim_rows(
        &self,
        of: Claimable,
        claim: &Claim<'_>,
    ) -> Result<Vec<QueryResult>, StoreError> {
        let free = Cond::any()
            .add(Expr::col("lease_until").is_null())
            .add(Expr::col("lease_until").lt(claim.wall_now));
        let mut claimable = Query::select()
            .column("id")
            .from(of.table)
            .cond_where(of.due)
            .cond_where(free)
            .to_owned();
        let any = claimable.clone().limit(1).to_owned();
        if self.db.query_one(&any).await?.is_none() {
            return Ok(Vec::new());
        }
        let due = claimable
            .order_by(of.due_at, Order::Asc)
            .limit(claim.limit)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned();
        let update = Query::update()
            .table(of.table)
            .value("lease_owner", claim.owner)
            .value("lease_until", claim.lease_until)
            .and_where(Expr::col("id").in_subquery(due))
            .returning(Query::returning().columns(of.returning.iter().copied()))
            .to_owned();
        let txn = begin_write(&self.db).await?;
        let rows = txn.query_all(&update).await?;
        txn.commit().await?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::ActiveValue::Set;
    use sea_orm::EntityTrait;

    use super::*;

    async fn store_with_due_branches(count: usize) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/s.db?mode=rwc", dir.path().display());
        let store = Store::connect(&url).await.unwrap();
        let due = Utc::now() - chrono::Duration::days(1);
        for _ in 0..count {
            let row = branch::ActiveModel {
                id: Set(Uuid::now_v7().to_string()),
                application_id: Set(Uuid::now_v7().to_string()),
                department_code: Set("scjg".into()),
                matter_code: Set("m".into()),
                bundle_code: Set("b".into()),
                state: Set("open".into()),
                updated_at: Set(due),
                deadline_at: Set(Some(due)),
                deadline_pending: Set(true),
                deadline_provisional: Set(false),
                assignee: Set(None),
                unstaffed: Set(false),
                lease_owner: Set(None),
                lease_until: Set(None),
            };
            branch::Entity::insert(row).exec(&store.db).await.unwrap();
        }
        (dir, store)
    }

    fn claim(owner: &str, wall_now: DateTime<Utc>, limit: u64) -> Claim<'_> {
        Claim {
            owner,
            due_by: Utc::now(),
            wall_now,
            lease_until: wall_now + chrono::Duration::seconds(60),
            limit,
        }
    }

    #[tokio::test]
    async fn claims_are_disjoint_until_their_lease_runs_out() {
        let (_dir, store) = store_with_due_branches(3).await;
        let now = Utc::now();
        let first = store.claim_due_branches(&claim("a", now, 2)).await.unwrap();
        let second = store.claim_due_branches(&claim("b", now, 2)).await.unwrap();
        assert_eq!((first.len(), second.len()), (2, 1));
        assert!(second.iter().all(|pair| !first.contains(pair)));
        assert!(
            store
                .claim_due_branches(&claim("c", now, 5))
                .await
                .unwrap()
                .is_empty()
        );
        // Replica a died: after the lease, its claims (and b's) are free for another.
        let later = now + chrono::Duration::seconds(61);
        let taken_over = store
            .claim_due_branches(&claim("d", later, 5))
            .await
            .unwrap();
        assert_eq!(taken_over.len(), 3);
    }

    #[tokio::test]
    async fn finding_nothing_due_takes_no_write_lock() {
        let (dir, store) = store_with_due_branches(2).await;
        let now = Utc::now();
        assert_eq!(
            store
                .claim_due_branches(&claim("a", now, 5))
                .await
                .unwrap()
                .len(),
            2
        );
        // Another writer holds the lock (on SQLite, the store's writer in the middle of a batch).
        let url = format!("sqlite://{}/s.db", dir.path().display());
        let other = Store::connect(&url).await.unwrap();
        let writing = begin_write(&other.db).await.unwrap();
        let nothing = store.claim_due_branches(&claim("b", now, 5)).await.unwrap();
        assert!(nothing.is_empty());
        writing.rollback().await.unwrap();
    }
}
