//! The knowledge base's documents: reading Markdown files into documents, rendering them,
//! resolving the links between them, and writing them back out.
//!
//! This module knows nothing of HTTP or SQL: it makes the records the
//! [`store`](crate::store) writes (the store's types, so the dependency runs one way), and the
//! [service](crate::service) runs its functions in its workflows.

pub mod attachments;
pub mod demo;
pub mod edit;
pub mod embeds;
pub mod export;
pub mod front_matter;
pub mod highlight;
pub mod ids;
pub mod import;
pub mod obsidian;
pub mod parse;
pub mod paths;
pub mod reading_path;
pub mod render;
pub mod search;
pub mod sources;
pub mod value;

/// A file to import: its `/`-separated path inside the imported tree, and its bytes.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path inside the tree (`architecture/client-server.md`); also how problems name it.
    pub path: String,
    /// The raw content, not yet known to be UTF-8.
    pub bytes: Vec<u8>,
}

/// The entity that stands for `c` in HTML text or a double- or single-quoted attribute, if it
/// needs one: what every piece of Lore that writes text into HTML by hand escapes.
pub fn html_entity(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        _ => None,
    }
}

/// `text` made safe inside HTML elements and quoted attributes (see [`html_entity`]).
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match html_entity(c) {
            Some(entity) => escaped.push_str(entity),
            None => escaped.push(c),
        }
    }
    escaped
}
