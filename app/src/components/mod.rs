//! Reusable parts of pages.

mod account;
mod error_notice;
mod form;
mod links;
mod loaded;
mod loading;
mod page_meta;
mod search_box;
mod theme;

pub use account::{AccountMenu, SignedIn, WriterLinks};
pub use error_notice::ErrorNotice;
pub use form::{FormError, clear_input, files_in, input_value, use_interactive};
pub use links::{DocumentList, NoteLink, RelatedList, TagList};
pub use loaded::{loaded, reloaded, request};
pub use loading::Loading;
pub use page_meta::{PageMeta, tab_title};
pub use search_box::SearchBox;
pub use theme::ThemeToggle;
