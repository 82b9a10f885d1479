//! A batch's multi-row inserts (events, notices, the change log, branch upserts). On SQLite they
//! are sea-orm's multi-row `INSERT … VALUES`, a few hundred rows each. On PostgreSQL every
//! statement is a round trip and a `VALUES` list's text changes with its number of rows, so each
//! batch's size was parsed and planned anew, and each connection's statement cache kept an entry
//! per size (most of the server's heap at 200,000 open, BENCHMARKS.md, seventh sitting). There the
//! rows go as one array per column through `UNNEST`, in a text that depends only on the table and
//! its columns: one statement per table per batch, parsed once per connection.

use sea_orm::sea_query::{ArrayType, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, DbBackend, DbErr, EntityName, EntityTrait,
    IdenStatic, Iterable, Statement, Value,
};

use super::paging::in_chunks;
use super::statements::Statements;

/// Column of the entity a row `A` belongs to.
type ColumnOf<A> = <<A as ActiveModelTrait>::Entity as EntityTrait>::Column;

/// How an insert settles a row whose key is already there: by setting `update` from the new row.
pub(super) struct Upsert<C: 'static> {
    pub(super) key: C,
    pub(super) update: &'static [C],
}

/// Inserts `rows` (upserting with `upsert`, if given), in order: on PostgreSQL in one statement
/// of a fixed text when every row names the same columns, otherwise in multi-row statements.
pub(super) async fn insert_rows<A>(
    txn: &impl Statements,
    rows: Vec<A>,
    upsert: Option<&Upsert<ColumnOf<A>>>,
) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
    ColumnOf<A>: Send + Sync,
{
    if rows.is_empty() {
        return Ok(());
    }
    if txn.backend() == DbBackend::Postgres
        && let Some(statement) = unnest_insert(&rows, upsert)
    {
        txn.rows_changed(statement).await?;
        return Ok(());
    }
    for chunk in in_chunks(rows) {
        let insert = A::Entity::insert_many(chunk);
        let insert = match upsert {
            Some(upsert) => insert.on_conflict(
                OnConflict::column(upsert.key)
                    .update_columns(upsert.update.iter().copied())
                    .to_owned(),
            ),
            None => insert,
        };
        txn.write(&insert).await?;
    }
    Ok(())
}

/// The PostgreSQL statement inserting `rows` through `UNNEST`, ordered as given (so that an
/// autoincrement id follows the rows' order); `None` when the rows do not all name the same
/// columns or a column's values have no array type here, for the multi-row statements to take.
fn unnest_insert<A: ActiveModelTrait>(
    rows: &[A],
    upsert: Option<&Upsert<ColumnOf<A>>>,
) -> Option<Statement> {
    let first = rows.first()?;
    let named: Vec<bool> = ColumnOf::<A>::iter()
        .map(|column| !first.get(column).is_not_set())
        .collect();
    let mut arrays: Vec<ColumnArray> = ColumnOf::<A>::iter()
        .zip(&named)
        .filter(|(_, named)| **named)
        .map(|(column, _)| ColumnArray::new(column.as_str(), column.def().is_null(), rows.len()))
        .collect();
    for row in rows {
        let mut array = arrays.iter_mut();
        for (column, named) in ColumnOf::<A>::iter().zip(&named) {
            match (row.get(column), named) {
                (ActiveValue::Set(value) | ActiveValue::Unchanged(value), true) => {
                    array.next()?.push(value)?
                }
                (ActiveValue::NotSet, false) => {}
                _ => return None,
            }
        }
    }
    let table = A::Entity::default().table_name().to_owned();
    let upsert = upsert.map(|upsert| {
        (
            upsert.key.as_str(),
            upsert.update.iter().map(|column| column.as_str()),
        )
    });
    let types: Vec<ArrayType> = arrays
        .iter()
        .map(|array| Some(array.values.first()?.array_type()))
        .collect::<Option<_>>()?;
    let casts: Vec<&str> = types.iter().map(element_type).collect::<Option<_>>()?;
    let sql = unnest_text(&table, &arrays, &casts, upsert);
    let mut values = Vec::with_capacity(arrays.len() * 2);
    let mut nulls = Vec::new();
    for (array, ty) in arrays.into_iter().zip(types) {
        values.push(Value::Array(ty, Some(Box::new(array.values))));
        if array.nullable {
            nulls.push(Value::Array(ArrayType::Bool, Some(Box::new(array.nulls))));
        }
    }
    values.extend(nulls);
    Some(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        values,
    ))
}

