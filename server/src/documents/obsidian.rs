//! What Obsidian-flavoured Markdown adds to the renderer, over comrak's own support.
//!
//! comrak parses the vault's syntax itself (wikilinks and embeds, callouts, `%%comments%%`,
//! `==highlights==`), so nothing here rewrites the Markdown text: a code block or a code span is
//! never touched, because comrak has already told code from prose. What is left to Lore is
//! what comrak does not know: body `#tags` (collected into the note's tags and linked to their
//! tag page), `^block` anchors (so `[[Note#^id]]` lands on its paragraph), callouts that fold
//! (`<details>`, no script needed) with Obsidian's aliases of the callout types, and where a
//! wikilink's `#Heading` points.

use comrak::html::{ChildRendering, Context, format_node_default};
use comrak::nodes::{AstNode, CalloutFold, Node, NodeCallout, NodeHtmlBlock, NodeValue};
use comrak::{Anchorizer, Arena};
use std::fmt::{self, Write};

/// A wikilink's target split from its `#heading` or `#^block` part: `Note#Setup` is
/// `("Note", Some("Setup"))`; `#Setup` (a heading of the same note) is `("", Some("Setup"))`.
pub fn split_target(url: &str) -> (&str, Option<&str>) {
    match url.split_once('#') {
        Some((target, part)) => (target.trim(), Some(part.trim())),
        None => (url.trim(), None),
    }
}

/// The `#fragment` a wikilink's part after `#` points at on the target's page: a block id
/// (`^id`) as it is, a heading (the last of `H1#H2`) as the anchor its page gives it.
pub fn fragment(part: &str) -> String {
    if part.starts_with('^') {
        return format!("#{part}");
    }
    let heading = part.rsplit('#').next().unwrap_or(part);
    format!("#{}", Anchorizer::new().anchorize(heading))
}

/// Whether a wikilink names a file other than a note (`diagram.png`, `paper.pdf`): an
/// attachment, not a page. Any other dot in a name is part of a note's name (`[[Node.js]]`,
/// `[[v1.2]]`).
pub fn names_attachment(target: &str) -> bool {
    super::attachments::media_type(target).is_some()
}

/// Obsidian's callout types, and the aliases each is also written as. A type not listed here is
/// a custom one: kept as written, shown with the default look.
const CALLOUT_TYPES: &[(&str, &[&str])] = &[
    ("note", &[]),
    ("abstract", &["summary", "tldr"]),
    ("info", &[]),
    ("todo", &[]),
    ("tip", &["hint", "important"]),
    ("success", &["check", "done"]),
    ("question", &["help", "faq"]),
    ("warning", &["caution", "attention"]),
    ("failure", &["fail", "missing"]),
    ("danger", &["error"]),
    ("bug", &[]),
    ("example", &[]),
    ("quote", &["cite"]),
];

/// The type a callout is styled as: its written type (comrak has lower-cased it), or the type
/// that is an alias of.
pub fn callout_kind(written: &str) -> &str {
    CALLOUT_TYPES
        .iter()
        .find(|(kind, aliases)| *kind == written || aliases.contains(&written))
        .map_or(written, |(kind, _)| kind)
}

/// Formats a node as comrak does, except callouts: a callout that folds (`[!tip]-` folded,
/// `[!tip]+` open) is a `<details>` with its title as the `<summary>`, so it folds in every
/// browser without script; every callout carries its type (aliases resolved) in
/// `data-callout`, for the style sheet.
pub fn format_node<T>(
    context: &mut Context<T>,
    node: Node<'_>,
    entering: bool,
) -> Result<ChildRendering, fmt::Error> {
    // Only a callout's own data is copied: this runs for every node of every note.
    let callout = match &node.data().value {
        NodeValue::Callout(callout) => Some(callout.clone()),
        _ => None,
    };
    if let Some(callout) = callout {
        return format_callout(context, node, entering, &callout);
    }
    let value = &node.data().value;
    match value {
        NodeValue::CalloutTitle => {
            let folds = node.parent().is_some_and(|parent| {
                matches!(&parent.data().value, NodeValue::Callout(c) if c.fold != CalloutFold::None)
            });
            let title = if folds { "summary" } else { "div" };
            if entering {
                write!(context, "<{title} class=\"callout-title\">")?;
            } else {
                write!(context, "</{title}>\n<div class=\"callout-content\">\n")?;
            }
            Ok(ChildRendering::HTML)
        }
        // The title's words, without a paragraph around them (a `<p>` does not belong in a
        // `<summary>`).
        NodeValue::Paragraph
            if node
                .parent()
                .is_some_and(|parent| matches!(parent.data().value, NodeValue::CalloutTitle)) =>
        {
            Ok(ChildRendering::HTML)
        }
        _ => format_node_default(context, node, entering),
    }
}

