//! One component per route. The router in [`App`](crate::App) maps paths to these.

mod account;
mod architecture;
mod document;
mod editor;
mod graph;
mod history;
mod home;
mod import;
mod lists;
mod not_found;
mod search;
mod setup;
mod sign_in;
mod users;

pub use account::AccountPage;
pub use architecture::ArchitecturePage;
pub use document::DocumentPage;
pub use editor::{Editor, EditorPage, StoredDraft, draft_key};
pub use graph::GraphPage;
pub use history::{HistoryPage, TrashPage};
pub use home::HomePage;
pub use import::ImportPage;
pub use lists::{CollectionPage, TagPage, WantedListPage, WantedPage};
pub use not_found::NotFoundPage;
pub use search::SearchPage;
pub use setup::SetUpPage;
pub use sign_in::SignInPage;
pub use users::UsersPage;
