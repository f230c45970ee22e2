//! Reading the knowledge base: documents, tags, collections, the graph and wanted pages.

use super::Reply;
use crate::AppState;
use crate::cache::CachedJson;
use crate::documents::export::to_markdown;
use crate::documents::reading_path::reading_path;
use crate::error::ApiError;
use app::contract::{
    DocumentId, DocumentQuery, DocumentView, Endpoint, GetDocument, GetGraph, ListCollections,
    ListDocuments, ListTags, ListWanted, Related, request_url,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

/// `GET /api/documents`.
pub async fn list_documents(
    State(state): State<AppState>,
    super::Query(query): super::Query<DocumentQuery>,
) -> Reply<ListDocuments> {
    if let Some(limit) = query.limit
        && !(1..=200).contains(&limit)
    {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and 200, not {limit}"
        )));
    }
    Ok(Json(state.store.list_documents(&query).await?))
}

/// `GET /api/documents/{id}`: the most read endpoint, answered from the replica's cache when
/// it can be (see [`crate::cache`]). An id a note was renamed away from answers a redirect
/// (307, not cached) to the note's current address.
pub async fn get_document(
    State(state): State<AppState>,
    Path(DocumentId { id }): Path<DocumentId>,
) -> Result<Response, ApiError> {
    let key = format!("document:{id}");
    let found: Result<CachedJson<<GetDocument as Endpoint>::Response>, ApiError> = state
        .cache
        .get_or_compute(state.store.as_ref(), &key, || {
            document_view(&state, id.clone())
        })
        .await;
    match found {
        Err(ApiError::DocumentNotFound(missing)) => {
            match state.store.redirect(&missing).await? {
                // Temporary, and not to be cached: the old id may be given to a note again.
                Some(new) => Ok((
                    [(header::CACHE_CONTROL, "no-store")],
                    Redirect::temporary(
                        &request_url::<GetDocument>(&DocumentId { id: new })
                            .map_err(|e| ApiError::Internal(e.to_string()))?,
                    ),
                )
                    .into_response()),
                None => Err(ApiError::DocumentNotFound(missing)),
            }
        }
        other => other.map(IntoResponse::into_response),
    }
}

/// One document with its reading path, straight from the store (the handler adds the cache).
pub async fn document_view(state: &AppState, id: String) -> Result<DocumentView, ApiError> {
    let mut view = state
        .store
        .document(&id)
        .await?
        .ok_or_else(|| ApiError::DocumentNotFound(id.clone()))?;
    let prerequisites = state.store.prerequisite_closure(&id).await?;
    let (path, cycles) = reading_path(&id, &prerequisites);
    let titles = state.store.titles(&path).await?;
    view.reading_path = path
        .into_iter()
        .map(|id| match titles.get(&id) {
            Some(title) => Related {
                title: title.clone(),
                id,
                exists: true,
            },
            None => Related {
                title: id.clone(),
                id,
                exists: false,
            },
        })
        .collect();
    view.cycles = cycles;
    Ok(view)
}

/// `GET /api/documents/{id}/raw`: the Markdown file, front matter included.
pub async fn get_document_raw(
    State(state): State<AppState>,
    Path(DocumentId { id }): Path<DocumentId>,
) -> Result<impl IntoResponse, ApiError> {
    let source = state
        .store
        .source(&id)
        .await?
        .ok_or_else(|| ApiError::DocumentNotFound(id.clone()))?;
    let file_name = source
        .source_path
        .rsplit('/')
        .next()
        .unwrap_or("document.md")
        .to_owned();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{}\"", file_name.replace('"', "")),
            ),
        ],
        to_markdown(&source.layout, &source.body),
    ))
}

/// `GET /api/tags`.
pub async fn list_tags(State(state): State<AppState>) -> Reply<ListTags> {
    Ok(Json(state.store.tags().await?))
}

/// `GET /api/collections`.
pub async fn list_collections(State(state): State<AppState>) -> Reply<ListCollections> {
    Ok(Json(state.store.collections().await?))
}

/// `GET /api/graph`.
pub async fn get_graph(State(state): State<AppState>) -> Reply<GetGraph> {
    Ok(Json(state.store.graph().await?))
}

/// `GET /api/wanted`.
pub async fn list_wanted(State(state): State<AppState>) -> Reply<ListWanted> {
    Ok(Json(state.store.wanted().await?))
}
