//! The Markdown renderer with its sanitizer: any body renders or is refused with a reason,
//! never a panic, and what it renders never holds script: no `<script>` (or other element that
//! runs or embeds code), no event-handler attribute, no `javascript:`-like URL. Bodies are
//! read as plain Markdown or as Obsidian's (the first byte decides), whose wikilinks, callouts
//! and tags Lore turns into HTML of its own.
#![no_main]

use libfuzzer_sys::fuzz_target;
use app::contract::Flavor;
use server::documents::render::{NoteLink, Reference, render};

/// Elements that run, embed or restyle code or other documents.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "button", "textarea", "select", "svg", "math", "base", "meta", "link", "template", "noscript",
];

/// URL schemes that run code.
const SCRIPT_SCHEMES: &[&str] = &["javascript", "vbscript", "livescript", "data"];

/// Attributes whose value is a URL.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let flavor = if first % 2 == 0 {
        Flavor::Markdown
    } else {
        Flavor::Obsidian
    };
    let Ok(body) = std::str::from_utf8(rest) else {
        return;
    };
    // Every other link resolves to a note (or file) that exists, every third wikilink is
    // ambiguous, so every kind of link renders; a file's path is written into the page as it
    // was written in the note.
    let resolve = |reference: Reference<'_>| {
        let (Reference::Path(destination)
        | Reference::Wiki(destination)
        | Reference::File(destination)
        | Reference::WikiFile(destination)) = reference;
        let ambiguous = matches!(reference, Reference::Wiki(_) | Reference::WikiFile(_))
            && destination.len() % 3 == 0;
        let exists = destination.len() % 2 == 0;
        let file = matches!(reference, Reference::File(_) | Reference::WikiFile(_));
        Some(NoteLink {
            id: destination.to_owned(),
            exists,
            candidates: if ambiguous {
                vec![("a".into(), "a/x.md".into()), ("b".into(), "b/x.md".into())]
            } else {
                Vec::new()
            },
            hash: (file && exists).then(|| "0123456789abcdef0123".into()),
        })
    };
    let Ok(rendered) = render(body, flavor, &resolve) else {
        return;
    };
    check_html(&rendered.html);
});

/// Walks the tags of `html` as a browser's tokenizer would for this serializer's output (text
/// and attribute values have `<`, `&` and `"` escaped, values are double-quoted) and panics at
/// anything that could run script.
fn check_html(html: &str) {
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if let Some(comment) = rest.strip_prefix("!--") {
            let end = comment.find("-->").expect("a comment is closed");
            rest = &comment[end + 3..];
            continue;
        }
        let name_end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..name_end]
            .trim_start_matches('/')
            .to_ascii_lowercase();
        assert!(
            !FORBIDDEN_ELEMENTS.contains(&name.as_str()),
            "<{name}> survived sanitizing in {html}"
        );
        rest = &rest[name_end..];
        // Attributes up to the tag's `>`.
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
            if let Some(after) = rest.strip_prefix('>') {
                rest = after;
                break;
            }
            assert!(!rest.is_empty(), "a tag is not closed in {html}");
            let attribute_end = rest
                .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '>' || c == '/')
                .unwrap_or(rest.len());
            let attribute = rest[..attribute_end].to_ascii_lowercase();
            rest = &rest[attribute_end..];
            let mut value = String::new();
            if let Some(after) = rest.strip_prefix("=\"") {
                let end = after.find('"').expect("an attribute value is closed");
                value = unescape(&after[..end]);
                rest = &after[end + 1..];
            }
            assert!(
                !attribute.starts_with("on"),
                "event handler {attribute}= survived sanitizing in {html}"
            );
            if URL_ATTRIBUTES.contains(&attribute.as_str()) {
                assert!(
                    !SCRIPT_SCHEMES.contains(&scheme_of(&value).as_str()),
                    "{attribute}=\"{value}\" survived sanitizing in {html}"
                );
            }
        }
    }
}

/// A URL's scheme as a browser reads it (WHATWG URL): leading C0 controls and spaces dropped,
/// tabs and line breaks dropped anywhere, then a letter followed by letters, digits, `+`, `-`
/// or `.` up to a `:`. Lower case; empty for a relative URL.
fn scheme_of(url: &str) -> String {
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let Some((scheme, _)) = cleaned.split_once(':') else {
        return String::new();
    };
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if starts_with_letter && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
        scheme.to_ascii_lowercase()
    } else {
        String::new()
    }
}

/// The characters an attribute value's entities stand for (the ones the serializer writes).
fn unescape(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}
