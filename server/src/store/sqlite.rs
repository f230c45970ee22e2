//! The embedded default: SQLite through sqlx, one file on disk.
//!
//! Settings, and why: WAL journal so readers never wait for the writer; a busy timeout so two
//! writers queue for a moment instead of failing at once with SQLITE_BUSY; `synchronous=NORMAL`,
//! which in WAL mode cannot corrupt the database and only risks the last transactions on power
//! loss; foreign keys on, as SQLite leaves them off by default.

use super::{Store, StoreError};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// A SQLite database behind a connection pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
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
            .foreign_keys(true);
        if let Some(folder) = options.get_filename().parent()
            && !folder.as_os_str().is_empty()
        {
            std::fs::create_dir_all(folder).map_err(|source| StoreError::CreateFolder {
                path: folder.to_owned(),
                source,
            })?;
        }
        let pool = SqlitePoolOptions::new()
            // A readiness probe must answer quickly; waiting 30 s (sqlx's default) for a
            // connection would make the load balancer's probe time out instead.
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(StoreError::Open)?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    /// Closes every connection; later queries fail. Used to take the database away in tests.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn check_ready(&self) -> Result<(), StoreError> {
        // Reading the instance row proves both that the file answers and that migrations ran.
        sqlx::query("SELECT created_at FROM lore_instance WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(())
    }
}
