//! Lore's `app` crate: the one place where the browser and the server agree.
//!
//! It holds two things that belong together:
//! - [`contract`]: every HTTP endpoint (method, path, request and response types) and the JSON
//!   error envelope. The server's route table and the client's fetch module are both written
//!   against these types, so a change that breaks one side fails to compile on the other.
//! - The Leptos UI ([`App`], [`pages`], [`components`]) and [`api`], the single typed data
//!   interface the UI reads through. Components never call `fetch` themselves; they ask [`api::Api`],
//!   which the browser implements over HTTP and the server can implement over the store.
//!   [`session`] holds who the browser acts as, learnt only once the page is shown: pages
//!   rendered on the server are shared by every visitor. [`islands`] is what the reader's
//!   client hydrates of a reading page.
//!
//! The crate compiles for wasm32 and for the host. Server-only crates (tokio, sqlx, axum) never
//! appear here: the browser build would drag them into wasm and fail.

// Leptos' views are types nested as deep as the page: the account pages' tables nest past the
// default limit when the hydrating build lays out their async blocks.
#![recursion_limit = "256"]

pub mod api;
mod app;
pub mod components;
pub mod contract;
pub mod graph_layout;
pub mod islands;
pub mod local_storage;
pub mod pages;
pub mod request_log;
pub mod response;
pub mod session;

pub use app::App;
#[cfg(feature = "ssr")]
pub use app::shell;
