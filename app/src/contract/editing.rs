//! The wire types of writing: the editor's draft, saves that name the revision they were
//! based on, revisions and their diffs, and the trash.
//!
//! A save carries `base_revision`, the revision the editor started from. The server stores it
//! only if that is still the current revision; otherwise it answers 409 with the current
//! version in the error envelope ([`ErrorBody::current`](super::ErrorBody::current)), so the
//! editor can show both and let the person merge. Nothing is ever overwritten unseen.

use super::{Flavor, Heading, Related};
use serde::{Deserialize, Serialize};

/// What the editor changes in a note: the front-matter fields people edit as a form, and the
/// Markdown body. Every other front-matter key is kept as it was.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteDraft {
    /// The note's id (a slug). Changing it renames the note; its old id keeps working.
    pub id: String,
    /// Its title.
    pub title: String,
    /// One line describing it; empty for none.
    #[serde(default)]
    pub description: String,
    /// Tags, in order.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Notes to read first, as ids or relative paths.
    #[serde(default)]
    pub prerequisites: Vec<String>,
    /// Notes to read next.
    #[serde(default)]
    pub successors: Vec<String>,
    /// Notes on neighbouring topics.
    #[serde(default)]
    pub related: Vec<String>,
    /// The Markdown body.
    #[serde(default)]
    pub body: String,
    /// The dialect the body is written in: plain Markdown unless the note came from an
    /// Obsidian vault (or is written as one). Left out of a save, the note keeps its own (a
    /// script that only changes the body never turns a vault note into plain Markdown); left
    /// out of a new note, it is plain Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flavor: Option<Flavor>,
}

/// A note as the editor opens it (`GET /api/documents/{id}/edit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditableNote {
    /// The fields to edit, as stored now.
    pub draft: NoteDraft,
    /// The revision this is; a save must name it as its `base_revision`.
    pub revision: u64,
    /// Every relationship entry of the draft, resolved: what the editor shows for each.
    pub references: Vec<Reference>,
}

/// A relationship entry as written, and the note it resolves to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reference {
    /// The entry as written in the front matter.
    pub written: String,
    /// The note it names.
    pub note: Related,
}

/// Body of `POST /api/documents`: a new note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateNote {
    /// Its fields and body.
    pub draft: NoteDraft,
    /// A line saying what changed; empty for none.
    #[serde(default)]
    pub summary: String,
}

/// Body of `PUT /api/documents/{id}`: a changed note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateNote {
    /// The note's id before this save (fills `{id}`).
    pub id: String,
    /// The revision the change was made on; a save on an older one is refused with 409.
    pub base_revision: u64,
    /// The new fields and body.
    pub draft: NoteDraft,
    /// A line saying what changed.
    #[serde(default)]
    pub summary: String,
}

/// What a save made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Saved {
    /// The note's id (new, after a rename).
    pub id: String,
    /// The revision the save became.
    pub revision: u64,
}

/// Query of `DELETE /api/documents/{id}` and body of `POST /api/trash/{id}/restore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteAction {
    /// The note.
    pub id: String,
}

/// A note in the trash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeletedNote {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// When it was deleted (RFC 3339, UTC).
    pub deleted_at: String,
    /// Who deleted it.
    pub deleted_by: String,
}

/// One entry of a note's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionSummary {
    /// 1 for the first version, then one more per save.
    pub number: u64,
    /// Who saved it (`import` for imported files).
    pub author: String,
    /// When (RFC 3339, UTC).
    pub created_at: String,
    /// What changed, as its author said.
    pub summary: String,
}

/// Path of `GET /api/documents/{id}/revisions/{number}` and of its restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionId {
    /// The note.
    pub id: String,
    /// The revision.
    pub number: u64,
}

/// One revision in full (`GET /api/documents/{id}/revisions/{number}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revision {
    /// When, who and why.
    #[serde(flatten)]
    pub summary: RevisionSummary,
    /// The whole Markdown file as it was, front matter included.
    pub source: String,
}

/// Body of `POST /api/documents/{id}/revisions/{number}/restore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RestoreRevision {
    /// The note.
    pub id: String,
    /// The revision to bring back.
    pub number: u64,
    /// The revision the person was looking at when they chose to restore.
    pub base_revision: u64,
}

/// Query of `GET /api/documents/{id}/diff?from=&to=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffQuery {
    /// The note.
    pub id: String,
    /// The older revision; 0 for the empty file before the first.
    pub from: u64,
    /// The newer revision.
    pub to: u64,
}

/// The changes between two revisions of a note's file, line by line, in hunks with three lines
/// of context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Diff {
    /// The older revision.
    pub from: u64,
    /// The newer revision.
    pub to: u64,
    /// The changed regions; empty when the two are the same.
    pub hunks: Vec<Vec<DiffLine>>,
    /// Whether the diff was too long to show whole, and only its beginning is here.
    #[serde(default)]
    pub truncated: bool,
}

/// One line of a [`Diff`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffLine {
    /// Kept, removed or added.
    pub change: Change,
    /// Its text, without the line break.
    pub text: String,
}

/// What happened to a line between two revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// In both.
    Same,
    /// Only in the older one.
    Removed,
    /// Only in the newer one.
    Added,
}

/// Body of `POST /api/preview`: Markdown to render as the note would be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewRequest {
    /// The Markdown body.
    pub body: String,
    /// The dialect it is written in (the note's own).
    #[serde(default)]
    pub flavor: Flavor,
}

/// The body rendered by the server's renderer, exactly as the saved note will look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preview {
    /// Sanitized HTML.
    pub html: String,
    /// Its headings.
    pub headings: Vec<Heading>,
}
