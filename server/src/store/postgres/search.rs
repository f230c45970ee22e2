//! Full-text search with PostgreSQL: the weighted `tsvector`s of `search_index` (migration
//! 0003: `meta`, the title A, tags B and description C; `words`, those and the body D; folded
//! like SQLite's tokenizer), queried with a `tsquery` built here from the parsed terms of a
//! [`SearchRequest`]; the words for spelling suggestions from the `vocabulary` table.
//!
//! Each word is written as a quoted lexeme (`'load'`), a phrase as lexemes joined by `<->`, the
//! last word with `:*` while the reader is still typing it; every term is required (`&`). Words
//! hold only letters and digits (see `documents::search::terms`), so nothing a reader typed can
//! be read as `tsquery` syntax. The same query restricted to one weight (`'load':A`) of `meta`
//! finds the notes with every term in the title, which is how the ranking's tiers are asked
//! (title, tags, description, anywhere; see `store::sql::search`); `ts_rank` scores notes. The
//! exact title and the tiers of `meta` are asked in one statement, each tier only if those
//! before it have not filled the page; the body's tier, the phrases' checks, the scores and the
//! snippets each in one of their own. A search's tag and collection are terms of the same GIN
//! indexes (`filters`, beside `meta` and `words`), asked in the same scan as the words.

use super::super::sql::{EngineSearch, Tier, one_tier_at_a_time};
use super::super::{MATCH_END, MATCH_START, SearchRequest, SearchTerm, StoreError};
use super::PostgresStore;
use crate::timing;
use sqlx::Postgres;
use sqlx::pool::PoolConnection;

/// A search's connection (see [`EngineSearch`]).
type Session = PoolConnection<Postgres>;

/// The `tsquery` text for `terms`, each lexeme restricted to `weight` when there is one
/// (`A` title, `B` tags, `C` description), or `None` when there are no terms.
pub fn ts_query(terms: &[SearchTerm], prefix_last: bool, weight: Option<char>) -> Option<String> {
    if terms.is_empty() {
        return None;
    }
    let last = terms.len() - 1;
    let weight = weight.map(String::from).unwrap_or_default();
    let lexeme = |word: &str, prefix: bool| {
        // Letters and digits only: nothing to escape inside the quotes.
        format!("'{word}':{}{weight}", if prefix { "*" } else { "" })
            .trim_end_matches(':')
            .to_owned()
    };
    let parts: Vec<String> = terms
        .iter()
        .enumerate()
        .map(|(i, term)| match term {
            SearchTerm::Word(word) => lexeme(word, prefix_last && i == last),
            SearchTerm::Phrase(words) => format!(
                "({})",
                words
                    .iter()
                    .map(|w| lexeme(w, false))
                    .collect::<Vec<_>>()
                    .join(" <-> ")
            ),
        })
        .collect();
    Some(parts.join(" & "))
}

/// The weight a tier's words carry in `search_index.meta`, or `None` for anywhere (`words`).
fn tier_weight(tier: Tier) -> Option<char> {
    match tier {
        Tier::Title => Some('A'),
        Tier::Tags => Some('B'),
        Tier::Description => Some('C'),
        Tier::Anywhere | Tier::Exact => None,
    }
}

/// The same terms with every phrase taken apart into its words: what the index answers
/// exactly, without reading any note's positions.
fn words_only(terms: &[SearchTerm]) -> Vec<SearchTerm> {
    terms
        .iter()
        .flat_map(|term| match term {
            SearchTerm::Word(word) => vec![SearchTerm::Word(word.clone())],
            SearchTerm::Phrase(words) => words.iter().cloned().map(SearchTerm::Word).collect(),
        })
        .collect()
}

/// How many characters of a body a snippet is chosen from, and how many of them come before
/// the first match: a snippet is 24 words at most, some 200 characters, and `ts_headline`
/// costs in proportion to the text it reads (10 notes: 4.1 ms from 1,200 characters each,
/// 1.0 ms from 500).
const SNIPPET_WINDOW: usize = 500;
const SNIPPET_LEAD: usize = 150;

/// The query of the tsquery text bound at `placeholder` as the index holds its words:
/// unaccented. Asked as a subquery so that it is worked out once a statement: written inline,
/// a prepared statement's generic plan (PostgreSQL's choice from its sixth execution on a
/// connection) folds and parses it again for every row it checks, which took the title tier of
/// `a` from 1.4 ms to 8.5 ms.
fn ts_query_of(placeholder: &str) -> String {
    format!("(SELECT to_tsquery('simple', lore_fold_query({placeholder})))")
}

/// A search's filters, as `lore_search_filters` (migration `postgres/0013`) is asked for the
/// terms `search_index.filters` holds for them: the collection, and the tag as a list of one.
#[derive(Debug)]
pub struct Filters {
    collection: Option<String>,
    tags: Vec<String>,
}

