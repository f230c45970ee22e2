//! One component per route. The router in [`App`](crate::App) maps paths to these.

mod document;
mod graph;
mod home;
mod import;
mod lists;
mod not_found;
mod search;

pub use document::DocumentPage;
pub use graph::GraphPage;
pub use home::HomePage;
pub use import::ImportPage;
pub use lists::{CollectionPage, TagPage, WantedListPage, WantedPage};
pub use not_found::NotFoundPage;
pub use search::SearchPage;
