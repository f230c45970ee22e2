//! Turning what a person types into a safe FTS5 query, suggesting spellings, and making
//! snippets safe to show.
//!
//! FTS5 has its own query language (`AND`, `NEAR(`, `*`, `-`, column filters, quotes); a
//! reader's text is never passed to it as is. Each word becomes a quoted string, so nothing in
//! it is syntax; text in double quotes stays a phrase; the last word is a prefix while the
//! reader is still typing it. Words are all required (FTS5's implicit AND).

/// Words and phrases from more than this many are ignored: no one types more, and a 10 KB
/// query must cost no more than a short one.
const MAX_TERMS: usize = 16;

/// Private-use characters that cannot occur in a note, marking matches in snippets until they
/// are turned into `<mark>` after escaping.
pub const MATCH_START: char = '\u{E000}';
/// See [`MATCH_START`].
pub const MATCH_END: char = '\u{E001}';

/// The words and phrases of a query, as the reader wrote them (phrases without their quotes).
pub fn terms(input: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    for (index, part) in input.split('"').enumerate() {
        let in_quotes = index % 2 == 1;
        if in_quotes {
            let words = words(part);
            if !words.is_empty() {
                terms.push(Term::Phrase(words));
            }
        } else {
            terms.extend(words(part).into_iter().map(Term::Word));
        }
    }
    terms.truncate(MAX_TERMS);
    terms
}

/// A word, or a phrase of words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// One word.
    Word(String),
    /// Words that must appear together, in order.
    Phrase(Vec<String>),
}

/// Splits on anything that is not a letter or digit, as the index's tokenizer does, and lower-
/// cases.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The FTS5 query for `input`, or `None` when it holds no words. `prefix_last` makes the last
/// word match as a prefix (search as you type: `loa` finds `load`).
pub fn fts_query(terms: &[Term], prefix_last: bool) -> Option<String> {
    if terms.is_empty() {
        return None;
    }
    let last = terms.len() - 1;
    let parts: Vec<String> = terms
        .iter()
        .enumerate()
        .map(|(i, term)| match term {
            // Words hold only letters and digits, so quoting them cannot break out.
            Term::Word(word) if prefix_last && i == last => format!("\"{word}\"*"),
            Term::Word(word) => format!("\"{word}\""),
            Term::Phrase(words) => format!("\"{}\"", words.join(" ")),
        })
        .collect();
    Some(parts.join(" "))
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
pub fn corrected(terms: &[Term], suggestion: impl Fn(&str) -> Option<String>) -> Option<Vec<Term>> {
    let mut changed = false;
    let fixed = terms
        .iter()
        .map(|term| match term {
            Term::Word(word) => match suggestion(word) {
                Some(better) => {
                    changed = true;
                    Term::Word(better)
                }
                None => term.clone(),
            },
            Term::Phrase(_) => term.clone(),
        })
        .collect();
    changed.then_some(fixed)
}

/// How a query reads back to a person (for "did you mean").
pub fn display(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|term| match term {
            Term::Word(word) => word.clone(),
            Term::Phrase(words) => format!("\"{}\"", words.join(" ")),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A snippet cut by FTS5 from the Markdown, made safe: everything escaped, then the match
/// markers turned into `<mark>` elements.
pub fn safe_snippet(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            MATCH_START => out.push_str("<mark>"),
            MATCH_END => out.push_str("</mark>"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(input: &str) -> Option<String> {
        fts_query(&terms(input), !input.ends_with(' '))
    }

    #[test]
    fn words_become_quoted_strings_and_the_last_one_a_prefix() {
        assert_eq!(query("load bal").as_deref(), Some("\"load\" \"bal\"*"));
        assert_eq!(
            query("load balancer ").as_deref(),
            Some("\"load\" \"balancer\"")
        );
    }

    #[test]
    fn quoted_text_stays_a_phrase() {
        assert_eq!(
            query("\"reverse proxy\" tls").as_deref(),
            Some("\"reverse proxy\" \"tls\"*")
        );
    }

    #[test]
    fn fts_syntax_in_a_query_is_only_text() {
        for hostile in [
            "\"", "*", "NEAR(", "-", "a OR b", "title:x", "^x", "(((", "AND", "💥", "",
        ] {
            let built = query(hostile);
            if let Some(q) = &built {
                let inner: String = q
                    .chars()
                    .filter(|c| *c != '"' && *c != '*' && *c != ' ')
                    .collect();
                assert!(
                    inner.chars().all(char::is_alphanumeric),
                    "{hostile} gave {q}"
                );
            }
        }
        assert_eq!(query("NEAR(a b)").as_deref(), Some("\"near\" \"a\" \"b\"*"));
        assert_eq!(query("💥"), None);
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
