//! Moving a whole knowledge base from one database to another (`lore copy`), typically from the
//! embedded SQLite to PostgreSQL when one server becomes several.
//!
//! Everything goes: notes as stored (their rendered HTML too), every revision, the trash, the
//! redirects of renamed notes and the attachments. The target must be empty, and is written in one transaction, so
//! a copy is whole or absent. Then both bases are read back and compared: the number of notes,
//! revisions, notes in the trash, redirects and attachments, and a SHA-256 over every exported
//! file (notes and attachments) and path, which is what a user would get out of each.

use super::reading::exported_files;
use crate::error::ApiError;
use crate::store::{Dump, SourceDocument, Store};
use sha2::{Digest, Sha256};

/// What was copied, as verified on the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Notes.
    pub notes: usize,
    /// Revisions, of all notes.
    pub revisions: usize,
    /// Notes in the trash.
    pub trash: usize,
    /// Redirects of renamed ids.
    pub redirects: usize,
    /// Attachments.
    pub attachments: usize,
    /// SHA-256 of every exported file with its path, in path order, hex.
    pub checksum: String,
}

/// Why a copy was not made, or did not verify.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The target already holds a knowledge base.
    #[error(
        "the target database is not empty ({0}); copy into a new, empty database, so that nothing there is mixed with or lost under the copy"
    )]
    TargetNotEmpty(String),
    /// The copy was written, but reads back differently.
    #[error("the copy does not match its source: {0}")]
    Mismatch(String),
    /// Reading or writing failed.
    #[error(transparent)]
    Failed(#[from] ApiError),
}

/// Copies the whole base in `from` into the empty base `to`, and verifies it.
pub async fn copy(from: &dyn Store, to: &dyn Store) -> Result<Copied, CopyError> {
    let existing = to.dump().await.map_err(ApiError::from)?;
    let found = [
        (existing.notes.len(), "notes"),
        (existing.revisions.len(), "revisions"),
        (existing.trash.len(), "notes in the trash"),
        (existing.redirects.len(), "redirects"),
        (existing.attachments.len(), "attachments"),
    ];
    let held: Vec<String> = found
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if !held.is_empty() {
        return Err(CopyError::TargetNotEmpty(held.join(", ")));
    }
    let dump = from.dump().await.map_err(ApiError::from)?;
    let mut tx = to.begin().await.map_err(ApiError::from)?;
    tx.load(&dump).await.map_err(ApiError::from)?;
    tx.commit().await.map_err(ApiError::from)?;

    let source = summary_of(&dump)?;
    let copied = summary_of(&to.dump().await.map_err(ApiError::from)?)?;
    if source != copied {
        return Err(CopyError::Mismatch(format!(
            "the source has {source:?}, the copy {copied:?}"
        )));
    }
    Ok(copied)
}

/// Counts and the checksum of a base's files.
fn summary_of(dump: &Dump) -> Result<Copied, ApiError> {
    let mut hash = Sha256::new();
    let sources: Vec<SourceDocument> = dump
        .notes
        .iter()
        .map(|note| SourceDocument {
            id: note.id.clone(),
            source_path: note.source_path.clone(),
            layout_json: note.layout_json.clone(),
            body: note.body.clone(),
        })
        .collect();
    for file in exported_files(&sources, dump.attachments.clone())? {
        hash.update(file.path.as_bytes());
        hash.update([0]);
        hash.update(&file.bytes);
        hash.update([0]);
    }
    Ok(Copied {
        notes: dump.notes.len(),
        revisions: dump.revisions.len(),
        trash: dump.trash.len(),
        redirects: dump.redirects.len(),
        attachments: dump.attachments.len(),
        checksum: format!("{:x}", hash.finalize()),
    })
}
