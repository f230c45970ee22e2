//! Full-text search with SQLite's FTS5: an index over title, tags, description and body, kept
//! by triggers (migration 0003), queried with a MATCH expression built here from the parsed
//! terms of a [`SearchRequest`].
//!
//! FTS5 has its own query language (`AND`, `NEAR(`, `*`, `-`, column filters); each word is
//! written as a quoted string, so nothing in it is syntax, a phrase as one quoted string, and
//! the last word with `*` while the reader is still typing it. Words are all required (FTS5's
//! implicit AND).

use super::super::sql::EngineSearch;
use super::super::{MATCH_END, MATCH_START, SearchRequest, SearchRow, SearchTerm, StoreError};
use super::SqliteStore;

/// The FTS5 query for `terms`, or `None` when there are none.
fn fts_query(terms: &[SearchTerm], prefix_last: bool) -> Option<String> {
    if terms.is_empty() {
        return None;
    }
    let last = terms.len() - 1;
    let parts: Vec<String> = terms
        .iter()
        .enumerate()
        .map(|(i, term)| match term {
            // Words hold only letters and digits, so quoting them cannot break out.
            SearchTerm::Word(word) if prefix_last && i == last => format!("\"{word}\"*"),
            SearchTerm::Word(word) => format!("\"{word}\""),
            SearchTerm::Phrase(words) => format!("\"{}\"", words.join(" ")),
        })
        .collect();
    Some(parts.join(" "))
}

#[async_trait::async_trait]
impl EngineSearch for SqliteStore {
    async fn search_notes(&self, request: &SearchRequest) -> Result<Vec<SearchRow>, StoreError> {
        let Some(query) = fts_query(&request.terms, request.prefix_last) else {
            return Ok(Vec::new());
        };
        let matching = ("SELECT 1 FROM documents_fts WHERE documents_fts MATCH ", "");
        if self.most_notes_match(matching, &query).await? {
            return self.search_by_tier_and_recency(&query, request).await;
        }
        // Ranked in tiers, then by bm25 within a tier: every word in the title first, then in
        // the tags, then in the description, then anywhere. bm25 alone cannot promise that:
        // a word in half the notes has an inverse document frequency near zero, and then
        // column weights multiply nothing.
        //
        // Two steps, because a common word matches thousands of notes: first rank just the
        // row ids (each tier's matches computed once; filters as sets of row ids from the
        // indexes, never touching the large document rows), then cut snippets and read the
        // summaries of the few that are returned.
        let tier = |name: &str, column: &str| {
            format!(
                "{name} AS MATERIALIZED (SELECT rowid FROM documents_fts \
                 WHERE documents_fts MATCH '{column} : (' || ?1 || ')')"
            )
        };
        let sql = format!(
            "WITH {}, {}, {}, \
             ranked AS MATERIALIZED ( \
                 SELECT documents_fts.rowid AS rid, \
                     CASE WHEN documents_fts.rowid IN in_title THEN 0 \
                          WHEN documents_fts.rowid IN in_tags THEN 1 \
                          WHEN documents_fts.rowid IN in_description THEN 2 ELSE 3 END AS tier, \
                     bm25(documents_fts, 10.0, 5.0, 3.0, 1.0) AS score \
                 FROM documents_fts \
                 WHERE documents_fts MATCH ?1 \
                 AND (?4 IS NULL OR documents_fts.rowid IN (SELECT rowid FROM documents WHERE collection_id = ?4)) \
                 AND (?5 IS NULL OR documents_fts.rowid IN ( \
                     SELECT d.rowid FROM document_tags t JOIN documents d ON d.id = t.document_id WHERE t.tag = ?5)) \
                 ORDER BY tier, score LIMIT ?6 \
             ) \
             SELECT d.id, snippet(documents_fts, 3, ?2, ?3, '…', 16) AS snippet \
             FROM ranked JOIN documents_fts ON documents_fts.rowid = ranked.rid \
             JOIN documents d ON d.rowid = ranked.rid \
             WHERE documents_fts MATCH ?1 ORDER BY ranked.tier, ranked.score",
            tier("in_title", "title"),
            tier("in_tags", "search_tags"),
            tier("in_description", "description"),
        );
        let hits: Vec<(String, String)> = sqlx::query_as(&sql)
            .bind(&query)
            .bind(MATCH_START.to_string())
            .bind(MATCH_END.to_string())
            .bind(&request.collection)
            .bind(&request.tag)
            .bind(request.limit as i64)
            .fetch_all(&self.pool)
            .await?;
        self.search_rows(hits).await
    }

    /// The indexed terms one character shorter to one longer than `word` that start with its
    /// first or second character, read as two ranges of the sorted vocabulary (fts5vocab), not
    /// a scan of it.
    async fn vocabulary_near_word(&self, word: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let length = word.chars().count() as i64;
        let mut starts: Vec<char> = word.chars().take(2).collect();
        starts.dedup();
        let mut terms = Vec::new();
        for start in starts {
            // [start, the next character): fts5vocab answers a range from its sorted index.
            let from = start.to_string();
            let to = char::from_u32(start as u32 + 1)
                .map_or_else(|| char::MAX.to_string().repeat(2), |next| next.to_string());
            let rows: Vec<(String, i64)> = sqlx::query_as(
                "SELECT term, doc FROM documents_vocabulary \
                 WHERE term >= ?1 AND term < ?2 AND length(term) BETWEEN ?3 AND ?4",
            )
            .bind(from)
            .bind(to)
            .bind(length - 1)
            .bind(length + 1)
            .fetch_all(&self.pool)
            .await?;
            terms.extend(rows);
        }
        Ok(terms)
    }
}

