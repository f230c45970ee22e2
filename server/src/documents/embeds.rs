//! Notes embedded in other notes (`![[Note]]`, `![[Note#Heading]]`, `![[Note#^block]]`), drawn
//! in place when a note is read.
//!
//! Rendering leaves a placeholder where a note is embedded: a link to it, in a
//! `<span class="embed" data-embed="{id}" data-part="{anchor}">`. When the note is read, each
//! placeholder that stands alone in its paragraph is replaced by the part of the embedded
//! note's stored HTML it names ([`part_of`]), with a link to the original; an embed inside a
//! line of text stays a link. Done when reading rather than when rendering, an embed always
//! shows its note as it is now, and nothing has to be rendered again when that note changes
//! (the replica's cache is renewed by every write anyway). Embeds inside embedded parts are
//! drawn too, [`MAX_DEPTH`] deep, and a note embedding itself, directly or through others,
//! shows a link where the cycle closes.
//!
//! The HTML read here is Lore's own: rendered by comrak, then serialized by ammonia, so its
//! elements are balanced and its top level is a list of blocks.

/// How many embeds deep embedded parts are drawn.
pub const MAX_DEPTH: usize = 3;

/// How many embeds one read draws, at most: a note of a hundred thousand `![[Big note]]`
/// lines, each drawing a note of megabytes, would otherwise be one read of hundreds of
/// gigabytes. Past it, an embed stays a link.
pub const MAX_DRAWN: usize = 64;

/// How much HTML the embeds of one read may add, at most (past it, an embed stays a link).
pub const MAX_DRAWN_BYTES: usize = 4 * 1024 * 1024;

/// Elements that have no end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// One placeholder in a note's HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The bytes of the HTML it takes: its paragraph when it stands alone in one, else the
    /// span.
    pub range: std::ops::Range<usize>,
    /// The embedded note's id.
    pub id: String,
    /// The anchor of the part embedded (a heading's, or `^block`), if not the whole note.
    pub part: Option<String>,
    /// The placeholder's own HTML (the link), to keep where the embed is not drawn.
    pub link: String,
    /// Whether it stands alone in its paragraph, so a block can take its place.
    pub alone: bool,
}

/// The start tag of the placeholder for an embed of note `id` (its `part`, if given); the
/// link to it follows, then `</span>`.
pub fn placeholder_start(id: &str, part: Option<&str>) -> String {
    format!(
        "<span class=\"embed\" data-embed=\"{}\" data-part=\"{}\">",
        super::escape_html(id),
        super::escape_html(part.unwrap_or_default())
    )
}

/// The placeholders in `html`, in order.
pub fn placeholders(html: &str) -> Vec<Placeholder> {
    const START: &str = "<span class=\"embed\" data-embed=\"";
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = html[from..].find(START).map(|i| i + from) {
        let Some(end) = element_end(html, at) else {
            break;
        };
        let span = &html[at..end];
        let id = attribute(span, "data-embed").unwrap_or_default();
        let part = attribute(span, "data-part").filter(|p| !p.is_empty());
        let open_end = span.find('>').map_or(span.len(), |i| i + 1);
        let link = span[open_end..span.len() - "</span>".len()].to_owned();
        let alone = html[..at].ends_with("<p>") && html[end..].starts_with("</p>");
        let range = if alone {
            at - "<p>".len()..end + "</p>".len()
        } else {
            at..end
        };
        found.push(Placeholder {
            range,
            id: unescape(&id),
            part: part.map(|p| unescape(&p)),
            link,
            alone,
        });
        from = end;
    }
    found
}

/// The part of a note's `html` that `part` names: the section under the heading with that
/// anchor (to the next heading of its level or above), the block holding the element with that
/// id (`^block`), or the whole note; `None` if there is no such part.
pub fn part_of(html: &str, part: Option<&str>) -> Option<String> {
    let Some(part) = part else {
        return Some(html.to_owned());
    };
    let blocks = top_level(html);
    let id = format!("id=\"{}\"", super::escape_html(part));
    // A block's anchor is the span Lore wrote (`obsidian::anchor_blocks`); text that reads
    // like one is escaped (`&lt;span`), so it is never taken for it.
    let anchor = format!("<span {id}></span>");
    let start = blocks.iter().position(|b| {
        let block = &html[b.clone()];
        if part.starts_with('^') {
            block.contains(&anchor)
        } else {
            heading_level(block).is_some() && block[..block.find('>').unwrap_or(0)].contains(&id)
        }
    })?;
    let first = &html[blocks[start].clone()];
    if part.starts_with('^') {
        // An id on a line of its own names the block before it, and its anchor stands alone
        // in front of that block.
        return Some(match blocks.get(start + 1) {
            Some(next) if first == anchor => html[blocks[start].start..next.end].to_owned(),
            // An id at the end of a list item names that item (with the items under it), as
            // in Obsidian, not the whole list.
            _ => list_item_of(first, first.find(&anchor)?).unwrap_or_else(|| first.to_owned()),
        });
    }
    let Some(level) = heading_level(first) else {
        return Some(first.to_owned());
    };
    let end = blocks[start + 1..]
        .iter()
        .position(|b| heading_level(&html[b.clone()]).is_some_and(|l| l <= level))
        .map_or(blocks.len(), |i| start + 1 + i);
    Some(html[blocks[start].start..blocks[end - 1].end].to_owned())
}