/// One column's values, one per row. The driver binds an array only of values that are there,
/// so a column that may be null carries a placeholder where a row has none, and beside it an
/// array saying which rows are null.
struct ColumnArray {
    name: &'static str,
    nullable: bool,
    values: Vec<Value>,
    nulls: Vec<Value>,
}

impl ColumnArray {
    fn new(name: &'static str, nullable: bool, rows: usize) -> Self {
        ColumnArray {
            name,
            nullable,
            values: Vec::with_capacity(rows),
            nulls: Vec::with_capacity(if nullable { rows } else { 0 }),
        }
    }

    /// Adds a row's value; `None` for a null in a column that may not be null.
    fn push(&mut self, value: Value) -> Option<()> {
        let null = value == value.as_null();
        if null && !self.nullable {
            return None;
        }
        if self.nullable {
            self.nulls.push(Value::Bool(Some(null)));
        }
        self.values
            .push(if null { value.dummy_value() } else { value });
        Some(())
    }
}

/// The text of an `INSERT … SELECT … FROM UNNEST` of `columns`, each parameter cast to an array
/// of its element type in `casts` (the null flags of the nullable ones after them all), with `ON
/// CONFLICT (key) DO UPDATE SET` the `update` columns when upserting.
fn unnest_text<'a>(
    table: &str,
    columns: &[ColumnArray],
    casts: &[&str],
    upsert: Option<(&str, impl Iterator<Item = &'a str>)>,
) -> String {
    let mut parameters = Vec::with_capacity(columns.len() * 2);
    let mut aliases = Vec::with_capacity(columns.len() * 2);
    for (column, cast) in columns.iter().zip(casts) {
        parameters.push(format!("${}::{cast}[]", parameters.len() + 1));
        aliases.push(format!("\"{}\"", column.name));
    }
    for column in columns.iter().filter(|column| column.nullable) {
        parameters.push(format!("${}::bool[]", parameters.len() + 1));
        aliases.push(format!("\"{}_is_null\"", column.name));
    }
    let names: Vec<String> = columns
        .iter()
        .map(|column| format!("\"{}\"", column.name))
        .collect();
    let selected: Vec<String> = columns
        .iter()
        .map(|column| match column.nullable {
            true => format!(
                "CASE WHEN \"{0}_is_null\" THEN NULL ELSE \"{0}\" END",
                column.name
            ),
            false => format!("\"{}\"", column.name),
        })
        .collect();
    let mut sql = format!(
        "INSERT INTO \"{table}\" ({}) SELECT {} FROM UNNEST({}) WITH ORDINALITY \
         AS v({}, \"row_ordinality\") ORDER BY \"row_ordinality\"",
        names.join(", "),
        selected.join(", "),
        parameters.join(", "),
        aliases.join(", "),
    );
    if let Some((key, update)) = upsert {
        let sets: Vec<String> = update
            .map(|name| format!("\"{name}\" = EXCLUDED.\"{name}\""))
            .collect();
        sql.push_str(&format!(
            " ON CONFLICT (\"{key}\") DO UPDATE SET {}",
            sets.join(", ")
        ));
    }
    sql
}

