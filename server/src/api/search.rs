//! `GET /api/search`: full-text search with ranking, prefixes, phrases, filters, snippets and
//! a spelling suggestion when nothing matches.

use crate::AppState;
use crate::documents::search::{Term, corrected, display, fts_query, safe_snippet, suggest, terms};
use crate::error::ApiError;
use app::contract::{Search, SearchHit, SearchQuery, SearchResults};
use axum::Json;
use axum::extract::State;
use std::collections::HashMap;

/// `GET /api/search`.
pub async fn search(
    State(state): State<AppState>,
    super::Query(query): super::Query<SearchQuery>,
) -> super::Reply<Search> {
    let limit = query.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and 50, not {limit}"
        )));
    }
    let typed = terms(&query.q);
    let prefix_last = !query.q.ends_with(char::is_whitespace);
    let mut results = SearchResults {
        hits: run(&state, &typed, prefix_last, &query, limit).await?,
        did_you_mean: None,
    };
    if results.hits.is_empty() {
        let mut near: HashMap<&str, Vec<(String, i64)>> = HashMap::new();
        for term in &typed {
            if let Term::Word(word) = term
                && !near.contains_key(word.as_str())
            {
                near.insert(word, state.store.vocabulary_near(word).await?);
            }
        }
        let suggestion = |word: &str| suggest(word, near.get(word).map_or(&[][..], Vec::as_slice));
        if let Some(fixed) = corrected(&typed, suggestion) {
            // The correction is a whole word: no prefix matching for it.
            results.hits = run(&state, &fixed, false, &query, limit).await?;
            if !results.hits.is_empty() {
                results.did_you_mean = Some(display(&fixed));
            }
        }
    }
    Ok(Json(results))
}

async fn run(
    state: &AppState,
    terms: &[Term],
    prefix_last: bool,
    query: &SearchQuery,
    limit: u64,
) -> Result<Vec<SearchHit>, ApiError> {
    let Some(fts) = fts_query(terms, prefix_last) else {
        return Ok(Vec::new());
    };
    let rows = state
        .store
        .search(
            &fts,
            query.tag.as_deref(),
            query.collection.as_deref(),
            limit,
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(document, snippet)| SearchHit {
            document,
            snippet: safe_snippet(&snippet),
        })
        .collect())
}
