//! Markdown to safe HTML, once per document change (the result is stored, never re-rendered
//! per request).
//!
//! CommonMark with GitHub's tables, task lists, strikethrough, autolinks and footnotes (comrak);
//! code blocks highlighted on the server into CSS classes ([`super::highlight`], so the browser
//! bundle carries no highlighter); heading anchors and a table of contents; links between notes
//! rewritten to the app's pages, and links to notes that do not exist pointed at their wanted
//! page. The HTML is then sanitized with ammonia: scripts, event handlers and `javascript:` URLs
//! never survive, no matter what a note contains. Highlighted code, Lore's own HTML, is kept
//! out of the sanitizer's way and put back after it (see [`safe_html`]). Notes of an Obsidian
//! vault are read with its syntax too (see [`obsidian`]).

use super::attachments::{self, Media};
use super::embeds;
use super::highlight::highlight;
use super::obsidian;
use crate::store::{file_name_key, missing_file_key, wiki_name_key};
use app::contract::{Flavor, Heading};
use comrak::adapters::SyntaxHighlighterAdapter;
use comrak::nodes::{NodeLink, NodeValue};
use comrak::{Anchorizer, Arena, Options, options::Plugins};
use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::HashSet;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The renderer's version, stored with each document's HTML. Raise it whenever a change here
/// changes the HTML produced, so stored documents are rendered again (see
/// [`rerender_stale`](super::import::rerender_stale)).
///
/// 2: notes also keep their plain text, which search indexes and cuts snippets from.
/// 3: images, embeds and links to attachments point at the stored files, and a missing file
///    shows as its name; an embedded note's placeholder names it; an escaped `\#` is no tag.
/// 4: highlighted code has a span per coloured run, not per scope (see [`super::highlight`]).
pub const RENDER_VERSION: i64 = 4;

/// How deeply a note's structure may nest: quotes, lists and HTML elements inside one another.
/// The HTML parser that sanitizing runs on looks through every open element for each new one,
/// so its cost grows with the square of the depth: 100,000 nested quotes took 50 s. Real notes
/// nest a handful of levels.
pub const MAX_NESTING: usize = 100;

/// The most HTML a note may render to. A 1 MiB note of prose renders to little more than its
/// size; one of short headings or highlighted code to a few times it. Every reader downloads it,
/// twice over on a rendered page (the HTML, and the data the browser hydrates from).
pub const MAX_HTML_BYTES: usize = 4 * 1024 * 1024;

/// The most headings a note's table of contents lists (the headings themselves all render).
pub const MAX_CONTENTS: usize = 500;

/// Why a note cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// It nests deeper than [`MAX_NESTING`].
    #[error(
        "the note nests quotes, lists or HTML elements more than {MAX_NESTING} levels deep here; flatten it"
    )]
    TooDeep {
        /// The line of the body (1-based) where the limit is passed.
        line: usize,
    },
    /// It renders to more than [`MAX_HTML_BYTES`].
    #[error("the note renders to {bytes} bytes of HTML; at most {MAX_HTML_BYTES} fit in a page")]
    TooLarge {
        /// How much it rendered to.
        bytes: usize,
    },
}

impl RenderError {
    /// The line of the body the problem is on (1 when it is the whole body).
    pub fn line(&self) -> usize {
        match self {
            RenderError::TooDeep { line } => *line,
            RenderError::TooLarge { .. } => 1,
        }
    }
}

/// A document body rendered for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Sanitized HTML.
    pub html: String,
    /// The headings, in order, with their anchors.
    pub headings: Vec<Heading>,
    /// Ids of the notes the body links to, in order of first appearance.
    pub links: Vec<String>,
    /// The text as a reader sees it (see [`plain_text`]).
    pub plain: String,
    /// Tags written in the body (`#tag`, Obsidian notes only), in order of first appearance.
    pub tags: Vec<String>,
    /// Wikilinks that name a file name several notes share, left unresolved.
    pub ambiguous: Vec<AmbiguousLink>,
    /// The names its links look up, as the store keeps them (see
    /// [`NoteRecord::link_names`](crate::store::NoteRecord::link_names)), in order of first
    /// appearance.
    pub link_names: Vec<String>,
    /// References to attachments that are not there, where they are in the body.
    pub missing_files: Vec<MissingFile>,
}

/// A reference to an attachment that is not stored, where it is in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingFile {
    /// The reference as written (`images/diagram.png`).
    pub reference: String,
    /// 1-based line of the body.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A wikilink that could mean several notes, where it is in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmbiguousLink {
    /// The link's target as written (`top`, `top#Usage`).
    pub reference: String,
    /// 1-based line of the body.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The notes it could mean, as `id` and path.
    pub candidates: Vec<(String, String)>,
}

/// What a link inside a note points to, once resolved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoteLink {
    /// The id of the target note; for an attachment, its path (for a missing one, the path or
    /// name it was looked for at).
    pub id: String,
    /// Whether that note (or file) exists.
    pub exists: bool,
    /// When the reference names a file name several notes (or files) share and no note's id:
    /// those notes (id and path), and `id` means nothing.
    pub candidates: Vec<(String, String)>,
    /// For an attachment that exists: the hash of its content.
    pub hash: Option<String>,
}

