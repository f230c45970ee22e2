//! The embedded default: SQLite through sqlx, one file on disk.
//!
//! What is SQLite's own: opening the file, its dialect of the shared SQL ([`super::sql`]), and
//! full-text search with FTS5 ([`search`]).
//!
//! Settings, and why: WAL journal so readers never wait for the writer; a busy timeout so two
//! writers queue for a moment instead of failing at once with SQLITE_BUSY; `synchronous=NORMAL`,
//! which in WAL mode cannot corrupt the database and only risks the last transactions on power
//! loss; foreign keys on, as SQLite leaves them off by default. A write transaction begins with
//! `BEGIN IMMEDIATE`, taking the one write lock at once: one that read first and then tried to
//! write after another writer committed would fail at once with a stale snapshot, where waiting
//! for the lock (the busy timeout) lets it go on.

pub(super) mod search;

use super::sql::{Dialect, Sql, SqlStore, Value};
use super::{NoteRecord, StoreError, Taken};
use sqlx::error::BoxDynError;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool,
    SqlitePoolOptions, SqliteQueryResult, SqliteSynchronous,
};
use sqlx::{Arguments, Sqlite};
use std::str::FromStr;
use std::time::Duration;

/// The page size of a new database file (one made before keeps its own). A note's row holds
/// its Markdown, HTML and plain text, a few kilobytes each; in 4 KiB pages most rows overflow
/// into chains of pages: a 10,000-note vault imported in 5.5-6.2 s with 4 KiB pages, 4.9-5.1 s
/// with 8 KiB and 5.4-6.1 s with 16 KiB.
const PAGE_SIZE: u32 = 8192;

/// A SQLite database behind a connection pool.
pub type SqliteStore = SqlStore<Sqlite>;

impl Dialect for Sqlite {
    const KIND: &'static str = "sqlite";
    const BEGIN: &'static str = "BEGIN IMMEDIATE";
    // A write transaction holds the database's one write lock from its start.
    const LOCK_ROWS: &'static str = "";
    const MAX_BIND_VALUES: usize = 32_766;
    // FTS5 merges its index as it goes, and the planner needs no statistics for these queries.
    const BEFORE_LARGE_WRITE: &'static [&'static str] = &[];
    const AFTER_LARGE_WRITE: &'static [&'static str] = &[];
    const DURING_LARGE_WRITE: &'static [&'static str] = &[];

    // FTS5 takes each note's words from its row, in SQLite's own process: nothing to hand over.
    type IndexBuilding = ();
    type IndexRows = std::convert::Infallible;

    async fn index_rows(
        _: &mut SqliteConnection,
        _: &std::sync::Arc<()>,
        _: &[NoteRecord],
    ) -> Result<Option<Self::IndexRows>, StoreError> {
        Ok(None)
    }

    type IndexCounts = ();

    async fn write_index_rows(
        _: &mut SqliteConnection,
        rows: Self::IndexRows,
        _: &mut (),
    ) -> Result<(), StoreError> {
        match rows {}
    }

    async fn count_index_rows(_: &mut SqliteConnection, _: ()) -> Result<(), StoreError> {
        Ok(())
    }

    // The FTS5 index is kept by triggers, and reads a search's filters from `documents` and
    // `document_tags` themselves.
    async fn index_written(
        _: &mut SqliteConnection,
        _: &[&str],
        _: &[&str],
    ) -> Result<(), StoreError> {
        Ok(())
    }

    async fn insert_rows(
        tx: &mut SqliteConnection,
        table: &str,
        columns: &str,
        values: &[Value<'_>],
    ) -> Result<(), StoreError> {
        Sql::<Sqlite>::insert_values(tx, table, columns, values, "").await
    }

    fn in_list<'v>(values: &[&'v str]) -> (&'static str, Value<'v>, &'static str) {
        let json = serde_json::to_string(values).expect("strings serialize");
        (
            " IN (SELECT value FROM json_each(",
            Value::Owned(json),
            "))",
        )
    }

    fn add_list<'q>(
        arguments: &mut SqliteArguments<'q>,
        values: &[&'q str],
    ) -> Result<(), BoxDynError> {
        arguments.add(serde_json::to_string(values)?)
    }

    fn placeholder(_: usize) -> String {
        "?".to_owned()
    }

    fn nocase(expression: &str) -> String {
        format!("{expression} COLLATE NOCASE")
    }

    fn binary(expression: &str) -> String {
        expression.to_owned()
    }

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    fn taken_by(error: &sqlx::Error) -> Option<Taken> {
        let error = error.as_database_error()?;
        if !error.is_unique_violation() {
            return None;
        }
        // SQLite names the key in its message: `UNIQUE constraint failed: documents.id`.
        let message = error.message();
        if message.contains("documents.source_path") {
            Some(Taken::Path)
        } else if message.contains("documents.id") {
            Some(Taken::Id)
        } else {
            None
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite:PATH`) and applies migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::BadUrl(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            .page_size(PAGE_SIZE);
        if let Some(folder) = options.get_filename().parent()
            && !folder.as_os_str().is_empty()
        {
            std::fs::create_dir_all(folder).map_err(|source| StoreError::CreateFolder {
                path: folder.to_owned(),
                source,
            })?;
        }
        let mut tries = 0;
        let pool = loop {
            let opened = SqlitePoolOptions::new()
                // A readiness probe must answer quickly; waiting 30 s (sqlx's default) for a
                // connection would make the load balancer's probe time out instead.
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options.clone())
                .await;
            match opened {
                // Switching a new file to WAL takes a lock the busy timeout does not wait for:
                // another process opening it at the same moment is waited for here.
                Err(error) if is_locked(&error) && tries < 20 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(25 * tries)).await;
                }
                other => break other.map_err(StoreError::Open)?,
            }
        };
        migrate(&pool).await?;
        Ok(Self::over(pool))
    }
}

/// Whether `error` is SQLite's "database is locked".
fn is_locked(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "5")
}

/// Brings the schema up to date. sqlx takes no lock for SQLite (it does for PostgreSQL), so two
/// processes opening a new file at once can both start the same migration; the one that loses
/// finds the table made, or the migration recorded as applied when it records it, and runs
/// again (its transaction rolled back), now skipping what the other applied.
async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    use sqlx::migrate::MigrateError;
    let lost_the_race = |error: &MigrateError| match error {
        MigrateError::ExecuteMigration(..) => true,
        MigrateError::Execute(error) => error
            .as_database_error()
            .is_some_and(|error| error.is_unique_violation()),
        _ => false,
    };
    let mut tries = 0;
    loop {
        match sqlx::migrate!("migrations/sqlite").run(pool).await {
            Err(error) if lost_the_race(&error) && tries < 10 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50 * tries)).await;
            }
            other => return Ok(other?),
        }
    }
}
