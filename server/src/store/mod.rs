//! The database tier: storage primitives behind two traits, [`Store`] (reads, and beginning a
//! write) and [`Transaction`] (the writes of one transaction), implemented once in SQL
//! ([`sql`]) for two engines, embedded SQLite ([`sqlite`]) and PostgreSQL ([`postgres`]), chosen
//! by the scheme of `--database-url`. Each engine is its dialect of that SQL, its migrations and
//! its full-text search.
//!
//! The engines hold no workflow: what to write, in which order, and what a refusal means to a
//! user is decided once, in [`crate::service`]. What an engine decides is what a database is for:
//! whether an id or a path is free (unique keys, and conditions inside the writing statement),
//! whether a note is still at the revision a writer saw (`UPDATE ... WHERE revision = $n`, which
//! also holds the row until the transaction ends), and that a transaction's writes land together
//! or not at all. Each engine turns those answers into typed outcomes ([`Taken`], [`Held`]).
//!
//! Both engines pass one conformance suite (`server/tests/store.rs`), and every HTTP test that
//! touches data runs against both.

pub mod accounts;
mod postgres;
pub mod records;
mod sql;
mod sqlite;

pub use postgres::PostgresStore;
pub use records::*;

/// Each engine's query text for parsed search terms: public for the parsers' fuzz targets
/// (`fuzz/`), which check that nothing a reader types becomes query syntax in either.
pub mod query_text {
    /// PostgreSQL's `tsquery` (see `postgres::search`).
    pub use super::postgres::search::ts_query as postgres;
    /// SQLite's FTS5 MATCH expression (see `sqlite::search`).
    pub use super::sqlite::search::fts_query as sqlite;
}
pub use sql::{Dialect, EngineSearch, SqlStore, SqlTransaction};
pub use sqlite::SqliteStore;

use app::contract::{
    CollectionSummary, DeletedNote, DocumentQuery, DocumentSummary, EdgeKind, Graph, GraphEdge,
    GraphNode, Page, Related, RevisionSummary, TagCount, WantedPage,
};
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::Arc;

/// Errors from the database tier. Their text can name tables and queries, so it goes to the
/// log, never to a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `--database-url` is not a URL any engine accepts.
    #[error(
        "--database-url (DATABASE_URL) is not usable: {0}; expected `sqlite:PATH` (e.g. `sqlite:data/lore.db`) or `postgres://USER@HOST/DATABASE`"
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
    /// A stored value did not decode: the database was changed outside Lore.
    #[error("stored data does not decode: {0}")]
    Corrupt(String),
    /// A note was handed to [`Transaction::put_notes`] without the number its revision was
    /// recorded at: a caller's mistake, refused before anything is written rather than storing
    /// the note at a revision its history does not have.
    #[error("note `{0}` was to be written without its revision recorded first")]
    Unrecorded(String),
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

impl StoreError {
    /// Whether the database could not be reached or was too busy to answer, rather than having
    /// refused or failed a statement: no connection free within `--database-timeout`, a closed
    /// pool, a broken connection, a PostgreSQL server shutting down or refusing connections, a
    /// SQLite file locked past its busy timeout. A client should try again (503), and a load
    /// balancer route elsewhere; anything else is the server's fault (500).
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Open(_) => true,
            StoreError::Database(error) => match error {
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
                sqlx::Error::Database(error) => error.code().is_some_and(|code| {
                    // PostgreSQL: connection exceptions (08...), operator intervention such as
                    // a shutdown (57P...), too many connections (53300). SQLite: busy, locked.
                    code.starts_with("08")
                        || code.starts_with("57P")
                        || code == "53300"
                        || (error
                            .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                            .is_some()
                            && matches!(code.as_ref(), "5" | "6" | "517" | "262"))
                }),
                _ => false,
            },
            _ => false,
        }
    }
}