/// `AND` the row of `search_index` aliased `s` has the filters bound at `$n` (the collection)
/// and `$n+1` (the tags), when the search is filtered. Asked with the words of the same GIN
/// index, so that the index intersects the notes holding them with the notes that pass.
fn filter_clause(within: Option<&Filters>, n: usize) -> String {
    within.map_or_else(String::new, |_| {
        format!(
            " AND s.filters @> (SELECT lore_search_filters(${n}, ${}::text[]))",
            n + 1
        )
    })
}

impl PostgresStore {
    /// The newest `cap` notes whose `words` match `query` (a tsquery text), of those that pass
    /// `within` if given, with keys below `before` if given, newest first. The matches are
    /// gathered from the GIN index before they are ordered (`MATERIALIZED`): walked newest
    /// first instead, each note checked would have its word list read, which for a rare word
    /// is every note.
    async fn newest_matching(
        &self,
        session: &mut Session,
        query: &str,
        within: Option<&Filters>,
        before: Option<i64>,
        cap: usize,
    ) -> Result<Vec<i64>, StoreError> {
        let filter = filter_clause(within, 3);
        let next = if within.is_some() { 5 } else { 3 };
        // Only when there is a bound: `seq < 9223372036854775807` reads to the planner as a
        // range worth walking the primary key for.
        let bound = before.map_or_else(String::new, |_| format!(" AND s.seq < ${next}"));
        let sql = format!(
            "WITH matching AS MATERIALIZED (SELECT s.seq FROM search_index s \
                 WHERE s.words @@ {}{filter}{bound}) \
             SELECT seq FROM matching ORDER BY seq DESC LIMIT $2",
            ts_query_of("$1")
        );
        let mut statement = sqlx::query_as(&sql).bind(query).bind(cap as i64);
        if let Some(within) = within {
            statement = statement.bind(&within.collection).bind(&within.tags);
        }
        if let Some(before) = before {
            statement = statement.bind(before);
        }
        let rows: Vec<(i64,)> = statement.fetch_all(&mut **session).await?;
        Ok(rows.into_iter().map(|(seq,)| seq).collect())
    }

    /// The newest `cap` notes of each of `tiers` (the exact title, and the tiers of `meta`'s
    /// weights; not the body's), of those that pass `within` if given, in one statement: a
    /// round trip and a plan instead of one each a tier. A tier's branch runs only while the
    /// notes of the branches before it hold fewer than `limit`: asked in one statement without
    /// that, a word in a thousand titles went on to read the tags and the descriptions too
    /// (`the`, 3 ms to 14 ms). The count is a one-time filter, checked before the branch reads
    /// anything.
    async fn newest_of_each(
        &self,
        session: &mut Session,
        tiers: &[(Tier, SearchRequest)],
        within: Option<&Filters>,
        limit: usize,
        cap: usize,
    ) -> Result<Vec<Vec<i64>>, StoreError> {
        // The values every branch shares come first ($1 the cap, $2 the limit, $3 and $4 the
        // filters), so that a branch's own take the next placeholders as it is written.
        let mut values: Vec<String> = Vec::new();
        let mut placeholder = |value: String| {
            values.push(value);
            format!("${}", values.len() + 4)
        };
        let filter = filter_clause(within, 3);
        let mut branches: Vec<(usize, String)> = Vec::new();
        let mut ctes = Vec::new();
        for (position, (tier, request)) in tiers.iter().enumerate() {
            let gate = if branches.is_empty() {
                String::from("TRUE")
            } else {
                let found = branches
                    .iter()
                    .map(|(_, name)| format!("SELECT seq FROM {name}"))
                    .collect::<Vec<_>>()
                    .join(" UNION ALL ");
                format!("(SELECT count(DISTINCT seq) FROM ({found}) found) < $2")
            };
            let matching = match tier {
                Tier::Exact => request.as_title().map(|(id, title)| {
                    let passes = if within.is_some() {
                        format!(
                            " AND EXISTS (SELECT FROM search_index s \
                                 WHERE s.seq = d.seq{filter})"
                        )
                    } else {
                        String::new()
                    };
                    format!(
                        "SELECT d.seq FROM documents d WHERE {gate} \
                         AND (d.id = {} OR lower(d.title) = {}){passes}",
                        placeholder(id),
                        placeholder(title)
                    )
                }),
                Tier::Anywhere => {
                    unreachable!("the body's tier is asked on its own, with its phrases")
                }
                Tier::Title | Tier::Tags | Tier::Description => {
                    ts_query(&request.terms, request.prefix_last, tier_weight(*tier)).map(|query| {
                        format!(
                            "SELECT s.seq FROM search_index s \
                             WHERE {gate} AND s.meta @@ {}{filter}",
                            ts_query_of(&placeholder(query))
                        )
                    })
                }
            };
            let Some(matching) = matching else { continue };
            let name = format!("tier{position}");
            // Gathered from the index before they are ordered (see `newest_matching`).
            ctes.push(format!(
                "{name}_matching AS MATERIALIZED ({matching}), \
                 {name} AS MATERIALIZED \
                 (SELECT seq FROM {name}_matching ORDER BY seq DESC LIMIT $1)"
            ));
            branches.push((position, name));
        }
        let mut answers = vec![Vec::new(); tiers.len()];
        if branches.is_empty() {
            return Ok(answers);
        }
        let union = branches
            .iter()
            .map(|(position, name)| format!("SELECT {position} AS tier, seq FROM {name}"))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let sql = format!("WITH {} {union} ORDER BY tier, seq DESC", ctes.join(", "));
        let mut statement = sqlx::query_as(&sql)
            .bind(cap as i64)
            .bind(limit as i64)
            .bind(within.and_then(|filters| filters.collection.as_ref()))
            .bind(within.map(|filters| &filters.tags));
        for value in values {
            statement = statement.bind(value);
        }
        let rows: Vec<(i32, i64)> = statement.fetch_all(&mut **session).await?;
        for (position, seq) in rows {
            answers[position as usize].push(seq);
        }
        Ok(answers)
    }
}