/// PostgreSQL's name for the element type of the arrays the store binds.
fn element_type(ty: &ArrayType) -> Option<&'static str> {
    Some(match ty {
        ArrayType::String => "text",
        ArrayType::BigInt => "int8",
        ArrayType::Int => "int4",
        ArrayType::Bool => "bool",
        ArrayType::Bytes => "bytea",
        ArrayType::ChronoDateTimeUtc => "timestamptz",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use sea_orm::ActiveValue::{NotSet, Set};

    use super::*;
    use crate::store::entities::{branch, event};

    fn event(seq: i64, key_id: Option<&str>) -> event::ActiveModel {
        event::ActiveModel {
            id: NotSet,
            application_id: Set("a".into()),
            seq: Set(seq),
            version: Set(seq),
            at: Set(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()),
            actor: Set("system".into()),
            kind: Set("submitted".into()),
            detail: Set("{}".into()),
            prev_hash: Set(String::new()),
            hash: Set("h".into()),
            key_id: Set(key_id.map(str::to_owned)),
        }
    }

    fn texts_of(rows: usize) -> (String, usize) {
        let rows: Vec<_> = (1..=rows as i64).map(|seq| event(seq, None)).collect();
        let statement = unnest_insert(&rows, None).unwrap();
        let values = statement.values.unwrap().0;
        let Value::Array(_, Some(first)) = &values[0] else {
            panic!("the first parameter is not an array: {values:?}");
        };
        (statement.sql, first.len())
    }

    #[test]
    fn the_text_is_the_same_whatever_the_number_of_rows() {
        let (one, one_rows) = texts_of(1);
        let (many, many_rows) = texts_of(300);
        assert_eq!(one, many);
        assert_eq!((one_rows, many_rows), (1, 300));
        assert!(!one.contains("\"id\""), "an id left to the sequence: {one}");
        assert!(one.starts_with(
            "INSERT INTO \"events\" (\"application_id\", \"seq\", \"version\", \"at\", \
             \"actor\", \"kind\", \"detail\", \"prev_hash\", \"hash\", \"key_id\") SELECT"
        ));
        assert!(one.contains("$4::timestamptz[]") && one.contains("$10::text[]"));
    }

    #[test]
    fn a_null_travels_as_a_placeholder_and_a_flag() {
        let statement = unnest_insert(&[event(1, Some("k1")), event(2, None)], None).unwrap();
        assert!(
            statement
                .sql
                .contains("CASE WHEN \"key_id_is_null\" THEN NULL ELSE \"key_id\" END"),
            "{}",
            statement.sql
        );
        let values = statement.values.unwrap().0;
        let array = |at: usize| match &values[at] {
            Value::Array(_, Some(values)) => values.as_ref().clone(),
            other => panic!("parameter {at} is not an array: {other:?}"),
        };
        assert_eq!(values.len(), 11, "ten columns and the key id's null flags");
        assert_eq!(
            array(9),
            [Value::from("k1".to_owned()), Value::from(String::new())]
        );
        assert_eq!(array(10), [Value::from(false), Value::from(true)]);
    }

    #[test]
    fn rows_naming_different_columns_are_left_to_the_multi_row_statements() {
        let mut odd = event(2, Some("k1"));
        odd.key_id = NotSet;
        assert!(unnest_insert(&[event(1, None), odd], None).is_none());
        let mut other = event(2, None);
        other.id = Set(7);
        assert!(unnest_insert(&[event(1, None), other], None).is_none());
    }

    #[test]
    fn an_upsert_sets_only_the_columns_it_names() {
        let row = branch::ActiveModel {
            id: Set("b".into()),
            application_id: Set("a".into()),
            department_code: Set("scjg".into()),
            matter_code: Set("m".into()),
            bundle_code: Set("kbqy".into()),
            state: Set("running".into()),
            updated_at: Set(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()),
            deadline_at: Set(None),
            deadline_pending: Set(false),
            deadline_provisional: Set(false),
            assignee: Set(None),
            unstaffed: Set(false),
            lease_owner: Set(None),
            lease_until: Set(None),
        };
        let upsert = Upsert {
            key: branch::Column::Id,
            update: &[branch::Column::State, branch::Column::Assignee],
        };
        let sql = unnest_insert(&[row], Some(&upsert)).unwrap().sql;
        assert!(
            sql.ends_with(
                "ON CONFLICT (\"id\") DO UPDATE SET \"state\" = EXCLUDED.\"state\", \
                 \"assignee\" = EXCLUDED.\"assignee\""
            ),
            "{sql}"
        );
        assert!(
            sql.contains("$8::timestamptz[]") && sql.contains("$9::bool[]"),
            "{sql}"
        );
    }
}
