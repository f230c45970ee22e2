//! The knowledge base's types on the wire: documents, collections, tags, the graph, and import
//! reports.

use serde::{Deserialize, Serialize};

/// One entry of a list of documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentSummary {
    /// The document's id (a slug), used in its URL.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its one-line description, if any.
    pub description: Option<String>,
    /// The collection it belongs to, if any.
    pub collection: Option<CollectionRef>,
    /// Its tags, in the order written.
    pub tags: Vec<String>,
    /// `updated_at` (else `created_at`) as written in its front matter.
    pub updated_at: Option<String>,
    /// Whether it is marked as a draft.
    pub draft: bool,
}

/// A collection as other records point to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CollectionRef {
    /// The collection's id (a slug).
    pub id: String,
    /// Its title.
    pub title: String,
}

/// A page of results and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// How many items match, over all pages.
    pub total: u64,
    /// The offset of the first item.
    pub offset: u64,
    /// The page size asked for.
    pub limit: u64,
}

/// How to order a document list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentSort {
    /// By title, A to Z.
    #[default]
    Title,
    /// Most recently updated first.
    Updated,
}

/// Query of `GET /api/documents`: filters, order and page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentQuery {
    /// Only documents with this tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Only documents in this collection (by id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// Order; by title when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<DocumentSort>,
    /// How many to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// How many to return (1 to 200; 50 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 200))]
    pub limit: Option<u64>,
}

/// Query naming one document by id (`GET /api/documents/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentId {
    /// The document's id.
    pub id: String,
}

/// An attachment, by its path in the tree (`GET /api/files/{path}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FilePath {
    /// Its `/`-separated path (`images/diagram.png`).
    pub path: String,
    /// The start of its content's SHA-256, hex, as a rendered note's address gives it: when it
    /// matches, the answer may be kept for good.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v: Option<String>,
}

/// Everything the document page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentView {
    /// The list-level fields.
    #[serde(flatten)]
    pub summary: DocumentSummary,
    /// Author, as written.
    pub author: Option<String>,
    /// `created_at`, as written.
    pub created_at: Option<String>,
    /// Version, as written (`1.0` stays `1.0`).
    pub version: Option<String>,
    /// The body rendered to sanitized HTML.
    pub html: String,
    /// The headings, for a table of contents.
    pub headings: Vec<Heading>,
    /// Notes to read first.
    pub prerequisites: Vec<Related>,
    /// Notes to read next.
    pub successors: Vec<Related>,
    /// Notes on neighbouring topics.
    pub related: Vec<Related>,
    /// Notes that link to this one (by a relationship or a link in their body).
    pub backlinks: Vec<Related>,
    /// Every transitive prerequisite, in an order that reads each before what needs it.
    pub reading_path: Vec<Related>,
    /// Prerequisite cycles met while building the reading path, each as a list of ids.
    pub cycles: Vec<Vec<String>>,
    /// Where the document came from when imported (e.g. `architecture/client-server.md`).
    pub source_path: String,
}

/// A heading of a document, for the table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// Its text.
    pub text: String,
    /// The `id` of its anchor in the rendered HTML.
    pub anchor: String,
}

/// Another document, as a relationship or a link points to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Related {
    /// The target's id (for a missing target, the id it would have).
    pub id: String,
    /// The target's title; for a missing target, the reference as written.
    pub title: String,
    /// Whether the target exists; a missing one is a wanted page.
    pub exists: bool,
}

/// A tag and how many documents carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagCount {
    /// The tag.
    pub tag: String,
    /// How many documents carry it.
    pub count: u64,
}

/// A collection and how many documents it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CollectionSummary {
    /// Its id (a slug).
    pub id: String,
    /// Its title.
    pub title: String,
    /// How many documents it holds.
    pub count: u64,
}

/// A page that is linked to but does not exist yet, or a file a note shows that is not
/// there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WantedPage {
    /// The id it would have; for a file, the reference as the notes write it
    /// (`images/diagram.png`, `diagram.png`).
    pub id: String,
    /// Documents that point to it.
    pub wanted_by: Vec<Related>,
    /// Whether it is a file (an image, a clip, a PDF) rather than a note.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub file: bool,
}

/// The whole base as a graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Graph {
    /// Every document (and every wanted page, with `exists: false`), or the most connected of
    /// them when a limit was asked for.
    pub nodes: Vec<GraphNode>,
    /// Every relationship and link between those nodes.
    pub edges: Vec<GraphEdge>,
    /// How many nodes the whole graph has.
    #[serde(default)]
    pub total: u64,
}

/// Query of `GET /api/graph`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GraphQuery {
    /// At most this many nodes: the most connected ones (every node when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A node of the [`Graph`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GraphNode {
    /// Document id.
    pub id: String,
    /// Title (the id for a wanted page).
    pub title: String,
    /// Collection id, if any.
    pub collection: Option<String>,
    /// Whether the document exists.
    pub exists: bool,
}

/// A typed edge of the [`Graph`], from `source` to `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GraphEdge {
    /// The document the edge starts at.
    pub source: String,
    /// The document it points to.
    pub target: String,
    /// What kind of edge.
    pub kind: EdgeKind,
}

