//! Serving the trunk-built browser client from the same origin as the API.
//!
//! Same origin means no CORS and cookies that just work. Files come from the client folder
//! (`dist/`); any other path gets `index.html` with 200, because it is a client-side route the
//! wasm router will resolve (deep links, reloads). Caching follows trunk's file names: assets
//! carry a content hash (`frontend-3f2a…_bg.wasm`), so they are cached for a year and never
//! revalidated, while `index.html`, which points at the current hashes, is revalidated every
//! time so a deploy is picked up at once.

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use axum::http::{Response, StatusCode};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// The service for every non-API path: the client folder with an `index.html` fallback, or,
/// when there is no built client, a 404 that says how to build one.
pub fn service(client_dir: Option<&Path>) -> Router {
    match client_dir {
        Some(dir) => Router::new()
            .fallback_service(
                ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html"))),
            )
            .layer(middleware::from_fn(cache_control)),
        None => Router::new().fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                "Lore's browser client is not built. Run `cargo xtask run`, or `trunk serve` for development.",
            )
                .into_response()
        }),
    }
}

async fn cache_control(request: Request, next: Next) -> Response<Body> {
    let fingerprinted = is_fingerprinted(request.uri().path());
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let policy = if response.status().is_success() && fingerprinted && !is_html {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    response.headers_mut().insert(CACHE_CONTROL, policy);
    response
}

/// Whether a path's file name carries trunk's content hash: a `-` followed by 16 hex digits
/// just before the extension (or before `_bg` for the wasm).
pub fn is_fingerprinted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::is_fingerprinted;

    #[test]
    fn trunk_hashed_assets_count_as_fingerprinted() {
        assert!(is_fingerprinted("/frontend-3f2a9c0d1e2b4a5f.js"));
        assert!(is_fingerprinted("/frontend-3f2a9c0d1e2b4a5f_bg.wasm"));
        assert!(is_fingerprinted("/main-0123456789abcdef.css"));
    }

    #[test]
    fn pages_and_unhashed_files_do_not() {
        assert!(!is_fingerprinted("/"));
        assert!(!is_fingerprinted("/index.html"));
        assert!(!is_fingerprinted("/notes/client-server"));
        assert!(!is_fingerprinted("/robots.txt"));
        assert!(!is_fingerprinted("/my-notes-page"));
    }
}