/// A reference from inside a note's body to another note, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference<'a> {
    /// A Markdown link's destination, without its `#fragment`: a relative path or a bare id.
    Path(&'a str),
    /// A wikilink's target, without its `#heading`: a file name or a partial path, matched as
    /// Obsidian does.
    Wiki(&'a str),
    /// A Markdown image's or link's destination that names an attachment (`images/x.png`),
    /// percent-decoded, relative to the note.
    File(&'a str),
    /// A wikilink's or embed's target that names an attachment (`diagram.png`), matched as
    /// Obsidian does.
    WikiFile(&'a str),
}

/// A [`Reference`] that owns its text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Destination {
    /// See [`Reference::Path`].
    Path(String),
    /// See [`Reference::Wiki`].
    Wiki(String),
}

/// Renders `body`, written in `flavor`. `resolve` maps a reference that points into the
/// knowledge base (a Markdown link's relative path or bare id, a wikilink's name) to the note it
/// names; links it returns `None` for (external URLs, images) are left alone.
///
/// CPU-bound: call it through [`crate::cpu`], not on the async runtime.
pub fn render(
    body: &str,
    flavor: Flavor,
    resolve: &dyn Fn(Reference<'_>) -> Option<NoteLink>,
) -> Result<Rendered, RenderError> {
    let options = options(flavor);
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, &options);
    check_nesting(root)?;

    let mut tags = Vec::new();
    if flavor == Flavor::Obsidian {
        let nodes = obsidian::visible(root);
        obsidian::anchor_blocks(&arena, &nodes);
        tags = obsidian::link_tags(&arena, &nodes);
    }

    let mut anchorizer = Anchorizer::new();
    let mut headings = Vec::new();
    let mut links = Vec::new();
    let mut ambiguous = Vec::new();
    let mut names = Names::default();
    let mut missing_files = Vec::new();
    let mut seen = HashSet::new();
    for node in obsidian::visible(root) {
        let heading_level = match &node.data().value {
            NodeValue::Heading(heading) => Some(heading.level),
            _ => None,
        };
        if let Some(level) = heading_level {
            // The same text and anchorizer comrak uses for the `id`, so the anchors match.
            let text = node.collect_text();
            let anchor = anchorizer.anchorize(&text);
            if headings.len() < MAX_CONTENTS {
                headings.push(Heading {
                    level,
                    text,
                    anchor,
                });
            }
            continue;
        }
        if let NodeValue::Link(link) = &mut node.data_mut().value
            && let Some((destination, fragment)) = note_destination(&link.url)
            && let Some(target) = resolve(Reference::Path(destination))
        {
            link.url = if target.exists {
                format!("/notes/{}{fragment}", target.id)
            } else {
                format!("/wanted/{}", target.id)
            };
            if seen.insert(target.id.clone()) {
                links.push(target.id);
            }
            continue;
        }
        let file_reference = match &node.data().value {
            NodeValue::Link(link) | NodeValue::Image(link) => file_destination(&link.url),
            _ => None,
        };
        if let Some(reference) = file_reference {
            let found = resolve(Reference::File(&reference));
            let image = matches!(node.data().value, NodeValue::Image(_));
            let start = node.data().sourcepos.start;
            let url = attachment_url(
                found,
                &reference,
                (start.line, start.column),
                &mut names,
                &mut missing_files,
                &mut ambiguous,
            );
            let label = node.collect_text();
            match (url, image) {
                (Some(url), true) if attachments::media(&reference) != Media::Image => {
                    // `![](clip.mp4)`: a player, as Obsidian shows it.
                    node.insert_before(obsidian::html_inline(
                        &arena,
                        media_html(&reference, &url, &label, None),
                    ));
                    node.detach();
                }
                (Some(url), true) => {
                    if let NodeValue::Image(link) = &mut node.data_mut().value {
                        link.url = url;
                    }
                }
                (Some(url), false) => link_to_file(&arena, node, &url),
                // A missing image without a description shows the file's name.
                (None, _) if label.trim().is_empty() => unlink(&arena, node, Some(&reference)),
                (None, _) => unlink(&arena, node, None),
            }
            continue;
        }
        let wikilink = match &node.data().value {
            NodeValue::WikiLink(wikilink) => wikilink.clone(),
            _ => continue,
        };
        let (target, part) = obsidian::split_target(&wikilink.url);
        let fragment = part.map(obsidian::fragment).unwrap_or_default();
        let attachment = obsidian::names_attachment(target);
        // The note an embed draws in place, and the anchor of its part.
        let mut embedded = None;
        let url = if target.is_empty() {
            // `[[#Heading]]`: a heading of this note.
            fragment
        } else if attachment {
            let start = node.data().sourcepos.start;
            let url = attachment_url(
                resolve(Reference::WikiFile(target)),
                target,
                (start.line, start.column),
                &mut names,
                &mut missing_files,
                &mut ambiguous,
            );
            match url {
                Some(url) if wikilink.embed => {
                    let label = node.collect_text();
                    let size = image_size(&label);
                    let alt = if size.is_some() || label == wikilink.url {
                        target.rsplit('/').next().unwrap_or(target).to_owned()
                    } else {
                        label
                    };
                    node.insert_before(obsidian::html_inline(
                        &arena,
                        media_html(target, &url, &alt, size),
                    ));
                    node.detach();
                    continue;
                }
                Some(url) => url,
                None => String::new(),
            }
        } else {
            names.add(wiki_name_key(&super::import::name_key(target)));
            match resolve(Reference::Wiki(target)) {
                Some(found) if !found.candidates.is_empty() => {
                    let start = node.data().sourcepos.start;
                    ambiguous.push(AmbiguousLink {
                        reference: wikilink.url.clone(),
                        line: start.line.max(1),
                        column: start.column.max(1),
                        candidates: found.candidates,
                    });
                    // Never a guess: the reader is shown every note of that name.
                    format!(
                        "/search?q={}",
                        percent_encoding::utf8_percent_encode(
                            target,
                            percent_encoding::NON_ALPHANUMERIC
                        )
                    )
                }
                Some(found) => {
                    let url = if found.exists {
                        embedded = Some((found.id.clone(), fragment.trim_start_matches('#')));
                        format!("/notes/{}{fragment}", found.id)
                    } else {
                        format!("/wanted/{}", found.id)
                    };
                    if seen.insert(found.id.clone()) {
                        links.push(found.id);
                    }
                    url
                }
                None => String::new(),
            }
        };
        if wikilink.embed && !attachment {
            // A link to what it embeds, in the placeholder a reading draws it in place of (see
            // `embeds`); an embed of a note that does not exist stays a link.
            let start = match &embedded {
                Some((id, part)) => {
                    embeds::placeholder_start(id, Some(*part).filter(|p| !p.is_empty()))
                }
                None => "<span class=\"embed\">".into(),
            };
            node.insert_before(obsidian::html_inline(&arena, start));
            node.insert_after(obsidian::html_inline(&arena, "</span>".into()));
        }
        if url.is_empty() {
            // An attachment's label is its file name (in `![[diagram.png|300]]`, `300` is a
            // width).
            unlink(&arena, node, attachment.then_some(target));
        } else if attachment {
            link_to_file(&arena, node, &url);
        } else {
            node.data_mut().value = NodeValue::Link(Box::new(NodeLink {
                url,
                title: String::new(),
            }));
        }
    }

    let plain = plain_text(root);
    let html = safe_html(root, &options)?;
    Ok(Rendered {
        html,
        headings,
        links,
        plain,
        tags,
        ambiguous,
        link_names: names.keys,
        missing_files,
    })
}

/// The address of the attachment `found` for `reference` (written at `at`, line and column),
/// noting its name in `names`; or `None`, noting the reference as missing or ambiguous.
fn attachment_url(
    found: Option<NoteLink>,
    reference: &str,
    at: (usize, usize),
    names: &mut Names,
    missing: &mut Vec<MissingFile>,
    ambiguous: &mut Vec<AmbiguousLink>,
) -> Option<String> {
    let found = found?;
    names.add(file_name_key(reference));
    let (line, column) = (at.0.max(1), at.1.max(1));
    if !found.candidates.is_empty() {
        ambiguous.push(AmbiguousLink {
            reference: reference.to_owned(),
            line,
            column,
            candidates: found.candidates,
        });
        return None;
    }
    match (found.exists, found.hash) {
        (true, Some(hash)) => Some(attachments::file_url(&found.id, &hash)),
        _ => {
            names.add(missing_file_key(reference));
            missing.push(MissingFile {
                reference: reference.to_owned(),
                line,
                column,
            });
            None
        }
    }
}

/// The names a body's links look up, each once, in order.
#[derive(Default)]
struct Names {
    keys: Vec<String>,
    seen: HashSet<String>,
}

impl Names {
    fn add(&mut self, key: String) {
        if self.seen.insert(key.clone()) {
            self.keys.push(key);
        }
    }
}

/// Replaces the link `node` with its label (or `label`), as text in a span that says it leads
/// nowhere.
fn unlink<'a>(arena: &'a Arena<'a>, node: &'a comrak::nodes::AstNode<'a>, label: Option<&str>) {
    rewrap(
        arena,
        node,
        "<span class=\"unlinked\">".into(),
        label,
        "</span>",
    );
}

/// Replaces `node` with `open`, its children (or the text `label`), and `close`.
fn rewrap<'a>(
    arena: &'a Arena<'a>,
    node: &'a comrak::nodes::AstNode<'a>,
    open: String,
    label: Option<&str>,
    close: &str,
) {
    node.insert_before(obsidian::html_inline(arena, open));
    match label {
        Some(label) => node.insert_before(obsidian::text_node(arena, label)),
        None => {
            for child in node.children().collect::<Vec<_>>() {
                node.insert_before(child);
            }
        }
    }
    node.insert_before(obsidian::html_inline(arena, close.to_owned()));
    node.detach();
}

