//! Full-text search with SQLite's FTS5: an index over title, tags, description and the body's
//! plain text, kept by triggers (migrations 0003 and 0006), queried with a MATCH expression
//! built here from the parsed terms of a [`SearchRequest`]; the words for spelling
//! suggestions from fts5vocab.
//!
//! FTS5 has its own query language (`AND`, `NEAR(`, `*`, `-`, column filters); each word is
//! written as a quoted string, so nothing in it is syntax, a phrase as one quoted string, and
//! the last word with `*` while the reader is still typing it. Words are all required (FTS5's
//! implicit AND). A tier is the same expression behind a column filter (`title : (...)`).

use super::super::sql::{EngineSearch, Tier};
use super::super::{MATCH_END, MATCH_START, SearchRequest, SearchTerm, StoreError};
use super::SqliteStore;
use sqlx::Sqlite;
use sqlx::pool::PoolConnection;

/// A search's connection (see [`EngineSearch`]).
type Session = PoolConnection<Sqlite>;

/// The FTS5 query for `terms`, or `None` when there are none.
pub fn fts_query(terms: &[SearchTerm], prefix_last: bool) -> Option<String> {
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

/// The MATCH expression of `tier`: the query, restricted to the tier's column.
fn tier_query(query: &str, tier: Tier) -> String {
    match tier {
        Tier::Title => format!("title : ({query})"),
        Tier::Tags => format!("search_tags : ({query})"),
        Tier::Description => format!("description : ({query})"),
        Tier::Anywhere | Tier::Exact => query.to_owned(),
    }
}

/// `notes` as a JSON list, for `json_each`.
fn key_list(notes: &[i64]) -> String {
    serde_json::to_string(notes).expect("numbers serialize")
}

/// `notes` as a JSON list, and the range they span: FTS5 narrows its walk of a match to a rowid
/// range, not to a list, so the range bounds the walk and the list filters it (`+rowid` keeps
/// the list a filter rather than a plan of its own).
fn rowid_list(notes: &[i64]) -> (String, i64, i64) {
    (
        key_list(notes),
        notes.iter().min().copied().unwrap_or(0),
        notes.iter().max().copied().unwrap_or(-1),
    )
}

impl SqliteStore {
    /// The newest `cap` notes whose title or id is the query (see [`Tier::Exact`]), of those
    /// `within` if given, found by the primary key and the index on the title in lower case.
    async fn titled(
        &self,
        session: &mut Session,
        request: &SearchRequest,
        within: Option<&Vec<i64>>,
        cap: usize,
    ) -> Result<Vec<i64>, StoreError> {
        let Some((id, title)) = request.as_title() else {
            return Ok(Vec::new());
        };
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT rowid FROM documents WHERE (id = ?1 OR lower(title) = ?2) \
             AND (?3 IS NULL OR +rowid IN (SELECT value FROM json_each(?3))) \
             ORDER BY rowid DESC LIMIT ?4",
        )
        .bind(id)
        .bind(title)
        .bind(within.map(Vec::as_slice).map(key_list))
        .bind(cap as i64)
        .fetch_all(&mut **session)
        .await?;
        Ok(rows.into_iter().map(|(rowid,)| rowid).collect())
    }
}

#[async_trait::async_trait]
impl EngineSearch for SqliteStore {
    type Session = Session;
    /// The keys of the notes that pass, bound to each tier's statement as a list.
    type Filter = Vec<i64>;

    async fn session(&self) -> Result<Session, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    fn passes_nothing(filter: &Vec<i64>) -> bool {
        filter.is_empty()
    }