/// A callout's opening (its element, type, title when it has none of its own, and the start of
/// its content) or its closing.
fn format_callout<T>(
    context: &mut Context<T>,
    node: Node<'_>,
    entering: bool,
    callout: &NodeCallout,
) -> Result<ChildRendering, fmt::Error> {
    let folds = callout.fold != CalloutFold::None;
    let element = if folds { "details" } else { "div" };
    context.cr()?;
    if !entering {
        write!(context, "</div>\n</{element}>\n")?;
        return Ok(ChildRendering::HTML);
    }
    write!(context, "<{element} class=\"callout\" data-callout=\"")?;
    context.escape(callout_kind(&callout.callout_type))?;
    context.write_str("\"")?;
    if callout.fold == CalloutFold::Expanded {
        context.write_str(" open")?;
    }
    context.write_str(">\n")?;
    let titled = node
        .first_child()
        .is_some_and(|child| matches!(child.data().value, NodeValue::CalloutTitle));
    if !titled {
        let title = if folds { "summary" } else { "div" };
        write!(context, "<{title} class=\"callout-title\">")?;
        context.escape(&callout.default_title())?;
        write!(context, "</{title}>\n<div class=\"callout-content\">\n")?;
    }
    Ok(ChildRendering::HTML)
}

/// Whether `node` is a comment (`%%...%%`), which the reader does not see.
pub fn is_comment(node: &AstNode<'_>) -> bool {
    matches!(
        node.data().value,
        NodeValue::CommentInline(_) | NodeValue::MultilineComment(_)
    )
}

/// The nodes of `root` a reader sees, in document order: comments (`%%...%%`) and what is
/// inside them left out, so a link or a tag written in a comment counts for nothing.
pub fn visible<'a>(root: &'a AstNode<'a>) -> Vec<&'a AstNode<'a>> {
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if is_comment(node) {
            continue;
        }
        found.push(node);
        // Children pushed last-first, so they pop in order.
        let mut children: Vec<_> = node.children().collect();
        children.reverse();
        stack.extend(children);
    }
    found
}

/// The longest tag taken from a note's body; longer runs of tag characters are not tags.
const MAX_TAG_CHARS: usize = 100;

/// Finds the `#tags` written in `nodes`' text, links each to its tag page, and returns them in
/// order of first appearance. As in Obsidian: a tag follows the start of a line or a space; it
/// is letters, digits, `_`, `-` and `/` (for nested tags, `#area/networking`), and not digits
/// alone (`#42` is an issue number). Text inside links, images and code is not looked at.
pub fn link_tags<'a>(arena: &'a Arena<'a>, nodes: &[&'a AstNode<'a>]) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for &node in nodes {
        let text = match &node.data().value {
            NodeValue::Text(text) if text.contains('#') => text.to_string(),
            _ => continue,
        };
        // (An escaped `\#` is text of its own, inside an `Escaped` node.)
        if node.ancestors().skip(1).any(|a| {
            matches!(
                a.data().value,
                NodeValue::Link(_)
                    | NodeValue::Image(_)
                    | NodeValue::WikiLink(_)
                    | NodeValue::Escaped
            )
        }) {
            continue;
        }
        // At the very start of a text node, a tag must also start a line or follow a space.
        let starts_clean = node.previous_sibling().is_none_or(|previous| {
            matches!(
                previous.data().value,
                NodeValue::SoftBreak | NodeValue::LineBreak
            ) || matches!(&previous.data().value, NodeValue::Text(t) if t.ends_with(char::is_whitespace))
        });
        let found = find_tags(&text, starts_clean);
        if found.is_empty() {
            continue;
        }
        let mut at = 0;
        for (start, end) in found {
            if start > at {
                node.insert_before(text_node(arena, &text[at..start]));
            }
            let tag = &text[start + 1..end];
            // The words stay text, so search and the table of contents still read them.
            node.insert_before(html_inline(
                arena,
                format!(
                    "<a class=\"tag\" href=\"{}\">",
                    app::contract::tag_page(tag)
                ),
            ));
            node.insert_before(text_node(arena, &text[start..end]));
            node.insert_before(html_inline(arena, "</a>".to_owned()));
            if !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
                tags.push(tag.to_owned());
            }
            at = end;
        }
        if at < text.len() {
            node.insert_before(text_node(arena, &text[at..]));
        }
        node.detach();
    }
    tags
}

/// The byte ranges of the tags in `text` (each from its `#`).
fn find_tags(text: &str, starts_clean: bool) -> Vec<(usize, usize)> {
    let is_tag_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '/');
    let mut found = Vec::new();
    let mut previous: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let after_space = match previous {
            None => starts_clean,
            Some(p) => p.is_whitespace(),
        };
        previous = Some(c);
        if c != '#' || !after_space {
            continue;
        }
        let start = index;
        let mut end = index + 1;
        while let Some(&(i, next)) = chars.peek() {
            if !is_tag_char(next) {
                break;
            }
            end = i + next.len_utf8();
            previous = Some(next);
            chars.next();
        }
        let tag = text[start + 1..end].trim_end_matches('/');
        let end = start + 1 + tag.len();
        let chars_in_tag = tag.chars().count();
        if chars_in_tag > 0
            && chars_in_tag <= MAX_TAG_CHARS
            && !tag.starts_with('/')
            && tag.chars().any(|c| !c.is_ascii_digit())
        {
            found.push((start, end));
        }
    }
    found
}

