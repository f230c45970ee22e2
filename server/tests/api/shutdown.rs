//! Graceful shutdown: requests in flight when the signal comes are finished, within a limit.

use crate::helpers::{Options, TestApp};
use axum::Router;
use axum::routing::get;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// A route whose handler announces that it started, then waits for `release`.
fn held_route(started: Arc<Notify>, release: Arc<Notify>) -> Router {
    Router::new().route(
        "/held",
        get(move || async move {
            started.notify_one();
            release.notified().await;
            "finished"
        }),
    )
}

/// Waits until the server stops accepting connections, the first visible step of shutdown.
async fn wait_until_refusing(socket: std::net::SocketAddr) {
    for _ in 0..1000 {
        if tokio::net::TcpStream::connect(socket).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server still accepts connections after the shutdown signal");
}

/// Guards the test against hanging forever if shutdown is broken; not a timing assertion.
async fn within_a_minute<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .expect("the server did not stop")
}

#[tokio::test]
async fn shutdown_finishes_a_request_already_in_flight() {
    let (started, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let app = TestApp::spawn_with(Options {
        extra_routes: Some(held_route(started.clone(), release.clone())),
        ..Options::default()
    })
    .await;
    let in_flight = tokio::spawn(app.client.get(app.url("/held")).send());
    started.notified().await;

    let socket = app.socket;
    let server = app.shut_down();
    wait_until_refusing(socket).await;
    // Shutdown is under way (no new connections) and the request is still held: release it.
    release.notify_one();

    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request got an answer");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "finished");
    within_a_minute(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn shutdown_stops_anyway_when_a_request_outlasts_the_grace_period() {
    let (started, never_released) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let app = TestApp::spawn_with(Options {
        extra_routes: Some(held_route(started.clone(), never_released)),
        shutdown_timeout: Some(Duration::from_millis(200)),
        ..Options::default()
    })
    .await;
    let _stuck = tokio::spawn(app.client.get(app.url("/held")).send());
    started.notified().await;

    let server = app.shut_down();

    within_a_minute(server).await.unwrap().unwrap();
}
