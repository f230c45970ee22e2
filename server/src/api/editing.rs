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
    PreviewRequest, Problem, RestoreDocument, RestoreRevision, RestoreToRevision, RevisionId,
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
        &state.cpu,
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
        &state.cpu,
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
    let deleted = edit::delete(state.store.as_ref(), &state.cpu, &id, &action.author).await?;
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
    let saved = edit::undelete(state.store.as_ref(), &state.cpu, &id, &action.author).await?;
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
    let new = sources.pop().unwrap_or_default();
    let old = sources.pop().unwrap_or_default();
    let (hunks, truncated) = state.cpu.run(move || line_diff(&old, &new)).await?;
    Ok(Json(Diff {
        from: range.from,
        to: range.to,
        hunks,
        truncated,
    }))
}

/// How long a diff may look for the smallest set of changes before it settles for a larger
/// one. Finding the smallest is quadratic in the worst case (two unrelated 60,000-line files
/// took 19 s); past the deadline the diff is still correct, only less tidy.
const DIFF_DEADLINE: std::time::Duration = std::time::Duration::from_millis(500);

/// The most lines a diff shows. Two unrelated files of a megabyte make a diff as long as both;
/// past this, the rest is left out and the diff says so.
pub const MAX_DIFF_LINES: usize = 5_000;

/// The changed regions between two files, with three lines of context each, and whether some
/// were left out (see [`MAX_DIFF_LINES`]).
fn line_diff(old: &str, new: &str) -> (Vec<Vec<DiffLine>>, bool) {
    let diff = similar::TextDiff::configure()
        .timeout(DIFF_DEADLINE)
        .diff_lines(old, new);
    let mut shown = 0;
    let mut hunks = Vec::new();
    for group in diff.grouped_ops(3) {
        let mut hunk = Vec::new();
        for change in group.iter().flat_map(|op| diff.iter_changes(op)) {
            if shown == MAX_DIFF_LINES {
                hunks.push(hunk);
                return (hunks, true);
            }
            shown += 1;
            hunk.push(DiffLine {
                change: match change.tag() {
                    similar::ChangeTag::Equal => Change::Same,
                    similar::ChangeTag::Delete => Change::Removed,
                    similar::ChangeTag::Insert => Change::Added,
                },
                text: change.value().trim_end_matches(['\n', '\r']).to_owned(),
            });
        }
        hunks.push(hunk);
    }
    (hunks, false)
}

/// `POST /api/documents/{id}/revisions/{number}/restore`.
pub async fn restore_to_revision(
    State(state): State<AppState>,
    Path(RevisionId { id, number }): Path<RevisionId>,
    Body(request): Body<RestoreRevision>,
) -> Reply<RestoreToRevision> {
    let saved = edit::restore_revision(
        state.store.as_ref(),
        &state.cpu,
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
    let rendered = state
        .cpu
        .run(move || {
            render(&request.body, &|destination| {
                Some(resolver.link("", destination))
            })
        })
        .await?
        .map_err(|error| {
            ApiError::InvalidNote(vec![Problem::in_field(
                "body",
                format!("Line {}: {error}", error.line()),
            )])
        })?;
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
        let (hunks, truncated) = line_diff("a\nb\nc\n", "a\nB\nc\n");
        assert!(!truncated);
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
        assert!(line_diff("same\n", "same\n").0.is_empty());
    }

    #[test]
    fn a_diff_of_two_long_unrelated_files_is_cut_short_and_says_so() {
        let old: String = (0..60_000).map(|i| format!("old line {i}\n")).collect();
        let new: String = (0..60_000)
            .map(|i| format!("new line {}\n", i * 7))
            .collect();
        let (hunks, truncated) = line_diff(&old, &new);
        assert!(truncated);
        assert_eq!(hunks.iter().map(Vec::len).sum::<usize>(), MAX_DIFF_LINES);
    }
}
