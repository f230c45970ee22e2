//! Reading the knowledge base: documents, tags, collections, the graph and wanted pages.

use super::{Acting, Path, Query, Reply};
use crate::error::ApiError;
use crate::service::reading::Found;
use app::contract::{
    DocumentId, DocumentQuery, GetDocument, GetGraph, GraphQuery, ListCollections, ListDocuments,
    ListTags, ListWanted, request_url,
};
use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

/// `GET /api/documents`.
pub async fn list_documents(
    Acting(service): Acting,
    Query(query): Query<DocumentQuery>,
) -> Reply<ListDocuments> {
    Ok(Json(service.documents(&query).await?))
}

/// `GET /api/documents/{id}`: the most read endpoint, answered from the replica's cache when
/// it can be (see [`crate::cache`]). An id a note was renamed away from answers a redirect
/// (307, not cached) to the note's current address.
pub async fn get_document(
    Acting(service): Acting,
    Path(DocumentId { id }): Path<DocumentId>,
) -> Result<Response, ApiError> {
    match service.document(&id).await? {
        Found::Here(json) => Ok(json.into_response()),
        // Temporary, and not to be cached: the old id may be given to a note again.
        Found::Moved(new) => Ok((
            [(header::CACHE_CONTROL, "no-store")],
            Redirect::temporary(
                &request_url::<GetDocument>(&DocumentId { id: new })
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
            ),
        )
            .into_response()),
    }
}

/// `GET /api/documents/{id}/raw`: the Markdown file, front matter included.
pub async fn get_document_raw(
    Acting(service): Acting,
    Path(DocumentId { id }): Path<DocumentId>,
) -> Result<impl IntoResponse, ApiError> {
    let file = service.raw(&id).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                inline_file_name(&file.file_name),
            ),
        ],
        file.text,
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
pub async fn list_tags(Acting(service): Acting) -> Reply<ListTags> {
    Ok(Json(service.tags().await?))
}

/// `GET /api/collections`.
pub async fn list_collections(Acting(service): Acting) -> Reply<ListCollections> {
    Ok(Json(service.collections().await?))
}

/// `GET /api/graph?limit=`.
pub async fn get_graph(
    Acting(service): Acting,
    Query(query): Query<GraphQuery>,
) -> Reply<GetGraph> {
    Ok(Json(service.graph(&query).await?))
}

/// `GET /api/wanted`.
pub async fn list_wanted(Acting(service): Acting) -> Reply<ListWanted> {
    Ok(Json(service.wanted().await?))
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