/// Replaces the link `node` with a link to the file at `url`, its label kept, which opens in a
/// tab of its own: the browser shows the file (a PDF in its viewer), where the app's router,
/// which takes over every link into Lore's own pages, would show a page that is not there.
fn link_to_file<'a>(arena: &'a Arena<'a>, node: &'a comrak::nodes::AstNode<'a>, url: &str) {
    let open = format!(
        "<a class=\"file\" href=\"{}\" target=\"_blank\">",
        super::escape_html(url)
    );
    rewrap(arena, node, open, None, "</a>");
}

/// The size written after an embed's `|`: `300` (a width) or `300x200`.
fn image_size(label: &str) -> Option<(u32, Option<u32>)> {
    let (width, height) = match label.split_once('x') {
        Some((width, height)) => (width, Some(height)),
        None => (label, None),
    };
    let width = width.trim().parse().ok()?;
    match height {
        Some(height) => Some((width, Some(height.trim().parse().ok()?))),
        None => Some((width, None)),
    }
}

/// The HTML that shows the attachment `path` served at `url` in place: an image, a player, or
/// for a PDF or a canvas, a link to it.
fn media_html(path: &str, url: &str, alt: &str, size: Option<(u32, Option<u32>)>) -> String {
    let url = super::escape_html(url);
    let alt = super::escape_html(alt);
    let size = match size {
        Some((width, Some(height))) => format!(" width=\"{width}\" height=\"{height}\""),
        Some((width, None)) => format!(" width=\"{width}\""),
        None => String::new(),
    };
    match attachments::media(path) {
        Media::Image => format!("<img src=\"{url}\" alt=\"{alt}\"{size}>"),
        Media::Audio => format!("<audio controls src=\"{url}\"></audio>"),
        Media::Video => format!("<video controls src=\"{url}\"{size}></video>"),
        Media::Other => format!("<a class=\"file\" href=\"{url}\" target=\"_blank\">{alt}</a>"),
    }
}

/// The attachment a Markdown link or image's destination names, percent-decoded, or `None`
/// for anything else: an address elsewhere (a scheme, `//host`, `/path`), a fragment, a note,
/// a file of a kind that is not imported.
fn file_destination(url: &str) -> Option<String> {
    if url.is_empty() || url.starts_with('#') || url.starts_with('/') {
        return None;
    }
    let path = url.split(['?', '#']).next().unwrap_or(url);
    if has_scheme(path) {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?
        .into_owned();
    attachments::media_type(&decoded).map(|_| decoded)
}

/// The text of a note as a reader sees it on its page, for search to index and cut snippets
/// from: words, link labels, image descriptions and code, each block on its own line; no
/// Markdown syntax, URLs, raw HTML or task boxes. A snippet of the Markdown would show
/// `[reverse proxy](proxy.md)` where the page shows "reverse proxy".
fn plain_text<'a>(root: &'a comrak::nodes::AstNode<'a>) -> String {
    use comrak::arena_tree::NodeEdge;
    let mut text = String::new();
    // Inside a comment (`%%...%%`), which the reader does not see: how deep.
    let mut hidden = 0usize;
    for edge in root.traverse() {
        match edge {
            NodeEdge::Start(node) if obsidian::is_comment(node) => hidden += 1,
            NodeEdge::End(node) if obsidian::is_comment(node) => hidden -= 1,
            _ if hidden > 0 => {}
            NodeEdge::Start(node) => match &node.data().value {
                NodeValue::Text(t) => text.push_str(t),
                NodeValue::Code(code) => text.push_str(&code.literal),
                NodeValue::CodeBlock(block) => text.push_str(&block.literal),
                NodeValue::SoftBreak | NodeValue::LineBreak => text.push(' '),
                // Cells of a row on one line, apart.
                NodeValue::TableCell if !text.is_empty() && !text.ends_with('\n') => {
                    text.push(' ');
                }
                _ => {}
            },
            NodeEdge::End(node) => {
                let value = &node.data().value;
                if value.block()
                    && !matches!(value, NodeValue::TableCell)
                    && !text.is_empty()
                    && !text.ends_with('\n')
                {
                    text.push('\n');
                }
            }
        }
    }
    text.truncate(text.trim_end().len());
    text
}

/// The references of `body` that point into the knowledge base, as [`render`] hands them to
/// its resolver: what resolving the note's links must look up.
pub fn link_destinations(body: &str, flavor: Flavor) -> Vec<Destination> {
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, &options(flavor));
    let mut found = Vec::new();
    for node in obsidian::visible(root) {
        match &node.data().value {
            NodeValue::Link(link) => {
                if let Some((destination, _)) = note_destination(&link.url) {
                    found.push(Destination::Path(destination.to_owned()));
                }
            }
            NodeValue::WikiLink(wikilink) => {
                let (target, _) = obsidian::split_target(&wikilink.url);
                if !target.is_empty() && !obsidian::names_attachment(target) {
                    found.push(Destination::Wiki(target.to_owned()));
                }
            }
            _ => {}
        }
    }
    found
}