/// The kinds of edge between documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// `source` lists `target` under `prerequisites`.
    Prerequisite,
    /// `source` lists `target` under `successors`.
    Successor,
    /// `source` lists `target` under `related`.
    Related,
    /// `source`'s body links to `target`.
    Link,
}

impl EdgeKind {
    /// The name stored and sent for this kind.
    pub const fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Prerequisite => "prerequisite",
            EdgeKind::Successor => "successor",
            EdgeKind::Related => "related",
            EdgeKind::Link => "link",
        }
    }
}

/// The address of the page listing the notes tagged `tag`. A nested tag (`area/networking`)
/// keeps its `/`, which the route's wildcard takes in; anything else an address cannot hold
/// as it is (`#`, `?`, `%`, spaces) is percent-encoded.
pub fn tag_page(tag: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');
    let segments: Vec<String> = tag
        .split('/')
        .map(|segment| utf8_percent_encode(segment, SEGMENT).to_string())
        .collect();
    format!("/tags/{}", segments.join("/"))
}

/// The Markdown dialect a note is written in, which decides how its body is read.
///
/// Plain notes are CommonMark with GitHub's extensions. An Obsidian vault's notes also have
/// `[[wikilinks]]` (resolved as Obsidian does: by file name, case-insensitively, the shortest
/// unique path), `![[embeds]]`, callouts (`> [!tip] Title`), `#tags` in the body,
/// `==highlights==`, `%%comments%%` and `^block` anchors. An import reads a folder with an
/// `.obsidian/` settings folder as a vault unless told otherwise; a note keeps its dialect
/// when it is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    /// CommonMark with GitHub's tables, task lists, strikethrough, autolinks and footnotes.
    #[default]
    Markdown,
    /// Obsidian-flavoured Markdown.
    Obsidian,
}

impl Flavor {
    /// The name written in settings and forms (`markdown`, `obsidian`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Flavor::Markdown => "markdown",
            Flavor::Obsidian => "obsidian",
        }
    }

    /// The flavour named `name`, as [`as_str`](Self::as_str) writes it.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "markdown" => Some(Flavor::Markdown),
            "obsidian" => Some(Flavor::Obsidian),
            _ => None,
        }
    }

    /// Whether this is plain Markdown (what a note is unless it says otherwise).
    pub fn is_markdown(&self) -> bool {
        *self == Flavor::Markdown
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// Documents that did not exist before.
    pub created: Vec<String>,
    /// Documents whose content changed.
    pub updated: Vec<String>,
    /// Documents whose file was identical to what was stored.
    pub unchanged: Vec<String>,
    /// Files left out (only with `skip_invalid`), with why.
    pub skipped: Vec<Problem>,
    /// Ids referenced by relationships or links that no document has.
    pub wanted: Vec<String>,
    /// References that name no note's id but a file name several notes share
    /// (`linux/top.md`, `osx/top.md` and a link to `top`): left unresolved rather than guessed,
    /// each located in the file that makes it, with the candidates in its message.
    #[serde(default)]
    pub ambiguous: Vec<Problem>,
    /// Attachments (images, audio, video, PDFs) stored by this import: new, or changed.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// Attachments whose file was identical to what was stored.
    #[serde(default)]
    pub unchanged_attachments: Vec<String>,
    /// References to attachments that are neither in the import nor stored, each located in
    /// the file that makes it: the page shows the file's name until it arrives.
    #[serde(default)]
    pub missing_files: Vec<Problem>,
}

/// One thing wrong with an input file, located as `file:line:column`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// The file's path as given (inside an archive: the path within it).
    pub file: String,
    /// 1-based line; 0 when the problem is the whole file.
    pub line: u32,
    /// 1-based column; 0 when the problem is the whole file or line.
    pub column: u32,
    /// What is wrong, and where it helps, what would be right.
    pub message: String,
    /// For a note saved from the editor: the field at fault (`id`, `title`, `description`,
    /// `tags`, `prerequisites`, `successors`, `related`, `body`, `author`, `summary`), so the
    /// editor shows the message next to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    /// A problem with one field of a note being saved.
    pub fn in_field(field: &str, message: impl Into<String>) -> Self {
        Self {
            file: String::new(),
            line: 0,
            column: 0,
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    /// A problem with a whole file (`line` and `column` 0).
    pub fn in_file(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line: 0,
            column: 0,
            message: message.into(),
            field: None,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Query of `GET /api/search`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchQuery {
    /// What the reader typed: words (all required), `"phrases"`; the last word also matches as
    /// a prefix unless the query ends with a space.
    pub q: String,
    /// Only notes with this tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Only notes in this collection (by id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// How many results (1 to 50; 10 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 50))]
    pub limit: Option<u64>,
}

/// The answer to a search.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    /// Best match first: title counts most, then tags, description, body.
    pub hits: Vec<SearchHit>,
    /// When the query as typed found nothing but a corrected spelling did, that spelling (and
    /// `hits` are its results).
    pub did_you_mean: Option<String>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// The note.
    pub document: DocumentSummary,
    /// Where it matched: escaped text with the matched words in `<mark>`; safe to insert as HTML.
    pub snippet: String,
}
