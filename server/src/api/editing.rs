//! Changing the knowledge base from the editor: create, update (with rename), delete and
//! restore, the history of revisions with diffs, and the live preview.
//!
//! Handlers only translate HTTP; the rules (field checks, revision checks, what a rename moves)
//! are in [`crate::documents::edit`]. Every write drops this replica's response cache.

use super::{Body, Path, Query, Reply};
use crate::AppState;
use crate::documents::edit::{self, resolver};
use crate::documents::import::MAX_FILE_BYTES;
use crate::documents::render::render;
use crate::error::ApiError;
use app::contract::{
    Change, CreateDocument, CreateNote, DeleteDocument, Diff, DiffLine, DocumentId, EditDocument,
    Endpoint, GetDiff, GetRevision, ListRevisions, ListTrash, NoteAction, Preview, PreviewMarkdown,
    PreviewRequest, RestoreDocument, RestoreRevision, RestoreToRevision, RevisionId,
    UpdateDocument, UpdateNote,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// `POST /api/documents`: 201 with the new note's id and revision.
pub async fn create_document(
    State(state): State<AppState>,
    Body(request): Body<CreateNote>,
) -> Result<(StatusCode, Json<<CreateDocument as Endpoint>::Response>), ApiError> {
    let saved = edit::create(
        state.store.as_ref(),
        &request.draft,
        &request.author,
        &request.summary,
    )
    .await?;
    state.cache.invalidate();
    Ok((StatusCode::CREATED, Json(saved)))
}

/// `GET /api/documents/{id}/edit`.
pub async fn edit_document(
    State(state): State<AppState>,
    Path(DocumentId { id }): Path<DocumentId>,
) -> Reply<EditDocument> {
    edit::editable(state.store.as_ref(), &id)
        .await?
        .map(Json)
        .ok_or(ApiError::DocumentNotFound(id))
}

/// `PUT /api/documents/{id}`. The path names the note; the body's `id` is what fills the
/// path on the client and is not read again.
pub async fn update_document(
    State(state): State<AppState>,
    Path(DocumentId { id }): Path<DocumentId>,
    Body(request): Body<UpdateNote>,
) -> Reply<UpdateDocument> {
    let saved = edit::update(
        state.store.as_ref(),
        &id,
        request.base_revision,
        &request.draft,
        &request.author,
        &request.summary,
    )
    .await;
    // Even a refused save may come after someone else's write this replica has not seen.
    state.cache.invalidate();
    Ok(Json(saved?))
}

/// `DELETE /api/documents/{id}?author=`.
pub async fn delete_document(
    State(state): State<AppState>,
    Path(DocumentId { id }): Path<DocumentId>,
    Query(action): Query<Author>,
) -> Reply<DeleteDocument> {
    let deleted = edit::delete(state.store.as_ref(), &id, &action.author).await?;
    state.cache.invalidate();
    Ok(Json(deleted))
}

/// The query of a delete: the note is in the path.
#[derive(Debug, serde::Deserialize)]
pub struct Author {
    #[serde(default)]
    author: String,
}

/// `GET /api/trash`.
pub async fn list_trash(State(state): State<AppState>) -> Reply<ListTrash> {
    Ok(Json(state.store.trash().await?))
}

/// `POST /api/trash/{id}/restore`.
pub async fn restore_document(
    State(state): State<AppState>,
    Path(DocumentId { id }): Path<DocumentId>,
    Body(action): Body<NoteAction>,
) -> Reply<RestoreDocument> {
    let saved = edit::undelete(state.store.as_ref(), &id, &action.author).await?;
    state.cache.invalidate();
    Ok(Json(saved))
}

/// `GET /api/documents/{id}/revisions`: 404 for an id that never had a revision.
pub async fn list_revisions(
    State(state): State<AppState>,
    Path(DocumentId { id }): Path<DocumentId>,
) -> Reply<ListRevisions> {
    let revisions = state.store.revisions(&id).await?;
    if revisions.is_empty() {
        return Err(ApiError::DocumentNotFound(id));
    }
    Ok(Json(revisions))
}

/// `GET /api/documents/{id}/revisions/{number}`.
pub async fn get_revision(
    State(state): State<AppState>,
    Path(RevisionId { id, number }): Path<RevisionId>,
) -> Reply<GetRevision> {
    let revision = match number {
        0 => None,
        n => state.store.revision_of(&id, n).await?,
    };
    revision
        .map(|(revision, _)| Json(revision))
        .ok_or_else(|| ApiError::NotFound(format!("`{id}` has no revision {number}.")))
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
    State(state): State<AppState>,
    Path(DocumentId { id }): Path<DocumentId>,
    Query(range): Query<DiffRange>,
) -> Reply<GetDiff> {
    let mut sources = Vec::with_capacity(2);
    for number in [range.from, range.to] {
        // Revision 0 is the empty file before the first: diffing against it shows all of it.
        if number == 0 && range.to > 0 {
            sources.push(String::new());
            continue;
        }
        let revision = match number {
            0 => None,
            n => state.store.revision_of(&id, n).await?,
        };
        let (revision, _) = revision
            .ok_or_else(|| ApiError::NotFound(format!("`{id}` has no revision {number}.")))?;
        sources.push(revision.source);
    }
    Ok(Json(Diff {
        from: range.from,
        to: range.to,
        hunks: line_diff(&sources[0], &sources[1]),
    }))
}

/// The changed regions between two files, with three lines of context each.
fn line_diff(old: &str, new: &str) -> Vec<Vec<DiffLine>> {
    let diff = similar::TextDiff::from_lines(old, new);
    diff.grouped_ops(3)
        .iter()
        .map(|group| {
            group
                .iter()
                .flat_map(|op| diff.iter_changes(op))
                .map(|change| DiffLine {
                    change: match change.tag() {
                        similar::ChangeTag::Equal => Change::Same,
                        similar::ChangeTag::Delete => Change::Removed,
                        similar::ChangeTag::Insert => Change::Added,
                    },
                    text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
                })
                .collect()
        })
        .collect()
}

/// `POST /api/documents/{id}/revisions/{number}/restore`.
pub async fn restore_to_revision(
    State(state): State<AppState>,
    Path(RevisionId { id, number }): Path<RevisionId>,
    Body(request): Body<RestoreRevision>,
) -> Reply<RestoreToRevision> {
    let saved = edit::restore_revision(
        state.store.as_ref(),
        &id,
        number,
        request.base_revision,
        &request.author,
    )
    .await;
    state.cache.invalidate();
    Ok(Json(saved?))
}

/// `POST /api/preview`: the body rendered exactly as a saved note would be, links resolved
/// against the notes that exist now.
pub async fn preview(
    State(state): State<AppState>,
    Body(request): Body<PreviewRequest>,
) -> Reply<PreviewMarkdown> {
    if request.body.len() > MAX_FILE_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "notes may be at most {MAX_FILE_BYTES} bytes"
        )));
    }
    let resolver = resolver(state.store.as_ref()).await?;
    let rendered = tokio::task::spawn_blocking(move || {
        render(&request.body, &|destination| {
            Some(resolver.link("", destination))
        })
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(Preview {
        html: rendered.html,
        headings: rendered.headings,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_shows_changed_lines_with_their_context() {
        let hunks = line_diff("a\nb\nc\n", "a\nB\nc\n");
        let lines: Vec<_> = hunks[0]
            .iter()
            .map(|l| (l.change, l.text.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (Change::Same, "a"),
                (Change::Removed, "b"),
                (Change::Added, "B"),
                (Change::Same, "c")
            ]
        );
        assert!(line_diff("same\n", "same\n").is_empty());
    }
}
