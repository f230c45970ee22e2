//! Code blocks highlighted on the server: syntect's grammars split the code into scopes, and
//! each run of text is wrapped in a span naming one of the few kinds the page colours
//! (`style/main.css`: keywords, strings, comments, numbers, functions, types), or in nothing.
//!
//! Why not syntect's own HTML: it writes a span for every scope, each with every atom of its
//! name as a class (`<span class="hl-meta hl-function hl-parameters hl-python">`), a third of a
//! stored note's HTML in a realistic vault, though the page colours six kinds. Every reader
//! downloaded it, the sanitizer parsed it, and an import wrote it; the spans written here are
//! what the colours need and nothing more.
//!
//! The HTML written here is not sanitized again (see `render::safe_html`), so it is written as
//! the sanitizer would write it back: text escaped as its serializer escapes text, line ends
//! and NUL as its parser reads them.

use std::borrow::Cow;
use std::sync::LazyLock;
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

/// The grammars Lore knows (syntect's defaults), loaded once.
static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

/// The kinds of text the page colours, each with the scopes that are it, in the order they are
/// tried on one scope: the more particular first (`storage.type` is a type, not a keyword).
static KINDS: LazyLock<Vec<(&'static str, Vec<Scope>)>> = LazyLock::new(|| {
    [
        (
            "hl-type",
            &[
                "entity.name.type",
                "entity.name.struct",
                "storage.type",
                "support.type",
            ][..],
        ),
        (
            "hl-function",
            &["entity.name.function", "support.function"][..],
        ),
        ("hl-number", &["constant.numeric", "constant.language"][..]),
        ("hl-comment", &["comment"][..]),
        ("hl-string", &["string"][..]),
        ("hl-keyword", &["keyword", "storage"][..]),
    ]
    .into_iter()
    .map(|(class, scopes)| {
        let scopes = scopes
            .iter()
            .map(|s| Scope::new(s).expect("a valid scope name"))
            .collect();
        (class, scopes)
    })
    .collect()
});

/// The class of the text in `stack`: that of its innermost scope of a coloured kind, as a
/// span's colour comes from the nearest coloured span around it.
fn kind_of(stack: &ScopeStack) -> Option<&'static str> {
    stack.as_slice().iter().rev().find_map(|scope| {
        KINDS.iter().find_map(|(class, kinds)| {
            kinds
                .iter()
                .any(|kind| kind.is_prefix_of(*scope))
                .then_some(*class)
        })
    })
}

/// The grammar for a fence's `lang` (its first word before a comma), else one its first line
/// names (`#!/bin/sh`), else plain text.
fn syntax_for(lang: Option<&str>, code: &str) -> &'static SyntaxReference {
    let token = lang
        .filter(|l| !l.is_empty())
        .map(|l| l.split_once(',').map_or(l, |(first, _)| first));
    token
        .and_then(|token| SYNTAXES.find_syntax_by_token(token))
        .or_else(|| SYNTAXES.find_syntax_by_first_line(code))
        .unwrap_or_else(|| SYNTAXES.find_syntax_plain_text())
}

/// `code`, in the language `lang` names, as escaped HTML with its coloured runs in spans. Code
/// its grammar fails on is written plain from there on.
pub fn highlight(lang: Option<&str>, code: &str) -> String {
    // An HTML parser reads `\r\n` and a lone `\r` as `\n`, and drops NUL from a body's text.
    let code = if code.contains(['\r', '\0']) {
        Cow::Owned(
            code.replace("\r\n", "\n")
                .replace('\r', "\n")
                .replace('\0', ""),
        )
    } else {
        Cow::Borrowed(code)
    };
    let code = code.as_ref();
    let syntax = syntax_for(lang, code);
    let mut parser = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut html = String::with_capacity(code.len() + code.len() / 2);
    let mut open: Option<&'static str> = None;
    // Writes `text` in the kind of `stack`, opening and closing spans only where it changes.
    let mut write = |html: &mut String, text: &str, kind: Option<&'static str>| {
        if text.is_empty() {
            return;
        }
        if kind != open {
            if open.is_some() {
                html.push_str("</span>");
            }
            if let Some(class) = kind {
                html.push_str("<span class=\"");
                html.push_str(class);
                html.push_str("\">");
            }
            open = kind;
        }
        escape_text(html, text);
    };
    let mut lines = code.split_inclusive('\n');
    for line in lines.by_ref() {
        let Ok(ops) = parser.parse_line(line, &SYNTAXES) else {
            write(&mut html, line, None);
            break;
        };
        let mut at = 0;
        for (position, op) in ops {
            write(&mut html, &line[at..position], kind_of(&stack));
            at = position;
            if stack.apply(&op).is_err() {
                break;
            }
        }
        write(&mut html, &line[at..], kind_of(&stack));
    }
    // Whatever the grammar could not parse, plain.
    for line in lines {
        write(&mut html, line, None);
    }
    if open.is_some() {
        html.push_str("</span>");
    }
    html
}

/// Writes `text` as html5ever's serializer (the sanitizer's) writes a text node: `&`, `<`, `>`
/// and the no-break space as entities, quotes as they are.
fn escape_text(html: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '\u{a0}']) {
        html.push_str(&rest[..at]);
        let c = rest[at..]
            .chars()
            .next()
            .expect("a character was found here");
        html.push_str(match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            _ => "&nbsp;",
        });
        rest = &rest[at + c.len_utf8()..];
    }
    html.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_strings_comments_numbers_functions_and_types_get_one_class_each() {
        let html = highlight(
            Some("rust"),
            "// sum\nfn add(a: u32) -> u32 { if a > 1 { return 0 } let s = \"x<y\"; a + 42 }\n",
        );
        for expected in [
            r#"<span class="hl-comment">// sum"#,
            r#"<span class="hl-keyword">if</span>"#,
            // Rust's grammar calls `fn` a storage type, which the page colours as a type.
            r#"<span class="hl-type">fn</span>"#,
            r#"<span class="hl-function">add</span>"#,
            r#"<span class="hl-type">u32</span>"#,
            r#"<span class="hl-string">"x&lt;y"</span>"#,
            r#"<span class="hl-number">42</span>"#,
        ] {
            assert!(html.contains(expected), "{expected} in {html}");
        }
        assert!(!html.contains("hl-meta"), "{html}");
    }

    #[test]
    fn text_of_no_coloured_kind_is_escaped_without_spans() {
        assert_eq!(highlight(None, "a < b & c\n"), "a &lt; b &amp; c\n");
        assert_eq!(
            highlight(Some("no-such-language"), "<script>\n"),
            "&lt;script&gt;\n"
        );
    }

    #[test]
    fn every_span_opened_is_closed_whatever_the_code() {
        for (lang, code) in [
            ("python", "s = \"\"\"never closed\n"),
            ("rust", "/* open comment\n"),
            ("html", "<div class=\"a"),
            ("json", "{\"a\": [1, 2"),
        ] {
            let html = highlight(Some(lang), code);
            assert_eq!(
                html.matches("<span").count(),
                html.matches("</span>").count(),
                "{lang}: {html}"
            );
        }
    }
}
