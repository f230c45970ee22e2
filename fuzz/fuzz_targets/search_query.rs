//! Search query building: whatever a reader types becomes at most 16 terms of letters and
//! digits, and each engine's query text (SQLite's FTS5 MATCH expression, PostgreSQL's
//! `tsquery`) holds what was typed only inside quotes: take the quoted strings out and nothing
//! but the builder's own syntax is left.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::documents::search::terms;
use server::store::SearchTerm;
use server::store::query_text;

fuzz_target!(|data: &[u8]| {
    let Ok(typed) = std::str::from_utf8(data) else {
        return;
    };
    let terms = terms(typed);
    assert!(terms.len() <= 16, "{} terms", terms.len());
    for term in &terms {
        let words = match term {
            SearchTerm::Word(word) => std::slice::from_ref(word),
            SearchTerm::Phrase(words) => words.as_slice(),
        };
        assert!(!words.is_empty(), "an empty phrase");
        for word in words {
            assert!(!word.is_empty(), "an empty word");
            assert!(
                !word
                    .contains(|c: char| c.is_whitespace() || c.is_control() || "\"'\\".contains(c)),
                "{word:?} holds a character that is syntax somewhere"
            );
        }
    }
    for prefix_last in [false, true] {
        if let Some(fts) = query_text::sqlite(&terms, prefix_last) {
            let syntax = outside_quotes(&fts, '"');
            assert!(
                syntax.chars().all(|c| c == ' ' || c == '*'),
                "FTS5 query {fts:?} has {syntax:?} outside its quotes"
            );
        }
        for weight in [None, Some('A'), Some('B'), Some('C')] {
            if let Some(ts) = query_text::postgres(&terms, prefix_last, weight) {
                let syntax = outside_quotes(&ts, '\'');
                assert!(
                    syntax.chars().all(|c| " &<->():*ABC".contains(c)),
                    "tsquery {ts:?} has {syntax:?} outside its quotes"
                );
            }
        }
    }
});

/// `query` without its `quote`-delimited strings (panics on an unclosed one).
fn outside_quotes(query: &str, quote: char) -> String {
    let mut outside = String::new();
    let mut parts = query.split(quote);
    outside.push_str(parts.next().unwrap_or_default());
    loop {
        match (parts.next(), parts.next()) {
            (Some(_quoted), Some(after)) => outside.push_str(after),
            (None, _) => return outside,
            (Some(quoted), None) => panic!("unclosed quote at {quoted:?} in {query:?}"),
        }
    }
}
