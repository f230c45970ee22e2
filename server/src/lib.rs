//! Lore's API server tier, as a library so tests can start it exactly as the binary does.
//!
//! - [`config`]: the command line and environment, parsed once into typed settings.
//! - [`cli`]: what each `lore` subcommand does.
//! - [`routes`]: the one route table; [`api`] holds the handlers it points to.
//! - [`error`]: the one error type, turned into the contract's JSON envelope.
//! - [`store`]: the database tier behind a trait (SQLite today).
//! - [`store_api`]: the UI's data interface answered from the store, for pages the server
//!   renders itself.
//! - [`cache`]: read responses cached per replica, revalidated against the database.
//! - [`pages`]: `app`'s pages rendered on the server (leptos_axum) and hydrated in the browser.
//! - [`client_files`]: the trunk-built browser client's assets, from the same origin.
//! - [`startup`]: binding, serving, and shutting down gracefully.
//! - [`telemetry`]: structured logs with `tracing`.

// Leptos' views are deeply nested types; rendering them on the server needs the headroom.
#![recursion_limit = "256"]

pub mod api;
pub mod cache;
pub mod cli;
pub mod client_files;
pub mod config;
pub mod documents;
pub mod error;
pub mod pages;
pub mod routes;
pub mod startup;
pub mod store;
pub mod store_api;
pub mod telemetry;

use std::sync::Arc;

/// What every handler may use, cloned into each request. Holds no per-user or per-session
/// state: all of that lives in the database, so any replica can answer any request.
#[derive(Clone)]
pub struct AppState {
    /// The database tier.
    pub store: Arc<dyn store::Store>,
    /// Serialized read responses, revalidated against the database's revision.
    pub cache: Arc<cache::ResponseCache>,
}

impl AppState {
    /// State over `store`, caching reads for up to `revalidate` between revision checks.
    pub fn new(store: Arc<dyn store::Store>, revalidate: std::time::Duration) -> Self {
        Self {
            store,
            cache: Arc::new(cache::ResponseCache::new(revalidate)),
        }
    }
}
