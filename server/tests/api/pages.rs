//! Pages rendered on the server: what `curl`, a link preview or a reader without JavaScript
//! gets in the first response.

use crate::helpers::TestApp;
use std::time::Duration;

async fn with_notes() -> TestApp {
    let app = TestApp::spawn().await;
    app.import_ok(&[
        (
            "networking/dns.md",
            b"---\ntitle: DNS\ndescription: How names become addresses\n---\n# DNS\n\n## Resolvers\n\nAsk a resolver.\n",
        ),
        (
            "networking/http.md",
            b"---\ntitle: HTTP\ndescription: Requests and responses\nprerequisites: [dns]\n---\n# HTTP\n\nNames first: see [DNS](dns.md).\n",
        ),
        (
            "misc/hostile.md",
            b"---\ntitle: Hostile\n---\n<script>alert('owned')</script>\n\n<img src=x onerror=\"alert('img')\">\n\n[x](javascript:alert('link'))\n",
        ),
    ])
    .await;
    app
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{path}"
    );
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn a_note_arrives_rendered_with_its_title_description_contents_and_relationships() {
    let app = with_notes().await;
    let (status, html) = page(&app, "/notes/dns").await;
    assert_eq!(status, 200);
    assert!(html.contains("<title>DNS · Lore</title>"), "{html}");
    assert!(
        html.contains("<meta name=\"description\" content=\"How names become addresses\">"),
        "{html}"
    );
    assert!(html.contains("Ask a resolver."), "the body: {html}");
    assert!(html.contains("href=\"#resolvers\""), "the contents: {html}");
    assert!(
        html.contains("href=\"/notes/http\""),
        "the backlink: {html}"
    );
    // The data the page was rendered from travels with it, so the browser does not ask again.
    assert!(html.contains("__RESOLVED_RESOURCES"), "{html}");
}

#[tokio::test]
async fn an_unknown_note_or_path_is_a_404_page() {
    let app = with_notes().await;
    let (status, html) = page(&app, "/notes/nowhere").await;
    assert_eq!(status, 404);
    assert!(html.contains("No document has the id `nowhere`."), "{html}");
    assert!(
        html.contains("<title>The note did not load. · Lore</title>"),
        "{html}"
    );
    let (status, html) = page(&app, "/no/such/page").await;
    assert_eq!(status, 404);
    assert!(html.contains("Page not found"), "{html}");
    // The API keeps its JSON 404s.
    let envelope = TestApp::expect_error(app.get("/api/no/such").await, 404).await;
    assert_eq!(envelope.error.code, app::contract::ErrorCode::NotFound);
}

#[tokio::test]
async fn hostile_markup_stays_inert_on_the_server_rendered_page() {
    let app = with_notes().await;
    let (status, html) = page(&app, "/notes/hostile").await;
    assert_eq!(status, 200);
    assert!(!html.contains("alert('owned')"), "{html}");
    assert!(!html.contains("onerror"), "{html}");
    assert!(!html.contains("javascript:alert"), "{html}");
}

#[tokio::test]
async fn searching_works_as_a_plain_get_form() {
    let app = with_notes().await;
    let (_, home) = page(&app, "/").await;
    assert!(
        home.contains("action=\"/search\"") && home.contains("name=\"q\""),
        "the header search is a GET form: {home}"
    );
    let (status, html) = page(&app, "/search?q=resolver").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<title>Search: resolver · Lore</title>"),
        "{html}"
    );
    assert!(html.contains("href=\"/notes/dns\""), "{html}");
}

#[tokio::test]
async fn the_canonical_address_is_the_one_the_reader_asked_for_on_every_host() {
    let app = with_notes().await;
    for (host, scheme) in [("notes.example", "https"), ("127.0.0.1:9", "http")] {
        let html = app
            .client
            .get(app.url("/notes/dns"))
            .header("host", host)
            .header("x-forwarded-proto", scheme)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let address = format!("{scheme}://{host}/notes/dns");
        assert!(
            html.contains(&format!("<link href=\"{address}\" rel=\"canonical\">")),
            "a page kept for one host must not be served to another: {html}"
        );
        assert!(
            html.contains(&format!("<meta property=\"og:url\" content=\"{address}\">")),
            "{html}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_while_another_server_is_being_built() {
    let app = with_notes().await;
    // Building a router makes leptos render the app for its route list, and while it does,
    // no resource in the process loads: pages rendered meanwhile used to wait forever. Each
    // search is new, so each request is rendered, not answered from the cache.
    let builder = std::thread::spawn(|| {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            for _ in 0..20 {
                let other = TestApp::spawn().await;
                drop(other);
            }
        });
    });
    for round in 0..40 {
        let reply = tokio::time::timeout(
            Duration::from_secs(10),
            page(&app, &format!("/search?q=resolver{round}")),
        )
        .await
        .expect("a page rendered while a server was being built never arrived");
        assert_eq!(reply.0, 200);
    }
    builder.join().unwrap();
}

#[tokio::test]
async fn a_page_arrives_compressed_when_rendered_and_when_kept() {
    use std::io::Read;
    let app = with_notes().await;
    for attempt in ["rendered", "kept"] {
        let response = app
            .client
            .get(app.url("/notes/dns"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{attempt}");
        assert_eq!(response.headers()["content-encoding"], "gzip", "{attempt}");
        let compressed = response.bytes().await.unwrap();
        let mut html = String::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .read_to_string(&mut html)
            .unwrap();
        assert!(html.contains("Ask a resolver."), "{attempt}: {html}");
    }
}
