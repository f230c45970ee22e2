//! Moving Markdown in and out: the multipart import and the zip export.

use super::Reply;
use crate::AppState;
use crate::documents::SourceFile;
use crate::documents::export::zip_archive;
use crate::documents::import::{ImportError, import};
use crate::documents::sources::{from_tar_gz, from_zip, is_markdown};
use crate::error::ApiError;
use app::contract::{ImportFiles, Problem};
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::IntoResponse;

/// The largest upload accepted: a folder of notes or an archive of one. Bigger bases import
/// with `lore import`, which reads from disk.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// `POST /api/import`: `.md` files and/or `.zip` / `.tar.gz` archives in the `files` fields,
/// `skip_invalid=true` to import what is valid.
pub async fn import_files(
    State(state): State<AppState>,
    mut multipart: Multipart,
) -> Reply<ImportFiles> {
    let mut files: Vec<SourceFile> = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
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
        let name = field.file_name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(ApiError::from_multipart)?;
        let lower = name.to_ascii_lowercase();
        let result = if lower.ends_with(".zip") {
            from_zip(&name, &bytes)
        } else if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
            from_tar_gz(&name, &bytes)
        } else if is_markdown(&lower) {
            match crate::documents::sources::clean_path(&name) {
                Some(path) => Ok(vec![SourceFile {
                    path,
                    bytes: bytes.to_vec(),
                }]),
                None => Err(Problem::in_file(
                    &name,
                    "the file name points outside the upload",
                )),
            }
        } else {
            Err(Problem::in_file(
                &name,
                "not a Markdown file (.md, .markdown) or an archive (.zip, .tar.gz)",
            ))
        };
        match result {
            Ok(found) => files.extend(found),
            Err(problem) => problems.push(problem),
        }
    }
    if files.is_empty() && problems.is_empty() {
        return Err(ApiError::BadRequest(
            "the upload holds no files: send them in `files` fields".into(),
        ));
    }
    if !problems.is_empty() && !skip_invalid {
        return Err(ApiError::InvalidImport(problems));
    }
    let result = import(
        state.store.as_ref(),
        files,
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
        Err(ImportError::Store(error)) => Err(error.into()),
    }
}

/// `GET /api/export`: every document as Markdown at its original path, in one zip.
pub async fn export_archive(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let sources = state.store.sources().await?;
    let archive = tokio::task::spawn_blocking(move || zip_archive(&sources))
        .await
        .expect("zip writing does not panic")
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
