//! What the database tier stores and answers, as plain data: notes as the engines write them,
//! the rows the service reads back, and typed search requests.
//!
//! These types know nothing of Markdown: a note's file layout travels as the JSON the documents
//! module made of it (`layout_json`), and is decoded above the store. So `documents` may build
//! records, and the service turns rows into contract views, while the store depends on neither.

use app::contract::{DocumentSummary, EdgeKind, Heading};
use serde::{Deserialize, Serialize};

/// A note ready to be stored: its fields, rendered HTML, resolved edges and the file's layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteRecord {
    /// Its id (a slug).
    pub id: String,
    /// Its path in the imported tree, `/`-separated; unique among notes.
    pub source_path: String,
    /// What wikilinks find it by: its file name, as the documents module folds it (`None` for
    /// a note stored before Lore kept it, until start-up fills it in).
    #[serde(default)]
    pub name_key: Option<String>,
    /// Its title.
    pub title: String,
    /// Its description, if any.
    pub description: Option<String>,
    /// Its author as the file names them, if any.
    pub author: Option<String>,
    /// Creation date as written.
    pub created_at: Option<String>,
    /// Date of the last change as written.
    pub updated_at: Option<String>,
    /// Version as written.
    pub version: Option<String>,
    /// Whether it is a draft.
    pub draft: bool,
    /// The collection it belongs to.
    pub collection: Option<CollectionRecord>,
    /// Tags, in order.
    pub tags: Vec<String>,
    /// Relationships and links, resolved, in order.
    pub edges: Vec<EdgeRecord>,
    /// The names its links look up: files ([`file_name_key`], [`missing_file_key`]) and the
    /// notes its wikilinks name ([`wiki_name_key`]).
    #[serde(default)]
    pub link_names: Vec<String>,
    /// The Markdown body.
    pub body: String,
    /// How the file around the body looked (the documents module's `Layout`, as JSON).
    pub layout_json: String,
    /// Rendered, sanitized HTML.
    pub html: String,
    /// The text a reader sees, which search indexes and cuts snippets from.
    pub plain_text: String,
    /// Its table of contents.
    pub headings: Vec<Heading>,
    /// SHA-256 of its file, hex.
    pub content_hash: String,
    /// Which renderer made `html`.
    pub render_version: i64,
}

impl NoteRecord {
    /// Its tags as search reads them: one text, separated by spaces.
    pub fn search_tags(&self) -> String {
        self.tags.join(" ")
    }
}

/// A collection as a note declares it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionRecord {
    /// Its id (a slug of its title).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its own front-matter block as JSON (`[]` when the note only named it).
    pub front_matter_json: String,
}

/// One resolved edge from a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeRecord {
    /// Relationship kind, or a body link.
    pub kind: EdgeKind,
    /// The id it resolves to (existing or wanted).
    pub target_id: String,
    /// The reference as written.
    pub target_ref: String,
}

/// A stored note as import planning knows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KnownDocument {
    /// Its id.
    pub id: String,
    /// Its path in the imported tree.
    pub source_path: String,
    /// SHA-256 of the file it came from.
    pub content_hash: String,
    /// Its layout, as JSON (which says the dialect its body is read in), for a note an import
    /// is about to read again; empty otherwise. Not read with the rest: layouts are the bulk of
    /// this list, and creating or restoring a note needs only ids and paths (the import asks
    /// [`Store::layouts_at`](super::Store::layouts_at) for the files it holds).
    #[sqlx(skip)]
    pub layout_json: String,
}

/// An attachment as written: the file at `path`, whose `bytes` hash to `hash`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttachmentRecord {
    /// Its `/`-separated path in the tree.
    pub path: String,
    /// SHA-256 of its bytes, hex: the key its bytes are stored once under.
    pub hash: String,
    /// The media type it is served as.
    pub content_type: String,
    /// The file.
    pub bytes: Vec<u8>,
}