impl SqliteStore {
    /// The same tiers as the bm25 ranking (title, tags, description, anywhere), newest note
    /// first within a tier: each tier is read from the index in rowid order and stops as soon
    /// as the page is full, so no match is scored.
    async fn search_by_tier_and_recency(
        &self,
        query: &str,
        request: &SearchRequest,
    ) -> Result<Vec<SearchRow>, StoreError> {
        let limit = request.limit as i64;
        // A tag on most notes is checked note by note as the walk finds them (it stops after a
        // page); a rarer one as the set of its notes, built once.
        let common_tag = match &request.tag {
            Some(tag) => {
                let (tagged, notes): (i64, i64) = sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM document_tags WHERE tag = ?1), (SELECT COUNT(*) FROM documents)",
                )
                .bind(tag)
                .fetch_one(&self.pool)
                .await?;
                tagged > notes / 2
            }
            None => false,
        };
        // One walk per tier, newest first, each stopping at a page. A note found in an earlier
        // tier may come again in a later one; at most as many as the earlier tiers found, so
        // each later tier still brings every note the page needs.
        let arm = |parameter: usize, tier: usize| {
            format!(
                "SELECT * FROM (SELECT f.rowid AS r, {tier} AS tier FROM documents_fts f \
                 WHERE documents_fts MATCH ?{parameter} \
                 AND (?6 IS NULL OR +f.rowid IN collected) \
                 AND (?5 IS NULL OR CASE WHEN ?8 \
                     THEN EXISTS (SELECT 1 FROM documents d JOIN document_tags t ON t.document_id = d.id \
                                  WHERE d.rowid = f.rowid AND +t.tag = ?5) \
                     ELSE +f.rowid IN tagged END) \
                 ORDER BY f.rowid DESC LIMIT ?7)"
            )
        };
        let sql = format!(
            "WITH collected AS MATERIALIZED (SELECT rowid FROM documents WHERE collection_id = ?6), \
             tagged AS MATERIALIZED (SELECT d.rowid FROM document_tags t JOIN documents d ON d.id = t.document_id \
                                     WHERE t.tag = ?5 AND NOT ?8) \
             {} UNION ALL {} UNION ALL {} UNION ALL {}",
            arm(1, 0),
            arm(2, 1),
            arm(3, 2),
            arm(4, 3),
        );
        let found: Vec<(i64, i64)> = sqlx::query_as(&sql)
            .bind(format!("title : ({query})"))
            .bind(format!("search_tags : ({query})"))
            .bind(format!("description : ({query})"))
            .bind(query)
            .bind(&request.tag)
            .bind(&request.collection)
            .bind(limit)
            .bind(common_tag)
            .fetch_all(&self.pool)
            .await?;
        let mut chosen: Vec<i64> = Vec::new();
        let mut ordered = found;
        ordered.sort_by_key(|(rowid, tier)| (*tier, std::cmp::Reverse(*rowid)));
        for (rowid, _) in ordered {
            if !chosen.contains(&rowid) && chosen.len() < limit as usize {
                chosen.push(rowid);
            }
        }
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT d.rowid AS rid, d.id, snippet(documents_fts, 3, ?2, ?3, '…', 16) AS snippet \
             FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid \
             WHERE documents_fts MATCH ?1 AND documents_fts.rowid BETWEEN ?5 AND ?6 \
             AND +documents_fts.rowid IN (SELECT value FROM json_each(?4))",
        )
        .bind(query)
        .bind(MATCH_START.to_string())
        .bind(MATCH_END.to_string())
        .bind(serde_json::to_string(&chosen).expect("numbers serialize"))
        // FTS5 narrows its walk to a rowid range, not to a list: the list's range bounds the
        // walk, and `+` keeps the list a filter on it rather than a plan of its own.
        .bind(chosen.iter().min().copied().unwrap_or(0))
        .bind(chosen.iter().max().copied().unwrap_or(-1))
        .fetch_all(&self.pool)
        .await?;
        let mut hits: Vec<(usize, (String, String))> = rows
            .into_iter()
            .map(|(rid, id, snippet)| {
                let position = chosen.iter().position(|c| *c == rid).unwrap_or(usize::MAX);
                (position, (id, snippet))
            })
            .collect();
        hits.sort_by_key(|(position, _)| *position);
        self.search_rows(hits.into_iter().map(|(_, hit)| hit).collect())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> SearchTerm {
        SearchTerm::Word(text.into())
    }

    #[test]
    fn words_become_quoted_strings_and_the_last_one_a_prefix() {
        let terms = [word("load"), word("bal")];
        assert_eq!(
            fts_query(&terms, true).as_deref(),
            Some("\"load\" \"bal\"*")
        );
        assert_eq!(
            fts_query(&terms, false).as_deref(),
            Some("\"load\" \"bal\"")
        );
        assert_eq!(fts_query(&[], true), None);
    }

    #[test]
    fn a_phrase_is_one_quoted_string() {
        let terms = [
            SearchTerm::Phrase(vec!["reverse".into(), "proxy".into()]),
            word("tls"),
        ];
        assert_eq!(
            fts_query(&terms, true).as_deref(),
            Some("\"reverse proxy\" \"tls\"*")
        );
    }
}
