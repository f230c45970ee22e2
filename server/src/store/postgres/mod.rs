//! PostgreSQL, for several stateless replicas sharing one database server.
//!
//! What is PostgreSQL's own: connecting with a pool of the configured size, its dialect of the
//! shared SQL ([`super::sql`]: lists bound as arrays, case-insensitive order by `lower()`, byte
//! order by `COLLATE "C"`, unique keys told apart by name), and full-text search over a weighted
//! `tsvector` ([`search`]). Migrations are sqlx's, under its advisory lock, so replicas that
//! start at once migrate once.

mod copy;
pub(super) mod search;
mod words;

use super::sql::{Dialect, SqlStore, Value};
use super::{DatabaseSettings, NoteRecord, StoreError, Taken};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArguments, PgConnection, PgPoolOptions, PgQueryResult};
use sqlx::{Arguments, Postgres};
use std::sync::Arc;

/// A PostgreSQL database behind a connection pool.
pub type PostgresStore = SqlStore<Postgres>;

/// The search index's `filters` of the note `d` (a row of `documents`), from its collection
/// and its tags as they are written now. Migration `postgres/0014`'s update trigger writes
/// the same, of a note it indexes: as a function of its own, called from here, it would cost
/// an import's one busy backend 40 µs a note instead of 15.
const NOTE_FILTERS: &str = "lore_search_filters(d.collection_id, ARRAY(SELECT t.tag \
     FROM document_tags t WHERE t.document_id = d.id ORDER BY t.position))";

/// Merges the search index's GIN pending lists into their trees.
const MERGE_PENDING_LISTS: &str = "SELECT gin_clean_pending_list('search_index_meta'), \
     gin_clean_pending_list('search_index_words')";

impl Dialect for Postgres {
    const KIND: &'static str = "postgres";
    const BEGIN: &'static str = "BEGIN";
    const LOCK_ROWS: &'static str = " FOR UPDATE";
    const MAX_BIND_VALUES: usize = 65_535;
    // A GIN index takes new entries into a pending list and merges the list into its tree
    // whenever it outgrows `gin_pending_list_limit` (4 MB): during a 10,000-note import, dozens
    // of merges, each rewriting the posting lists of the common words. One merge at the end
    // (`gin_clean_pending_list`, after) does the same work once: for 3,000 notes' words,
    // 0.48 s instead of 1.39 s.
    const BEFORE_LARGE_WRITE: &'static [&'static str] =
        &["SET LOCAL gin_pending_list_limit = '256MB'"];

    // The merge of the pending lists, while the import writes: their entries are merged
    // whatever becomes of the transaction that wrote them (GIN entries carry no visibility;
    // those of a rolled-back import are dead rows' entries, which vacuum removes), on a core
    // that the import's one PostgreSQL process leaves idle.
    const DURING_LARGE_WRITE: &'static [&'static str] = &[MERGE_PENDING_LISTS];

    // A GIN index takes a large write into a pending list that every search then reads
    // through (6 ms a query after an import of 10,000 notes, against 0.7 ms) until autovacuum
    // merges it; and the planner, not knowing how many rows there now are, reads the search
    // index in key order instead of through its GIN indexes. `ANALYZE` in two parts of about
    // the same length (the search index's is short: its words have no statistics, migration
    // `postgres/0012`), each on a connection of its own like the merge, so that both cores
    // take it.
    const AFTER_LARGE_WRITE: &'static [&'static str] = &[
        MERGE_PENDING_LISTS,
        "ANALYZE search_index, vocabulary, edges",
        "ANALYZE documents, document_tags, revisions",
    ];

    // An import's notes come with their words, built on Lore's cores ([`words`]).
    type IndexBuilding = words::Folding;
    type IndexRows = words::GivenWords;

    async fn index_rows(
        tx: &mut PgConnection,
        folding: &Arc<words::Folding>,
        notes: &[NoteRecord],
    ) -> Result<Option<words::GivenWords>, StoreError> {
        words::prepare(tx, folding, notes).await
    }

    type IndexCounts = words::Counts;

    async fn write_index_rows(
        tx: &mut PgConnection,
        rows: words::GivenWords,
        counts: &mut words::Counts,
    ) -> Result<(), StoreError> {
        words::write(tx, rows, counts).await
    }

    async fn count_index_rows(
        tx: &mut PgConnection,
        counts: words::Counts,
    ) -> Result<(), StoreError> {
        words::count(tx, counts).await
    }

    // Migration `postgres/0014`: the insert trigger is gone, and the update trigger writes
    // the filters of the notes whose text it indexes again. A row is written once per write:
    // a new note's here, its words computed by the database (an import's come from Lore,
    // `write_index_rows`), as is a note's that was claimed with an empty row and then
    // written; a stored note's by the trigger or, when only its filters changed, here.
    async fn index_written(
        tx: &mut PgConnection,
        written: &[&str],
        stored: &[&str],
    ) -> Result<(), StoreError> {
        if !written.is_empty() {
            sqlx::query(&format!(
                "INSERT INTO search_index (seq, meta, words, filters) \
                 SELECT d.seq, d.meta, lore_words_vector(d.meta, d.plain_text), {NOTE_FILTERS} \
                 FROM (SELECT seq, id, collection_id, plain_text, \
                              lore_meta_vector(title, search_tags, description) AS meta \
                       FROM documents \
                       WHERE id = ANY($1) \
                         AND NOT EXISTS (SELECT 1 FROM search_index s \
                                         WHERE s.seq = documents.seq)) AS d \
                 ORDER BY d.seq"
            ))
            .bind(written)
            .execute(&mut *tx)
            .await?;
        }
        if !stored.is_empty() {
            sqlx::query(&format!(
                "UPDATE search_index s SET filters = written.filters \
                 FROM (SELECT d.seq, {NOTE_FILTERS} AS filters \
                       FROM documents d WHERE d.id = ANY($1)) AS written \
                 WHERE s.seq = written.seq AND s.filters IS DISTINCT FROM written.filters"
            ))
            .bind(stored)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    async fn insert_rows(
        tx: &mut PgConnection,
        table: &str,
        columns: &str,
        values: &[Value<'_>],
    ) -> Result<(), StoreError> {
        copy::copy_rows(tx, table, columns, values).await.map(drop)
    }

    fn in_list<'v>(values: &[&'v str]) -> (&'static str, Value<'v>, &'static str) {
        (" = ANY(", Value::List(values.to_vec()), ")")
    }

    fn add_list(arguments: &mut PgArguments, values: &[&str]) -> Result<(), BoxDynError> {
        arguments.add(values.to_vec())
    }

    fn placeholder(n: usize) -> String {
        format!("${n}")
    }

    fn nocase(expression: &str) -> String {
        format!("lower({expression})")
    }

    fn binary(expression: &str) -> String {
        format!("{expression} COLLATE \"C\"")
    }

    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }

    fn taken_by(error: &sqlx::Error) -> Option<Taken> {
        let error = error.as_database_error()?;
        if !error.is_unique_violation() {
            return None;
        }
        match error.constraint() {
            Some("documents_pkey") => Some(Taken::Id),
            Some("documents_source_path_key") => Some(Taken::Path),
            _ => None,
        }
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://...`) and applies migrations.
    pub async fn connect(url: &str, settings: &DatabaseSettings) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect(url)
            .await
            .map_err(StoreError::Open)?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self::over(pool))
    }
}
