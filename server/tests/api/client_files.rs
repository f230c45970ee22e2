//! The built client: found from trunk's manifest, its assets served under `/pkg` with caching
//! and compression, and linked from every page so the browser can hydrate it.

use crate::helpers::{Options, TestApp};
use app::contract::ErrorCode;
use server::client_files::ClientBundle;
use std::io::Read;
use std::path::Path;
use tempfile::TempDir;

const SCRIPT: &str = "frontend-0123456789abcdef.js";
const STYLESHEET: &str = "main-fedcba9876543210.css";

/// A folder shaped like trunk's `dist/` for the hydrating build: its manifest, the glue script
/// (compressible, exporting `hydrate`) and a stylesheet.
fn built_client(glue: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "<!doctype html><html><head><link rel=\"stylesheet\" href=\"/{STYLESHEET}\" integrity=\"sha384-x\"/>\n\
         <script type=\"module\">\nimport init, * as bindings from '/{SCRIPT}';\n</script></head><body></body></html>"
    );
    std::fs::write(dir.path().join("index.html"), manifest).unwrap();
    std::fs::write(dir.path().join(SCRIPT), glue.repeat(50)).unwrap();
    std::fs::write(dir.path().join(STYLESHEET), "body { margin: 0 }\n").unwrap();
    dir
}

fn hydrating() -> TempDir {
    built_client("export function hydrate() { return 'Hello, client!'; }\n")
}

async fn spawn_serving(dir: &Path) -> TestApp {
    TestApp::spawn_with(Options {
        client_dir: Some(dir),
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn pages_load_the_hydrating_client_and_its_stylesheet_from_pkg() {
    let dist = hydrating();
    let app = spawn_serving(dist.path()).await;

    let page = app.get("/").await.text().await.unwrap();

    assert!(page.contains("/pkg/frontend-0123456789abcdef.js"), "{page}");
    assert!(
        page.contains("/pkg/frontend-0123456789abcdef_bg.wasm"),
        "{page}"
    );
    assert!(
        page.contains(&format!("href=\"/pkg/{STYLESHEET}\"")),
        "{page}"
    );
}

/// `built_client` with the reader's build beside it in `reader/`, as `cargo xtask` builds them.
fn hydrating_with_the_readers_client() -> TempDir {
    let dist = hydrating();
    let reader = built_client("export function hydrate() { return 'Hello, reader!'; }\n");
    std::fs::rename(reader.path(), dist.path().join("reader")).unwrap();
    dist
}

#[tokio::test]
async fn reading_pages_come_as_islands_with_the_readers_client_and_the_others_with_the_whole_one() {
    let dist = hydrating_with_the_readers_client();
    let app = spawn_serving(dist.path()).await;

    for path in ["/", "/notes/dns", "/search?q=dns", "/wanted", "/tags/net"] {
        let page = app.get(path).await.text().await.unwrap();
        assert!(
            page.contains(&format!("/pkg/reader/{SCRIPT}")),
            "{path}: {page}"
        );
        assert!(!page.contains(&format!("/pkg/{SCRIPT}")), "{path}: {page}");
        // The header's search box, at least, is an island of its own.
        assert!(
            page.contains("<leptos-island data-component=\"SearchBox_"),
            "{path}: {page}"
        );
    }
    for path in [
        "/notes/dns/edit",
        "/new",
        "/notes/dns/history",
        "/graph",
        "/import",
        "/sign-in",
        "/architecture",
    ] {
        let page = app.get(path).await.text().await.unwrap();
        assert!(page.contains(&format!("/pkg/{SCRIPT}")), "{path}: {page}");
        assert!(!page.contains("/pkg/reader/"), "{path}: {page}");
        // Hydrated whole: the same components, without the islands' wrappers.
        assert!(page.contains("class=\"search-box\""), "{path}: {page}");
        assert!(!page.contains("<leptos-island"), "{path}: {page}");
    }
    let reader = app.get(&format!("/pkg/reader/{SCRIPT}")).await;
    assert_eq!(reader.status(), 200);
    assert!(reader.text().await.unwrap().contains("Hello, reader!"));
    assert!(
        dist.path().join(format!("reader/{SCRIPT}.br")).is_file(),
        "the reader's files are compressed at start-up too"
    );
}

#[tokio::test]
async fn fingerprinted_assets_are_cached_for_a_year() {
    let dist = hydrating();
    let app = spawn_serving(dist.path()).await;

    let response = app.get(&format!("/pkg/{SCRIPT}")).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(response.text().await.unwrap().contains("Hello, client!"));
    assert_eq!(
        app.get("/pkg/frontend-ffffffffffffffff.js").await.status(),
        404
    );
}

#[tokio::test]
async fn assets_are_compressed_once_at_start_up_and_sent_as_the_client_accepts() {
    let dist = hydrating();
    let app = spawn_serving(dist.path()).await;
    let original = std::fs::read(dist.path().join(SCRIPT)).unwrap();

    for (encoding, copy) in [("br", "br"), ("gzip", "gz")] {
        let response = app
            .client
            .get(app.url(&format!("/pkg/{SCRIPT}")))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();

        assert_eq!(response.headers()["content-encoding"], encoding);
        assert_eq!(response.headers()["vary"], "accept-encoding");
        let sent = response.bytes().await.unwrap();
        let written = std::fs::read(dist.path().join(format!("{SCRIPT}.{copy}")))
            .expect("the copy written at start-up");
        assert_eq!(sent, written, "{encoding}: the copy is sent as it is");
        assert!(
            sent.len() < original.len() / 4,
            "{encoding}: sent {} of {} bytes",
            sent.len(),
            original.len()
        );
        let mut decoded = Vec::new();
        match encoding {
            "br" => brotli::Decompressor::new(&sent[..], 4096).read_to_end(&mut decoded),
            _ => flate2::read::GzDecoder::new(&sent[..]).read_to_end(&mut decoded),
        }
        .unwrap();
        assert_eq!(decoded, original, "{encoding}: decodes to the file itself");
    }
}

#[tokio::test]
async fn the_client_never_shadows_the_api() {
    let dist = hydrating();
    let app = spawn_serving(dist.path()).await;

    let envelope = TestApp::expect_error(app.get("/api/not-an-endpoint").await, 404).await;
    assert_eq!(envelope.error.code, ErrorCode::NotFound);
    assert_eq!(app.get("/api/hello").await.status(), 200);
}

#[test]
fn a_client_built_for_trunk_serve_is_refused_with_what_to_do() {
    let dist = built_client("export function greet() {}\n");
    let error = ClientBundle::read(dist.path()).unwrap_err();
    assert!(error.contains("does not hydrate"), "{error}");
    assert!(error.contains("cargo xtask run"), "{error}");
}

#[tokio::test]
async fn without_a_built_client_pages_are_still_served_as_plain_html() {
    let app = TestApp::spawn().await;

    let response = app.get("/").await;

    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("<title>Lore</title>"), "{page}");
    assert!(!page.contains("/pkg/"), "no scripts to load: {page}");
    assert_eq!(app.get("/api/hello").await.status(), 200);
}
