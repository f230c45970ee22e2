//! Search: a reader's text parsed into terms (never query syntax), handed to the store with its
//! filters; when nothing matches, each word corrected to a known spelling one edit away and the
//! search tried again; snippets escaped, with matches in `<mark>`.

use super::Service;
use crate::documents::search::{corrected, display, safe_snippet, suggest, terms};
use crate::error::ApiError;
use crate::store::{SearchRequest, SearchTerm};
use app::contract::{SearchHit, SearchQuery, SearchResults};
use std::collections::HashMap;

impl Service {
    /// The notes matching `query`, best first, with a spelling suggestion when none did.
    pub async fn search(&self, query: &SearchQuery) -> Result<SearchResults, ApiError> {
        let limit = query.limit.unwrap_or(10);
        if !(1..=50).contains(&limit) {
            return Err(ApiError::BadRequest(format!(
                "limit must be between 1 and 50, not {limit}"
            )));
        }
        let typed = terms(&query.q);
        let request = |terms: Vec<SearchTerm>, prefix_last: bool| SearchRequest {
            terms,
            prefix_last,
            tag: query.tag.clone(),
            collection: query.collection.clone(),
            limit,
        };
        // A word still being typed matches as a prefix once it has two characters: one letter
        // is the start of a tenth of the vocabulary (FTS5 indexes prefixes of two to four), and
        // no reader means all of those; alone it is searched as a word.
        let prefix_last = !query.q.ends_with(char::is_whitespace)
            && matches!(typed.last(), Some(SearchTerm::Word(word)) if word.chars().count() >= 2);
        let mut results = SearchResults {
            hits: self.hits(&request(typed.clone(), prefix_last)).await?,
            did_you_mean: None,
        };
        if results.hits.is_empty() {
            let mut near: HashMap<&str, Vec<(String, i64)>> = HashMap::new();
            for term in &typed {
                if let SearchTerm::Word(word) = term
                    && !near.contains_key(word.as_str())
                {
                    near.insert(word, self.store().vocabulary_near(word).await?);
                }
            }
            let suggestion =
                |word: &str| suggest(word, near.get(word).map_or(&[][..], Vec::as_slice));
            if let Some(fixed) = corrected(&typed, suggestion) {
                // The correction is a whole word: no prefix matching for it.
                results.hits = self.hits(&request(fixed.clone(), false)).await?;
                if !results.hits.is_empty() {
                    results.did_you_mean = Some(display(&fixed));
                }
            }
        }
        Ok(results)
    }

    async fn hits(&self, request: &SearchRequest) -> Result<Vec<SearchHit>, ApiError> {
        if request.terms.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .store()
            .search(request)
            .await?
            .into_iter()
            .map(|row| SearchHit {
                document: row.document,
                snippet: safe_snippet(&row.snippet),
            })
            .collect())
    }
}