#[async_trait::async_trait]
impl EngineSearch for PostgresStore {
    type Session = Session;
    type Filter = Filters;

    async fn session(&self) -> Result<Session, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// The exact title and the tiers of `meta` in one statement ([`Self::newest_of_each`]),
    /// then, unless they fill the page, the body's.
    async fn tiers_until_full(
        &self,
        session: &mut Session,
        tiers: &[(Tier, SearchRequest)],
        within: Option<&Filters>,
        limit: usize,
        cap: usize,
    ) -> Result<Vec<Vec<i64>>, StoreError> {
        let body = tiers
            .iter()
            .position(|(tier, _)| *tier == Tier::Anywhere)
            .unwrap_or(tiers.len());
        let (together, after) = tiers.split_at(body);
        let asked = self.newest_of_each(session, together, within, limit, cap);
        let mut answers = timing::database(asked).await?;
        one_tier_at_a_time(self, session, after, within, limit, cap, &mut answers).await?;
        Ok(answers)
    }

    /// The exact title, and title, tags and description of the small `meta` vectors, as a
    /// statement of one branch ([`Self::newest_of_each`]). Anywhere is asked of `words`; a
    /// phrase there needs each candidate's word positions, which the index does not hold, so
    /// notes with all the words are taken newest first a batch at a time and only those are
    /// checked for the phrase, until `cap` are found.
    async fn tier_matches(
        &self,
        session: &mut Session,
        request: &SearchRequest,
        tier: Tier,
        within: Option<&Filters>,
        cap: usize,
    ) -> Result<Vec<i64>, StoreError> {
        if tier != Tier::Anywhere {
            let asked = [(tier, request.clone())];
            let mut answers = self
                .newest_of_each(session, &asked, within, cap, cap)
                .await?;
            return Ok(answers.pop().unwrap_or_default());
        }
        let Some(query) = ts_query(&request.terms, request.prefix_last, None) else {
            return Ok(Vec::new());
        };
        let has_phrase = request
            .terms
            .iter()
            .any(|term| matches!(term, SearchTerm::Phrase(_)));
        if !has_phrase {
            return self
                .newest_matching(session, &query, within, None, cap)
                .await;
        }
        let Some(all_words) = ts_query(&words_only(&request.terms), request.prefix_last, None)
        else {
            return Ok(Vec::new());
        };
        let mut found = Vec::new();
        let mut before = None;
        loop {
            let batch = self
                .newest_matching(session, &all_words, within, before, cap)
                .await?;
            let Some(&oldest) = batch.last() else { break };
            // The batch's rows first, by key: asked of the word index instead, the planner
            // rechecks every note with all the words, not the batch's (882 notes' word
            // lists read for `"connection pool"`, 13.9 ms, against 3.2 ms).
            let with_phrase: Vec<(i64,)> = sqlx::query_as(&format!(
                "WITH batch AS MATERIALIZED \
                     (SELECT seq, words FROM search_index WHERE seq = ANY($2)) \
                 SELECT seq FROM batch WHERE words @@ {} ORDER BY seq DESC",
                ts_query_of("$1")
            ))
            .bind(&query)
            .bind(&batch)
            .fetch_all(&mut **session)
            .await?;
            found.extend(with_phrase.into_iter().map(|(seq,)| seq));
            if found.len() >= cap || batch.len() < cap {
                break;
            }
            before = Some(oldest);
        }
        found.truncate(cap);
        Ok(found)
    }