/// Refuses a document nested deeper than [`MAX_NESTING`], counting both its Markdown
/// structure and the elements its raw HTML opens and leaves open.
fn check_nesting<'a>(root: &'a comrak::nodes::AstNode<'a>) -> Result<(), RenderError> {
    use comrak::arena_tree::NodeEdge;
    let mut depth = 0usize;
    let mut open = OpenElements::default();
    for edge in root.traverse() {
        match edge {
            NodeEdge::Start(node) => {
                depth += 1;
                let data = node.data();
                match &data.value {
                    NodeValue::HtmlBlock(block) => open.read(&block.literal),
                    NodeValue::HtmlInline(html) => open.read(html),
                    _ => {}
                }
                if depth + open.depth() > MAX_NESTING {
                    return Err(RenderError::TooDeep {
                        line: data.sourcepos.start.line.max(1),
                    });
                }
            }
            NodeEdge::End(_) => depth -= 1,
        }
    }
    Ok(())
}

/// The elements a note's raw HTML leaves open, as the HTML parser would keep them: an end tag
/// closes the innermost element of its name and those inside it, and is ignored when no element
/// of that name is open (so `</span>` cannot hide a `<div>`). Elements the parser closes by
/// itself (`<p>`, `<li>`, void ones like `<br>`) are not kept. Counting stops past
/// [`MAX_NESTING`]: enough to tell a note from a nesting bomb.
#[derive(Default)]
struct OpenElements(Vec<String>);

impl OpenElements {
    fn depth(&self) -> usize {
        self.0.len()
    }

    fn read(&mut self, html: &str) {
        const NOT_NESTING: &[&str] = &[
            "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead",
            "tbody", "tfoot", "colgroup", "caption", "rt", "rp",
        ];
        let bytes = html.as_bytes();
        let mut at = 0;
        while let Some(found) = html[at..].find('<') {
            let start = at + found + 1;
            let closing = bytes.get(start) == Some(&b'/');
            let name_start = start + usize::from(closing);
            let name_end = html[name_start..]
                .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
                .map_or(html.len(), |i| name_start + i);
            let name = html[name_start..name_end].to_ascii_lowercase();
            let tag_end = html[name_end..]
                .find('>')
                .map_or(html.len(), |i| name_end + i);
            let self_closing = tag_end > name_end && bytes[tag_end - 1] == b'/';
            at = (tag_end + 1).min(html.len());
            let is_element = name.starts_with(|c: char| c.is_ascii_alphabetic());
            if !is_element || NOT_NESTING.contains(&name.as_str()) {
                continue;
            }
            if closing {
                if let Some(position) = self.0.iter().rposition(|open| *open == name) {
                    self.0.truncate(position);
                }
            } else if !self_closing {
                self.0.push(name);
                if self.0.len() > MAX_NESTING {
                    return;
                }
            }
        }
    }
}

fn options(flavor: Flavor) -> Options<'static> {
    let mut options = Options::default();
    if flavor == Flavor::Obsidian {
        options.extension.wikilinks_title_after_pipe = true;
        options.extension.ofm_callouts = true;
        options.extension.ofm_comments = true;
        options.extension.highlight = true;
        // `\#word` is not a tag: the escaped `#` is kept apart in the tree (the HTML is the same).
        options.parse.escaped_char_spans = true;
    }
    options.extension.table = true;
    options.extension.tasklist = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.footnotes = true;
    options.extension.header_id_prefix = Some(String::new());
    // Raw HTML in notes is kept for ammonia to sanitize rather than dropped by comrak, so a
    // `<kbd>` or `<details>` in a note still renders.
    options.render.r#unsafe = true;
    options
}

/// Splits a link destination into a note reference and its `#fragment`, or `None` for links
/// that leave the knowledge base (a scheme, `//host`, or only a fragment).
fn note_destination(url: &str) -> Option<(&str, &str)> {
    if url.is_empty() || url.starts_with('#') || url.starts_with("//") || url.starts_with('/') {
        return None;
    }
    let (path, fragment) = url.find('#').map_or((url, ""), |i| (&url[..i], &url[i..]));
    let is_note = path.ends_with(".md") || !path.rsplit('/').next().unwrap_or(path).contains('.');
    (!has_scheme(path) && is_note && !path.is_empty()).then_some((path, fragment))
}

/// Whether a link's `path` starts with a URL scheme (`https:`, `mailto:`): it leaves the
/// knowledge base.
fn has_scheme(path: &str) -> bool {
    path.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// The parsed note `root` as HTML that is safe to show, with its code highlighted.
///
/// Highlighted code is Lore's own HTML: spans of the classes [`highlight`] knows around text it
/// escaped. Sanitizing it again took a fifth of the sanitizer's time over the benchmark's
/// corpus (0.71 against 0.57 s on one core), though it is a twelfth of the HTML: its many small
/// spans are the parser's dearest part. So each block is first written as a marker: random, new
/// for every render, so no note can hold it, and of letters and digits, which the sanitizer
/// keeps as they are. The blocks take their markers' places after sanitizing, which gives what
/// sanitizing them too would have written (a test compares the two). Where the sanitizer did
/// not keep every marker once, in order, and as the whole text of a `code` element (raw HTML
/// around a block that the parser rearranged, read into a tag, or turned into text), the
/// blocks take their markers' places before sanitizing instead, and all of it is sanitized.
fn safe_html<'a>(
    root: &'a comrak::nodes::AstNode<'a>,
    options: &Options<'_>,
) -> Result<String, RenderError> {
    let highlighter = Highlighter::new(Some(CodeMarkers::new()));
    let marked = formatted(root, options, &highlighter)?;
    let html = match highlighter.put_back(&SANITIZER.clean(&marked).to_string()) {
        Some(html) => html,
        None => {
            let in_place = sanitizable(highlighter.in_place(&marked))?;
            SANITIZER.clean(&in_place).to_string()
        }
    };
    if html.len() > MAX_HTML_BYTES {
        return Err(RenderError::TooLarge { bytes: html.len() });
    }
    Ok(html)
}

/// `root` as HTML, not yet sanitized.
fn formatted<'a>(
    root: &'a comrak::nodes::AstNode<'a>,
    options: &Options<'_>,
    highlighter: &Highlighter,
) -> Result<String, RenderError> {
    let mut plugins = Plugins::default();
    plugins.render.codefence_syntax_highlighter = Some(highlighter);
    let mut html = String::new();
    comrak::html::format_document_with_formatter(
        root,
        options,
        &mut html,
        &plugins,
        obsidian::format_node,
        (),
    )
    .expect("formatting into a String cannot fail");
    sanitizable(html)
}

/// `html`, unless it is too large to be worth sanitizing: refused before the sanitizer's work,
/// which grows with its input, is paid for; what it writes is checked again after.
fn sanitizable(html: String) -> Result<String, RenderError> {
    if html.len() > 2 * MAX_HTML_BYTES {
        return Err(RenderError::TooLarge { bytes: html.len() });
    }
    Ok(html)
}

