//! Logging: `tracing` events to stderr, filtered by `RUST_LOG` (default below).
//!
//! Request spans are made in [`routes`](crate::routes) and carry the method, the matched route
//! and the request id. We never log request bodies, documents or secrets.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Call once, at the start of `main`.
pub fn init() {
    // sqlx warns of a statement slower than a second with its whole text: an import's
    // statements take seconds by design, and each one's text is up to 65,535 placeholders
    // (1.4 MB on a terminal, per statement). The database's own slow-statement log is where to
    // look for slow queries; `RUST_LOG=sqlx::query=warn` brings sqlx's back.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sqlx::query=error,tower_http=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
