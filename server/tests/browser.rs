//! End to end: the real server serving the real release build of the client, driven by Debian's
//! headless Chromium through chromedriver. What a user sees, checked the way a user would.
//!
//! Ignored by plain `cargo test` because it needs chromedriver and a `trunk build --release`
//! in `dist/` (or `LORE_E2E_DIST`); `cargo xtask test` builds the client and runs it with
//! `--ignored`. It fails if the API breaks (no greeting arrives), if the client breaks (nothing
//! renders), or if the browser console reports an error.

#[path = "support/chromedriver.rs"]
mod chromedriver;
#[path = "support/databases.rs"]
mod databases;
#[path = "api/helpers.rs"]
#[allow(dead_code)] // the HTTP tests use more of the helpers than this file does
mod helpers;

use chromedriver::Chromedriver;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use helpers::{ADMIN, Options, PASSWORD, TestApp};
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

/// The built client: `LORE_E2E_DIST`, else the workspace's `dist/`.
fn built_client() -> PathBuf {
    let dir = std::env::var_os("LORE_E2E_DIST").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist"),
        PathBuf::from,
    );
    assert!(
        dir.join("index.html").is_file(),
        "no built client in {dir:?}: run `cargo xtask test`, which builds it first"
    );
    dir
}

/// chromedriver's console log endpoint (not part of the W3C protocol, so not in fantoccini).
#[derive(Debug)]
struct ConsoleLog;

impl WebDriverCompatibleCommand for ConsoleLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// Chromium's own remarks that say nothing about Lore: it notes that it ignores the `integrity`
/// attribute trunk puts on the wasm preload link (the script tag's integrity still applies).
const HARMLESS: &[&str] = &["The `integrity` attribute is currently ignored for preload"];

/// Console entries at warning level or above, as `LEVEL message` lines, less [`HARMLESS`] ones.
async fn console_problems(browser: &Client) -> Vec<String> {
    let entries = browser
        .issue_cmd(ConsoleLog)
        .await
        .expect("the console log");
    entries
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| matches!(entry["level"].as_str(), Some("WARNING" | "SEVERE")))
        .map(|entry| format!("{} {}", entry["level"], entry["message"]))
        .filter(|line| !HARMLESS.iter().any(|harmless| line.contains(harmless)))
        .collect()
}

/// Ends the session, then fails if the console reported a warning or an error other than
/// those containing one of `expected`.
async fn close_with_a_clean_console(browser: Client, expected: &[&str]) {
    let problems: Vec<String> = console_problems(&browser)
        .await
        .into_iter()
        .filter(|line| !expected.iter().any(|e| line.contains(e)))
        .collect();
    browser.close().await.unwrap();
    assert!(problems.is_empty(), "the console reported: {problems:#?}");
}

/// Opens `url` and waits until the page is interactive (see [`until_interactive`]).
async fn open(browser: &Client, url: &str) {
    browser.goto(url).await.unwrap();
    until_interactive(browser).await;
}

/// Waits up to 30 s for the wasm to take the page over (`<html data-interactive>`). Hydration
/// waits until the browser is idle, so a test that typed at once would type into plain HTML.
async fn until_interactive(browser: &Client) {
    browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("html[data-interactive]"))
        .await
        .expect("the page never became interactive: did hydration fail?");
}