/// The innermost list item of `block` holding byte `at`, alone in a list like its own (an
/// ordered one starting at its number), or `None` if `at` is in no list item.
fn list_item_of(block: &str, at: usize) -> Option<String> {
    let item = innermost(block, at, &["li"])?;
    let list = innermost(block, item.start, &["ul", "ol"])?;
    let list_html = &block[list.clone()];
    let name = &list_html[1..3];
    let start = if name == "ol" {
        // Its number: the list's first, plus the items before it in the same list.
        let first: usize = attribute(list_html, "start")
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let inner = list.start + tag_end(list_html, 0)?;
        let before = top_level(&block[inner..item.start])
            .iter()
            .filter(|child| block[inner + child.start..].starts_with("<li"))
            .count();
        format!(" start=\"{}\"", first + before)
    } else {
        String::new()
    };
    Some(format!("<{name}{start}>{}</{name}>", &block[item]))
}

/// The byte range of the innermost element of `block` named one of `names` that holds byte
/// `at`.
fn innermost(block: &str, at: usize, names: &[&str]) -> Option<std::ops::Range<usize>> {
    let mut found = None;
    let mut from = 0;
    while let Some(open) = block[from..at].find('<').map(|i| i + from) {
        from = open + 1;
        let name: String = block[open + 1..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if names.contains(&name.as_str())
            && let Some(end) = element_end(block, open)
            && end > at
        {
            found = Some(open..end);
        }
    }
    found
}

/// The level of the heading `block` is, if it is one.
fn heading_level(block: &str) -> Option<u8> {
    let rest = block.strip_prefix("<h")?;
    let level = rest.chars().next()?.to_digit(10)?;
    let after = rest[1..].chars().next()?;
    ((1..=6).contains(&level) && (after == '>' || after == ' ')).then_some(level as u8)
}

/// The byte ranges of the top-level elements of `html` (text between them left out).
fn top_level(html: &str) -> Vec<std::ops::Range<usize>> {
    let mut blocks = Vec::new();
    let mut at = 0;
    while let Some(open) = html[at..].find('<').map(|i| i + at) {
        if html[open + 1..].starts_with('/') {
            // An end tag with nothing open: not Lore's HTML; stop rather than guess.
            break;
        }
        let Some(end) = element_end(html, open) else {
            break;
        };
        blocks.push(open..end);
        at = end;
    }
    blocks
}

/// Where the element that starts at byte `open` of `html` ends (past its end tag).
fn element_end(html: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = open;
    loop {
        let tag_start = html[at..].find('<').map(|i| i + at)?;
        let tag_end = tag_end(html, tag_start)?;
        let tag = &html[tag_start + 1..tag_end - 1];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if closing {
            depth = depth.checked_sub(1)?;
        } else if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
            depth += 1;
        }
        at = tag_end;
        if depth == 0 {
            return Some(at);
        }
    }
}

/// Where the tag that starts at byte `start` (its `<`) ends, past its `>`; a `>` inside a
/// quoted attribute value does not end it.
fn tag_end(html: &str, start: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in html[start..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(start + i + 1),
            _ => {}
        }
    }
    None
}

/// The value of attribute `name` in the start tag that begins `element`, as written.
fn attribute(element: &str, name: &str) -> Option<String> {
    let tag = &element[..tag_end(element, 0)?];
    let key = format!(" {name}=\"");
    let from = tag.find(&key)? + key.len();
    let to = tag[from..].find('"')? + from;
    Some(tag[from..to].to_owned())
}

