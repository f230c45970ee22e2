//! Serving attachments: `GET /api/files/{path}`.
//!
//! The file comes from the database, so every replica serves it. Rendered notes address it
//! with `?v=` and the start of its content's hash, so the answer to such an address never
//! changes and is cached for good (`immutable`); any other request is revalidated by its
//! `ETag` (the hash). Media players seek with byte ranges, one range per request, read from
//! the database as a slice of the stored bytes.
//!
//! A file is never a page of Lore's: besides `nosniff`, it gets a policy that runs no script
//! and sandboxes the document, so an SVG with a `<script>` opened at its own address runs
//! nothing in Lore's origin.

use super::{Acting, Query};
use crate::AppState;
use crate::documents::attachments::VERSION_DIGITS;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The policy of a served file: nothing runs, styles written in the file (an SVG's) apply.
const FILE_POLICY: HeaderValue = HeaderValue::from_static(
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox",
);

/// A PDF viewer does not open in a sandboxed document; a PDF runs no script in Lore's origin
/// either way.
const PDF_POLICY: HeaderValue =
    HeaderValue::from_static("default-src 'none'; frame-ancestors 'self'");

/// The query of `GET /api/files/{path}` (`FilePath` in the contract, whose `path` is in the
/// path).
#[derive(Debug, serde::Deserialize)]
pub struct FileVersion {
    v: Option<String>,
}

/// `GET /api/files/{path}`.
pub async fn get_file(
    State(state): State<AppState>,
    Acting(service): Acting,
    Path(path): Path<String>,
    Query(FileVersion { v }): Query<FileVersion>,
    request: HeaderMap,
) -> Result<Response, ApiError> {
    let file = service.file(&path).await?;
    let etag = format!("\"{}\"", file.hash);
    let size = file.size.max(0) as u64;
    let versioned = v.is_some_and(|v| v.len() >= VERSION_DIGITS && file.hash.starts_with(&v));
    // A private base's files are kept by the reader's browser only, never by a shared cache.
    let cache = match (versioned, state.access.public_read) {
        (true, true) => "public, max-age=31536000, immutable",
        (true, false) => "private, max-age=31536000, immutable",
        (false, true) => "no-cache",
        (false, false) => "private, no-cache",
    };
    let policy = if file.content_type == "application/pdf" {
        PDF_POLICY
    } else {
        FILE_POLICY
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    // Compared weakly, as `If-None-Match` is (RFC 9110 §13.1.2): `W/"…"` matches too.
    let not_modified = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        });
    if not_modified {
        return Ok(as_stored(
            (StatusCode::NOT_MODIFIED, headers).into_response(),
        ));
    }
    if let Ok(content_type) = HeaderValue::from_str(&file.content_type) {
        headers.insert(header::CONTENT_TYPE, content_type);
    }
    // The whole file, unless one range of bytes of this version is asked for: a range asked
    // of another version (`If-Range`), of another unit, of an empty file, several ranges or a
    // malformed one are answered with the whole file, as a client must accept instead.
    let range = request
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|range| range.starts_with("bytes=") && !range.contains(',') && size > 0)
        .filter(|_| {
            request
                .get(header::IF_RANGE)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|tag| tag.trim() == etag)
        });
    let parsed = range.map(|range| {
        // The last N bytes of a file shorter than N are all of it (RFC 9110 §14.1.2).
        let whole = format!("bytes=-{size}");
        let range = match range.strip_prefix("bytes=-").map(str::parse::<u64>) {
            Some(Ok(suffix)) if suffix > size => whole.as_str(),
            _ => range,
        };
        http_range_header::parse_range_header(range).map(|parsed| parsed.validate(size))
    });
    let answer = match parsed {
        Some(Ok(Ok(ranges))) if ranges.len() == 1 => {
            let (start, end) = (*ranges[0].start(), *ranges[0].end());
            let bytes = service
                .file_bytes(&file.hash, start, end - start + 1)
                .await?;
            if let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
                headers.insert(header::CONTENT_RANGE, value);
            }
            (StatusCode::PARTIAL_CONTENT, headers, bytes).into_response()
        }
        // Well formed, but outside the file.
        Some(Ok(Err(_))) => {
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                headers.insert(header::CONTENT_RANGE, value);
            }
            (StatusCode::RANGE_NOT_SATISFIABLE, headers).into_response()
        }
        _ => {
            let bytes = service.file_bytes(&file.hash, 0, size).await?;
            (StatusCode::OK, headers, bytes).into_response()
        }
    };
    Ok(as_stored(answer))
}

/// Marks an answer as a file to be sent as stored: never compressed on the way (its `ETag`
/// and ranges are the file's bytes'), as the route table's compression sees from this mark.
fn as_stored(mut response: Response) -> Response {
    response.extensions_mut().insert(AsStored);
    response
}

/// The mark of [`as_stored`].
#[derive(Debug, Clone, Copy)]
pub struct AsStored;
