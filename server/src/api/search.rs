//! `GET /api/search`: full-text search with ranking, prefixes, phrases, filters, snippets and
//! a spelling suggestion when nothing matches.

use crate::AppState;
use crate::documents::search::{Term, corrected, display, fts_query, safe_snippet, suggest, terms};
use crate::error::ApiError;
use app::contract::{Search, SearchHit, SearchQuery, SearchResults};
use axum::Json;
use axum::extract::State;

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
        let lengths = typed.iter().filter_map(|t| match t {
            Term::Word(w) => Some(w.chars().count()),
            Term::Phrase(_) => None,
        });
        if let (Some(min), Some(max)) = (lengths.clone().min(), lengths.max()) {
            let vocabulary = state
                .store
                .vocabulary(min.saturating_sub(1), max + 1)
                .await?;
            if let Some(fixed) = corrected(&typed, |word| suggest(word, &vocabulary)) {
                // The correction is a whole word: no prefix matching for it.
                results.hits = run(&state, &fixed, false, &query, limit).await?;
                if !results.hits.is_empty() {
                    results.did_you_mean = Some(display(&fixed));
                }
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
