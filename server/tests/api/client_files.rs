//! Serving the built client: files, the fallback for client routes, caching and compression.

use crate::helpers::{Options, TestApp};
use app::contract::ErrorCode;
use std::path::Path;
use tempfile::TempDir;

const INDEX: &str = "<!doctype html><html><body>the Lore client shell</body></html>";
const SCRIPT: &str = "frontend-0123456789abcdef.js";

/// A folder shaped like trunk's `dist/`: the shell and one fingerprinted, compressible asset.
fn built_client() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), INDEX).unwrap();
    let script = "export function greet() { return 'Hello, client!'; }\n".repeat(50);
    std::fs::write(dir.path().join(SCRIPT), script).unwrap();
    dir
}

async fn spawn_serving(dir: &Path) -> TestApp {
    TestApp::spawn_with(Options {
        client_dir: Some(dir),
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn a_deep_link_to_a_client_route_gets_the_shell_with_200() {
    let dist = built_client();
    let app = spawn_serving(dist.path()).await;

    for path in ["/", "/notes/client-server-architecture", "/tags/networking"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(response.text().await.unwrap(), INDEX, "{path}");
    }
}

#[tokio::test]
async fn fingerprinted_assets_are_cached_for_a_year() {
    let dist = built_client();
    let app = spawn_serving(dist.path()).await;

    let response = app.get(&format!("/{SCRIPT}")).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(response.text().await.unwrap().contains("Hello, client!"));
}

#[tokio::test]
async fn assets_are_compressed_for_clients_that_accept_it() {
    let dist = built_client();
    let app = spawn_serving(dist.path()).await;

    let response = app
        .client
        .get(app.url(&format!("/{SCRIPT}")))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();

    assert_eq!(response.headers()["content-encoding"], "gzip");
    let original = std::fs::metadata(dist.path().join(SCRIPT)).unwrap().len();
    let sent = response.bytes().await.unwrap().len() as u64;
    assert!(sent < original / 4, "sent {sent} of {original} bytes");
}

#[tokio::test]
async fn the_client_never_shadows_the_api() {
    let dist = built_client();
    let app = spawn_serving(dist.path()).await;

    let envelope = TestApp::expect_error(app.get("/api/not-an-endpoint").await, 404).await;
    assert_eq!(envelope.error.code, ErrorCode::NotFound);
    assert_eq!(app.get("/api/hello").await.status(), 200);
}

#[tokio::test]
async fn without_a_built_client_pages_say_how_to_build_it_and_the_api_still_works() {
    let app = TestApp::spawn().await;

    let response = app.get("/").await;

    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("cargo xtask run"));
    assert_eq!(app.get("/api/hello").await.status(), 200);
}
