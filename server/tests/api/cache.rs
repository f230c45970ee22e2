//! The per-replica response cache: it serves from memory, and never past a write it knows of.

use crate::helpers::TestApp;
use server::cache::ResponseCache;
use server::error::ApiError;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Another replica's write, as this replica sees it: the revision in the database moves.
async fn write_elsewhere(app: &TestApp) {
    let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
    sqlx::query("UPDATE lore_instance SET revision = revision + 1")
        .execute(&pool)
        .await
        .unwrap();
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