    /// The tag and the collection asked for, as each statement asks the index for them: no
    /// statement of its own.
    async fn filtered(
        &self,
        _: &mut Session,
        request: &SearchRequest,
    ) -> Result<Option<Filters>, StoreError> {
        if request.tag.is_none() && request.collection.is_none() {
            return Ok(None);
        }
        Ok(Some(Filters {
            collection: request.collection.clone(),
            tags: request.tag.iter().cloned().collect(),
        }))
    }

    /// `ts_rank` over the whole word list, the title's words weighing most.
    async fn relevance(
        &self,
        session: &mut Session,
        request: &SearchRequest,
        notes: &[i64],
    ) -> Result<Vec<(i64, f64)>, StoreError> {
        let Some(query) = ts_query(&request.terms, request.prefix_last, None) else {
            return Ok(Vec::new());
        };
        let rows: Vec<(i64, f32)> = sqlx::query_as(&format!(
            "SELECT seq, ts_rank('{{0.1, 0.3, 0.5, 1.0}}', words, {}) \
             FROM search_index WHERE seq = ANY($2)",
            ts_query_of("$1")
        ))
        .bind(&query)
        .bind(notes)
        .fetch_all(&mut **session)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(seq, rank)| (seq, f64::from(rank)))
            .collect())
    }

    /// `ts_headline` around the first place the query's first word is written in the body,
    /// reading words as the index does (`lore_headline`: accents removed, lower case) so that
    /// `cafe` marks "Café". It parses all the text it is given, 2 ms for a long note, so it is
    /// given a window of the body: from a little before that place. The place is the first
    /// where the word is written in lower case, capitalised or in capitals, each found by a
    /// plain search of the text's bytes; only in a note where it is written none of those
    /// ways, the first place in the whole text made lower case, which costs the most
    /// (finding `index` in ten long notes: 1.6 ms, against 0.2 ms for one plain search).
    /// Spellings with other accents are missed; then the window is the note's start.
    async fn snippets(
        &self,
        session: &mut Session,
        request: &SearchRequest,
        notes: &[i64],
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        let Some(query) = ts_query(&request.terms, request.prefix_last, None) else {
            return Ok(Vec::new());
        };
        let first_word = match &request.terms[0] {
            SearchTerm::Word(word) => word,
            SearchTerm::Phrase(words) => words.first().map_or("", String::as_str),
        };
        let mut capitalised: String = first_word
            .chars()
            .take(1)
            .flat_map(char::to_uppercase)
            .collect();
        capitalised.extend(first_word.chars().skip(1));
        let first_place = "coalesce(least(nullif(strpos(plain_text, $5), 0), \
             nullif(strpos(plain_text, $6), 0), nullif(strpos(plain_text, $7), 0)), \
             strpos(lower(plain_text), $5))";
        Ok(sqlx::query_as(&format!(
            "SELECT seq, id, ts_headline('lore_headline', \
                 substr(plain_text, greatest(1, {first_place} - {SNIPPET_LEAD}), \
                        {SNIPPET_WINDOW}), \
                 {}, 'StartSel=' || $3 || ', StopSel=' || $4 || \
                 ', MaxWords=24, MinWords=8, MaxFragments=1, FragmentDelimiter=…') \
             FROM documents WHERE seq = ANY($2)",
            ts_query_of("$1")
        ))
        .bind(&query)
        .bind(notes)
        .bind(MATCH_START.to_string())
        .bind(MATCH_END.to_string())
        .bind(first_word)
        .bind(capitalised)
        .bind(first_word.to_uppercase())
        .fetch_all(&mut **session)
        .await?)
    }

    /// The `vocabulary` table, kept by statement triggers on `search_index`.
    async fn vocabulary(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as("SELECT term, documents FROM vocabulary")
            .fetch_all(&self.pool)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> SearchTerm {
        SearchTerm::Word(text.into())
    }

    #[test]
    fn words_become_quoted_lexemes_all_required_and_the_last_a_prefix() {
        let terms = [word("load"), word("bal")];
        assert_eq!(
            ts_query(&terms, true, None).as_deref(),
            Some("'load' & 'bal':*")
        );
        assert_eq!(
            ts_query(&terms, false, Some('A')).as_deref(),
            Some("'load':A & 'bal':A")
        );
        assert_eq!(
            ts_query(&terms, true, Some('B')).as_deref(),
            Some("'load':B & 'bal':*B")
        );
        assert_eq!(ts_query(&[], true, None), None);
    }

    #[test]
    fn a_phrase_is_its_words_in_order() {
        let terms = [
            SearchTerm::Phrase(vec!["reverse".into(), "proxy".into()]),
            word("tls"),
        ];
        assert_eq!(
            ts_query(&terms, false, None).as_deref(),
            Some("('reverse' <-> 'proxy') & 'tls'")
        );
    }
}
