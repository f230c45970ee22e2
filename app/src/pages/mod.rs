//! One component per route. The router in [`App`](crate::App) maps paths to these.
//!
//! Every page is rendered on the server. Reading pages (a note, the lists, search) reach the
//! browser with the reader's client, which hydrates only their interactive parts; the others
//! (the editor, history and trash, import, the graph, account, admin and sign-in pages, the
//! architecture page) with the whole client: see [`needs_whole_client`].

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
mod whole_client;

pub use account::AccountPage;
pub use architecture::ArchitecturePage;
pub use document::{DocumentActions, DocumentPage};
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
pub use whole_client::needs_whole_client;
