//! A statement built once for both engines: its text, with each engine's placeholders, and the
//! values bound to them.
//!
//! sqlx's own `QueryBuilder` cannot be used by code generic over the database: its arguments
//! would have to live exactly as long as the builder itself. Here the values are kept as plain
//! borrowed data while the text is written, and turned into the engine's arguments only when
//! the statement runs.

use super::super::StoreError;
use super::Dialect;
use sqlx::{Arguments, Database, Executor, FromRow};
use std::marker::PhantomData;

/// A value bound to a statement.
#[derive(Debug, Clone)]
pub enum Value<'v> {
    /// Text.
    Text(&'v str),
    /// Text made while writing the statement (a list encoded as JSON).
    Owned(String),
    /// Text or NULL.
    MaybeText(Option<&'v str>),
    /// A number.
    Int(i64),
    /// A number or NULL.
    MaybeInt(Option<i64>),
    /// A truth value.
    Flag(bool),
    /// A list of texts, bound the engine's way (see [`Dialect::add_list`]).
    List(Vec<&'v str>),
    /// Bytes (a blob).
    Bytes(&'v [u8]),
}

impl<'v> From<&'v str> for Value<'v> {
    fn from(value: &'v str) -> Self {
        Value::Text(value)
    }
}

impl<'v> From<Option<&'v str>> for Value<'v> {
    fn from(value: Option<&'v str>) -> Self {
        Value::MaybeText(value)
    }
}

impl From<i64> for Value<'_> {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(value: Option<i64>) -> Self {
        Value::MaybeInt(value)
    }
}

impl<'v> From<&'v [u8]> for Value<'v> {
    fn from(value: &'v [u8]) -> Self {
        Value::Bytes(value)
    }
}

impl From<bool> for Value<'_> {
    fn from(value: bool) -> Self {
        Value::Flag(value)
    }
}

/// A statement of engine `D` being written.
pub(in crate::store) struct Sql<'v, D> {
    text: String,
    values: Vec<Value<'v>>,
    engine: PhantomData<fn() -> D>,
}

/// One parenthesised row of [`Sql::push_values`].
pub(in crate::store) struct Tuple<'s, 'v, D> {
    sql: &'s mut Sql<'v, D>,
    first: bool,
}

over_dialect! {
impl<'v, D: Dialect> Tuple<'_, 'v, D> {
    fn separate(&mut self) {
        if !self.first {
            self.sql.text.push_str(", ");
        }
        self.first = false;
    }

    /// The next column's value.
    pub(in crate::store) fn push_bind(&mut self, value: impl Into<Value<'v>>) -> &mut Self {
        self.separate();
        self.sql.push_bind(value);
        self
    }
}
}

/// How many columns a comma-separated list of column names holds: the width of a row of
/// values written to them.
pub(in crate::store) fn column_count(columns: &str) -> usize {
    columns.split(',').count()
}