/// What is stored at an attachment's path, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredAttachment {
    /// Its path.
    pub path: String,
    /// SHA-256 of its bytes, hex.
    pub hash: String,
    /// How many bytes it has.
    pub size: i64,
    /// The media type it is served as.
    pub content_type: String,
}

/// How a note's reference to an attachment is kept in [`NoteRecord::link_names`]: by the file's
/// name, lower-cased, as `name:{name}`, however the note wrote it (a relative path, a
/// wikilink's name or partial path) and whether it was found. A file of that name arriving or
/// changing anywhere may change what the note shows (a missing file is there, a relative path
/// now finds its file, a name becomes ambiguous), so the note is rendered again then.
pub fn file_name_key(path_or_name: &str) -> String {
    let name = path_or_name.rsplit('/').next().unwrap_or(path_or_name);
    format!("name:{}", name.to_lowercase())
}

/// How a note's reference to an attachment that is not there is kept in
/// [`NoteRecord::link_names`], beside its [`file_name_key`]: as written, so the wanted pages
/// list it as the note wrote it.
pub fn missing_file_key(reference: &str) -> String {
    format!("{MISSING_FILE}{reference}")
}

/// The start of a [`missing_file_key`].
pub const MISSING_FILE: &str = "missing:";

/// How a wikilink naming a note is kept in [`NoteRecord::link_names`]: by the name it looks up
/// (`name_key`: the file name without `.md`, lower-cased), as `wiki:{name}`. Which note that
/// name means changes when a note of that name arrives or goes (a second `top.md` makes
/// `[[top]]` ambiguous; its leaving makes it unique again), so the note is rendered again then.
pub fn wiki_name_key(name_key: &str) -> String {
    format!("wiki:{name_key}")
}

/// A stored note's body, to render again.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredBody {
    /// Its id.
    pub id: String,
    /// Its path, for resolving relative links.
    pub source_path: String,
    /// Its Markdown.
    pub body: String,
    /// Its file's layout, as JSON (which says the dialect of the body).
    pub layout_json: String,
}

/// New HTML for a stored note, and the body it was rendered from: the store writes it only if
/// the note still has that body, so a note saved meanwhile never gets HTML of its old text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rerendered {
    /// The note.
    pub id: String,
    /// The body the HTML was rendered from.
    pub body: String,
    /// The HTML.
    pub html: String,
    /// The text a reader sees, rendered with it.
    pub plain_text: String,
    /// The names its links look up now (see [`NoteRecord::link_names`]).
    pub link_names: Vec<String>,
    /// Which renderer made it.
    pub render_version: i64,
}

/// A note as export needs it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SourceDocument {
    /// Its id.
    pub id: String,
    /// Where to write it.
    pub source_path: String,
    /// Its file's layout, as JSON.
    pub layout_json: String,
    /// Its Markdown body.
    pub body: String,
}

/// A stored note as the save path needs it, with the revision it is at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNote {
    /// Its file.
    pub source: SourceDocument,
    /// The revision it is at.
    pub revision: i64,
}

/// A revision to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRevision {
    /// The note it is a revision of.
    pub id: String,
    /// The whole file.
    pub source: String,
    /// Where the file was.
    pub source_path: String,
    /// Who made it.
    pub author: String,
    /// What changed.
    pub summary: String,
}

/// One note as its page shows it, before the service adds what it derives (the reading path).
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRow {
    /// What a listing shows of it.
    pub summary: DocumentSummary,
    /// Its author.
    pub author: Option<String>,
    /// Its creation date as written.
    pub created_at: Option<String>,
    /// Its version as written.
    pub version: Option<String>,
    /// Its rendered HTML.
    pub html: String,
    /// Its table of contents.
    pub headings: Vec<Heading>,
    /// Its path in the imported tree.
    pub source_path: String,
}

/// A relationship from a note, with the title of its target when that exists.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutgoingEdge {
    /// `prerequisite`, `successor` or `related`.
    pub kind: String,
    /// The id it points to.
    pub target_id: String,
    /// The reference as written.
    pub target_ref: String,
    /// The target's title, when it exists.
    pub title: Option<String>,
}