/// Text written escaped in an attribute, as it was.
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholder(id: &str, part: Option<&str>, link: &str) -> String {
        format!("{}{link}</span>", placeholder_start(id, part))
    }

    const NOTE: &str = "<h1 id=\"http\">HTTP</h1>\n<p>Intro.</p>\n<h2 id=\"methods\">Methods</h2>\n<p>GET and <a title=\"a>b\" href=\"/x\">POST</a>.</p>\n<ul>\n<li>PUT<br></li>\n</ul>\n<h3 id=\"safe\">Safe</h3>\n<p>GET.</p>\n<h2 id=\"codes\">Codes</h2>\n<p><span id=\"^five\"></span>Five classes.</p>\n";

    #[test]
    fn a_heading_embeds_its_section_down_to_the_next_heading_of_its_level() {
        let part = part_of(NOTE, Some("methods")).unwrap();
        assert!(part.starts_with("<h2 id=\"methods\">"), "{part}");
        assert!(part.contains("<li>PUT<br></li>") && part.contains("<h3 id=\"safe\">"));
        assert!(part.ends_with("<p>GET.</p>"), "{part}");
        assert!(!part.contains("Codes"), "{part}");
        assert_eq!(
            part_of(NOTE, Some("codes")).unwrap(),
            "<h2 id=\"codes\">Codes</h2>\n<p><span id=\"^five\"></span>Five classes.</p>"
        );
    }

    #[test]
    fn a_block_id_embeds_its_block_and_no_part_the_whole_note() {
        assert_eq!(
            part_of(NOTE, Some("^five")).unwrap(),
            "<p><span id=\"^five\"></span>Five classes.</p>"
        );
        assert_eq!(part_of(NOTE, None).unwrap(), NOTE);
        assert_eq!(part_of(NOTE, Some("nowhere")), None);
        // An id on its own line after a table: its anchor, then the table.
        let table = "<p>Before.</p>\n<span id=\"^t\"></span><table><tr><td>1</td></tr></table>\n<p>After.</p>\n";
        assert_eq!(
            part_of(table, Some("^t")).unwrap(),
            "<span id=\"^t\"></span><table><tr><td>1</td></tr></table>"
        );
        // Text that reads like an anchor is not one.
        let text = "<p><code>&lt;span id=\"^x\"&gt;</code> id=\"^x\"</p>\n";
        assert_eq!(part_of(text, Some("^x")), None);
    }

    #[test]
    fn a_block_id_in_a_list_item_embeds_that_item_with_its_own_items_not_the_whole_list() {
        let list = "<ul>\n<li>First</li>\n<li><span id=\"^second\"></span>Second\n<ul>\n<li>Under it</li>\n</ul>\n</li>\n<li>Third</li>\n</ul>\n";
        assert_eq!(
            part_of(list, Some("^second")).unwrap(),
            "<ul><li><span id=\"^second\"></span>Second\n<ul>\n<li>Under it</li>\n</ul>\n</li></ul>"
        );
        // In a nested list, the innermost item; in an ordered one, with its own number.
        let nested = "<ol start=\"3\">\n<li>Three</li>\n<li>Four\n<ol>\n<li>A</li>\n<li><p><span id=\"^b\"></span>B</p></li>\n</ol>\n</li>\n</ol>\n";
        assert_eq!(
            part_of(nested, Some("^b")).unwrap(),
            "<ol start=\"2\"><li><p><span id=\"^b\"></span>B</p></li></ol>"
        );
        let numbered =
            "<ol start=\"3\">\n<li>Three</li>\n<li><span id=\"^four\"></span>Four</li>\n</ol>\n";
        assert_eq!(
            part_of(numbered, Some("^four")).unwrap(),
            "<ol start=\"4\"><li><span id=\"^four\"></span>Four</li></ol>"
        );
        // As the renderer writes a vault's list.
        let rendered = crate::documents::render::render(
            "- One\n- Two ^two\n  - Under two\n- Three\n",
            app::contract::Flavor::Obsidian,
            &|_| None,
        )
        .unwrap()
        .html;
        let item = part_of(&rendered, Some("^two")).unwrap();
        assert!(
            item.starts_with("<ul><li><span id=\"^two\"></span>Two"),
            "{item}"
        );
        assert!(item.contains("Under two") && !item.contains("One") && !item.contains("Three"));
        // An id on its own line after the list still names the whole list.
        let after = "<span id=\"^all\"></span><ul>\n<li>One</li>\n</ul>\n";
        assert_eq!(
            part_of(after, Some("^all")).unwrap(),
            "<span id=\"^all\"></span><ul>\n<li>One</li>\n</ul>"
        );
    }

    #[test]
    fn placeholders_are_found_with_their_paragraph_when_alone_in_one() {
        let link = "<a href=\"/notes/http#methods\">HTTP#Methods</a>";
        let alone = format!("<p>{}</p>", placeholder("http", Some("methods"), link));
        let inline = format!("<p>See {} here.</p>", placeholder("a&b", None, link));
        let html = format!("{alone}\n{inline}\n");
        let found = placeholders(&html);
        assert_eq!(found.len(), 2);
        assert_eq!(&html[found[0].range.clone()], alone);
        assert_eq!(
            (
                found[0].id.as_str(),
                found[0].part.as_deref(),
                found[0].alone
            ),
            ("http", Some("methods"), true)
        );
        assert_eq!(found[0].link, link);
        assert_eq!(
            (found[1].id.as_str(), found[1].part.as_deref()),
            ("a&b", None)
        );
        assert!(!found[1].alone);
    }
}
