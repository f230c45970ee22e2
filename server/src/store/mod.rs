//! The database tier, behind the [`Store`] trait.
//!
//! Handlers see only the trait, so the embedded SQLite default and the PostgreSQL backend for
//! several replicas are two implementations of one contract, chosen at start-up by the scheme of
//! `--database-url`. All SQL lives inside the implementations.

mod sqlite;

pub use sqlite::SqliteStore;

use crate::documents::DocumentRecord;
use crate::documents::import::{KnownDocument, Rerendered, StoredBody};
use crate::documents::parse::Layout;
use app::contract::{
    CollectionSummary, DeletedNote, DocumentQuery, DocumentSummary, DocumentView, Graph, Page,
    Revision, RevisionSummary, TagCount, WantedPage,
};
use std::collections::HashMap;
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
    /// A stored JSON column did not decode: the database was changed outside Lore.
    #[error("stored data does not decode: {0}")]
    Corrupt(String),
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

    /// The knowledge base's revision: a number every write increases.
    async fn revision(&self) -> Result<i64, StoreError>;

    /// Id, path and content hash of every document, for planning an import.
    async fn known_documents(&self) -> Result<Vec<KnownDocument>, StoreError>;

    /// Documents whose bodies link to any of `ids`.
    async fn bodies_linking_to(&self, ids: &[String]) -> Result<Vec<StoredBody>, StoreError>;

    /// Documents whose HTML was made by a renderer older than `version`.
    async fn stale_bodies(&self, version: i64) -> Result<Vec<StoredBody>, StoreError>;

    /// Writes an import in one transaction: new and changed documents with their tags, edges and
    /// collections, and new HTML for existing documents. Either all of it is stored or none.
    /// `rerendered` HTML is stored with the current renderer version.
    async fn apply_import(
        &self,
        upserts: &[DocumentRecord],
        rerendered: &[Rerendered],
    ) -> Result<(), StoreError>;

    /// A page of documents.
    async fn list_documents(
        &self,
        query: &DocumentQuery,
    ) -> Result<Page<DocumentSummary>, StoreError>;

    /// One document with its relationships and backlinks; its reading path is left empty for
    /// the caller (it needs [`Store::prerequisite_closure`]).
    async fn document(&self, id: &str) -> Result<Option<DocumentView>, StoreError>;

    /// The prerequisites of `id` and, transitively, of each of its prerequisites, by id: just
    /// the part of the graph its reading path needs, however large the base.
    async fn prerequisite_closure(
        &self,
        id: &str,
    ) -> Result<HashMap<String, Vec<String>>, StoreError>;

    /// The titles of those of `ids` that exist.
    async fn titles(&self, ids: &[String]) -> Result<HashMap<String, String>, StoreError>;

    /// Every tag with its document count, most used first.
    async fn tags(&self) -> Result<Vec<TagCount>, StoreError>;

    /// Every collection that holds documents, by title.
    async fn collections(&self) -> Result<Vec<CollectionSummary>, StoreError>;

    /// Every document and edge.
    async fn graph(&self) -> Result<Graph, StoreError>;

    /// Referenced ids that no document has, with who references them.
    async fn wanted(&self) -> Result<Vec<WantedPage>, StoreError>;

    /// What export needs of one document: path, layout and body.
    async fn source(&self, id: &str) -> Result<Option<SourceDocument>, StoreError>;

    /// What export needs of every document, ordered by path.
    async fn sources(&self) -> Result<Vec<SourceDocument>, StoreError>;

    /// Notes matching an FTS5 `query` (built by [`crate::documents::search`]), best first,
    /// with a raw snippet of their body (matches between the search module's markers).
    async fn search(
        &self,
        query: &str,
        tag: Option<&str>,
        collection: Option<&str>,
        limit: u64,
    ) -> Result<Vec<(DocumentSummary, String)>, StoreError>;

    /// The indexed terms that could be `word` mistyped by one edit, with how many notes hold
    /// each: one character shorter to one longer, starting with its first or second character
    /// (so the first letter counts as typed, unless it was swapped with the second or a letter
    /// was typed before it). Read as two ranges of the sorted vocabulary, not a scan of it.
    async fn vocabulary_near(&self, word: &str) -> Result<Vec<(String, i64)>, StoreError>;

    /// How many documents there are.
    async fn count_documents(&self) -> Result<u64, StoreError>;

    /// One document as the editor and the save path need it, with its current revision.
    async fn stored_note(&self, id: &str) -> Result<Option<StoredNote>, StoreError>;

    /// Every renamed id and the id it now redirects to.
    async fn redirects(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// The id a note renamed away from `old_id` has now, if one was.
    async fn redirect(&self, old_id: &str) -> Result<Option<String>, StoreError>;

    /// Writes one note as a new revision, in one transaction, if `save.kind` still holds:
    /// the note is at `base_revision` (an update), its id is free (a create), it is in the
    /// trash (an undelete). A rename moves the history and redirects the old id.
    async fn save_note(&self, save: Save<'_>) -> Result<SaveOutcome, StoreError>;

    /// Moves a note to the trash, storing `rerendered` HTML for the notes that link to it.
    /// `None` when there is no such note.
    async fn delete_note(
        &self,
        id: &str,
        author: &str,
        rerendered: &[Rerendered],
    ) -> Result<Option<DeletedNote>, StoreError>;

    /// Notes in the trash, most recently deleted first.
    async fn trash(&self) -> Result<Vec<DeletedNote>, StoreError>;

    /// A note's history, newest first; empty when it has none (or does not exist).
    async fn revisions(&self, id: &str) -> Result<Vec<RevisionSummary>, StoreError>;

    /// One revision in full, with the path its file had; `number` 0 means the latest.
    async fn revision_of(
        &self,
        id: &str,
        number: u64,
    ) -> Result<Option<(Revision, String)>, StoreError>;
}

/// A stored note as the save path needs it.
#[derive(Debug, Clone)]
pub struct StoredNote {
    /// Its file.
    pub source: SourceDocument,
    /// The revision it is at.
    pub revision: i64,
}

/// One note to write as a new revision.
#[derive(Debug)]
pub struct Save<'a> {
    /// The note, parsed, rendered and resolved.
    pub record: &'a DocumentRecord,
    /// What the write presumes.
    pub kind: SaveKind<'a>,
    /// The whole file, as the revision keeps it.
    pub source: &'a str,
    /// Who saves it.
    pub author: &'a str,
    /// What changed, in their words.
    pub summary: &'a str,
    /// New HTML for notes whose links change with this save (to a note that now exists).
    pub rerendered: &'a [Rerendered],
}

