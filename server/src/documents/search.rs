//! Reading what a person types as words and phrases, suggesting spellings, and making snippets
//! safe to show.
//!
//! A query becomes [`SearchTerm`]s: words of letters and digits, lower-cased, and the words of
//! text in double quotes as a phrase. Nothing else of what was typed survives, so no engine's
//! query language (FTS5's `NEAR(`, `*`, column filters; PostgreSQL's `&`, `!`, `:*`) can be
//! written by a reader: each engine builds its own query from the terms.

/// Words and phrases from more than this many are ignored: no one types more, and a 10 KB
/// query must cost no more than a short one.
const MAX_TERMS: usize = 16;

pub use crate::store::{MATCH_END, MATCH_START, SearchTerm};

/// The words and phrases of a query, as the reader wrote them (phrases without their quotes).
pub fn terms(input: &str) -> Vec<SearchTerm> {
    let mut terms = Vec::new();
    for (index, part) in input.split('"').enumerate() {
        let in_quotes = index % 2 == 1;
        if in_quotes {
            let words = words(part);
            if !words.is_empty() {
                terms.push(SearchTerm::Phrase(words));
            }
        } else {
            terms.extend(words(part).into_iter().map(SearchTerm::Word));
        }
    }
    terms.truncate(MAX_TERMS);
    terms
}

/// Splits on anything that is not a letter or digit, as the index's tokenizer does, and lower-
/// cases.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The spelling of `word` the index knows, if `word` itself is unknown and a known term is one
/// edit away (a letter added, dropped, changed, or two neighbours swapped: `laod` → `load`).
/// Among several, the term in the most documents wins.
pub fn suggest(word: &str, vocabulary: &[(String, i64)]) -> Option<String> {
    if word.chars().count() < 3 || vocabulary.iter().any(|(term, _)| term == word) {
        return None;
    }
    vocabulary
        .iter()
        .filter(|(term, _)| one_edit_apart(word, term))
        .max_by_key(|(term, docs)| (*docs, std::cmp::Reverse(term.clone())))
        .map(|(term, _)| term.clone())
}

/// Optimal string alignment distance of at most one.
fn one_edit_apart(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a == b || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    match ra.len().cmp(&rb.len()) {
        std::cmp::Ordering::Equal => {
            ra[1..] == rb[1..]
                || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        std::cmp::Ordering::Less => ra == &rb[1..],
        std::cmp::Ordering::Greater => &ra[1..] == rb,
    }
}

/// The query with each word replaced by its suggestion, if any word had one.
pub fn corrected(
    terms: &[SearchTerm],
    suggestion: impl Fn(&str) -> Option<String>,
) -> Option<Vec<SearchTerm>> {
    let mut changed = false;
    let fixed = terms
        .iter()
        .map(|term| match term {
            SearchTerm::Word(word) => match suggestion(word) {
                Some(better) => {
                    changed = true;
                    SearchTerm::Word(better)
                }
                None => term.clone(),
            },
            SearchTerm::Phrase(_) => term.clone(),
        })
        .collect();
    changed.then_some(fixed)
}

/// How a query reads back to a person (for "did you mean").
pub fn display(terms: &[SearchTerm]) -> String {
    terms
        .iter()
        .map(|term| match term {
            SearchTerm::Word(word) => word.clone(),
            SearchTerm::Phrase(words) => format!("\"{}\"", words.join(" ")),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A snippet cut by FTS5 from the Markdown, made safe: everything escaped, then the match
/// markers turned into `<mark>` elements.
pub fn safe_snippet(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match (c, super::html_entity(c)) {
            (_, Some(entity)) => out.push_str(entity),
            (MATCH_START, None) => out.push_str("<mark>"),
            (MATCH_END, None) => out.push_str("</mark>"),
            (other, None) => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_letters_and_digits_and_quoted_text_is_a_phrase() {
        assert_eq!(
            terms("\"Reverse proxy\" TLS-1.3 NEAR(a) title:x *"),
            [
                SearchTerm::Phrase(vec!["reverse".into(), "proxy".into()]),
                SearchTerm::Word("tls".into()),
                SearchTerm::Word("1".into()),
                SearchTerm::Word("3".into()),
                SearchTerm::Word("near".into()),
                SearchTerm::Word("a".into()),
                SearchTerm::Word("title".into()),
                SearchTerm::Word("x".into()),
            ]
        );
        assert!(terms("💥 \" * (").is_empty());
    }

    #[test]
    fn a_long_query_is_cut_to_a_bounded_number_of_terms() {
        let long = "word ".repeat(2000);
        assert_eq!(terms(&long).len(), MAX_TERMS);
    }

    #[test]
    fn a_word_one_edit_away_from_a_known_term_is_suggested() {
        let vocabulary = vec![
            ("load".to_owned(), 5),
            ("lead".to_owned(), 1),
            ("balancer".to_owned(), 2),
        ];
        assert_eq!(suggest("laod", &vocabulary).as_deref(), Some("load"));
        assert_eq!(suggest("balancr", &vocabulary).as_deref(), Some("balancer"));
        assert_eq!(
            suggest("load", &vocabulary),
            None,
            "known words are left alone"
        );
        assert_eq!(suggest("xyzzy", &vocabulary), None);
    }

    #[test]
    fn snippets_are_escaped_and_marked() {
        let raw = format!("a <script> {MATCH_START}load{MATCH_END} & b");
        assert_eq!(
            safe_snippet(&raw),
            "a &lt;script&gt; <mark>load</mark> &amp; b"
        );
    }
}
