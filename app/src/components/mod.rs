//! Reusable parts of pages.

mod error_notice;
mod links;
mod loaded;
mod loading;
mod page_meta;
mod search_box;
mod theme;

pub use error_notice::ErrorNotice;
pub use links::{DocumentList, NoteLink, RelatedList, TagList};
pub use loaded::{loaded, request};
pub use loading::Loading;
pub use page_meta::{PageMeta, tab_title};
pub use search_box::SearchBox;
pub use theme::ThemeToggle;