/// What a [`Save`] presumes about the stored state.
#[derive(Debug, Clone, Copy)]
pub enum SaveKind<'a> {
    /// A new note: its id must be free, in the base and in the trash.
    Create,
    /// A change to the note `previous_id`, made on `base_revision`.
    Update {
        /// The note's id before this save (it differs from the record's for a rename).
        previous_id: &'a str,
        /// The revision the change was made on.
        base_revision: i64,
    },
    /// Bringing a note back from the trash.
    Undelete,
}

/// How a [`Save`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Stored as this revision.
    Saved(i64),
    /// The note is at another revision than the save was based on; nothing written.
    Stale,
    /// There is no such note (or, for an undelete, none in the trash).
    Missing,
    /// The id is taken, by a note or (when `in_trash`) by a deleted one.
    IdTaken {
        /// Whether the note that has it is in the trash.
        in_trash: bool,
    },
    /// Another note is stored at the file path this one would take.
    PathTaken,
    /// No note has the id, but the history of one that had it is kept under it.
    IdHasHistory,
}

/// A document as export needs it.
#[derive(Debug, Clone)]
pub struct SourceDocument {
    /// Its id.
    pub id: String,
    /// Where to write it.
    pub source_path: String,
    /// Its front matter and file shape.
    pub layout: Layout,
    /// Its Markdown body.
    pub body: String,
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

#[cfg(test)]
mod tests {
    use super::connect;

    #[tokio::test]
    async fn an_unsupported_database_url_is_named_without_echoing_its_password() {
        let error = connect("postgres://lore:s3cret@db.internal/lore")
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("--database-url (DATABASE_URL)"), "{error}");
        assert!(error.contains("postgres"), "{error}");
        assert!(!error.contains("s3cret"), "the password leaked: {error}");
    }
}
