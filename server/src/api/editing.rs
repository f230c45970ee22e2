//! Changing the knowledge base from the editor: create, update (with rename), delete and
//! restore, the history of revisions with diffs, and the live preview. Each handler is one call
//! to the [service](crate::service::editing), which owns the rules.

use super::{Acting, Body, Path, Query, Reply};
use crate::documents::import::MAX_FILE_BYTES;
use crate::error::ApiError;
use app::contract::{
    CreateDocument, CreateNote, DeleteDocument, DocumentId, EditDocument, Endpoint, GetDiff,
    GetRevision, ListRevisions, ListTrash, PreviewMarkdown, PreviewRequest, RestoreDocument,
    RestoreRevision, RestoreToRevision, RevisionId, UpdateDocument, UpdateNote,
};
use axum::Json;
use axum::http::StatusCode;

/// `POST /api/documents`: 201 with the new note's id and revision.
pub async fn create_document(
    Acting(service): Acting,
    Body(request): Body<CreateNote>,
) -> Result<(StatusCode, Json<<CreateDocument as Endpoint>::Response>), ApiError> {
    Ok((StatusCode::CREATED, Json(service.create(&request).await?)))
}

/// `GET /api/documents/{id}/edit`.
pub async fn edit_document(
    Acting(service): Acting,
    Path(DocumentId { id }): Path<DocumentId>,
) -> Reply<EditDocument> {
    Ok(Json(service.editable(&id).await?))
}

/// `PUT /api/documents/{id}`. The path names the note; the body's `id` is what fills the
/// path on the client and is not read again.
pub async fn update_document(
    Acting(service): Acting,
    Path(DocumentId { id }): Path<DocumentId>,
    Body(request): Body<UpdateNote>,
) -> Reply<UpdateDocument> {
    Ok(Json(service.update(&id, &request).await?))
}

/// `DELETE /api/documents/{id}`.
pub async fn delete_document(
    Acting(service): Acting,
    Path(DocumentId { id }): Path<DocumentId>,
) -> Reply<DeleteDocument> {
    Ok(Json(service.delete(&id).await?))
}

/// `GET /api/trash`.
pub async fn list_trash(Acting(service): Acting) -> Reply<ListTrash> {
    Ok(Json(service.trash().await?))
}

/// `POST /api/trash/{id}/restore`.
pub async fn restore_document(
    Acting(service): Acting,
    Path(DocumentId { id }): Path<DocumentId>,
) -> Reply<RestoreDocument> {
    Ok(Json(service.undelete(&id).await?))
}

/// `GET /api/documents/{id}/revisions`: 404 for an id that never had a revision.
pub async fn list_revisions(
    Acting(service): Acting,
    Path(DocumentId { id }): Path<DocumentId>,
) -> Reply<ListRevisions> {
    Ok(Json(service.revisions(&id).await?))
}

/// `GET /api/documents/{id}/revisions/{number}`.
pub async fn get_revision(
    Acting(service): Acting,
    Path(RevisionId { id, number }): Path<RevisionId>,
) -> Reply<GetRevision> {
    Ok(Json(service.revision(&id, number).await?))
}

/// The query of a diff: the note is in the path.
#[derive(Debug, serde::Deserialize)]
pub struct DiffRange {
    /// The older revision.
    pub from: u64,
    /// The newer revision.
    pub to: u64,
}

/// `GET /api/documents/{id}/diff?from=&to=`.
pub async fn get_diff(
    Acting(service): Acting,
    Path(DocumentId { id }): Path<DocumentId>,
    Query(range): Query<DiffRange>,
) -> Reply<GetDiff> {
    Ok(Json(service.diff(&id, range.from, range.to).await?))
}

/// `POST /api/documents/{id}/revisions/{number}/restore`.
pub async fn restore_to_revision(
    Acting(service): Acting,
    Path(RevisionId { id, number }): Path<RevisionId>,
    Body(request): Body<RestoreRevision>,
) -> Reply<RestoreToRevision> {
    Ok(Json(service.restore_revision(&id, number, &request).await?))
}

/// `POST /api/preview`: the body rendered exactly as a saved note would be, links resolved
/// against the notes that exist now.
pub async fn preview(
    Acting(service): Acting,
    Body(request): Body<PreviewRequest>,
) -> Reply<PreviewMarkdown> {
    if request.body.len() > MAX_FILE_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "notes may be at most {MAX_FILE_BYTES} bytes"
        )));
    }
    Ok(Json(service.preview(request.body, request.flavor).await?))
}