/// Why a note cannot be written as asked: each decided by the database (a unique key, or a
/// condition in the writing statement itself), not by a read before the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Another note has the id.
    Id,
    /// A note in the trash has the id.
    Trash,
    /// No note has the id, but the history of one that had it is kept under it.
    History,
    /// Another note is stored at the path.
    Path,
}

/// Whether a note could be held for a write at the revision the writer saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// It is at that revision, and no one else writes it until this transaction ends.
    Yes,
    /// It is at another revision now.
    Stale,
    /// There is no such note.
    Missing,
}

/// What a search asks of the store: parsed terms and filters. Each engine writes its own query
/// language from them, so no text a reader typed is ever parsed as query syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// Words and phrases, all required.
    pub terms: Vec<SearchTerm>,
    /// Whether the last word also matches as a prefix (the reader is still typing it).
    pub prefix_last: bool,
    /// Only notes with this tag.
    pub tag: Option<String>,
    /// Only notes in this collection.
    pub collection: Option<String>,
    /// At most this many.
    pub limit: u64,
}

impl SearchRequest {
    /// The query as a note's id (its words joined by `-`) and as a title in lower case (its
    /// words joined by spaces), or `None` when it has no words. A note with either is what the
    /// reader is looking for.
    pub fn as_title(&self) -> Option<(String, String)> {
        let words: Vec<&str> = self
            .terms
            .iter()
            .flat_map(|term| match term {
                SearchTerm::Word(word) => std::slice::from_ref(word),
                SearchTerm::Phrase(words) => words.as_slice(),
            })
            .map(String::as_str)
            .collect();
        (!words.is_empty()).then(|| (words.join("-"), words.join(" ")))
    }
}

/// A word, or a phrase of words: letters and digits only, lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTerm {
    /// One word.
    Word(String),
    /// Words that must appear together, in order.
    Phrase(Vec<String>),
}

/// One search hit: the note, and a snippet of its body with matches between [`MATCH_START`]
/// and [`MATCH_END`] (not yet escaped for HTML).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRow {
    /// The note.
    pub document: DocumentSummary,
    /// The raw snippet.
    pub snippet: String,
}

/// Private-use characters that cannot occur in a note, marking matches in snippets until they
/// are turned into `<mark>` after escaping.
pub const MATCH_START: char = '\u{E000}';
/// See [`MATCH_START`].
pub const MATCH_END: char = '\u{E001}';

/// A whole knowledge base as `lore copy` moves it between engines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dump {
    /// Every note, as stored.
    pub notes: Vec<NoteRecord>,
    /// The revision each note is at, by id.
    pub note_revisions: Vec<(String, i64)>,
    /// Every revision of every note, in order.
    pub revisions: Vec<DumpedRevision>,
    /// The trash.
    pub trash: Vec<TrashedNote>,
    /// Renamed ids and the id each now is.
    pub redirects: Vec<(String, String)>,
    /// Every attachment, with its bytes.
    pub attachments: Vec<AttachmentRecord>,
}

/// A revision as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DumpedRevision {
    /// The note.
    pub document_id: String,
    /// Its number.
    pub number: i64,
    /// The whole file.
    pub source: String,
    /// Where the file was.
    pub source_path: String,
    /// Who made it.
    pub author: String,
    /// What changed.
    pub summary: String,
    /// When, RFC 3339.
    pub created_at: String,
}

/// A note in the trash as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TrashedNote {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Where its file was.
    pub source_path: String,
    /// When, RFC 3339.
    pub deleted_at: String,
    /// By whom.
    pub deleted_by: String,
    /// Its file's layout when it was deleted, as JSON (`''` if deleted before Lore kept it).
    pub layout: String,
}

impl From<TrashedNote> for app::contract::DeletedNote {
    fn from(note: TrashedNote) -> Self {
        Self {
            id: note.id,
            title: note.title,
            deleted_at: note.deleted_at,
            deleted_by: note.deleted_by,
        }
    }
}
