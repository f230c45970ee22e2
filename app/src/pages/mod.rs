//! One component per route. The router in [`App`](crate::App) maps paths to these.
//!
//! The pages split in two by what a visitor came for. Reading pages (a note, the lists, search,
//! signing in) are in every build. The writing pages (the editor, history and trash, import,
//! the graph, account and admin pages) are [`writing`]: the reader's client, which `lore serve`
//! sends with every reading page, leaves them out, so that a first visit downloads only what
//! reading needs; going to one of them loads it from the server with the whole client (see
//! [`is_writing_page`] and [`LoadsWholeClient`]).

mod architecture;
mod document;
mod home;
mod lists;
mod not_found;
mod search;
mod sign_in;
mod whole_client;

#[cfg(not(feature = "reader"))]
mod account;
#[cfg(not(feature = "reader"))]
mod editor;
#[cfg(not(feature = "reader"))]
mod graph;
#[cfg(not(feature = "reader"))]
mod history;
#[cfg(not(feature = "reader"))]
mod import;
#[cfg(not(feature = "reader"))]
mod setup;
#[cfg(not(feature = "reader"))]
mod users;

pub use architecture::ArchitecturePage;
pub use document::DocumentPage;
pub use home::HomePage;
pub use lists::{CollectionPage, TagPage, WantedListPage, WantedPage};
pub use not_found::NotFoundPage;
pub use search::SearchPage;
pub use sign_in::SignInPage;
#[cfg(feature = "reader")]
pub use whole_client::follow_writing_links_with_page_loads;
pub use whole_client::{LoadsWholeClient, is_writing_page};

#[cfg(not(feature = "reader"))]
pub use editor::{Editor, StoredDraft, draft_key};

/// The writing pages, one name each for the router. In the reader's client every one of them
/// is [`LoadsWholeClient`], which asks the server for the page again (and so for the whole
/// client); everywhere else (the server, the whole client, `trunk serve`) they are the pages.
pub mod writing {
    #[cfg(feature = "reader")]
    pub use super::whole_client::{
        LoadsWholeClient as AccountPage, LoadsWholeClient as EditorPage,
        LoadsWholeClient as GraphPage, LoadsWholeClient as HistoryPage,
        LoadsWholeClient as TrashPage, LoadsWholeClient as ImportPage,
        LoadsWholeClient as SetUpPage, LoadsWholeClient as UsersPage,
    };
    #[cfg(not(feature = "reader"))]
    pub use super::{
        account::AccountPage, editor::EditorPage, graph::GraphPage, history::HistoryPage,
        history::TrashPage, import::ImportPage, setup::SetUpPage, users::UsersPage,
    };
}
