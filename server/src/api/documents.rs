//! Reading the knowledge base: documents, tags, collections, the graph and wanted pages.

use super::Reply;
use crate::AppState;
use crate::cache::CachedJson;
use crate::documents::export::to_markdown;
use crate::documents::reading_path::reading_path;
use crate::error::ApiError;
use app::contract::{
    DocumentId, DocumentQuery, DocumentView, Endpoint, GetDocument, GetGraph, Graph, GraphQuery,
    ListCollections, ListDocuments, ListTags, ListWanted, Related, request_url,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::{HashMap, HashSet};

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
            (header::CONTENT_DISPOSITION, inline_file_name(&file_name)),
        ],
        to_markdown(&source.layout, &source.body),
    ))
}

/// `Content-Disposition` naming a file, valid whatever the name holds (RFC 6266): a plain-ASCII
/// stand-in for old clients, and the exact name percent-encoded as UTF-8 (RFC 8187). A name
/// with a line break or a NUL written as is would make the header invalid, and the response a
/// 500.
fn inline_file_name(name: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    /// What RFC 8187 lets stand unencoded (`attr-char`).
    const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'!')
        .remove(b'#')
        .remove(b'$')
        .remove(b'&')
        .remove(b'+')
        .remove(b'-')
        .remove(b'.')
        .remove(b'^')
        .remove(b'_')
        .remove(b'`')
        .remove(b'|')
        .remove(b'~');
    let plain: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "inline; filename=\"{plain}\"; filename*=UTF-8''{}",
        utf8_percent_encode(name, ATTR_CHAR)
    )
}

/// `GET /api/tags`.
pub async fn list_tags(State(state): State<AppState>) -> Reply<ListTags> {
    Ok(Json(state.store.tags().await?))
}

/// `GET /api/collections`.
pub async fn list_collections(State(state): State<AppState>) -> Reply<ListCollections> {
    Ok(Json(state.store.collections().await?))
}

/// `GET /api/graph?limit=`.
pub async fn get_graph(
    State(state): State<AppState>,
    super::Query(query): super::Query<GraphQuery>,
) -> Reply<GetGraph> {
    let mut graph = state.store.graph().await?;
    graph.total = graph.nodes.len() as u64;
    Ok(Json(match query.limit {
        Some(limit) => most_connected(graph, limit as usize),
        None => graph,
    }))
}

/// The `limit` nodes of `graph` with the most edges (ties by id, so the answer is stable), and
/// the edges between them: the part of a large base a picture can show.
fn most_connected(mut graph: Graph, limit: usize) -> Graph {
    if graph.nodes.len() <= limit {
        return graph;
    }
    let mut degree: HashMap<&str, usize> = HashMap::new();
    for edge in &graph.edges {
        *degree.entry(edge.source.as_str()).or_default() += 1;
        *degree.entry(edge.target.as_str()).or_default() += 1;
    }
    let mut ranked: Vec<(usize, &str)> = graph
        .nodes
        .iter()
        .map(|n| {
            (
                degree.get(n.id.as_str()).copied().unwrap_or(0),
                n.id.as_str(),
            )
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let kept: HashSet<String> = ranked
        .into_iter()
        .take(limit)
        .map(|(_, id)| id.to_owned())
        .collect();
    graph.nodes.retain(|n| kept.contains(&n.id));
    graph
        .edges
        .retain(|e| kept.contains(&e.source) && kept.contains(&e.target));
    graph
}

/// `GET /api/wanted`.
pub async fn list_wanted(State(state): State<AppState>) -> Reply<ListWanted> {
    Ok(Json(state.store.wanted().await?))
}

#[cfg(test)]
mod tests {
    use super::inline_file_name;
    use axum::http::HeaderValue;

    #[test]
    fn any_file_name_makes_a_valid_header() {
        for name in [
            "plain.md",
            "new\nline.md",
            "nul\0.md",
            "quote\".md",
            "日本語.md",
            "a b.md",
        ] {
            let value = inline_file_name(name);
            assert!(
                HeaderValue::from_str(&value).is_ok(),
                "{name:?} gave {value:?}"
            );
        }
        assert_eq!(
            inline_file_name("日本語 x.md"),
            "inline; filename=\"___ x.md\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E%20x.md"
        );
    }
}
