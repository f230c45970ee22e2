//! Logging: `tracing` events to stderr, filtered by `RUST_LOG` (default `info`).
//!
//! Request spans are made in [`routes`](crate::routes) and carry the method, the matched route
//! and the request id. We never log request bodies, documents or secrets.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Call once, at the start of `main`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
