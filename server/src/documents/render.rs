//! Markdown to safe HTML, once per document change (the result is stored, never re-rendered
//! per request).
//!
//! CommonMark with GitHub's tables, task lists, strikethrough, autolinks and footnotes (comrak);
//! code blocks highlighted on the server into CSS classes (syntect, so the browser bundle carries
//! no highlighter); heading anchors and a table of contents; links between notes rewritten to the
//! app's pages, and links to notes that do not exist pointed at their wanted page. The HTML is
//! then sanitized with ammonia: scripts, event handlers and `javascript:` URLs never survive, no
//! matter what a note contains.

use app::contract::Heading;
use comrak::nodes::NodeValue;
use comrak::plugins::syntect::{SyntectAdapter, SyntectAdapterBuilder};
use comrak::{Anchorizer, Arena, Options, options::Plugins};
use std::collections::HashSet;
use std::sync::LazyLock;

/// The renderer's version, stored with each document's HTML. Raise it whenever a change here
/// changes the HTML produced, so stored documents are rendered again (see
/// [`rerender_stale`](super::import::rerender_stale)).
pub const RENDER_VERSION: i64 = 1;

/// A document body rendered for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Sanitized HTML.
    pub html: String,
    /// The headings, in order, with their anchors.
    pub headings: Vec<Heading>,
    /// Ids of the notes the body links to, in order of first appearance.
    pub links: Vec<String>,
}

/// What a link inside a note points to, once resolved.
pub struct NoteLink {
    /// The id of the target note.
    pub id: String,
    /// Whether that note exists.
    pub exists: bool,
}

/// Renders `body`. `resolve` maps a link destination that points into the knowledge base (a
/// relative path or a bare id, without `#fragment`) to the note it names; links it returns
/// `None` for (external URLs, images) are left alone.
pub fn render(body: &str, resolve: &dyn Fn(&str) -> Option<NoteLink>) -> Rendered {
    let options = options();
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, &options);

    let mut anchorizer = Anchorizer::new();
    let mut headings = Vec::new();
    let mut links = Vec::new();
    let mut seen = HashSet::new();
    for node in root.descendants() {
        let heading_level = match &node.data().value {
            NodeValue::Heading(heading) => Some(heading.level),
            _ => None,
        };
        if let Some(level) = heading_level {
            // The same text and anchorizer comrak uses for the `id`, so the anchors match.
            let text = node.collect_text();
            let anchor = anchorizer.anchorize(&text);
            headings.push(Heading {
                level,
                text,
                anchor,
            });
            continue;
        }
        if let NodeValue::Link(link) = &mut node.data_mut().value
            && let Some((destination, fragment)) = note_destination(&link.url)
            && let Some(target) = resolve(destination)
        {
            link.url = if target.exists {
                format!("/notes/{}{fragment}", target.id)
            } else {
                format!("/wanted/{}", target.id)
            };
            if seen.insert(target.id.clone()) {
                links.push(target.id);
            }
        }
    }

    let mut html = String::new();
    let mut plugins = Plugins::default();
    plugins.render.codefence_syntax_highlighter = Some(&*HIGHLIGHTER);
    comrak::format_html_with_plugins(root, &options, &mut html, &plugins)
        .expect("formatting into a String cannot fail");
    Rendered {
        html: SANITIZER.clean(&html).to_string(),
        headings,
        links,
    }
}

fn options() -> Options<'static> {
    let mut options = Options::default();
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
    let has_scheme = path.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    let is_note = path.ends_with(".md") || !path.rsplit('/').next().unwrap_or(path).contains('.');
    (!has_scheme && is_note && !path.is_empty()).then_some((path, fragment))
}

/// Server-side highlighting into CSS classes (`style/main.css` colours them for both themes).
/// The `hl-` prefix keeps syntect's scope names (`meta`, `block`, `source`) from colliding
/// with the page's own classes.
static HIGHLIGHTER: LazyLock<SyntectAdapter> = LazyLock::new(|| {
    SyntectAdapterBuilder::new()
        .css_with_class_prefix("hl-")
        .build()
});

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
        .add_tag_attributes("li", ["id"])
        .add_tag_attributes("section", ["data-footnotes"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("td", ["align"])
        .add_tag_attributes("th", ["align"])
        .attribute_filter(|element, attribute, value| {
            // The only input a note may contain is comrak's disabled task-list checkbox.
            match (element, attribute) {
                ("input", "type") => (value == "checkbox").then_some(value.into()),
                _ => Some(value.into()),
            }
        });
    builder
});

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_known(destination: &str) -> Option<NoteLink> {
        let id = super::super::parse::id_from_path(destination);
        Some(NoteLink {
            exists: id == "http",
            id,
        })
    }

    fn render_plain(body: &str) -> Rendered {
        render(body, &resolve_known)
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
}