    /// The rowids with the tag and in the collection asked for, from their indexes.
    async fn filtered(
        &self,
        session: &mut Session,
        request: &SearchRequest,
    ) -> Result<Option<Vec<i64>>, StoreError> {
        if request.tag.is_none() && request.collection.is_none() {
            return Ok(None);
        }
        // Written for the filters given, so that each is read from its index.
        let mut sql = String::from("SELECT rowid FROM documents WHERE TRUE");
        if request.collection.is_some() {
            sql.push_str(" AND collection_id = ?");
        }
        if request.tag.is_some() {
            sql.push_str(" AND id IN (SELECT document_id FROM document_tags WHERE tag = ?)");
        }
        let mut query = sqlx::query_as(&sql);
        for value in [&request.collection, &request.tag].into_iter().flatten() {
            query = query.bind(value);
        }
        let rows: Vec<(i64,)> = query.fetch_all(&mut **session).await?;
        Ok(Some(rows.into_iter().map(|(rowid,)| rowid).collect()))
    }

    /// Walks the tier's match in rowid order from the newest, stopping at `cap`; a filter is
    /// a set of rowids, read as a list (`+rowid` keeps it from becoming the plan).
    async fn tier_matches(
        &self,
        session: &mut Session,
        request: &SearchRequest,
        tier: Tier,
        within: Option<&Vec<i64>>,
        cap: usize,
    ) -> Result<Vec<i64>, StoreError> {
        if tier == Tier::Exact {
            return self.titled(session, request, within, cap).await;
        }
        let Some(query) = fts_query(&request.terms, request.prefix_last) else {
            return Ok(Vec::new());
        };
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT f.rowid FROM documents_fts f WHERE documents_fts MATCH ?1 \
             AND (?2 IS NULL OR +f.rowid IN (SELECT value FROM json_each(?2))) \
             ORDER BY f.rowid DESC LIMIT ?3",
        )
        .bind(tier_query(&query, tier))
        .bind(within.map(Vec::as_slice).map(key_list))
        .bind(cap as i64)
        .fetch_all(&mut **session)
        .await?;
        Ok(rows.into_iter().map(|(rowid,)| rowid).collect())
    }

    /// bm25 over every column (title weighing most), computed only for `notes`.
    async fn relevance(
        &self,
        session: &mut Session,
        request: &SearchRequest,
        notes: &[i64],
    ) -> Result<Vec<(i64, f64)>, StoreError> {
        let Some(query) = fts_query(&request.terms, request.prefix_last) else {
            return Ok(Vec::new());
        };
        let (list, low, high) = rowid_list(notes);
        let rows: Vec<(i64, f64)> = sqlx::query_as(
            "SELECT rowid, -bm25(documents_fts, 10.0, 5.0, 3.0, 1.0) FROM documents_fts \
             WHERE documents_fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3 \
             AND +rowid IN (SELECT value FROM json_each(?4))",
        )
        .bind(query)
        .bind(low)
        .bind(high)
        .bind(list)
        .fetch_all(&mut **session)
        .await?;
        Ok(rows)
    }

    async fn snippets(
        &self,
        session: &mut Session,
        request: &SearchRequest,
        notes: &[i64],
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        let Some(query) = fts_query(&request.terms, request.prefix_last) else {
            return Ok(Vec::new());
        };
        let (list, low, high) = rowid_list(notes);
        Ok(sqlx::query_as(
            "SELECT d.rowid, d.id, snippet(documents_fts, 3, ?2, ?3, '…', 16) \
             FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid \
             WHERE documents_fts MATCH ?1 AND documents_fts.rowid BETWEEN ?4 AND ?5 \
             AND +documents_fts.rowid IN (SELECT value FROM json_each(?6))",
        )
        .bind(query)
        .bind(MATCH_START.to_string())
        .bind(MATCH_END.to_string())
        .bind(low)
        .bind(high)
        .bind(list)
        .fetch_all(&mut **session)
        .await?)
    }

    /// From fts5vocab, which counts each term's notes as it reads it: some 40,000 terms and
    /// 100 ms at 10,000 notes.
    async fn vocabulary(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as("SELECT term, doc FROM documents_vocabulary")
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
