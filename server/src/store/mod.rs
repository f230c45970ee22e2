//! The database tier, behind the [`Store`] trait.
//!
//! Handlers see only the trait, so the embedded SQLite default and the PostgreSQL backend for
//! several replicas are two implementations of one contract, chosen at start-up by the scheme of
//! `--database-url`. All SQL lives inside the implementations.

mod sqlite;

pub use sqlite::SqliteStore;

use std::sync::Arc;

/// Errors from the database tier. Their text can name tables and queries, so it goes to the
/// log, never to a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `--database-url` is not a URL any backend accepts.
    #[error(
        "--database-url (DATABASE_URL) is not usable: {0}; expected `sqlite:PATH`, e.g. `sqlite:data/lore.db`"
    )]
    BadUrl(String),
    /// The database named at start-up could not be opened.
    #[error("cannot open the database of --database-url (DATABASE_URL)")]
    Open(#[source] sqlx::Error),
    /// A query failed.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The folder for a new database file could not be created.
    #[error("cannot create the folder {path:?} for --database-url (DATABASE_URL)")]
    CreateFolder {
        /// The folder.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Everything the server asks of its database.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is, as shown to operators: `sqlite`.
    fn kind(&self) -> &'static str;

    /// Succeeds when the database answers and its schema is in place; what `/api/ready` reports.
    async fn check_ready(&self) -> Result<(), StoreError>;
}

/// Opens the database named by `url`, creating and migrating it as needed.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    // Only the scheme is echoed back on error: the rest of a database URL may hold a password.
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
    match scheme {
        "sqlite" => Ok(Arc::new(SqliteStore::connect(url).await?)),
        "" => Err(StoreError::BadUrl("it has no scheme".to_owned())),
        other => Err(StoreError::BadUrl(format!(
            "the scheme `{other}` is not supported"
        ))),
    }
}