over_dialect! {
impl<'v, D: Dialect> Sql<'v, D> {
    /// A statement starting with `text`.
    pub(in crate::store) fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            values: Vec::new(),
            engine: PhantomData,
        }
    }

    /// Appends text.
    pub(in crate::store) fn push(&mut self, text: impl AsRef<str>) -> &mut Self {
        self.text.push_str(text.as_ref());
        self
    }

    /// Appends a placeholder for `value`.
    pub(in crate::store) fn push_bind(&mut self, value: impl Into<Value<'v>>) -> &mut Self {
        self.values.push(value.into());
        self.text.push_str(&D::placeholder(self.values.len()));
        self
    }

    /// Appends a membership test of what precedes it in `values`, bound as one list (a
    /// statement may have only so many placeholders).
    pub(in crate::store) fn push_in(&mut self, values: &[&'v str]) -> &mut Self {
        let (before, list, after) = D::in_list(values);
        self.push(before).push_bind(list).push(after)
    }

    /// Appends `VALUES (…), (…)`, one tuple per item of `rows`, filled by `row`.
    pub(in crate::store) fn push_values<I>(
        &mut self,
        rows: I,
        mut row: impl FnMut(&mut Tuple<'_, 'v, D>, I::Item),
    ) -> &mut Self
    where
        I: IntoIterator,
    {
        self.text.push_str("VALUES ");
        for (i, item) in rows.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.text.push('(');
            row(
                &mut Tuple {
                    sql: self,
                    first: true,
                },
                item,
            );
            self.text.push(')');
        }
        self
    }

    /// How many rows of `columns` values one multi-row statement writes: as many as the engine
    /// binds in one statement (SQLite 32,766 values, PostgreSQL 65,535). One round trip per
    /// thousand notes instead of ten per note is what makes a 10,000-note import take seconds,
    /// not minutes; and on PostgreSQL each statement also runs the vocabulary's statement
    /// triggers once, whose cost grows with the distinct words of a statement's notes, not their
    /// number (three times fewer words counted with 3,000 notes per statement than with 500).
    pub(in crate::store) fn rows_per_statement(columns: usize) -> usize {
        D::MAX_BIND_VALUES / columns
    }

    /// `INSERT INTO {table} ({columns}) VALUES (…), (…) {then}` of the rows `values` holds, a
    /// value for each of `columns` (comma-separated) to a row, in as few statements as the
    /// engine lets one bind (`then` may be an `ON CONFLICT` clause).
    pub(in crate::store) async fn insert_values(
        conn: &mut <D as Database>::Connection,
        table: &str,
        columns: &str,
        values: &[Value<'v>],
        then: &str,
    ) -> Result<(), StoreError> {
        let width = column_count(columns);
        for chunk in values.chunks(width * Self::rows_per_statement(width)) {
            let mut query = Self::new(format!("INSERT INTO {table} ({columns}) "));
            query.push_values(chunk.chunks(width), |tuple, row| {
                for value in row {
                    tuple.push_bind(value.clone());
                }
            });
            query.push(then).execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// The engine's arguments for the values bound so far.
    fn arguments(&self) -> Result<<D as Database>::Arguments<'_>, StoreError> {
        let mut arguments = <D as Database>::Arguments::default();
        for value in &self.values {
            let added = match value {
                Value::Text(text) => arguments.add(*text),
                Value::Owned(text) => arguments.add(text.as_str()),
                Value::MaybeText(text) => arguments.add(*text),
                Value::Int(n) => arguments.add(*n),
                Value::MaybeInt(n) => arguments.add(*n),
                Value::Flag(flag) => arguments.add(*flag),
                Value::List(list) => D::add_list(&mut arguments, list.as_slice()),
                Value::Bytes(bytes) => arguments.add(*bytes),
            };
            added.map_err(|e| StoreError::Database(sqlx::Error::Encode(e)))?;
        }
        Ok(arguments)
    }

    /// Runs it; says how many rows it changed.
    pub(in crate::store) async fn execute<'e>(
        &self,
        executor: impl Executor<'e, Database = D>,
    ) -> Result<u64, StoreError> {
        let result =
            crate::timing::database(sqlx::query_with(&self.text, self.arguments()?).execute(executor))
                .await?;
        Ok(D::rows_affected(&result))
    }

    /// Runs it; every row it answers, as `T`.
    pub(in crate::store) async fn fetch_all<'e, T>(
        &self,
        executor: impl Executor<'e, Database = D>,
    ) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> FromRow<'r, <D as Database>::Row> + Send + Unpin,
    {
        Ok(crate::timing::database(
            sqlx::query_as_with(&self.text, self.arguments()?).fetch_all(executor),
        )
        .await?)
    }

    /// Runs it; the row it answers, if any, as `T`.
    pub(in crate::store) async fn fetch_optional<'e, T>(
        &self,
        executor: impl Executor<'e, Database = D>,
    ) -> Result<Option<T>, StoreError>
    where
        T: for<'r> FromRow<'r, <D as Database>::Row> + Send + Unpin,
    {
        Ok(crate::timing::database(
            sqlx::query_as_with(&self.text, self.arguments()?).fetch_optional(executor),
        )
        .await?)
    }

    /// Runs it; the one row it answers, as `T`.
    pub(in crate::store) async fn fetch_one<'e, T>(
        &self,
        executor: impl Executor<'e, Database = D>,
    ) -> Result<T, StoreError>
    where
        T: for<'r> FromRow<'r, <D as Database>::Row> + Send + Unpin,
    {
        Ok(crate::timing::database(
            sqlx::query_as_with(&self.text, self.arguments()?).fetch_one(executor),
        )
        .await?)
    }
}
}