/// Reading the knowledge base, and beginning a write.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which engine this is, as shown to operators: `sqlite` or `postgres`.
    fn kind(&self) -> &'static str;

    /// Users, sessions and tokens, in the same database.
    fn accounts(&self) -> &dyn accounts::Accounts;

    /// Succeeds when the database answers and its schema is in place; what `/api/ready` reports.
    async fn check_ready(&self) -> Result<(), StoreError>;

    /// Closes every connection; later calls fail. Used to take the database away in tests.
    async fn close(&self);

    /// The knowledge base's revision: a number every committed write increases.
    async fn revision(&self) -> Result<i64, StoreError>;

    /// Begins a write transaction. Nothing it writes is seen before [`Transaction::commit`];
    /// dropping it uncommitted writes nothing.
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError>;

    /// How many notes there are.
    async fn count_documents(&self) -> Result<u64, StoreError>;

    /// Id, path and content hash of every note, for planning an import.
    async fn known_documents(&self) -> Result<Vec<KnownDocument>, StoreError>;

    /// The `(id, path)` of the notes that have one of `ids`, one of `paths` or one of the
    /// name keys `names`: what resolving a single note's references needs, without reading the
    /// whole base.
    async fn locate(
        &self,
        ids: &[String],
        paths: &[String],
        names: &[String],
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// The layout (as JSON) of each note at one of `paths`, as `(path, layout)`.
    async fn layouts_at(&self, paths: &[String]) -> Result<Vec<(String, String)>, StoreError>;

    /// The `(id, path)` of the notes stored without a name key.
    async fn unnamed(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Notes whose bodies link to any of `ids`.
    async fn bodies_linking_to(&self, ids: &[String]) -> Result<Vec<StoredBody>, StoreError>;

    /// Notes whose HTML was made by a renderer older than `version`.
    async fn stale_bodies(&self, version: i64) -> Result<Vec<StoredBody>, StoreError>;

    /// A page of notes.
    async fn list_documents(
        &self,
        query: &DocumentQuery,
    ) -> Result<Page<DocumentSummary>, StoreError>;

    /// One note as its page shows it.
    async fn document(&self, id: &str) -> Result<Option<DocumentRow>, StoreError>;

    /// A note's relationships (not its links), in order.
    async fn outgoing(&self, id: &str) -> Result<Vec<OutgoingEdge>, StoreError>;

    /// The notes that point to `id`, by title.
    async fn backlinks(&self, id: &str) -> Result<Vec<Related>, StoreError>;

    /// The prerequisites of `id` and, transitively, of each of its prerequisites, by id: just
    /// the part of the graph its reading path needs, however large the base.
    async fn prerequisite_closure(
        &self,
        id: &str,
    ) -> Result<HashMap<String, Vec<String>>, StoreError>;

    /// The titles of those of `ids` that exist.
    async fn titles(&self, ids: &[String]) -> Result<HashMap<String, String>, StoreError>;

    /// Every tag with its number of notes, most used first.
    async fn tags(&self) -> Result<Vec<TagCount>, StoreError>;

    /// Every collection that holds notes, by title.
    async fn collections(&self) -> Result<Vec<CollectionSummary>, StoreError>;

    /// Every note and wanted page, and every edge.
    async fn graph(&self) -> Result<Graph, StoreError>;

    /// Referenced ids that no note has, with who references them.
    async fn wanted(&self) -> Result<Vec<WantedPage>, StoreError>;

    /// What export needs of one note.
    async fn source(&self, id: &str) -> Result<Option<SourceDocument>, StoreError>;

    /// What export needs of every note, ordered by path.
    async fn sources(&self) -> Result<Vec<SourceDocument>, StoreError>;

    /// One note as the editor and the save path need it.
    async fn stored_note(&self, id: &str) -> Result<Option<StoredNote>, StoreError>;

    /// Every renamed id and the id it now redirects to.
    async fn redirects(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// The ids notes renamed away from `old_ids` have now, as `(old, new)`.
    async fn redirects_of(&self, old_ids: &[String]) -> Result<Vec<(String, String)>, StoreError>;

    /// Notes in the trash, most recently deleted first.
    async fn trash(&self) -> Result<Vec<DeletedNote>, StoreError>;

    /// The trashed note `id` with its last file and path, if it is in the trash.
    async fn trashed(&self, id: &str) -> Result<Option<TrashedNote>, StoreError>;

    /// A note's history, newest first; empty when it has none.
    async fn revisions(&self, id: &str) -> Result<Vec<RevisionSummary>, StoreError>;

    /// One revision in full; `number` 0 means the latest.
    async fn revision_of(
        &self,
        id: &str,
        number: u64,
    ) -> Result<Option<DumpedRevision>, StoreError>;

    /// Notes matching `request`, best first (see each engine for its ranking).
    async fn search(&self, request: &SearchRequest) -> Result<Vec<SearchRow>, StoreError>;

    /// The indexed words that could be `word` mistyped by one edit, with how many notes hold
    /// each; at least those one character shorter to one longer that share its first or its
    /// second character.
    async fn vocabulary_near(&self, word: &str) -> Result<Vec<(String, i64)>, StoreError>;

    /// Notes without a single revision (stored before Lore kept history).
    async fn without_history(&self) -> Result<Vec<SourceDocument>, StoreError>;

    /// The whole base, for `lore copy`.
    async fn dump(&self) -> Result<Dump, StoreError>;

    /// Path and hash of every attachment, by path: what resolving references to files needs
    /// (a short row per file, never its bytes).
    async fn attachment_index(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// What is stored at `path`, if anything.
    async fn attachment(&self, path: &str) -> Result<Option<StoredAttachment>, StoreError>;

    /// `length` bytes from byte `start` of the content with `hash` (fewer at its end), or
    /// `None` if no such content is stored.
    async fn attachment_bytes(
        &self,
        hash: &str,
        start: u64,
        length: u64,
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// Every attachment with its bytes, ordered by path: what an export writes.
    async fn attachments(&self) -> Result<Vec<AttachmentRecord>, StoreError>;

    /// The notes whose links look up any of `names` (see [`NoteRecord::link_names`]), to render
    /// again when a file or a note of one of those names arrives, changes or goes.
    async fn bodies_naming(&self, names: &[String]) -> Result<Vec<StoredBody>, StoreError>;
}

/// The writes of one transaction.
#[async_trait::async_trait]
pub trait Transaction: Send {
    /// Records `revisions` (at most one per note) as each note's next revision; returns the
    /// numbers, by note id, for [`put_notes`](Self::put_notes) to move the notes to. An import
    /// records those of all its notes first, from their files, while its first notes render.
    async fn record_revisions(
        &mut self,
        revisions: &[NewRevision],
    ) -> Result<HashMap<String, i64>, StoreError>;

    /// Writes imported notes with their tags, edges and collections, replacing the notes they
    /// were (by id) and any note at the same path (a file whose id changed), each at the
    /// revision `numbers` gives it (recorded by [`record_revisions`](Self::record_revisions)
    /// in this transaction). A written id leaves the trash and stops redirecting. A note
    /// `numbers` has no number for is refused ([`StoreError::Unrecorded`]), and nothing of the
    /// call is written.
    ///
    /// A note this creates must not be deleted, or lose words, before the transaction commits:
    /// on PostgreSQL the vocabulary counts of the notes it creates are added only then
    /// ([`Dialect::count_index_rows`](sql::Dialect::count_index_rows)), after whatever took
    /// words away, and a word taken from a count not yet added would be left behind.
    async fn put_notes(
        &mut self,
        notes: &[NoteRecord],
        numbers: &HashMap<String, i64>,
    ) -> Result<(), StoreError>;

    /// How many notes one statement of [`put_notes`](Self::put_notes) writes: an import hands
    /// its notes over in batches of at most this size (the first ones smaller, see
    /// `documents::import::FIRST_BATCH`), each written while the next is rendered.
    fn notes_per_statement(&self) -> usize;

    /// Holds note `id` for this transaction if it is at `revision`.
    async fn hold(&mut self, id: &str, revision: i64) -> Result<Held, StoreError>;

    /// Writes a new note (created, or restored from the trash), unless its id or path is
    /// taken. `own_history`: the history kept under its id is its own (a restored note's), so
    /// it does not take the id.
    async fn insert_note(
        &mut self,
        note: &NoteRecord,
        own_history: bool,
    ) -> Result<Result<(), Taken>, StoreError>;

    /// Rewrites note `note.id` (which this transaction holds), unless its new path is taken.
    async fn update_note(&mut self, note: &NoteRecord) -> Result<Result<(), Taken>, StoreError>;

    /// Gives note `old` (which this transaction holds) the id `new`, unless that is taken, and
    /// moves what hangs on `old` with it: the history, the edges of notes that point to it
    /// (their files still name the old id, which now redirects), earlier redirects. Its own
    /// tags and edges are dropped, for [`update_note`](Self::update_note) to write.
    async fn rename(&mut self, old: &str, new: &str) -> Result<Result<(), Taken>, StoreError>;

    /// Records each as its note's next revision, and moves the note to it; returns the numbers.
    async fn add_revisions(&mut self, revisions: &[NewRevision]) -> Result<Vec<i64>, StoreError>;

    /// Records each as revision 1 of a note that has none; one that has (another replica got
    /// there first) is left alone.
    async fn add_first_revisions(&mut self, revisions: &[NewRevision]) -> Result<(), StoreError>;

    /// Stores new HTML for notes that still have the body it was made from.
    async fn store_html(&mut self, rerendered: &[Rerendered]) -> Result<(), StoreError>;

    /// Adds redirects, as `(old, new)`, from names no note has as its id and no redirect holds
    /// yet; the others are left as they are.
    async fn add_redirects(&mut self, redirects: &[(String, String)]) -> Result<(), StoreError>;

    /// Gives notes, as `(id, name key)`, their name keys.
    async fn name_notes(&mut self, names: &[(String, String)]) -> Result<(), StoreError>;

    /// Moves note `id` to the trash (its tags and outgoing edges go; others' edges to it
    /// stay); `None` when there is no such note.
    async fn trash_note(
        &mut self,
        id: &str,
        by: &str,
        at: &str,
    ) -> Result<Option<DeletedNote>, StoreError>;

    /// Takes note `id` out of the trash (it is then written with [`insert_note`]); false when
    /// it is not there.
    ///
    /// [`insert_note`]: Self::insert_note
    async fn untrash(&mut self, id: &str) -> Result<bool, StoreError>;

    /// Writes a whole base into this (empty) one, for `lore copy`.
    async fn load(&mut self, dump: &Dump) -> Result<(), StoreError>;

    /// Writes each attachment at its path, replacing what was there; bytes are stored once per
    /// hash, and bytes no path holds any more are deleted.
    async fn put_attachments(&mut self, attachments: &[AttachmentRecord])
    -> Result<(), StoreError>;

    /// Marks the knowledge base as changed (for every replica's cache) and commits.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// How a server uses its database: settings of `lore` (`--database-max-connections`,
/// `--database-timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatabaseSettings {
    /// Connections in the pool (PostgreSQL; SQLite has one writer and keeps its own).
    pub max_connections: u32,
    /// How long a request waits for a connection before the database counts as unavailable
    /// (a readiness probe must answer before the load balancer gives up on it).
    pub acquire_timeout: std::time::Duration,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: std::time::Duration::from_secs(5),
        }
    }
}

/// Opens the database named by `url` (creating and migrating it as needed): SQLite for
/// `sqlite:`, PostgreSQL for `postgres://` or `postgresql://`.
pub async fn connect(url: &str, settings: &DatabaseSettings) -> Result<Arc<dyn Store>, StoreError> {
    // Only the scheme is echoed back on error: the rest of a database URL may hold a password.
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
    match scheme {
        "sqlite" => Ok(Arc::new(SqliteStore::connect(url).await?)),
        "postgres" | "postgresql" => Ok(Arc::new(PostgresStore::connect(url, settings).await?)),
        "" => Err(StoreError::BadUrl("it has no scheme".to_owned())),
        other => Err(StoreError::BadUrl(format!(
            "the scheme `{other}` is not supported"
        ))),
    }
}

/// The time now, as stored: RFC 3339, UTC.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The edge kind a stored `kind` names.
fn edge_kind(kind: &str) -> EdgeKind {
    match kind {
        "prerequisite" => EdgeKind::Prerequisite,
        "successor" => EdgeKind::Successor,
        "related" => EdgeKind::Related,
        _ => EdgeKind::Link,
    }
}

/// The graph from its nodes `(id, title, collection)` and edges `(source, target, kind)`; the
/// targets no note has become wanted nodes.
fn graph_of(
    notes: Vec<(String, String, Option<String>)>,
    rows: Vec<(String, String, String)>,
) -> Graph {
    let mut nodes: BTreeMap<String, GraphNode> = notes
        .into_iter()
        .map(|(id, title, collection)| {
            let node = GraphNode {
                id: id.clone(),
                title,
                collection,
                exists: true,
            };
            (id, node)
        })
        .collect();
    let mut edges = Vec::with_capacity(rows.len());
    for (source, target, kind) in rows {
        nodes.entry(target.clone()).or_insert_with(|| GraphNode {
            id: target.clone(),
            title: target.clone(),
            collection: None,
            exists: false,
        });
        edges.push(GraphEdge {
            source,
            target,
            kind: edge_kind(&kind),
        });
    }
    Graph {
        total: nodes.len() as u64,
        nodes: nodes.into_values().collect(),
        edges,
    }
}

/// Wanted pages (or files, `file`) from rows `(wanted id, referring id, referring title)`
/// ordered by wanted id.
fn wanted_of(rows: Vec<(String, String, String)>, file: bool) -> Vec<WantedPage> {
    let mut wanted: Vec<WantedPage> = Vec::new();
    for (target, id, title) in rows {
        let by = Related {
            id,
            title,
            exists: true,
        };
        match wanted.last_mut() {
            Some(page) if page.id == target => page.wanted_by.push(by),
            _ => wanted.push(WantedPage {
                id: target,
                wanted_by: vec![by],
                file,
            }),
        }
    }
    wanted
}

#[cfg(test)]
mod tests {
    use super::connect;
    use sha2::{Digest, Sha256};
    use std::path::Path;

    #[test]
    fn landed_migrations_are_never_edited_and_every_migration_is_listed() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let listed = std::fs::read_to_string(folder.join("landed.txt")).unwrap();
        let mut names = Vec::new();
        for line in listed
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (name, hash) = line.split_once(' ').unwrap();
            let text = std::fs::read(folder.join(name))
                .unwrap_or_else(|_| panic!("{name} landed and is gone: add a migration instead"));
            assert_eq!(
                format!("{:x}", Sha256::digest(&text)),
                hash,
                "{name} landed and was edited: undo that, and add a new migration"
            );
            names.push(name.to_owned());
        }
        for engine in ["sqlite", "postgres"] {
            for entry in std::fs::read_dir(folder.join(engine)).unwrap() {
                let name = format!("{engine}/{}", entry.unwrap().file_name().to_string_lossy());
                assert!(
                    names.contains(&name),
                    "{name} is not in migrations/landed.txt: list it with its SHA-256"
                );
            }
        }
    }

    #[tokio::test]
    async fn an_unsupported_database_url_is_named_without_echoing_its_password() {
        let error = connect("mysql://lore:s3cret@db.internal/lore", &Default::default())
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("--database-url (DATABASE_URL)"), "{error}");
        assert!(error.contains("mysql"), "{error}");
        assert!(!error.contains("s3cret"), "the password leaked: {error}");
    }
}
