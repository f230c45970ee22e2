//! `GET /api/search`: full-text search with ranking, prefixes, phrases, filters, snippets and
//! a spelling suggestion when nothing matches.

use super::{Acting, Query, Reply};
use app::contract::{Search, SearchQuery};
use axum::Json;

/// `GET /api/search`.
pub async fn search(Acting(service): Acting, Query(query): Query<SearchQuery>) -> Reply<Search> {
    Ok(Json(service.search(&query).await?))
}