/// Highlighted blocks kept aside while the rest of a note is sanitized (see [`safe_html`]).
struct CodeMarkers {
    /// `lorecode` and 128 random bits in hex; a block's marker is this and its number.
    prefix: String,
    /// The blocks' HTML, in the order their markers were written.
    blocks: std::sync::Mutex<Vec<String>>,
}

impl CodeMarkers {
    fn new() -> Self {
        use rand_core::{OsRng, RngCore};
        let random = (u128::from(OsRng.next_u64()) << 64) | u128::from(OsRng.next_u64());
        Self {
            prefix: format!("lorecode{random:032x}n"),
            blocks: std::sync::Mutex::default(),
        }
    }

    /// The marker of block `number`: of one length for every number a note can hold, so that
    /// none is the start of another.
    fn marker(&self, number: usize) -> String {
        format!("{}{number:08}", self.prefix)
    }
}

/// How much code of one note is highlighted; code past it is shown plain. Highlighted code is
/// a few times its size in HTML (a span around every coloured run), and takes seconds per
/// megabyte to highlight: a pasted log is read, not admired.
pub const MAX_HIGHLIGHTED_BYTES: usize = 128 * 1024;

/// The highlighter of one render: [`highlight`], until the note's budget of highlighted code
/// is spent (see [`MAX_HIGHLIGHTED_BYTES`]); each block written where it stands, or kept aside
/// behind a marker.
struct Highlighter {
    budget: AtomicUsize,
    markers: Option<CodeMarkers>,
}

impl Highlighter {
    fn new(markers: Option<CodeMarkers>) -> Self {
        Self {
            budget: AtomicUsize::new(MAX_HIGHLIGHTED_BYTES),
            markers,
        }
    }

    /// `sanitized` with each block kept aside in place of its marker; `None` unless every
    /// marker is there once, in the order written, and in text: a block is safe as text, not
    /// inside a tag (in an attribute's value, its quotes would end the value). And in text that
    /// is a `code` element's, alone, as written: an element a note leaves open that reads what
    /// follows as text (`<title>`) keeps the markers in text but not the tags around them, and
    /// sanitizing the block too would have kept it as text.
    fn put_back(&self, sanitized: &str) -> Option<String> {
        let mut tags = TagScanner::default();
        let html = self.replace_markers(sanitized, |before, after| {
            let in_code = before
                .rfind('<')
                .is_some_and(|tag| before[tag..].starts_with("<code") && before.ends_with('>'))
                && after.starts_with("</code>");
            tags.read(before) && in_code
        })?;
        // A marker the sanitizer wrote twice is still there (a block holds none: no note can).
        let left = self
            .markers
            .as_ref()
            .is_some_and(|markers| html.contains(&markers.prefix));
        (!left).then_some(html)
    }

    /// `formatted`, the HTML this render wrote, with each block kept aside where its marker
    /// stands: what writing the blocks in place would have given, for the sanitizer to read.
    fn in_place(&self, formatted: &str) -> String {
        // Each marker is in what this render wrote, in order, where its block was written.
        self.replace_markers(formatted, |_, _| true)
            .unwrap_or_else(|| formatted.to_owned())
    }

    /// `html` with each block kept aside in its marker's place, where `accepts` that place (the
    /// HTML since the marker before, and all after it); `None` if a marker is missing, or out
    /// of order, or refused.
    fn replace_markers(
        &self,
        html: &str,
        mut accepts: impl FnMut(&str, &str) -> bool,
    ) -> Option<String> {
        let Some(markers) = &self.markers else {
            return Some(html.to_owned());
        };
        let blocks = markers
            .blocks
            .lock()
            .expect("the blocks' lock is never poisoned");
        let size = html.len() + blocks.iter().map(String::len).sum::<usize>();
        let mut replaced = String::with_capacity(size);
        let mut rest = html;
        for (number, block) in blocks.iter().enumerate() {
            let (before, after) = rest.split_once(&markers.marker(number))?;
            if !accepts(before, after) {
                return None;
            }
            replaced.push_str(before);
            replaced.push_str(block);
            rest = after;
        }
        replaced.push_str(rest);
        Some(replaced)
    }
}

/// Where the sanitizer's output is, read from its start: in text, or inside a tag. That output
/// is regular enough to tell by three characters: text writes `<` as `&lt;`, so a `<` opens a
/// tag; attribute values are quoted with `"` and write it as `&quot;`, so a `>` outside quotes
/// closes it; comments are removed. The serializer writes the text of a few elements as it is
/// (`script`, `style`, `xmp`, `iframe`, `noembed`, `noframes`, `plaintext`, `noscript`); none is
/// allowed (a test holds [`SANITIZER`] to that), so their text is kept escaped or not at all.
#[derive(Debug, Default)]
struct TagScanner {
    in_tag: bool,
    in_quotes: bool,
}

impl TagScanner {
    /// Reads on through `html`; whether it ends in text.
    fn read(&mut self, html: &str) -> bool {
        for byte in html.bytes() {
            match (self.in_tag, self.in_quotes, byte) {
                (false, _, b'<') => self.in_tag = true,
                (true, false, b'>') => self.in_tag = false,
                (true, _, b'"') => self.in_quotes = !self.in_quotes,
                _ => {}
            }
        }
        !self.in_tag
    }
}

impl SyntaxHighlighterAdapter for Highlighter {
    fn write_highlighted(
        &self,
        output: &mut dyn std::fmt::Write,
        lang: Option<&str>,
        code: &str,
    ) -> std::fmt::Result {
        let left = self.budget.load(Ordering::Relaxed);
        if code.len() > left {
            return output.write_str(&super::escape_html(code));
        }
        self.budget.store(left - code.len(), Ordering::Relaxed);
        let html = highlight(lang, code);
        let Some(markers) = &self.markers else {
            return output.write_str(&html);
        };
        let mut blocks = markers
            .blocks
            .lock()
            .expect("the blocks' lock is never poisoned");
        output.write_str(&markers.marker(blocks.len()))?;
        blocks.push(html);
        Ok(())
    }

    fn write_pre_tag(
        &self,
        output: &mut dyn std::fmt::Write,
        _attributes: HashMap<&'static str, Cow<'_, str>>,
    ) -> std::fmt::Result {
        comrak::html::write_opening_tag(output, "pre", [("class", "syntax-highlighting")])
    }

    fn write_code_tag(
        &self,
        output: &mut dyn std::fmt::Write,
        attributes: HashMap<&'static str, Cow<'_, str>>,
    ) -> std::fmt::Result {
        comrak::html::write_opening_tag(output, "code", attributes)
    }
}

