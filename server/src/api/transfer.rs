//! Moving Markdown in and out: the multipart import and the zip export.

use super::{Acting, Reply};
use crate::AppState;
use crate::documents::import::FlavorChoice;
use crate::documents::sources::{Archive, LimitExceeded, NOT_IMPORTED, Unpacked, size_limit};
use crate::error::ApiError;
use app::contract::{Flavor, ImportFiles, Problem};
use axum::Json;
use axum::extract::multipart::Field;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::IntoResponse;
use std::io::{Seek, Write};

/// The largest upload accepted: a folder of notes or an archive of one. Bigger bases import
/// with `lore import`, which reads from disk.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// One part of an upload, as received: an archive is spooled to an unnamed temporary file (the
/// upload is never held in memory whole) and unpacked before the next part is read, so one
/// file at a time is open; a file (a note or an attachment) is kept up to its limit.
enum Received {
    File {
        name: String,
        bytes: Vec<u8>,
        complete: bool,
    },
    Archive {
        name: String,
        kind: Archive,
        file: std::fs::File,
    },
    Refused(Problem),
}

/// `POST /api/import`: `.md` files and/or `.zip` / `.tar.gz` archives in the `files` fields,
/// `skip_invalid=true` to import what is valid, `flavor=markdown|obsidian|auto` (auto: an
/// archive with an `.obsidian/` folder is a vault).
///
/// Each archive is unpacked on the CPU pool as soon as it has arrived, within the import limits
/// (`--import-max-files`, `--import-max-bytes`, counted over the whole upload): an upload that
/// would unpack past them is refused with 413 and nothing is imported. Only as many uploads are
/// unpacked and planned at once as there are CPU jobs, since each holds its notes in memory.
pub async fn import_files(
    State(state): State<AppState>,
    Acting(service): Acting,
    multipart: Result<Multipart, MultipartRejection>,
) -> Reply<ImportFiles> {
    // A body that is not multipart at all (a missing or malformed boundary) gets the envelope
    // too, not axum's plain-text rejection.
    let mut multipart =
        multipart.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let _turn = state.imports.acquire().await.map_err(|_| ApiError::Busy)?;
    let limits = state.limits.unpack;
    let mut unpacked = Unpacked::new(limits);
    let mut skip_invalid = false;
    let mut flavor = None;
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
        if field.name() == Some("flavor") {
            let name = field.text().await.map_err(ApiError::from_multipart)?;
            flavor = match name.trim() {
                "" | "auto" => None,
                name => Some(Flavor::from_name(name).ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "`flavor` is `{}`: say `markdown`, `obsidian` or `auto`",
                        name.escape_debug()
                    ))
                })?),
            };
            continue;
        }
        parts += 1;
        if parts > limits.max_files {
            return Err(LimitExceeded::Files(limits.max_files).into());
        }
        unpacked = match receive(field).await? {
            Received::File {
                name,
                bytes,
                complete,
            } => {
                unpacked.add_file(&name, bytes, complete)?;
                unpacked
            }
            Received::Refused(problem) => {
                unpacked.problems.push(problem);
                unpacked
            }
            Received::Archive { name, kind, file } => {
                service.unpack(unpacked, name, kind, file).await?
            }
        };
    }
    if parts == 0 {
        return Err(ApiError::BadRequest(
            "the upload holds no files: send them in `files` fields".into(),
        ));
    }
    // Without a flavour named, an upload holding a vault's `.obsidian/` folder is a vault.
    let flavor = FlavorChoice::of(flavor, unpacked.vault);
    let report = service
        .import(
            unpacked.files,
            unpacked.attachments,
            flavor,
            unpacked.problems,
            skip_invalid,
            indicatif::ProgressBar::hidden(),
        )
        .await?;
    Ok(Json(report))
}

/// Reads one uploaded part: an archive into a temporary file, a note into memory (what is past
/// the note limit is read and dropped), anything else refused by name.
async fn receive(mut field: Field<'_>) -> Result<Received, ApiError> {
    let name = field.file_name().unwrap_or_default().to_owned();
    let lower = name.to_ascii_lowercase();
    let archive = if lower.ends_with(".zip") {
        Some(Archive::Zip)
    } else if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        Some(Archive::TarGz)
    } else {
        None
    };
    if let Some(kind) = archive {
        let mut file = tempfile::tempfile().map_err(|e| ApiError::Internal(e.to_string()))?;
        while let Some(chunk) = field.chunk().await.map_err(ApiError::from_multipart)? {
            // A local file on the server's own disk: the write is quick, and a `spawn_blocking`
            // per chunk would cost more than it saves.
            file.write_all(&chunk)
                .map_err(|e| ApiError::Internal(format!("cannot spool an upload: {e}")))?;
        }
        file.rewind()
            .map_err(|e| ApiError::Internal(format!("cannot spool an upload: {e}")))?;
        return Ok(Received::Archive { name, kind, file });
    }
    let limit = size_limit(&name);
    let mut bytes = Vec::new();
    let mut complete = true;
    while let Some(chunk) = field.chunk().await.map_err(ApiError::from_multipart)? {
        if bytes.len() + chunk.len() > limit.unwrap_or(0) {
            complete = false;
        } else {
            bytes.extend_from_slice(&chunk);
        }
    }
    if limit.is_none() {
        return Ok(Received::Refused(Problem::in_file(&name, NOT_IMPORTED)));
    }
    Ok(Received::File {
        name,
        bytes,
        complete,
    })
}

/// `GET /api/export`: every document as Markdown at its original path, in one zip.
pub async fn export_archive(Acting(service): Acting) -> Result<impl IntoResponse, ApiError> {
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"lore-export.zip\"",
            ),
        ],
        service.export_zip().await?,
    ))
}
