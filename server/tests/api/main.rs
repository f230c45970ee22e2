//! HTTP integration tests: the real server, started on port 0 with its own temporary database,
//! spoken to over real HTTP. One test binary for all of them, to link once.

mod accounts;
#[path = "../support/bombs.rs"]
mod bombs;
mod cache;
mod client_files;
mod copy;
#[path = "../support/databases.rs"]
mod databases;
mod documents;
mod editing;
mod helpers;
mod hostile;
mod https;
mod import_export;
mod meta;
mod openapi;
mod pages;
mod processes;
mod replicas;
mod search;
mod shutdown;
mod store;
mod store_api;
mod vault;
