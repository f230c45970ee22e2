//! Moving Markdown in and out: the multipart import and the zip export.

use super::Reply;
use crate::AppState;
use crate::documents::export::{ExportFile, zip_archive};
use crate::documents::import::{ImportError, MAX_FILE_BYTES, import};
use crate::documents::sources::{LimitExceeded, Unpacked, is_markdown};
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

/// One part of an upload, as received: an archive is spooled to an unnamed temporary file (the
/// upload is never held in memory whole) and unpacked before the next part is read, so one
/// file at a time is open; a note is kept up to the note limit.
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
/// Each archive is unpacked on the CPU pool as soon as it has arrived, within the import limits
/// (`--import-max-files`, `--import-max-bytes`, counted over the whole upload): an upload that
/// would unpack past them is refused with 413 and nothing is imported. Only as many uploads are
/// unpacked and planned at once as there are CPU jobs, since each holds its notes in memory.
pub async fn import_files(
    State(state): State<AppState>,
    mut multipart: Multipart,
) -> Reply<ImportFiles> {
    let _turn = state.imports.acquire().await.map_err(|_| ApiError::Busy)?;
    let limits = state.limits.unpack;
    let mut unpacked = Unpacked::new(limits);
    let mut skip_invalid = false;
    let mut parts = 0;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(ApiError::from_multipart)?
    {
        if field.name() == Some("skip_invalid") {
            skip_invalid = field.text().await.map_err(ApiError::from_multipart)?.trim() == "true";
            continue;
        }
        parts += 1;
        if parts > limits.max_files {
            return Err(import_error(LimitExceeded::Files(limits.max_files).into()));
        }
        unpacked = match receive(field).await? {
            Received::Note {
                name,
                bytes,
                complete,
            } => {
                unpacked
                    .add_file(&name, bytes, complete)
                    .map_err(|e| import_error(e.into()))?;
                unpacked
            }
            Received::Refused(problem) => {
                unpacked.problems.push(problem);
                unpacked
            }
            Received::Zip { name, file } => state
                .cpu
                .run(move || unpacked.add_zip(&name, file).map(|()| unpacked))
                .await?
                .map_err(|e| import_error(e.into()))?,
            Received::TarGz { name, file } => state
                .cpu
                .run(move || {
                    unpacked
                        .add_tar_gz(&name, std::io::BufReader::new(file))
                        .map(|()| unpacked)
                })
                .await?
                .map_err(|e| import_error(e.into()))?,
        };
    }
    if parts == 0 {
        return Err(ApiError::BadRequest(
            "the upload holds no files: send them in `files` fields".into(),
        ));
    }
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
        .run(move || {
            let files: Vec<ExportFile> = sources
                .iter()
                .map(|s| ExportFile::new(&s.source_path, &s.layout, &s.body))
                .collect();
            zip_archive(&files)
        })
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