/// The allow-list for rendered notes: ammonia's defaults (no scripts, no event handlers, only
/// safe URL schemes) plus what comrak's extensions produce: heading ids, highlighting classes,
/// footnote markers and read-only task-list checkboxes.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input", "section", "span", "details", "summary", "kbd"])
        .add_generic_attributes(["class"])
        .add_tag_attributes("h1", ["id"])
        .add_tag_attributes("h2", ["id"])
        .add_tag_attributes("h3", ["id"])
        .add_tag_attributes("h4", ["id"])
        .add_tag_attributes("h5", ["id"])
        .add_tag_attributes("h6", ["id"])
        .add_tag_attributes(
            "a",
            [
                "id",
                "aria-label",
                "data-footnote-ref",
                "data-footnote-backref",
            ],
        )
        .add_tag_attributes("a", ["target"])
        .add_tag_attributes("li", ["id"])
        .add_tag_attributes("section", ["data-footnotes"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("div", ["data-callout"])
        .add_tag_attributes("details", ["data-callout", "open"])
        .add_tag_attributes("span", ["id", "data-embed", "data-part"])
        .add_tags(["mark", "audio", "video"])
        .add_tag_attributes("audio", ["src", "controls"])
        .add_tag_attributes("video", ["src", "controls", "width", "height"])
        .add_tag_attributes("td", ["align"])
        .add_tag_attributes("th", ["align"])
        .attribute_filter(|element, attribute, value| {
            // The only input a note may contain is comrak's disabled task-list checkbox.
            match (element, attribute) {
                ("input", "type") => (value == "checkbox").then_some(value.into()),
                // Links to files open in a tab of their own (see `link_to_file`); no other
                // target is kept.
                ("a", "target") => (value == "_blank").then_some(value.into()),
                _ => Some(value.into()),
            }
        });
    builder
});

#[cfg(test)]
mod tests {
    use super::*;

    /// Knows the note `http` and the attachments `images/diagram.png` and `clip.mp4`.
    fn resolve_known(reference: Reference<'_>) -> Option<NoteLink> {
        let destination = match reference {
            Reference::Path(destination) | Reference::Wiki(destination) => destination,
            Reference::File(path) | Reference::WikiFile(path) => {
                let known = ["images/diagram.png", "clip.mp4"]
                    .into_iter()
                    .find(|known| known.ends_with(path.trim_start_matches("./")));
                return Some(NoteLink {
                    id: known.unwrap_or(path).to_owned(),
                    exists: known.is_some(),
                    hash: known.map(|_| "0123456789abcdef0123".to_owned()),
                    ..NoteLink::default()
                });
            }
        };
        let id = super::super::parse::id_from_path(destination);
        Some(NoteLink {
            exists: id == "http",
            id,
            ..NoteLink::default()
        })
    }

    fn render_plain(body: &str) -> Rendered {
        render(body, Flavor::Markdown, &resolve_known).unwrap()
    }