/// Waits up to 30 s for the tab's title to be `expected`.
async fn wait_for_title(browser: &Client, expected: &str) {
    let mut last = String::new();
    for _ in 0..300 {
        last = browser.title().await.unwrap();
        if last == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the title is {last:?}, not {expected:?}");
}

/// Waits up to 30 s for `css` to appear and returns its text.
async fn text_of(browser: &Client, css: &str) -> String {
    let element = browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared: {e}"));
    element.text().await.unwrap()
}

/// The real server serving the release build, with Lore's demo notes loaded as on first run.
async fn serving_the_release_build() -> TestApp {
    let dist = built_client();
    let app = TestApp::spawn_with(Options {
        client_dir: Some(&dist),
        ..Options::default()
    })
    .await;
    app.service()
        .load_demo_if_empty()
        .await
        .expect("the demo notes load");
    app
}

/// Waits up to 30 s for `css` to show exactly `expected`.
async fn wait_for_text(browser: &Client, css: &str, expected: &str) {
    let mut last = String::new();
    for _ in 0..300 {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            last = element.text().await.unwrap_or_default();
            if last == expected {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} shows {last:?}, not {expected:?}");
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn a_reader_opening_lore_sees_the_greeting_from_the_api() {
    let app = serving_the_release_build().await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;

    open(&browser, &app.url("/")).await;

    assert_eq!(text_of(&browser, ".greeting").await, "Hello, client!");
    assert_eq!(
        text_of(&browser, ".database-ready").await,
        "sqlite is ready"
    );
    assert_eq!(browser.title().await.unwrap(), "Lore");
    close_with_a_clean_console(browser, &[]).await;
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn a_deep_link_to_an_unknown_page_says_so_and_links_home() {
    let app = serving_the_release_build().await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;

    open(&browser, &app.url("/no/such/page")).await;
    assert_eq!(text_of(&browser, ".not-found h1").await, "Page not found");
    mark_the_page(&browser).await;
    browser
        .find(Locator::LinkText("Back to the home page"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // A reading page's link is a page load: the home page comes from the server, greeting and
    // all, and its islands are hydrated again.
    until_a_new_page_is_interactive(&browser).await;
    assert_eq!(text_of(&browser, ".greeting").await, "Hello, client!");
    assert_eq!(browser.current_url().await.unwrap().path(), "/");
    browser.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn a_reader_opens_a_note_and_follows_a_relationship_to_another() {
    let app = serving_the_release_build().await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;

    open(&browser, &app.url("/notes/load-balancer")).await;
    wait_for_text(&browser, ".document-header h1", "Load Balancer").await;
    wait_for_title(&browser, "Load Balancer · Lore").await;
    // WebDriver reads text as displayed, and section titles are styled in capitals.
    let relations = text_of(&browser, ".relations").await.to_lowercase();
    assert!(relations.contains("reading path"), "{relations}");
    browser
        .find(Locator::Css(".relations a[href='/notes/proxy']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    wait_for_text(&browser, ".document-header h1", "Proxy").await;
    assert_eq!(browser.current_url().await.unwrap().path(), "/notes/proxy");
    wait_for_title(&browser, "Proxy · Lore").await;
    let wanted = browser
        .find(Locator::Css(".markdown a[href='/wanted/caching']"))
        .await;
    assert!(
        wanted.is_ok(),
        "the link to the unwritten note is marked as wanted"
    );
    close_with_a_clean_console(browser, &[]).await;
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn an_import_with_errors_lists_every_problem_and_imports_nothing() {
    let app = serving_the_release_build().await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, ADMIN).await;
    let folder = tempfile::tempdir().unwrap();
    let good = folder.path().join("fine.md");
    let bad = folder.path().join("dated.md");
    std::fs::write(&good, "# Fine\n").unwrap();
    std::fs::write(&bad, "---\ntitle: Dated\ncreated_at: 07/02/2025\n---\n").unwrap();

    open(&browser, &app.url("/import")).await;
    let input = browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("input[type=file]"))
        .await
        .unwrap();
    // chromedriver takes several files as newline-separated paths.
    input
        .send_keys(&format!("{}\n{}", good.display(), bad.display()))
        .await
        .unwrap();

    let problem = text_of(&browser, ".import-problems .problems li").await;
    assert!(
        problem.starts_with("dated.md:3:13: unknown date format `07/02/2025`"),
        "{problem}"
    );
    assert_eq!(
        app.get("/api/documents/fine").await.status(),
        404,
        "nothing may be imported"
    );
    browser.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn searching_as_you_type_finds_a_note_even_misspelled_and_opens_it() {
    let app = serving_the_release_build().await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    open(&browser, &app.url("/")).await;
    text_of(&browser, ".greeting").await;

    let input = browser.find(Locator::Css(".search-input")).await.unwrap();
    input.send_keys("laod balancer ").await.unwrap();

    assert_eq!(text_of(&browser, ".did-you-mean em").await, "load balancer");
    wait_for_text(&browser, ".search-hit .search-hit-title", "Load Balancer").await;
    let key = |k: fantoccini::key::Key| char::from(k).to_string();
    input
        .send_keys(&key(fantoccini::key::Key::Down))
        .await
        .unwrap();
    input
        .send_keys(&key(fantoccini::key::Key::Enter))
        .await
        .unwrap();
    wait_for_text(&browser, ".document-header h1", "Load Balancer").await;
    close_with_a_clean_console(browser, &[]).await;
}

/// Signs `name` in on the sign-in page, as a person would, and waits for the header to name
/// them.
async fn sign_in(browser: &Client, app: &TestApp, name: &str) {
    open(browser, &app.url("/sign-in")).await;
    fill(browser, ".sign-in-page input[name='name']", name).await;
    fill(browser, ".sign-in-page input[name='password']", PASSWORD).await;
    click(browser, ".sign-in-page button[type='submit']").await;
    wait_for_text(browser, ".account-menu .account-name", name).await;
}

/// Waits up to 30 s for `css` to appear, and returns it.
async fn element(browser: &Client, css: &str) -> fantoccini::elements::Element {
    browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
}

/// Replaces the text of the field `css` with `text`, typing it as a person would.
async fn fill(browser: &Client, css: &str, text: &str) {
    let field = element(browser, css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(browser: &Client, css: &str) {
    element(browser, css).await.click().await.unwrap();
}

/// Waits up to 30 s for `css` to contain `expected`; returns its whole text.
async fn wait_for_text_containing(browser: &Client, css: &str, expected: &str) -> String {
    let mut last = String::new();
    for _ in 0..300 {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            last = element.text().await.unwrap_or_default();
            if last.contains(expected) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} shows {last:?}, without {expected:?}");
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn a_writer_creates_a_note_edits_it_and_reads_what_changed_in_its_history() {
    let app = serving_the_release_build().await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, ADMIN).await;

    open(&browser, &app.url("/new")).await;
    fill(&browser, "input[name='title']", "Connection pooling").await;
    fill(&browser, "input[name='id']", "connection-pooling").await;
    fill(&browser, "input[name='tags']", "databases, performance").await;
    fill(
        &browser,
        "textarea[name='body']",
        "# Connection pooling\n\nReuse *open* connections.\n",
    )
    .await;
    // The preview is the server's renderer.
    wait_for_text(&browser, ".editor-preview .markdown em", "open").await;
    // A relationship picked from existing notes by searching for it.
    fill(&browser, "input[name='related-add']", "proxy").await;
    browser
        .find(Locator::Css("input[name='related-add']"))
        .await
        .unwrap()
        .send_keys(&char::from(fantoccini::key::Key::Enter).to_string())
        .await
        .unwrap();
    // The chip shows the note's title ("Proxy") when picked from the suggestions, its id
    // ("proxy") when typed in full: either way it is the proxy note.
    wait_for_text_containing(&browser, "[data-picker='related'] .chips", "roxy").await;
    click(&browser, "button[type='submit']").await;

    wait_for_text(&browser, ".document-header h1", "Connection pooling").await;
    assert_eq!(
        browser.current_url().await.unwrap().path(),
        "/notes/connection-pooling"
    );
    wait_for_text_containing(&browser, ".relations", "Proxy").await;

    click(&browser, ".document-actions a[href$='/edit']").await;
    let body = element(&browser, "textarea[name='body']").await;
    body.send_keys("\nAnd close idle ones.\n").await.unwrap();
    fill(&browser, "input[name='summary']", "Idle connections").await;
    click(&browser, "button[type='submit']").await;
    wait_for_text_containing(&browser, ".markdown", "And close idle ones.").await;

    click(&browser, ".document-actions a[href$='/history']").await;
    wait_for_text_containing(&browser, ".revisions", "Idle connections").await;
    // The history names the signed-in writer, not a name typed into a form.
    wait_for_text_containing(&browser, ".revisions", ADMIN).await;
    wait_for_text_containing(&browser, ".diff-view", "+ And close idle ones.").await;
    close_with_a_clean_console(browser, &[]).await;
}

/// Hands `file_name` (a PNG of `base64` bytes) to the editor's body as a browser does when a
/// file is pasted (`paste`) or dropped (`drop`) there.
const HAND_FILE: &str = "const [kind, name, base64] = arguments; \
    const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0)); \
    const data = new DataTransfer(); \
    data.items.add(new File([bytes], name, { type: 'image/png' })); \
    const body = document.querySelector(\"textarea[name='body']\"); \
    body.focus(); body.setSelectionRange(body.value.length, body.value.length); \
    const event = kind === 'paste' \
        ? new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }) \
        : new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }); \
    body.dispatchEvent(event);";

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn a_writer_pastes_and_drops_images_into_a_vault_note_and_readers_see_them() {
    use base64::Engine as _;
    let app = serving_the_release_build().await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, ADMIN).await;
    let png = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/vault/attachments/diagram.png"),
    )
    .unwrap();
    let png = base64::engine::general_purpose::STANDARD.encode(png);

    open(&browser, &app.url("/new")).await;
    fill(&browser, "input[name='title']", "Screenshots").await;
    fill(&browser, "input[name='id']", "screenshots").await;
    fill(
        &browser,
        "textarea[name='body']",
        "# Screenshots\n\n==Marked== ",
    )
    .await;
    // A new note may be written in a vault's dialect: the preview reads it so at once.
    element(&browser, "select[name='flavor']")
        .await
        .select_by_value("obsidian")
        .await
        .unwrap();
    wait_for_text(&browser, ".editor-preview .markdown mark", "Marked").await;
    for (kind, name) in [("paste", "image.png"), ("drop", "Topology Diagram.png")] {
        browser
            .execute(
                HAND_FILE,
                vec![kind.into(), name.into(), png.clone().into()],
            )
            .await
            .unwrap();
    }
    // Each is stored under a name of its own (two pasted screenshots are both `image.png`)
    // and linked where the cursor was; the preview shows them, served by the server.
    let body = wait_for_value_containing(
        &browser,
        "textarea[name='body']",
        "](attachments/topology-diagram-",
    )
    .await;
    assert!(body.contains("![image.png](attachments/image-"), "{body}");
    wait_for_images(&browser, ".editor-preview .markdown img", 2).await;
    click(&browser, "button[type='submit']").await;
    wait_for_text(&browser, ".document-header h1", "Screenshots").await;
    let widths = wait_for_images(&browser, ".markdown img", 2).await;
    assert_eq!(widths, [30, 30]);
    wait_for_text(&browser, ".markdown mark", "Marked").await;
    // Opened again in the editor (built in the browser), the note says what it is written in.
    click(&browser, ".document-actions a[href$='/edit']").await;
    wait_for_value_containing(&browser, "select[name='flavor']", "obsidian").await;
    close_with_a_clean_console(browser, &[]).await;
}

/// Waits until the field at `css` holds `expected`; its value.
async fn wait_for_value_containing(browser: &Client, css: &str, expected: &str) -> String {
    let mut value = String::new();
    for _ in 0..100 {
        value = element(browser, css)
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        if value.contains(expected) {
            return value;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css} never held {expected}: {value}");
}

/// Waits until `count` images at `css` are loaded and drawn; their natural widths.
async fn wait_for_images(browser: &Client, css: &str, count: usize) -> Vec<u64> {
    let script = format!(
        "const images = [...document.querySelectorAll(\"{css}\")]; \
         return images.every(i => i.complete && i.naturalWidth > 0) \
             ? images.map(i => i.naturalWidth) : [];"
    );
    let mut widths = Vec::new();
    for _ in 0..100 {
        let found = browser.execute(&script, vec![]).await.unwrap();
        widths = serde_json::from_value::<Vec<u64>>(found).unwrap();
        if widths.len() == count {
            return widths;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css}: {} of {count} images drawn", widths.len());
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn an_edit_survives_a_reload_and_a_save_after_someone_elses_is_merged_not_lost() {
    use app::contract::{DocumentId, EditDocument, UpdateDocument, UpdateNote};
    let app = serving_the_release_build().await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, ADMIN).await;

    open(&browser, &app.url("/notes/proxy/edit")).await;
    let body = element(&browser, "textarea[name='body']").await;
    body.send_keys("\nMy paragraph.\n").await.unwrap();

    // A reload keeps the unsaved change.
    browser.refresh().await.unwrap();
    until_interactive(&browser).await;
    text_of(&browser, ".draft-restored").await;
    let restored = browser
        .find(Locator::Css("textarea[name='body']"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(restored.contains("My paragraph."), "{restored}");

    // Meanwhile someone else saves the note.
    let theirs = app
        .send_ok::<EditDocument>(&DocumentId { id: "proxy".into() })
        .await;
    let mut their_draft = theirs.draft.clone();
    their_draft.body.push_str("\nTheir paragraph.\n");
    app.send_ok::<UpdateDocument>(&UpdateNote {
        id: "proxy".into(),
        base_revision: theirs.revision,
        draft: their_draft,
        summary: "Their change".into(),
    })
    .await;

    click(&browser, "button[type='submit']").await;
    wait_for_text_containing(&browser, ".conflict-theirs", "Their paragraph.").await;
    wait_for_text_containing(&browser, ".conflict-mine", "My paragraph.").await;
    let merged = browser
        .find(Locator::Css("textarea[name='merged']"))
        .await
        .unwrap();
    merged.send_keys("Their paragraph.\n").await.unwrap();
    click(&browser, ".conflict button.primary").await;

    wait_for_text_containing(&browser, ".markdown", "Their paragraph.").await;
    let page = text_of(&browser, ".markdown").await;
    assert!(page.contains("My paragraph."), "{page}");
    let stored = app
        .send_ok::<EditDocument>(&DocumentId { id: "proxy".into() })
        .await;
    assert_eq!(stored.revision, theirs.revision + 2);
    assert!(stored.draft.body.contains("My paragraph."));
    assert!(stored.draft.body.contains("Their paragraph."));
    // Chromium logs every non-2xx response; the 409 is the refusal this test is about.
    close_with_a_clean_console(browser, &["status of 409 (Conflict)"]).await;
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn without_javascript_a_reader_reads_follows_links_and_searches() {
    let app = serving_the_release_build().await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser_without_javascript().await;

    browser
        .goto(&app.url("/notes/load-balancer"))
        .await
        .unwrap();
    assert_eq!(
        text_of(&browser, ".document-header h1").await,
        "Load Balancer"
    );
    assert_eq!(browser.title().await.unwrap(), "Load Balancer · Lore");
    click(&browser, ".relations a[href='/notes/proxy']").await;
    wait_for_text(&browser, ".document-header h1", "Proxy").await;

    let search = browser.find(Locator::Css(".search-input")).await.unwrap();
    search.send_keys("balancer\n").await.unwrap();
    wait_for_text_containing(&browser, ".search-page", "Load Balancer").await;
    assert_eq!(browser.current_url().await.unwrap().path(), "/search");
    browser.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn a_server_rendered_note_hydrates_without_asking_for_its_data_again() {
    let app = serving_the_release_build().await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;

    open(&browser, &app.url("/notes/load-balancer")).await;
    wait_for_text(&browser, ".document-header h1", "Load Balancer").await;
    // Hydrated: the header's search box answers as you type, which only the wasm does.
    let search = browser.find(Locator::Css(".search-input")).await.unwrap();
    search.send_keys("prox").await.unwrap();
    wait_for_text_containing(&browser, ".search-results", "Proxy").await;
    let fetched = browser
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/documents'));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fetched, serde_json::json!([]), "the note was fetched again");

    // The reader's client has no router: a link is a page load, server-rendered and hydrated
    // again, which asks for no data either.
    mark_the_page(&browser).await;
    click(&browser, ".relations a[href='/notes/proxy']").await;
    until_a_new_page_is_interactive(&browser).await;
    wait_for_text(&browser, ".document-header h1", "Proxy").await;
    let fetched = browser
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/documents'));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fetched, serde_json::json!([]), "the note was fetched");
    close_with_a_clean_console(browser, &[]).await;
}

/// The wasm files the page loaded so far, as their paths (`/pkg/reader/frontend-…_bg.wasm`).
async fn loaded_wasm(browser: &Client) -> Vec<String> {
    let loaded = browser
        .execute(
            "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname).filter(p => p.endsWith('.wasm'));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(loaded).unwrap()
}

/// Marks the page's window: the mark survives client-side navigation, not a page load.
async fn mark_the_page(browser: &Client) {
    browser
        .execute("window.stillTheSamePage = true;", vec![])
        .await
        .unwrap();
}

/// Whether the window still has [`mark_the_page`]'s mark, or `None` while the browser cannot
/// say (between two pages).
async fn page_marked(browser: &Client) -> Option<bool> {
    browser
        .execute("return window.stillTheSamePage === true;", vec![])
        .await
        .ok()
        .and_then(|marked| marked.as_bool())
}

/// Waits up to 30 s for the page to be a new document (the mark set on the old one's window
/// gone) that has become interactive.
async fn until_a_new_page_is_interactive(browser: &Client) {
    for _ in 0..300 {
        if page_marked(browser).await == Some(false) {
            return until_interactive(browser).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page was never loaded again");
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn a_reader_downloads_only_the_reading_pages_islands_and_the_editor_still_loads_and_saves() {
    let app = serving_the_release_build().await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;

    // Signing in is for the whole client, which then goes to the editor itself.
    open(&browser, &app.url("/sign-in?next=/notes/proxy/edit")).await;
    let signing_in = loaded_wasm(&browser).await;
    assert!(
        signing_in.len() == 1 && !signing_in[0].starts_with("/pkg/reader/"),
        "the sign-in page loaded {signing_in:?}"
    );
    mark_the_page(&browser).await;
    fill(&browser, ".sign-in-page input[name='name']", ADMIN).await;
    fill(&browser, ".sign-in-page input[name='password']", PASSWORD).await;
    click(&browser, ".sign-in-page button[type='submit']").await;
    wait_for_path(&browser, "/notes/proxy/edit").await;
    element(&browser, "textarea[name='body']").await;
    assert_eq!(
        page_marked(&browser).await,
        Some(true),
        "the whole client loaded a page to reach the editor instead of routing there"
    );

    open(&browser, &app.url("/notes/load-balancer")).await;
    let read = loaded_wasm(&browser).await;
    assert!(
        read.len() == 1 && read[0].starts_with("/pkg/reader/"),
        "a note page loaded {read:?}"
    );
    // The islands know who is signed in: the note's actions offer editing.
    element(&browser, ".document-actions a.edit-link").await;
    // A link between reading pages is a page load, with the reader's client again.
    mark_the_page(&browser).await;
    click(&browser, ".relations a[href='/notes/proxy']").await;
    until_a_new_page_is_interactive(&browser).await;
    wait_for_text(&browser, ".document-header h1", "Proxy").await;
    let read = loaded_wasm(&browser).await;
    assert!(
        read.len() == 1 && read[0].starts_with("/pkg/reader/"),
        "the linked note loaded {read:?}"
    );

    // The editor is not in the reader's client: the browser follows the link, and the page
    // comes with the whole client.
    click(&browser, ".document-actions a[href$='/edit']").await;
    until_a_new_page_is_interactive(&browser).await;
    assert_eq!(
        browser.current_url().await.unwrap().path(),
        "/notes/proxy/edit"
    );
    let written = loaded_wasm(&browser).await;
    assert!(
        written.len() == 1 && !written[0].starts_with("/pkg/reader/"),
        "the editor loaded {written:?}"
    );
    let body = element(&browser, "textarea[name='body']").await;
    body.send_keys("\nSplit clients still save.\n")
        .await
        .unwrap();
    click(&browser, "button[type='submit']").await;
    wait_for_text_containing(&browser, ".markdown", "Split clients still save.").await;
    assert_eq!(browser.current_url().await.unwrap().path(), "/notes/proxy");
    let saved = app.get("/api/documents/proxy").await.text().await.unwrap();
    assert!(saved.contains("Split clients still save."), "{saved}");

    // Back goes to the editor, then to the note as the reader had it.
    browser.back().await.unwrap();
    wait_for_path(&browser, "/notes/proxy/edit").await;
    browser.back().await.unwrap();
    wait_for_path(&browser, "/notes/proxy").await;
    wait_for_text(&browser, ".document-header h1", "Proxy").await;
    close_with_a_clean_console(browser, &[]).await;
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn on_reading_pages_the_islands_switch_the_theme_follow_a_rename_delete_and_sign_out() {
    use app::contract::{DocumentId, EditDocument, UpdateDocument, UpdateNote};
    let app = serving_the_release_build().await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, ADMIN).await;

    // The theme switch flips the page and is remembered by the next page.
    open(&browser, &app.url("/notes/proxy")).await;
    let theme = "return document.documentElement.getAttribute('data-theme');";
    let before = browser.execute(theme, vec![]).await.unwrap();
    click(&browser, ".theme-toggle").await;
    let flipped = browser.execute(theme, vec![]).await.unwrap();
    assert_ne!(flipped, before, "the switch changed nothing");
    open(&browser, &app.url("/notes/load-balancer")).await;
    assert_eq!(browser.execute(theme, vec![]).await.unwrap(), flipped);

    // A note reached by its old id shows its new address (once: no loop of page loads).
    let opened = app
        .send_ok::<EditDocument>(&DocumentId { id: "tcp".into() })
        .await;
    let mut draft = opened.draft.clone();
    draft.id = "transmission-control".into();
    app.send_ok::<UpdateDocument>(&UpdateNote {
        id: "tcp".into(),
        base_revision: opened.revision,
        draft,
        summary: "Renamed".into(),
    })
    .await;
    open(&browser, &app.url("/notes/tcp")).await;
    wait_for_path(&browser, "/notes/transmission-control").await;
    until_interactive(&browser).await;
    mark_the_page(&browser).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        page_marked(&browser).await,
        Some(true),
        "the page loaded again"
    );

    // Moving the note to the trash, after saying yes, goes to the trash (the whole client).
    click(&browser, ".document-actions .danger").await;
    browser.accept_alert().await.unwrap();
    wait_for_path(&browser, "/trash").await;
    wait_for_text_containing(&browser, ".content", "TCP").await;

    // Signing out from a reading page goes home, signed out.
    open(&browser, &app.url("/notes/proxy")).await;
    click(&browser, ".account-menu .sign-out").await;
    wait_for_path(&browser, "/").await;
    wait_for_text(&browser, ".account-menu .sign-in-link", "Sign in").await;
    assert!(
        browser
            .find(Locator::Css(
                ".document-actions a.edit-link, .site-nav a[href='/new']"
            ))
            .await
            .is_err(),
        "signed out, no writing controls"
    );
    close_with_a_clean_console(browser, &[]).await;
}

/// Waits up to 30 s for the browser to be at `path`.
async fn wait_for_path(browser: &Client, path: &str) {
    let mut last = String::new();
    for _ in 0..300 {
        last = browser.current_url().await.unwrap().path().to_owned();
        if last == path {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the browser is at {last}, not {path}");
}

/// What a page says when a smuggled script ran, and whether a smuggled element exists: both
/// `null`/`0` when nothing a stranger wrote took effect.
const SMUGGLED: &str =
    "return [window.owned ?? null, document.querySelectorAll('img[src=\"x\"]').length];";

/// Asserts that no script dialog is open and nothing smuggled ran or was inserted.
async fn assert_nothing_smuggled_ran(browser: &Client, what: &str) {
    if let Ok(text) = browser.get_alert_text().await {
        panic!("{what}: a script dialog opened: {text}");
    }
    let found = browser.execute(SMUGGLED, vec![]).await.unwrap();
    assert_eq!(found, json!([null, 0]), "{what}");
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn markup_in_titles_tags_collections_and_queries_runs_nothing_and_pages_still_hydrate() {
    let app = serving_the_release_build().await;
    let payload = "</title><script>alert(document.domain);window.owned=1</script><img src=x onerror=\"window.owned=2\">";
    let quoted = payload.replace('"', "\\\"");
    app.import_ok(&[(
        "hostile.md",
        format!(
            "---\nid: hostile\ntitle: \"Hello {quoted}\"\ndescription: \"{quoted}\"\ntags: [\"{quoted}\"]\ncollection: \"{quoted}\"\n---\n# Hostile\n"
        )
        .as_bytes(),
    )])
    .await;
    let encoded: String = url::form_urlencoded::byte_serialize(payload.as_bytes()).collect();
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    for path in [
        "/notes/hostile".to_owned(),
        "/notes/hostile/edit".to_owned(),
        "/".to_owned(),
        format!("/search?q={encoded}"),
        format!("/tags/{encoded}"),
        format!("/wanted/{encoded}"),
    ] {
        // Interactive means the page's own scripts ran under its policy: the hydration script
        // and the data it reads are allowed by their hashes.
        open(&browser, &app.url(&path)).await;
        assert_nothing_smuggled_ran(&browser, &path).await;
    }
    let title = browser.title().await.unwrap();
    assert!(title.contains("</title><script>"), "shown as text: {title}");
    close_with_a_clean_console(browser, &[]).await;
}

/// A proxy in front of `app` that writes `<script>` into every page's `<title>`, as the
/// unescaped title once did, and passes everything else (and every header) on as it is.
async fn injecting_proxy(app: &TestApp) -> String {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::response::Response;
    let upstream = app.address.clone();
    let client = reqwest::Client::new();
    let proxy = axum::Router::new().fallback(move |request: Request| {
        let (client, upstream) = (client.clone(), upstream.clone());
        async move {
            let url = format!("{upstream}{}", request.uri());
            let answer = client.get(url).send().await.unwrap();
            let mut response = Response::builder().status(answer.status().as_u16());
            for (name, value) in answer.headers() {
                if name != "content-length" {
                    response = response.header(name.as_str(), value.as_bytes());
                }
            }
            let is_page = answer.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html");
            let body = answer.bytes().await.unwrap();
            let body = if is_page {
                String::from_utf8(body.to_vec())
                    .unwrap()
                    .replacen(
                        "<title>",
                        "<title></title><script>alert(document.domain);window.owned=1</script><title>",
                        1,
                    )
                    .into_bytes()
            } else {
                body.to_vec()
            };
            response.body(Body::from(body)).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, proxy).await });
    address
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn had_a_script_got_into_a_page_its_policy_would_have_stopped_it() {
    let app = serving_the_release_build().await;
    let proxy = injecting_proxy(&app).await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    // The page still hydrates: only the smuggled script is refused.
    open(&browser, &format!("{proxy}/notes/load-balancer")).await;
    assert_nothing_smuggled_ran(&browser, "the injected page").await;
    close_with_a_clean_console(browser, &["Content Security Policy"]).await;
}

/// The width of the first element matching `css`, in CSS pixels.
async fn width_of(browser: &Client, css: &str) -> f64 {
    browser
        .execute(
            "return document.querySelector(arguments[0]).getBoundingClientRect().width",
            vec![json!(css)],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap_or_else(|| panic!("nothing matches {css}"))
}

/// Where screenshots of the note shapes go, for a person to look at: `target/screenshots/`.
fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn a_note_without_headings_reads_as_wide_as_one_with_them_title_first() {
    let app = serving_the_release_build().await;
    // A note of each shape: contents and relations (load-balancer), neither (a bare note).
    app.import_ok(&[(
        "bare.md",
        "Just a paragraph of text, with no headings and no links. "
            .repeat(20)
            .as_bytes(),
    )])
    .await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    let mut widths = Vec::new();
    for (window, phone) in [(1200, false), (390, true)] {
        browser.set_window_size(window, 900).await.unwrap();
        for note in ["load-balancer", "proxy", "bare"] {
            open(&browser, &app.url(&format!("/notes/{note}"))).await;
            let png = browser.screenshot().await.unwrap();
            std::fs::write(screenshot_dir().join(format!("{note}-{window}px.png")), png).unwrap();
            let body = width_of(&browser, ".markdown").await;
            let page = width_of(&browser, ".document").await;
            // The title is the first thing of the note.
            let first: String = browser
                .execute(
                    "return document.querySelector('.document').firstElementChild.firstElementChild.tagName",
                    vec![],
                )
                .await
                .unwrap()
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert_eq!(first, "H1", "{note} at {window} px");
            if phone {
                assert!(
                    body >= page * 0.95,
                    "{note} at {window} px: {body} of {page}"
                );
            }
            widths.push((note, window, body));
        }
    }
    let at = |name: &str, window: u32| {
        widths
            .iter()
            .find(|(n, w, _)| *n == name && *w == window)
            .map(|(_, _, body)| *body)
            .unwrap()
    };
    for bare in ["proxy", "bare"] {
        assert!(
            at(bare, 1200) >= at("load-balancer", 1200),
            "{bare}'s body is {} px wide, load-balancer's {}: {widths:?}",
            at(bare, 1200),
            at("load-balancer", 1200)
        );
    }
    assert!(at("bare", 1200) >= 600.0, "{widths:?}");
    close_with_a_clean_console(browser, &[]).await;
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn the_first_admin_sets_lore_up_from_the_link_then_signs_out_and_in_again() {
    let app = TestApp::spawn_with(Options {
        client_dir: Some(&built_client()),
        no_accounts: true,
        ..Options::default()
    })
    .await;
    let code = app.service().setup_code().await.unwrap().unwrap();
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;

    open(&browser, &app.url(&format!("/setup?code={code}"))).await;
    fill(&browser, ".setup-page input[name='name']", "root").await;
    fill(&browser, ".setup-page input[name='password']", PASSWORD).await;
    fill(
        &browser,
        ".setup-page input[name='password_again']",
        PASSWORD,
    )
    .await;
    click(&browser, ".setup-page button[type='submit']").await;
    wait_for_text(&browser, ".account-menu .account-name", "root").await;
    // An admin may write and manage users.
    text_of(&browser, ".site-nav a[href='/new']").await;
    text_of(&browser, ".site-nav a[href='/admin/users']").await;

    click(&browser, ".account-menu .sign-out").await;
    wait_for_text(&browser, ".account-menu .sign-in-link", "Sign in").await;
    assert!(
        browser
            .find(Locator::Css(".site-nav a[href='/new']"))
            .await
            .is_err(),
        "signed out, no writing controls"
    );
    sign_in(&browser, &app, "root").await;
    close_with_a_clean_console(browser, &[]).await;
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn a_reader_sees_no_editing_controls_and_a_wrong_password_is_told() {
    let app = serving_the_release_build().await;
    app.add_user("rita", app::contract::Role::Reader).await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;

    open(&browser, &app.url("/sign-in")).await;
    fill(&browser, ".sign-in-page input[name='name']", "rita").await;
    fill(
        &browser,
        ".sign-in-page input[name='password']",
        "not her password",
    )
    .await;
    click(&browser, ".sign-in-page button[type='submit']").await;
    wait_for_text_containing(&browser, ".sign-in-page .form-error", "wrong").await;

    sign_in(&browser, &app, "rita").await;
    open(&browser, &app.url("/notes/proxy")).await;
    wait_for_text(&browser, ".account-menu .account-name", "rita").await;
    text_of(&browser, ".document-header h1").await;
    for control in [
        ".document-actions a[href$='/edit']",
        ".site-nav a[href='/new']",
        ".site-nav a[href='/import']",
    ] {
        assert!(
            browser.find(Locator::Css(control)).await.is_err(),
            "a reader sees {control}"
        );
    }
    // Chromium logs every non-2xx response; the 401 is the wrong password.
    close_with_a_clean_console(browser, &["status of 401 (Unauthorized)"]).await;
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn a_session_that_ends_mid_edit_says_so_and_keeps_the_text() {
    let app = serving_the_release_build().await;
    app.add_user("eddie", app::contract::Role::Editor).await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, "eddie").await;

    open(&browser, &app.url("/notes/proxy/edit")).await;
    let body = element(&browser, "textarea[name='body']").await;
    body.send_keys("\nWritten before the session ended.\n")
        .await
        .unwrap();
    // Their sessions end (as when an admin sets a new password) while they write.
    let eddie = app
        .store
        .accounts()
        .password_of("eddie")
        .await
        .unwrap()
        .unwrap()
        .0;
    app.store
        .accounts()
        .set_password(
            eddie.id,
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        )
        .await
        .unwrap();
    click(&browser, "button[type='submit']").await;
    wait_for_text_containing(&browser, ".session-ended", "Sign in again").await;
    let kept = browser
        .find(Locator::Css("textarea[name='body']"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(kept.contains("Written before the session ended."), "{kept}");
    close_with_a_clean_console(browser, &["status of 401 (Unauthorized)"]).await;
}

/// Waits up to 30 s until nothing matches `css`.
async fn wait_until_gone(browser: &Client, css: &str) {
    for _ in 0..300 {
        if browser.find(Locator::Css(css)).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} is still there");
}

/// Waits up to 30 s for the account `name` to have `role` (`None`: to be gone), as the
/// database says.
async fn wait_for_account(app: &TestApp, name: &str, role: Option<app::contract::Role>) {
    let mut last = None;
    for _ in 0..300 {
        let users = app.service().users().await.unwrap();
        last = users.into_iter().find(|u| u.name == name).map(|u| u.role);
        if last == role {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} is {last:?}, not {role:?}");
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn an_admin_adds_a_user_changes_their_role_and_removes_them() {
    use app::contract::Role;
    let app = serving_the_release_build().await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, ADMIN).await;

    open(&browser, &app.url("/admin/users")).await;
    fill(&browser, ".new-user-form input[name='name']", "nora").await;
    fill(&browser, ".new-user-form input[name='password']", PASSWORD).await;
    element(&browser, ".new-user-form select[name='role']")
        .await
        .select_by_value("editor")
        .await
        .unwrap();
    click(&browser, ".new-user-form button[type='submit']").await;
    wait_for_text(
        &browser,
        ".new-user-form .form-message",
        "Added nora, editor.",
    )
    .await;
    wait_for_account(&app, "nora", Some(Role::Editor)).await;

    element(&browser, "tr[data-user='nora'] select[name='role']")
        .await
        .select_by_value("reader")
        .await
        .unwrap();
    wait_for_account(&app, "nora", Some(Role::Reader)).await;

    click(&browser, "tr[data-user='nora'] button.remove").await;
    click(&browser, "tr[data-user='nora'] button.confirm-remove").await;
    wait_until_gone(&browser, "tr[data-user='nora']").await;
    wait_for_account(&app, "nora", None).await;
    close_with_a_clean_console(browser, &[]).await;
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn a_user_makes_a_token_a_script_uses_revokes_it_and_changes_their_password() {
    const NEW_PASSWORD: &str = "a new and longer password";
    let app = serving_the_release_build().await;
    app.add_user("eddie", app::contract::Role::Editor).await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, "eddie").await;

    open(&browser, &app.url("/account")).await;
    fill(&browser, ".token-form input[name='name']", "backup script").await;
    element(&browser, ".token-form select[name='scope']")
        .await
        .select_by_value("write")
        .await
        .unwrap();
    click(&browser, ".token-form button[type='submit']").await;
    let secret = wait_for_text_containing(&browser, ".token-created .token-secret", "lore_").await;
    wait_for_text_containing(&browser, ".tokens-table", "backup script").await;
    let script = reqwest::Client::new();
    let write = |id: &'static str| {
        script
            .post(app.url("/api/documents"))
            .bearer_auth(secret.trim())
            .json(&json!({"draft": {"id": id, "title": "From a script"}}))
            .send()
    };
    assert_eq!(write("from-a-script").await.unwrap().status(), 201);

    click(&browser, ".tokens-table button.revoke").await;
    wait_until_gone(&browser, ".tokens-table").await;
    assert_eq!(write("after-revoking").await.unwrap().status(), 401);

    fill(
        &browser,
        ".password-form input[name='current_password']",
        PASSWORD,
    )
    .await;
    fill(
        &browser,
        ".password-form input[name='password']",
        NEW_PASSWORD,
    )
    .await;
    click(&browser, ".password-form button[type='submit']").await;
    wait_for_text_containing(&browser, ".password-form .form-message", "changed").await;
    // Still signed in, on the new session the answer set.
    open(&browser, &app.url("/account")).await;
    wait_for_text(&browser, ".account-menu .account-name", "eddie").await;
    let sign_in_with = |password: &'static str| {
        script
            .post(app.url("/api/session"))
            .json(&json!({"name": "eddie", "password": password}))
            .send()
    };
    assert_eq!(sign_in_with(PASSWORD).await.unwrap().status(), 401);
    assert_eq!(sign_in_with(NEW_PASSWORD).await.unwrap().status(), 200);
    close_with_a_clean_console(browser, &[]).await;
}

/// The rows of the architecture page's request table, as displayed.
async fn request_rows(browser: &Client) -> Vec<String> {
    let mut rows = Vec::new();
    for row in browser
        .find_all(Locator::Css(".requests tr.request"))
        .await
        .unwrap()
    {
        rows.push(row.text().await.unwrap_or_default());
    }
    rows
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn the_architecture_page_shows_each_request_its_replica_and_where_its_time_went() {
    let app = serving_the_release_build().await;
    let replica = reqwest::get(app.url("/api/health"))
        .await
        .unwrap()
        .headers()["x-served-by"]
        .to_str()
        .unwrap()
        .to_owned();
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;

    // From a note, the footer's link: a page load (a reading page has no router), so the
    // architecture page's own load is the first row: served by this replica, rendered on it.
    open(&browser, &app.url("/notes/proxy")).await;
    browser
        .find(Locator::LinkText("How this page reached you"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&browser, ".architecture h1", "How Lore answered you").await;
    assert_eq!(browser.current_url().await.unwrap().path(), "/architecture");
    until_interactive(&browser).await;

    let mut rows = Vec::new();
    for _ in 0..300 {
        rows = request_rows(&browser).await;
        if rows.iter().any(|row| row.starts_with("/architecture ")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = rows
        .iter()
        .find(|row| row.starts_with("/architecture "))
        .unwrap_or_else(|| panic!("no row for the page load among {rows:#?}"));
    assert!(page.contains(&replica), "{page}");
    assert!(page.contains("render"), "{page}");
    assert!(page.contains("network"), "{page}");
    let replicas = text_of(&browser, ".replicas").await;
    assert!(replicas.contains(&replica), "{replicas}");
    assert!(
        text_of(&browser, ".balancer")
            .await
            .starts_with("none seen")
    );

    // Live: ten reads sent from the page appear as they are answered, each with its database
    // time (a listing is not cached).
    click(&browser, ".send-reads").await;
    let mut reads = Vec::new();
    for _ in 0..300 {
        reads = request_rows(&browser)
            .await
            .into_iter()
            .filter(|row| row.contains("/api/documents?"))
            .collect();
        if reads.len() >= 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(reads.len(), 10, "{reads:#?}");
    assert!(
        reads
            .iter()
            .all(|row| row.contains("database") && row.contains(&replica)),
        "{reads:#?}"
    );
    close_with_a_clean_console(browser, &[]).await;
}

/// Our fixture vault (`tests/fixtures/vault`, settings and trash included) as a `.zip` in
/// `folder`, as a user would zip theirs.
fn zipped_vault(folder: &std::path::Path) -> PathBuf {
    fn add(root: &std::path::Path, dir: &std::path::Path, zip: &mut zip::ZipWriter<std::fs::File>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                add(root, &path, zip);
                continue;
            }
            let name = path.strip_prefix(root).unwrap().to_string_lossy();
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(zip, &std::fs::read(&path).unwrap()).unwrap();
        }
    }
    let vault = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vault");
    let archive = folder.join("vault.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
    add(&vault, &vault, &mut zip);
    zip.finish().unwrap();
    archive
}

#[tokio::test]
#[ignore = "needs chromedriver and a release client build; run by `cargo xtask test`"]
async fn an_uploaded_vault_reads_with_its_callouts_folding_tags_and_wikilinks() {
    // An empty base: the demo notes' `networking/http.md` would clash with the vault's
    // `networking/HTTP.md` on a file system that ignores case, and the import be refused.
    let dist = built_client();
    let app = TestApp::spawn_with(Options {
        client_dir: Some(&dist),
        ..Options::default()
    })
    .await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    sign_in(&browser, &app, ADMIN).await;
    let folder = tempfile::tempdir().unwrap();
    let archive = zipped_vault(folder.path());

    open(&browser, &app.url("/import")).await;
    element(&browser, "input[type=file]")
        .await
        .send_keys(&archive.display().to_string())
        .await
        .unwrap();
    wait_for_text_containing(&browser, ".import-summary", "7 new").await;
    wait_for_text_containing(&browser, ".import-summary", "Attachments: 5 stored").await;
    // The name two notes share is listed, where it is written; so is a file not imported.
    let ambiguous = text_of(&browser, ".import-report .problems li").await;
    assert!(ambiguous.starts_with("Home.md:13:3:"), "{ambiguous}");
    let missing = text_of(&browser, ".import-report .missing-files li").await;
    assert!(missing.starts_with("Home.md:40:19:"), "{missing}");

    click(&browser, ".import-report a[href='/notes/home']").await;
    wait_for_text(&browser, ".document-header h1", "Home").await;
    // The embedded image is served and drawn at the width the note asks (a 30 × 20 PNG).
    let drawn = browser
        .execute(
            "const img = document.querySelector('.markdown img[alt=\"diagram.png\"]'); \
             await img.decode(); return [img.naturalWidth, img.width];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(drawn, serde_json::json!([30, 300]));
    // The embedded heading of another note is drawn in place, with a link to where it is from.
    wait_for_text(&browser, ".markdown div.embed .embed-content h2", "Methods").await;
    let source = text_of(&browser, ".markdown div.embed .embed-source").await;
    assert!(source.contains("HTTP#Methods"), "{source}");
    assert!(
        element(&browser, ".markdown video[controls]")
            .await
            .is_displayed()
            .await
            .unwrap()
    );
    let tip = text_of(&browser, ".markdown .callout[data-callout='tip']").await;
    assert!(tip.contains("Read this first"), "{tip}");
    // A folded callout shows its title only, until it is opened.
    let folded = ".markdown details.callout .callout-content";
    assert!(
        !element(&browser, folded)
            .await
            .is_displayed()
            .await
            .unwrap(),
        "the folded callout's content shows"
    );
    click(&browser, ".markdown details.callout summary").await;
    assert!(
        element(&browser, folded)
            .await
            .is_displayed()
            .await
            .unwrap()
    );

    // A tag in the body leads to the tag's page, which lists the note.
    click(&browser, ".markdown a.tag").await;
    wait_for_text(&browser, "h1", "#meta/welcome").await;
    wait_for_text_containing(&browser, ".document-list", "Home").await;

    browser.back().await.unwrap();
    wait_for_text(&browser, ".document-header h1", "Home").await;
    click(&browser, ".markdown a[href='/notes/load-balancer']").await;
    wait_for_text(&browser, ".document-header h1", "Load Balancer").await;
    let backlinks = text_of(&browser, ".relations").await;
    assert!(backlinks.contains("Home"), "{backlinks}");
    // The file the vault shows but does not hold is on the wanted page, with its note.
    open(&browser, &app.url("/wanted")).await;
    let wanted_files = wait_for_text_containing(&browser, ".wanted-files", "missing.png").await;
    assert!(wanted_files.contains("Home"), "{wanted_files}");
    browser.back().await.unwrap();
    wait_for_text(&browser, ".document-header h1", "Load Balancer").await;
    // A hostile SVG shows as an image; opened at its own address, its script does not run.
    let svg = ".markdown img[alt='topology']";
    let width = browser
        .execute(
            &format!("const img = document.querySelector(\"{svg}\"); await img.decode(); return img.naturalWidth;"),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(width, serde_json::json!(40));
    let address = element(&browser, svg)
        .await
        .attr("src")
        .await
        .unwrap()
        .unwrap();
    browser.goto(&app.url(&address)).await.unwrap();
    let title = browser
        .execute("return document.title;", vec![])
        .await
        .unwrap();
    assert_eq!(title, serde_json::json!(""), "the SVG's script ran");
    // What the browser says when the file's policy stops its script.
    close_with_a_clean_console(browser, &["Blocked script execution", "Refused to"]).await;
}
