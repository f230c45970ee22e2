//! Full-text search with PostgreSQL: the weighted `tsvector` of migration 0001 (title A, tags
//! B, description C, body D, folded like SQLite's tokenizer), queried with a `tsquery` built
//! here from the parsed terms of a [`SearchRequest`], and spelling suggestions from the
//! `vocabulary` table by trigram similarity (pg_trgm).
//!
//! Each word is written as a quoted lexeme (`'load'`), a phrase as lexemes joined by `<->`, the
//! last word with `:*` while the reader is still typing it; every term is required (`&`). Words
//! hold only letters and digits (see `documents::search::terms`), so nothing a reader typed can
//! be read as `tsquery` syntax. The same query restricted to one weight (`'load':A`) finds the
//! notes with every term in the title, which is how the ranking's tiers are made: title, tags,
//! description, anywhere, as on SQLite; `ts_rank` orders each tier.

use super::super::sql::EngineSearch;
use super::super::{MATCH_END, MATCH_START, SearchRequest, SearchRow, SearchTerm, StoreError};
use super::PostgresStore;

/// The `tsquery` text for `terms`, each lexeme restricted to `weight` when there is one
/// (`A` title, `B` tags, `C` description), or `None` when there are no terms.
fn ts_query(terms: &[SearchTerm], prefix_last: bool, weight: Option<char>) -> Option<String> {
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

#[async_trait::async_trait]
impl EngineSearch for PostgresStore {
    async fn search_notes(&self, request: &SearchRequest) -> Result<Vec<SearchRow>, StoreError> {
        let query = |weight| ts_query(&request.terms, request.prefix_last, weight);
        let (Some(any), Some(title), Some(tags), Some(description)) = (
            query(None),
            query(Some('A')),
            query(Some('B')),
            query(Some('C')),
        ) else {
            return Ok(Vec::new());
        };
        // When most notes match, every word is common and `ts_rank` tells them apart on almost
        // nothing: each tier is then read newest first, stopping at a page, as on SQLite.
        let matching = (
            "SELECT 1 FROM documents WHERE search @@ to_tsquery('simple', lore_fold_query(",
            "))",
        );
        let by_recency = self.most_notes_match(matching, &any).await?;
        let order = if by_recency {
            "tier, d.seq DESC"
        } else {
            "tier, ts_rank('{0.1, 0.3, 0.5, 1.0}', d.search, q.any) DESC, d.seq DESC"
        };
        // The unaccented, folded form of each lexeme, as the index holds it.
        let sql = format!(
            "WITH q AS (SELECT to_tsquery('simple', lore_fold_query($1)) AS any, \
                 to_tsquery('simple', lore_fold_query($2)) AS title, \
                 to_tsquery('simple', lore_fold_query($3)) AS tags, \
                 to_tsquery('simple', lore_fold_query($4)) AS description), \
             ranked AS MATERIALIZED ( \
                 SELECT d.seq, \
                     CASE WHEN d.search @@ q.title THEN 0 WHEN d.search @@ q.tags THEN 1 \
                          WHEN d.search @@ q.description THEN 2 ELSE 3 END AS tier \
                 FROM documents d, q \
                 WHERE d.search @@ q.any \
                 AND ($5::text IS NULL OR d.collection_id = $5) \
                 AND ($6::text IS NULL OR d.id IN (SELECT document_id FROM document_tags WHERE tag = $6)) \
                 ORDER BY {order} LIMIT $7 \
             ) \
             SELECT d.id, \
                 ts_headline('simple', d.body, q.any, \
                     'StartSel=' || $8 || ', StopSel=' || $9 || ', MaxWords=24, MinWords=8, MaxFragments=1, FragmentDelimiter=…') \
                     AS snippet \
             FROM ranked JOIN documents d ON d.seq = ranked.seq, q \
             ORDER BY ranked.tier, {}",
            if by_recency {
                "d.seq DESC"
            } else {
                "ts_rank('{0.1, 0.3, 0.5, 1.0}', d.search, q.any) DESC, d.seq DESC"
            }
        );
        let hits: Vec<(String, String)> = sqlx::query_as(&sql)
            .bind(&any)
            .bind(&title)
            .bind(&tags)
            .bind(&description)
            .bind(&request.collection)
            .bind(&request.tag)
            .bind(request.limit as i64)
            .bind(MATCH_START.to_string())
            .bind(MATCH_END.to_string())
            .fetch_all(&self.pool)
            .await?;
        self.search_rows(hits).await
    }

    /// Words of the index near `word`: those sharing enough trigrams with it (pg_trgm), and,
    /// since a swap of two letters shares almost none, those starting with its first or second
    /// letter; in both cases one character shorter to one longer.
    async fn vocabulary_near_word(&self, word: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let length = word.chars().count() as i32;
        let mut starts = word.chars().take(2).map(String::from);
        let first = starts.next().unwrap_or_default();
        let second = starts.next().unwrap_or_else(|| first.clone());
        Ok(sqlx::query_as(
            "SELECT term, documents FROM vocabulary \
             WHERE length(term) BETWEEN $2 AND $3 \
             AND (term % $1 OR term LIKE $4 || '%' OR term LIKE $5 || '%')",
        )
        .bind(word)
        .bind(length - 1)
        .bind(length + 1)
        .bind(first)
        .bind(second)
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
