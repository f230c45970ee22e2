//! The trunk-built browser client: finding its files, and serving them under `/pkg`.
//!
//! Pages are rendered by the server ([`pages`](crate::pages)); the client only hydrates them,
//! so what it contributes are assets: the wasm, its JavaScript glue and the stylesheet, all
//! named with a content hash by trunk (`frontend-3f2a…_bg.wasm`). They are cached for a year and
//! never revalidated: a new build has new names. Trunk's own `index.html` is only the build's
//! manifest here: it says what the hashed names are.
//!
//! They are also compressed once per build, not once per reader: on first start after a build
//! the server writes a brotli and a gzip copy of each beside it, at the highest settings, and
//! sends those as they are. Compressing the 1.4 MB wasm on the fly cost ~30 ms of a core for
//! every first visit (brotli at the quick setting on-the-fly compression has to use), and sent
//! a bigger file.

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::Response;
use axum::http::header::{ACCEPT_ENCODING, VARY};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use axum::middleware::{self, Next};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;
use tower_http::services::ServeDir;

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// Where the client pages load from: `/pkg/<name>`.
pub const ASSETS_PATH: &str = "/pkg";

/// Where, inside the whole client's folder, the reader's client is built (`dist/reader/`,
/// served under `/pkg/reader`): only the islands of reading pages (see `app::islands` and
/// `app::pages::needs_whole_client`), sent with every reading page so that a first visit
/// downloads only what reading needs.
pub const READER_DIR: &str = "reader";

/// A built client, as the pages need to name it.
#[derive(Debug, Clone)]
pub struct ClientBundle {
    /// The folder trunk built into (`dist/`).
    pub dir: PathBuf,
    /// The hashed stem of the wasm and its glue: `frontend-<hash>` (`.js`, `_bg.wasm`).
    pub output_name: String,
    /// The stylesheet's address, if the build has one: `/pkg/main-<hash>.css`.
    pub stylesheet: Option<String>,
    /// The reader's client's stem in [`READER_DIR`], when it is built; without it every page
    /// comes with the whole client.
    pub reader_output_name: Option<String>,
}

impl ClientBundle {
    /// Reads the names from trunk's `index.html` in `dir` (and in its [`READER_DIR`], if there
    /// is one), checks the builds hydrate, and writes the compressed copies of their files that
    /// are missing. A folder that cannot be written to is served all the same, compressed on
    /// the fly.
    pub fn read(dir: &Path) -> Result<Self, String> {
        let (output_name, stylesheet) = read_build(dir)?;
        let reader = dir.join(READER_DIR);
        let reader_output_name = if reader.join("index.html").is_file() {
            Some(read_build(&reader)?.0)
        } else {
            None
        };
        Ok(Self {
            dir: dir.to_owned(),
            output_name,
            stylesheet,
            reader_output_name,
        })
    }
}

/// The stem of the hydrating build in `dir` and its stylesheet's address, once its files have
/// their compressed copies.
fn read_build(dir: &Path) -> Result<(String, Option<String>), String> {
    let manifest = std::fs::read_to_string(dir.join("index.html"))
        .map_err(|e| format!("cannot read {}: {e}", dir.join("index.html").display()))?;
    let script = file_named(&manifest, "from '", "'")
        .ok_or_else(|| format!("{} names no script: is it a trunk build?", dir.display()))?;
    let output_name = script.strip_suffix(".js").unwrap_or(&script).to_owned();
    let glue = std::fs::read_to_string(dir.join(&script))
        .map_err(|e| format!("cannot read the client's {script}: {e}"))?;
    if !glue.contains("export function hydrate") {
        return Err(format!(
            "{} holds a client that does not hydrate (a `trunk serve` build?); build it with `cargo xtask run`",
            dir.display()
        ));
    }
    let stylesheet = file_named(&manifest, "rel=\"stylesheet\" href=\"", "\"")
        .map(|file| format!("{ASSETS_PATH}/{file}"));
    let started = Instant::now();
    match precompress(dir) {
        Ok(0) => {}
        Ok(written) => tracing::info!(
            written,
            elapsed = ?started.elapsed(),
            "compressed the client's files once for every reader"
        ),
        Err(error) => tracing::warn!(
            %error,
            "cannot write compressed copies of the client's files; compressing per request"
        ),
    }
    Ok((output_name, stylesheet))
}

/// The file name (after the last `/`) of the first text between `start` and `end`.
fn file_named(text: &str, start: &str, end: &str) -> Option<String> {
    let after = text.split_once(start)?.1;
    let path = after.split_once(end)?.0;
    Some(path.rsplit('/').next().unwrap_or(path).to_owned())
}

/// The kinds of file worth compressing, and the copies made of each: the suffix ServeDir looks
/// for, and how to make it.
const COMPRESSIBLE: &[&str] = &["wasm", "js", "css"];
const COPIES: &[(&str, Compressor)] = &[("br", brotli_best), ("gz", gzip_best)];
type Compressor = fn(&[u8]) -> std::io::Result<Vec<u8>>;

/// Writes `NAME.br` and `NAME.gz` beside each compressible file in `dir` that has none yet;
/// returns how many were written. Each is written under a temporary name and renamed, so a
/// reader never gets half a file, and servers started together may race harmlessly.
pub fn precompress(dir: &Path) -> std::io::Result<usize> {
    // Servers started together in one process (the tests) take turns, so the first does the
    // work and the others find it done.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let mut written = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let compressible = path
            .extension()
            .is_some_and(|e| COMPRESSIBLE.iter().any(|kind| e == *kind));
        if !compressible {
            continue;
        }
        let mut original = None;
        for (suffix, compress) in COPIES {
            let copy = with_suffix(&path, suffix);
            if copy.exists() {
                continue;
            }
            let original = match &original {
                Some(bytes) => bytes,
                None => original.insert(std::fs::read(&path)?),
            };
            let partial = with_suffix(&path, &format!("{suffix}.partial-{}", std::process::id()));
            std::fs::write(&partial, compress(original)?)?;
            std::fs::rename(&partial, &copy)?;
            written += 1;
        }
    }
    Ok(written)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn brotli_best(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    let mut compressed = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut compressed, &params)?;
    Ok(compressed)
}

fn gzip_best(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// The client's files, to be nested at [`ASSETS_PATH`]: the compressed copy a client accepts
/// when there is one.
pub fn assets(dir: &Path) -> Router {
    Router::new()
        .fallback_service(
            ServeDir::new(dir)
                .precompressed_br()
                .precompressed_gzip()
                .append_index_html_on_directories(false),
        )
        .layer(middleware::from_fn(cache_control))
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
    // The same address answers differently by what the client accepts: shared caches must
    // keep the versions apart (ServeDir does not say so for the copies it sends).
    response
        .headers_mut()
        .insert(VARY, HeaderValue::from_static(ACCEPT_ENCODING.as_str()));
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
