//! Serving a router on a free loopback port for the rest of a benchmark's run, the way `lore
//! serve` serves it (connection limits, timeouts), so a benchmark measures what users get.

use axum::Router;
use server::startup;
use std::time::Duration;

/// Serves `app` on a free loopback port until the process ends; returns its address.
pub async fn serve_locally(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(startup::serve(
        listener,
        app,
        startup::Connections::default(),
        std::future::pending(),
        Duration::from_secs(1),
    ));
    address
}