/// Gives each paragraph that ends in a block id (`... ^intro`) an anchor of that id, with the
/// id taken out of its text; a paragraph that is only a block id (under a list, a table or a
/// quote) anchors the block before it.
pub fn anchor_blocks<'a>(arena: &'a Arena<'a>, nodes: &[&'a AstNode<'a>]) {
    for &paragraph in nodes {
        if !matches!(paragraph.data().value, NodeValue::Paragraph) {
            continue;
        }
        let Some(last) = paragraph.last_child() else {
            continue;
        };
        let (kept, id) = match &last.data().value {
            NodeValue::Text(text) => match block_id(text) {
                Some((kept, id)) => (kept.to_owned(), id.to_owned()),
                None => continue,
            },
            _ => continue,
        };
        // Right after other text (`**b**^id`, `a\*^id`), it is not an id: Obsidian wants a
        // space or a line before it.
        if kept.is_empty()
            && let Some(previous) = last.previous_sibling()
            && !matches!(
                previous.data().value,
                NodeValue::SoftBreak | NodeValue::LineBreak
            )
            && !matches!(&previous.data().value, NodeValue::Text(t) if t.ends_with(char::is_whitespace))
        {
            continue;
        }
        let anchor = format!("<span id=\"^{}\"></span>", super::escape_html(&id));
        let only_an_id = kept.trim().is_empty() && last.previous_sibling().is_none();
        if only_an_id && let Some(block) = paragraph.previous_sibling() {
            block.insert_before(html_block(arena, anchor));
            paragraph.detach();
            continue;
        }
        if let NodeValue::Text(text) = &mut last.data_mut().value {
            *text = kept.trim_end().to_owned().into();
        }
        paragraph.prepend(html_inline(arena, anchor));
    }
}

/// `text` without a block id at its end, and the id: `"Intro ^intro-1"` is
/// `("Intro ", "intro-1")`.
fn block_id(text: &str) -> Option<(&str, &str)> {
    let (kept, id) = text.trim_end().rsplit_once('^')?;
    let valid = !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && (kept.is_empty() || kept.ends_with(char::is_whitespace));
    valid.then_some((kept, id))
}

/// A new text node holding `text`.
pub fn text_node<'a>(arena: &'a Arena<'a>, text: &str) -> &'a AstNode<'a> {
    arena.alloc(NodeValue::Text(text.to_owned().into()).into())
}

/// A new node of raw inline HTML, which the sanitizer then checks like the rest.
pub fn html_inline<'a>(arena: &'a Arena<'a>, html: String) -> &'a AstNode<'a> {
    arena.alloc(NodeValue::HtmlInline(html).into())
}

fn html_block<'a>(arena: &'a Arena<'a>, html: String) -> &'a AstNode<'a> {
    arena.alloc(
        NodeValue::HtmlBlock(NodeHtmlBlock {
            block_type: 6,
            literal: format!("{html}\n"),
        })
        .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_a_space_or_a_line_start_and_are_not_numbers_alone() {
        let tags = |text: &str| -> Vec<String> {
            find_tags(text, true)
                .into_iter()
                .map(|(s, e)| text[s + 1..e].to_owned())
                .collect()
        };
        assert_eq!(
            tags("#start and #area/networking, not issue #42 or C# or a#b; #rust-lang."),
            ["start", "area/networking", "rust-lang"]
        );
        assert_eq!(tags("#日本語 and #café"), ["日本語", "café"]);
        assert_eq!(tags("# heading-like"), Vec::<String>::new());
        assert!(find_tags("#mid", false).is_empty());
    }

    #[test]
    fn a_block_id_is_the_last_word_after_a_caret() {
        assert_eq!(
            block_id("Intro text ^intro-1"),
            Some(("Intro text ", "intro-1"))
        );
        assert_eq!(block_id("^only"), Some(("", "only")));
        assert_eq!(block_id("2^10 is 1024"), None);
        assert_eq!(block_id("x^y"), None);
        assert_eq!(block_id("bad ^id!"), None);
    }

    #[test]
    fn wikilink_parts_point_at_headings_and_blocks() {
        assert_eq!(split_target("Note#Set up"), ("Note", Some("Set up")));
        assert_eq!(split_target("#Local"), ("", Some("Local")));
        assert_eq!(fragment("Set up the Proxy"), "#set-up-the-proxy");
        assert_eq!(fragment("Top#Inner part"), "#inner-part");
        assert_eq!(fragment("^abc-1"), "#^abc-1");
        assert!(names_attachment("images/diagram.PNG"));
        assert!(names_attachment("paper.pdf"));
        assert!(!names_attachment("Note"));
        assert!(!names_attachment("v1.2 release notes"));
        assert!(!names_attachment("notes/Plan.md"));
        assert!(!names_attachment("Node.js"));
        assert!(!names_attachment("2024.01.15"));
    }

    #[test]
    fn callout_aliases_take_their_types_look() {
        assert_eq!(callout_kind("faq"), "question");
        assert_eq!(callout_kind("tldr"), "abstract");
        assert_eq!(callout_kind("warning"), "warning");
        assert_eq!(callout_kind("my-custom"), "my-custom");
    }
}
