//! The per-replica response cache: it serves from memory, and never past a write it knows of.

use crate::helpers::{Options, TestApp};
use server::cache::ResponseCache;
use server::error::ApiError;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Another replica's write, as this replica sees it: the revision in the database moves.
async fn write_elsewhere(app: &TestApp) {
    app.store.begin().await.unwrap().commit().await.unwrap();
}

async fn read(cache: &ResponseCache, app: &TestApp, computed: &AtomicUsize) -> String {
    let response = cache
        .get_or_compute(app.store.as_ref(), "key", || async {
            Ok::<_, ApiError>(computed.fetch_add(1, Ordering::SeqCst))
        })
        .await
        .unwrap();
    let body = axum::response::IntoResponse::into_response(response).into_body();
    String::from_utf8(axum::body::to_bytes(body, 1024).await.unwrap().to_vec()).unwrap()
}

#[tokio::test]
async fn a_cached_response_is_served_until_the_database_says_something_changed() {
    let app = TestApp::spawn().await;
    let cache = ResponseCache::new(Duration::ZERO);
    let computed = AtomicUsize::new(0);

    assert_eq!(read(&cache, &app, &computed).await, "0");
    assert_eq!(
        read(&cache, &app, &computed).await,
        "0",
        "the second read comes from memory"
    );
    write_elsewhere(&app).await;

    assert_eq!(
        read(&cache, &app, &computed).await,
        "1",
        "a write elsewhere must not be hidden"
    );
}

#[tokio::test]
async fn between_revalidations_a_write_through_this_replica_still_shows_at_once() {
    let app = TestApp::spawn().await;
    let cache = ResponseCache::new(Duration::from_secs(3600));
    let computed = AtomicUsize::new(0);
    assert_eq!(read(&cache, &app, &computed).await, "0");

    write_elsewhere(&app).await;
    assert_eq!(
        read(&cache, &app, &computed).await,
        "0",
        "within the interval, by design"
    );
    cache.invalidate();

    assert_eq!(read(&cache, &app, &computed).await, "1");
}

/// The page's title as an anonymous reader gets it: a signed-in request checks the revision
/// before it trusts its credential, and so would never see the cache's interval.
async fn title_on_page(app: &TestApp) -> String {
    let html = app
        .anonymous()
        .get(app.url("/notes/cached"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("<title>").expect("a title") + "<title>".len();
    html[start..start + html[start..].find("</title>").unwrap()].to_owned()
}

async fn import_titled(app: &TestApp, title: &str) {
    let file = format!("---\nid: cached\ntitle: {title}\n---\nBody.\n");
    app.import_ok(&[("cached.md", file.as_bytes())]).await;
}

#[tokio::test]
async fn a_rendered_page_is_kept_until_a_write_this_replica_knows_of() {
    let patient = TestApp::spawn_with(Options {
        cache_revalidate: Some(Duration::from_secs(3600)),
        ..Options::default()
    })
    .await;
    let other = TestApp::spawn_with(Options {
        database_url: Some(patient.database_url.clone()),
        ..Options::default()
    })
    .await;
    import_titled(&patient, "First").await;
    assert_eq!(title_on_page(&patient).await, "First · Lore");

    import_titled(&other, "Second").await;
    assert_eq!(
        title_on_page(&other).await,
        "Second · Lore",
        "a replica that revalidates before every read sees the write at once"
    );
    assert_eq!(
        title_on_page(&patient).await,
        "First · Lore",
        "within its interval the patient replica answers from memory, by design"
    );

    import_titled(&patient, "Third").await;
    assert_eq!(
        title_on_page(&patient).await,
        "Third · Lore",
        "its own write drops the page at once"
    );
}

#[tokio::test]
async fn a_remembered_credential_is_forgotten_on_the_first_lookup_after_a_write_elsewhere() {
    use app::contract::{Role, TokenScope};
    use server::cache::KnownCredential;
    use server::service::{SignedIn, Via};
    let app = TestApp::spawn().await;
    // Reads may trust memory for an hour; credentials may not trust it at all.
    let cache = ResponseCache::new(Duration::from_secs(3600));
    let store = app.store.as_ref();
    let known = KnownCredential {
        user: SignedIn {
            id: 1,
            name: "eddie".to_owned(),
            role: Role::Editor,
            created_at: 0,
            via: Via::Token {
                id: 1,
                scope: TokenScope::Write,
            },
        },
        token_expires_at: None,
        touched: std::time::Instant::now(),
    };
    let Err(generation) = cache.credential(store, "hash").await.unwrap() else {
        panic!("nothing is remembered yet");
    };
    cache.remember("hash", generation, known);
    assert!(cache.credential(store, "hash").await.unwrap().is_ok());

    write_elsewhere(&app).await;
    assert!(
        cache.credential(store, "hash").await.unwrap().is_err(),
        "the write may have ended the credential: it is read again"
    );
}

/// The tiers a response's `Server-Timing` names, without their durations, after the replica it
/// names first (the one `X-Served-By` names).
fn timed_steps(response: &reqwest::Response) -> Vec<String> {
    let header = response.headers()["server-timing"].to_str().unwrap();
    let served_by = response.headers()["x-served-by"].to_str().unwrap();
    let (replica, steps) = header.split_once(", ").unwrap();
    assert_eq!(replica, format!("replica;desc=\"{served_by}\""));
    steps
        .split(", ")
        .map(|step| {
            // `database;dur=0.42` -> `database`; `cache;desc=hit` stays whole.
            match step.split_once(";dur=") {
                Some((name, duration)) => {
                    assert!(duration.parse::<f64>().unwrap() >= 0.0, "{step}");
                    name.to_owned()
                }
                None => step.to_owned(),
            }
        })
        .collect()
}

#[tokio::test]
async fn every_answer_says_where_its_time_went_replica_database_render_cache_and_total() {
    let app = TestApp::spawn_with(Options {
        cache_revalidate: Some(Duration::from_secs(3600)),
        ..Options::default()
    })
    .await;
    app.import_ok(&[("alpha.md", b"---\nid: alpha\ntitle: Alpha\n---\nText\n")])
        .await;

    // As an anonymous reader: a token's check would ask the database too.
    let anonymous = app.anonymous();
    let get = |path: &str| {
        let request = anonymous.get(app.url(path));
        async move { request.send().await.unwrap() }
    };
    // Nothing but the process: the total alone.
    assert_eq!(timed_steps(&get("/api/health").await), ["total"]);
    // A read the cache has not seen comes from the database; the next one from memory.
    assert_eq!(
        timed_steps(&get("/api/documents/alpha").await),
        ["database", "cache;desc=miss", "total"]
    );
    assert_eq!(
        timed_steps(&get("/api/documents/alpha").await),
        ["cache;desc=hit", "total"]
    );
    // A page is rendered once, then served from the cache. (Its reads are part of `render`;
    // those leptos runs as tasks of their own are not in `database`, so that may be absent.)
    let rendered = timed_steps(&get("/notes/alpha").await);
    assert!(
        rendered.ends_with(&[
            "render".to_owned(),
            "cache;desc=miss".to_owned(),
            "total".to_owned()
        ]),
        "{rendered:?}"
    );
    assert_eq!(
        timed_steps(&get("/notes/alpha").await),
        ["cache;desc=hit", "total"]
    );
    // A search asks the database's index.
    assert_eq!(
        timed_steps(&get("/api/search?q=alpha").await),
        ["database", "total"]
    );
}
