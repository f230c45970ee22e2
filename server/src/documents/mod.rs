//! The knowledge base's documents: reading Markdown files into documents, rendering them,
//! resolving the links between them, and writing them back out.
//!
//! This module knows nothing of HTTP or SQL: the import plan it produces is written by the
//! [`store`](crate::store) in one transaction, and the API and the CLI both call it.

pub mod demo;
pub mod edit;
pub mod export;
pub mod front_matter;
pub mod import;
pub mod parse;
pub mod paths;
pub mod reading_path;
pub mod render;
pub mod search;
pub mod sources;
pub mod value;

use app::contract::{EdgeKind, Heading};
use parse::ParsedDocument;

/// A file to import: its `/`-separated path inside the imported tree, and its bytes.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path inside the tree (`architecture/client-server.md`); also how problems name it.
    pub path: String,
    /// The raw content, not yet known to be UTF-8.
    pub bytes: Vec<u8>,
}

/// A document ready to be stored: as read from its file, rendered, and with its references
/// resolved.
#[derive(Debug, Clone)]
pub struct DocumentRecord {
    /// The document as its file gave it.
    pub document: ParsedDocument,
    /// Rendered, sanitized HTML.
    pub html: String,
    /// Table of contents.
    pub headings: Vec<Heading>,
    /// Relationships and links, resolved.
    pub edges: Vec<Edge>,
    /// SHA-256 of the file, hex.
    pub content_hash: String,
}

/// One resolved edge from a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Relationship kind, or a body link.
    pub kind: EdgeKind,
    /// The id it resolves to (existing or wanted).
    pub target_id: String,
    /// The reference as written.
    pub target_ref: String,
}
