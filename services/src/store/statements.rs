//! The few kinds of statement a change's writing runs, on whichever connection runs it: a pooled
//! sea-orm connection or transaction, or the writer's own SQLite connection
//! (`store::direct`). The statements themselves are built once, with sea-orm's builders, for the
//! connection's backend; only running them differs.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryTrait, Statement};

/// A connection the writing of a change can run on.
pub(super) trait Statements: Sync {
    /// The SQL dialect its statements are built for.
    fn backend(&self) -> DbBackend;

    /// Runs a statement that returns no rows; how many rows it changed.
    fn rows_changed(&self, statement: Statement)
    -> impl Future<Output = Result<u64, DbErr>> + Send;

    /// Runs a statement and reads the first column of its first row as an integer (an
    /// `UPDATE … RETURNING` of a counter); `None` when it returned no row.
    fn integer(
        &self,
        statement: Statement,
    ) -> impl Future<Output = Result<Option<i64>, DbErr>> + Send;

    /// Runs a query whose rows are (text, integer, integer, text), in that column order.
    fn text_integers_text(
        &self,
        statement: Statement,
    ) -> impl Future<Output = Result<Vec<(String, i64, i64, String)>, DbErr>> + Send;

    /// Runs a statement and reads the first column of each row it returned as text (the ids an
    /// `UPDATE … RETURNING` updated).
    fn texts(
        &self,
        statement: Statement,
    ) -> impl Future<Output = Result<Vec<String>, DbErr>> + Send;

    /// Builds and runs a sea-orm statement that returns no rows; how many rows it changed.
    fn write(&self, query: &impl QueryTrait) -> impl Future<Output = Result<u64, DbErr>> + Send {
        self.rows_changed(query.build(self.backend()))
    }
}

impl<C: ConnectionTrait> Statements for C {
    fn backend(&self) -> DbBackend {
        self.get_database_backend()
    }

    async fn rows_changed(&self, statement: Statement) -> Result<u64, DbErr> {
        Ok(self.execute_raw(statement).await?.rows_affected())
    }

    async fn integer(&self, statement: Statement) -> Result<Option<i64>, DbErr> {
        self.query_one_raw(statement)
            .await?
            .map(|row| row.try_get_by_index::<i64>(0))
            .transpose()
    }

    async fn texts(&self, statement: Statement) -> Result<Vec<String>, DbErr> {
        self.query_all_raw(statement)
            .await?
            .iter()
            .map(|row| row.try_get_by_index(0))
            .collect()
    }

    async fn text_integers_text(
        &self,
        statement: Statement,
    ) -> Result<Vec<(String, i64, i64, String)>, DbErr> {
        self.query_all_raw(statement)
            .await?
            .iter()
            .map(|row| {
                Ok((
                    row.try_get_by_index(0)?,
                    row.try_get_by_index(1)?,
                    row.try_get_by_index(2)?,
                    row.try_get_by_index(3)?,
                ))
            })
            .collect()
    }
}