    #[test]
    fn files_are_shown_from_their_stored_address_and_missing_ones_by_name() {
        let rendered = render_plain(
            "![diagram](./images/diagram.png) [the clip](clip.mp4) ![](gone/x.png) ![](clip.mp4)\n",
        );
        let html = &rendered.html;
        assert!(
            html.contains(
                r#"<img src="/api/files/images/diagram.png?v=0123456789abcdef" alt="diagram">"#
            ),
            "{html}"
        );
        // A link to a file opens in a tab of its own, out of the app's router's way.
        assert!(
            html.contains(r#"<a class="file" href="/api/files/clip.mp4?v=0123456789abcdef" target="_blank" rel="noopener noreferrer">the clip</a>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="unlinked">gone/x.png</span>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<video controls="" src="/api/files/clip.mp4?v="#),
            "{html}"
        );
        assert_eq!(
            rendered.link_names,
            [
                "name:diagram.png",
                "name:clip.mp4",
                "name:x.png",
                "missing:gone/x.png"
            ]
        );
        assert_eq!(
            rendered
                .missing_files
                .iter()
                .map(|m| (m.reference.as_str(), m.line, m.column))
                .collect::<Vec<_>>(),
            [("gone/x.png", 1, 55)]
        );
    }

    #[test]
    fn the_plain_text_is_what_a_reader_sees_without_syntax_or_urls() {
        let rendered = render_plain(
            "# Load Balancer\n\nA [reverse proxy](proxy.md) in *front*.\n\n- [ ] check `health`\n- [x] done\n\n| a | b |\n|---|---|\n| c | d |\n\n```rust\nfn main() {}\n```\n\n<div>raw</div>\n\n![diagram](x.png)\n",
        );
        assert_eq!(
            rendered.plain,
            "Load Balancer\nA reverse proxy in front.\ncheck health\ndone\na b\nc d\nfn main() {}\ndiagram"
        );
    }

    #[test]
    fn headings_get_anchors_and_make_the_table_of_contents() {
        let rendered = render_plain("# Title\n\n## Key Concepts\n\n## Key Concepts\n");
        let anchors: Vec<_> = rendered
            .headings
            .iter()
            .map(|h| h.anchor.as_str())
            .collect();
        assert_eq!(anchors, ["title", "key-concepts", "key-concepts-1"]);
        assert!(
            rendered.html.contains(r#"<h2 id="key-concepts-1">"#),
            "{}",
            rendered.html
        );
    }

    #[test]
    fn links_to_notes_point_at_their_pages_and_missing_ones_at_wanted_pages() {
        let rendered = render_plain(
            "[HTTP](../networking/http.md#methods) and [LB](load_balancer.md) and [web](https://example.com/x.md)",
        );
        assert!(
            rendered.html.contains(r#"href="/notes/http#methods""#),
            "{}",
            rendered.html
        );
        assert!(
            rendered.html.contains(r#"href="/wanted/load-balancer""#),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains(r#"href="https://example.com/x.md""#));
        assert_eq!(rendered.links, ["http", "load-balancer"]);
    }

    #[test]
    fn the_links_a_resolver_is_asked_about_are_found_without_rendering() {
        assert_eq!(
            link_destinations(
                "[HTTP](../networking/http.md#methods), [LB](load_balancer.md), [web](https://example.com/x.md), [top](#top), [[Not a link here]]",
                Flavor::Markdown
            ),
            [
                Destination::Path("../networking/http.md".into()),
                Destination::Path("load_balancer.md".into())
            ]
        );
    }

    fn render_obsidian(body: &str) -> Rendered {
        render(body, Flavor::Obsidian, &resolve_known).unwrap()
    }

    #[test]
    fn callouts_fold_without_script_and_keep_custom_types() {
        let html = render_obsidian(
            "> [!note]+ Open by default\n> Shown.\n\n> [!my-type]\n> Custom.\n\n> [!quote]\n> > [!bug] Inside\n> > Nested.\n",
        )
        .html;
        for expected in [
            r#"<details class="callout" data-callout="note" open="">"#,
            r#"<summary class="callout-title">Open by default</summary>"#,
            r#"<div class="callout" data-callout="my-type">"#,
            r#"<div class="callout-title">My type</div>"#,
            r#"<div class="callout" data-callout="bug">"#,
        ] {
            assert!(html.contains(expected), "no {expected} in {html}");
        }
        // Plain Markdown reads the same text as a quote.
        assert!(
            render_plain("> [!note]+ Open\n> Shown.\n")
                .html
                .contains("<blockquote>")
        );
    }

    #[test]
    fn body_tags_stay_words_for_search_and_the_table_of_contents() {
        let rendered = render_obsidian("## Setup #linux\n\nLearn #kubernetes today.\n");
        assert_eq!(rendered.plain, "Setup #linux\nLearn #kubernetes today.");
        assert_eq!(rendered.headings[0].text, "Setup #linux");
        assert_eq!(rendered.tags, ["linux", "kubernetes"]);
        // A caret right after other text is no block id; after a space it is.
        let caret = render_obsidian("a\\*^abc and **b**^def\n\nEnds here ^ghi\n");
        assert!(
            caret.html.contains("a*^abc and <strong>b</strong>^def"),
            "{}",
            caret.html
        );
        assert!(
            caret.html.contains(r#"<span id="^ghi"></span>Ends here"#),
            "{}",
            caret.html
        );
        // Escaped, a `#` is just a character.
        let escaped = render_obsidian("Issue \\#kubernetes and #real.\n");
        assert_eq!(escaped.tags, ["real"]);
        assert!(
            escaped.html.contains("Issue #kubernetes and"),
            "{}",
            escaped.html
        );
        assert_eq!(escaped.plain, "Issue #kubernetes and #real.");
    }

    #[test]
    fn obsidian_syntax_inside_code_is_left_as_written() {
        // Every pairing of a construct with a way of writing code, many times over in one
        // note: the code comes out as it went in, and rendering never fails.
        let constructs = [
            "[[Note]]",
            "![[Note#^id]]",
            "%%hidden%%",
            "==mark==",
            "#tag",
            "text ^block-id",
            "> [!tip] T",
            "[[a\\|b]]",
            "%%",
            "#",
            "^",
        ];
        let mut body = String::new();
        let mut expected = Vec::new();
        for (i, a) in constructs.iter().enumerate() {
            for b in &constructs[i..] {
                let code = format!("{a} {b}");
                body.push_str(&format!(
                    "```\n{code}\n```\n\n`` {code} `` and {a} then {b}\n\n"
                ));
                expected.push(super::super::escape_html(&code));
            }
        }
        let rendered = render(&body, Flavor::Obsidian, &resolve_known).unwrap();
        for code in expected {
            assert!(
                rendered.html.contains(&format!("<code>{code}\n</code>")),
                "the block `{code}` changed"
            );
            assert!(
                rendered.html.contains(&format!("<code>{code}</code>")),
                "the span `{code}` changed"
            );
        }
    }

    #[test]
    fn gfm_tables_task_lists_and_footnotes_render() {
        let rendered = render_plain(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\nText[^1]\n\n[^1]: Note.\n",
        );
        assert!(rendered.html.contains("<table>"));
        assert!(
            rendered
                .html
                .contains(r#"<input type="checkbox" checked="" disabled="">"#)
                || rendered.html.contains(r#"type="checkbox""#),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains("footnote"), "{}", rendered.html);
    }

    #[test]
    fn code_is_highlighted_on_the_server() {
        let rendered = render_plain("```rust\nfn main() {}\n```\n");
        assert!(rendered.html.contains("<span class="), "{}", rendered.html);
        assert!(rendered.html.contains("fn"));
    }

    #[test]
    fn scripts_handlers_and_javascript_urls_are_inert() {
        let payloads = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg onload=alert(1)><circle/></svg>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<input type=\"text\" autofocus onfocus=alert(1)>",
            "<p style=\"background:url(javascript:alert(1))\">x</p>",
        ];
        for payload in payloads {
            let html = render_plain(payload).html;
            let lower = html.to_ascii_lowercase();
            for forbidden in [
                "<script",
                "onerror",
                "onload",
                "onfocus",
                "javascript:",
                "<iframe",
                "style=",
                "type=\"text\"",
            ] {
                assert!(!lower.contains(forbidden), "{payload} rendered as {html}");
            }
        }
    }

    #[test]
    fn nesting_bombs_are_refused_at_their_line_without_being_parsed_as_html() {
        // Each took from 50 s to over two minutes before the limit.
        let quotes = format!("Intro\n\n{}", ">".repeat(100_000));
        assert_eq!(
            render(&quotes, Flavor::Markdown, &resolve_known),
            Err(RenderError::TooDeep { line: 3 })
        );
        for divs in ["<div>".repeat(200_000), "<div></span>".repeat(100_000)] {
            assert!(matches!(
                render(&divs, Flavor::Markdown, &resolve_known),
                Err(RenderError::TooDeep { line: 1 })
            ));
        }
        let lists: String = (0..200)
            .map(|i| format!("{}- x\n", "  ".repeat(i)))
            .collect();
        assert!(render(&lists, Flavor::Markdown, &resolve_known).is_err());
    }

    #[test]
    fn a_megabyte_of_highlighted_code_fits() {
        let code: String = (0..30_000)
            .map(|i| format!("let value_{i} = compute(\"{i}\", {i}) + 1;\n"))
            .collect();
        assert!(code.len() > 1_000_000, "{}", code.len());
        let body = format!(
            "```rust\nfn small() {{}}\n```\n\n```rust\n{}\n```\n",
            &code[..1_000_000 - 100].rsplit_once('\n').unwrap().0
        );
        let rendered = render(&body, Flavor::Markdown, &resolve_known).unwrap();
        assert!(
            rendered.html.len() < MAX_HTML_BYTES / 2,
            "{}",
            rendered.html.len()
        );
        // The small block is highlighted, the one past the budget shown as it is.
        assert!(rendered.html.contains("<span class=\"hl-"));
        assert!(rendered.html.contains("let value_20000 = compute("));
    }

    /// `body` rendered with its highlighted code put back after sanitizing (`None` where the
    /// sanitizer lost a marker), and, as before markers, with its code written in place and
    /// all of it sanitized.
    fn code_put_back_and_sanitized(body: &str) -> (Option<String>, String) {
        let options = options(Flavor::Obsidian);
        let arena = Arena::new();
        let root = comrak::parse_document(&arena, body, &options);
        let marking = Highlighter::new(Some(CodeMarkers::new()));
        let marked = formatted(root, &options, &marking).unwrap();
        let put_back = marking.put_back(&SANITIZER.clean(&marked).to_string());
        let in_place = formatted(root, &options, &Highlighter::new(None)).unwrap();
        (put_back, SANITIZER.clean(&in_place).to_string())
    }

    #[test]
    fn code_put_back_after_sanitizing_is_what_sanitizing_it_too_gives() {
        let many_blocks: String = (0..12)
            .map(|i| format!("- item {i}\n\n  ```rust\n  let x{i} = \"{i}\";\n  ```\n"))
            .collect();
        let small_then_over_budget = format!(
            "```rust\nfn small() {{}}\n```\n\n```rust\n{}```\n",
            "let s = \"<&>\";\n".repeat(MAX_HIGHLIGHTED_BYTES / 10)
        );
        let cases = [
            "```rust\nlet s = \"a<b>&c\u{a0}d\"; // it's 'quoted'\n```\n".to_owned(),
            "```python\r\ndef f():\r\n    return '<x>'\r\n```\r\n".to_owned(),
            "```js\nlet a = 1;\rlet b = '\r';\n```\n".to_owned(),
            "```html\n<script>alert(1)</script>\n<a href=\"javascript:x\" onclick=\"y\">x</a>\n```\n"
                .to_owned(),
            "```rust\n</code></pre><script>alert(1)</script>\n```\n".to_owned(),
            "> quoted\n>\n> ```sh\n> echo \"$HOME\" > out && cat <in\n> ```\n".to_owned(),
            "text[^1]\n\n[^1]: a note\n\n    ```json\n    {\"a\": [1, 2]}\n    ```\n".to_owned(),
            "> [!example]- Folded\n> ```yaml\n> key: \"v\" # c\n> ```\n".to_owned(),
            "| a |\n|---|\n| `x` |\n\n```sql\nSELECT '<b>' FROM t; -- c\n```\n".to_owned(),
            "lorecode00000000000000000000000000000000n00000000\n\n```\nlorecode0n00000000\n```\n"
                .to_owned(),
            "```unknown-language\nplain <text> & \"quotes\"\n```\n~~~\nno language\n~~~\n".to_owned(),
            "```rust\nfn 字() -> &'static str { \"🦀\\t\\u{0}\" }\n```\n".to_owned(),
            "```c\nchar *s = \"a\0b\";\n```\n".to_owned(),
            many_blocks,
            small_then_over_budget,
        ];
        for body in &cases {
            let (put_back, sanitized) = code_put_back_and_sanitized(body);
            assert_eq!(put_back.as_deref(), Some(sanitized.as_str()), "{body:?}");
        }
        // And code of every character that matters to HTML, in each kind of grammar.
        let alphabet: Vec<char> = "ab \"'<>&;=/*#{}()[]-_.:\\`\u{a0}\r\n\t\0é字🦀0123456789"
            .chars()
            .collect();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |below: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % below as u64) as usize
        };
        for round in 0..300 {
            let lang = [
                "rust", "python", "html", "sh", "json", "yaml", "sql", "c", "xml", "",
            ][round % 10];
            let code: String = (0..next(200))
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            let body = format!("~~~~{lang}\n{code}\n~~~~\n");
            let (put_back, sanitized) = code_put_back_and_sanitized(&body);
            assert_eq!(put_back.as_deref(), Some(sanitized.as_str()), "{body:?}");
        }
    }

    /// The HTML of `body`, after checking that its code could not be put back after
    /// sanitizing and that it is what sanitizing all of it gives.
    fn sanitized_whole(body: &str) -> String {
        let (put_back, sanitized) = code_put_back_and_sanitized(body);
        assert_eq!(put_back, None, "{sanitized}");
        let html = render(body, Flavor::Obsidian, &resolve_known).unwrap().html;
        assert_eq!(html, sanitized);
        html
    }

    #[test]
    fn code_an_open_element_turns_into_text_is_sanitized_with_the_rest() {
        // `<title>` reads everything after it as text, the block's tags and marker included.
        let html = sanitized_whole("Put it in the <title> tag.\n\n```html\n<b>x</b>\n```\n");
        assert!(html.contains("&lt;code"), "{html}");
    }

    #[test]
    fn code_the_sanitizer_reads_as_part_of_a_tag_is_sanitized_with_the_rest() {
        // An HTML block leaves an attribute's single quote open; the block after it, and its
        // marker, are read into the attribute's value, where the code's own quotes would end
        // the value. The marker is not replaced there: the note is sanitized whole.
        let html = sanitized_whole("<div title='x\n\n```\n\" onmouseover=\"alert(1)\n```\n\n'>\n");
        assert!(html.starts_with("<div title=\"x"), "{html}");
        assert!(html.contains("alert(1)"), "{html}");
        assert!(!html.contains("onmouseover=\""), "{html}");
    }

    #[test]
    fn the_tag_scanner_tells_text_from_tags_and_quoted_values() {
        let mut tags = TagScanner::default();
        assert!(tags.read("<p class=\"a\">text &lt;b&gt; "));
        assert!(!tags.read("<a title=\"x > <code>"));
        assert!(!tags.read("y\" href"));
        assert!(tags.read("=\"z\">in a link"));
    }

    #[test]
    fn the_sanitizer_allows_no_element_whose_text_is_written_unescaped() {
        // What lets `TagScanner` tell text from tags by `<`, `>` and `"` alone.
        let allowed = SANITIZER.clone_tags();
        for raw in [
            "script",
            "style",
            "xmp",
            "iframe",
            "noembed",
            "noframes",
            "plaintext",
            "noscript",
        ] {
            assert!(!allowed.contains(raw), "{raw}");
        }
    }

    #[test]
    fn ordinary_nesting_and_html_that_closes_itself_render() {
        let nested = "> quote\n> > inner\n> > > innermost\n\n- a\n  - b\n    - c\n";
        assert!(render(nested, Flavor::Markdown, &resolve_known).is_ok());
        // Paragraphs, list items and line breaks left open are closed by the parser itself.
        let html = "<p>one<p>two<br><br><ul><li>a<li>b</ul>\n".repeat(500);
        assert!(render(&html, Flavor::Markdown, &resolve_known).is_ok());
        let details = "<details>\n\n**Inside**\n\n</details>\n\n".repeat(1_000);
        assert!(render(&details, Flavor::Markdown, &resolve_known).is_ok());
    }

    #[test]
    fn a_note_that_renders_too_large_is_refused_and_its_contents_are_capped() {
        let rendered =
            render(&"## same\n".repeat(2_000), Flavor::Markdown, &resolve_known).unwrap();
        assert_eq!(rendered.headings.len(), MAX_CONTENTS);
        // 960 KB of headings became a 52 MB page.
        assert!(matches!(
            render(
                &"## same\n".repeat(120_000),
                Flavor::Markdown,
                &resolve_known
            ),
            Err(RenderError::TooLarge { .. })
        ));
    }
}
