//! Moving Markdown in and out: the multipart import and the zip export.

use super::Reply;
use crate::AppState;
use crate::documents::export::zip_archive;
use crate::documents::import::{ImportError, MAX_FILE_BYTES, import};
use crate::documents::sources::{Unpacked, is_markdown};
use crate::error::ApiError;
use app::contract::{ImportFiles, Problem};
use axum::Json;
use axum::extract::multipart::Field;
use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::IntoResponse;
use std::io::{Seek, Write};

/// The largest upload accepted: a folder of notes or an archive of one. Bigger bases import
/// with `lore import`, which reads from disk.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// One part of an upload, as received: archives are spooled to an unnamed temporary file (the
/// upload is never held in memory whole), notes kept up to one byte past the note limit.
enum Received {
    Note {
        name: String,
        bytes: Vec<u8>,
        complete: bool,
    },
    Zip {
        name: String,
        file: std::fs::File,
    },
    TarGz {
        name: String,
        file: std::fs::File,
    },
    Refused(Problem),
}

/// `POST /api/import`: `.md` files and/or `.zip` / `.tar.gz` archives in the `files` fields,
/// `skip_invalid=true` to import what is valid.
///
/// Archives are unpacked on the CPU pool within the import limits (`--import-max-files`,
/// `--import-max-bytes`): an upload that would unpack past them is refused with 413 and
/// nothing is imported.
pub async fn import_files(
    State(state): State<AppState>,
    mut multipart: Multipart,
) -> Reply<ImportFiles> {
    let mut received = Vec::new();
    let mut skip_invalid = false;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(ApiError::from_multipart)?
    {
        if field.name() == Some("skip_invalid") {
            skip_invalid = field.text().await.map_err(ApiError::from_multipart)?.trim() == "true";
            continue;
        }
        received.push(receive(field).await?);
    }
    if received.is_empty() {
        return Err(ApiError::BadRequest(
            "the upload holds no files: send them in `files` fields".into(),
        ));
    }
    let limits = state.limits.unpack;
    let unpacked = state
        .cpu
        .run(move || {
            let mut unpacked = Unpacked::new(limits);
            for part in received {
                match part {
                    Received::Note {
                        name,
                        bytes,
                        complete,
                    } => unpacked.add_file(&name, bytes, complete)?,
                    Received::Zip { name, file } => unpacked.add_zip(&name, file)?,
                    Received::TarGz { name, file } => {
                        unpacked.add_tar_gz(&name, std::io::BufReader::new(file))?
                    }
                    Received::Refused(problem) => unpacked.problems.push(problem),
                }
            }
            Ok::<_, ImportError>(unpacked)
        })
        .await?
        .map_err(import_error)?;
    let mut problems = unpacked.problems;
    if !problems.is_empty() && !skip_invalid {
        return Err(ApiError::InvalidImport(problems));
    }
    let result = import(
        state.store.as_ref(),
        &state.cpu,
        unpacked.files,
        skip_invalid,
        indicatif::ProgressBar::hidden(),
    )
    .await;
    state.cache.invalidate();
    match result {
        Ok(mut report) => {
            report.skipped.splice(0..0, problems);
            Ok(Json(report))
        }
        Err(ImportError::Invalid(found)) => {
            problems.extend(found);
            Err(ApiError::InvalidImport(problems))
        }
        Err(other) => Err(import_error(other)),
    }
}

/// Reads one uploaded part: an archive into a temporary file, a note into memory (what is past
/// the note limit is read and dropped), anything else refused by name.
async fn receive(mut field: Field<'_>) -> Result<Received, ApiError> {
    let name = field.file_name().unwrap_or_default().to_owned();
    let lower = name.to_ascii_lowercase();
    let archive = if lower.ends_with(".zip") {
        Some(true)
    } else if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        Some(false)
    } else {
        None
    };
    if let Some(is_zip) = archive {
        let mut file = tempfile::tempfile().map_err(|e| ApiError::Internal(e.to_string()))?;
        while let Some(chunk) = field.chunk().await.map_err(ApiError::from_multipart)? {
            // A local file on the server's own disk: the write is quick, and a `spawn_blocking`
            // per chunk would cost more than it saves.
            file.write_all(&chunk)
                .map_err(|e| ApiError::Internal(format!("cannot spool an upload: {e}")))?;
        }
        file.rewind()
            .map_err(|e| ApiError::Internal(format!("cannot spool an upload: {e}")))?;
        return Ok(if is_zip {
            Received::Zip { name, file }
        } else {
            Received::TarGz { name, file }
        });
    }
    let mut bytes = Vec::new();
    let mut complete = true;
    while let Some(chunk) = field.chunk().await.map_err(ApiError::from_multipart)? {
        if bytes.len() + chunk.len() > MAX_FILE_BYTES {
            complete = false;
        } else {
            bytes.extend_from_slice(&chunk);
        }
    }
    if !is_markdown(&lower) {
        return Ok(Received::Refused(Problem::in_file(
            &name,
            "not a Markdown file (.md, .markdown) or an archive (.zip, .tar.gz)",
        )));
    }
    Ok(Received::Note {
        name,
        bytes,
        complete,
    })
}

/// An import that failed for another reason than its files' problems.
fn import_error(error: ImportError) -> ApiError {
    match error {
        ImportError::Invalid(problems) => ApiError::InvalidImport(problems),
        ImportError::TooLarge(limit) => ApiError::PayloadTooLarge(limit.to_string()),
        ImportError::Cpu(error) => error.into(),
        ImportError::Store(error) => error.into(),
    }
}

/// `GET /api/export`: every document as Markdown at its original path, in one zip.
pub async fn export_archive(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let sources = state.store.sources().await?;
    let archive = state
        .cpu
        .run(move || zip_archive(&sources))
        .await?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"lore-export.zip\"",
            ),
        ],
        archive,
    ))
}
