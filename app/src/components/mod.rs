//! Reusable parts of pages.

mod error_notice;
mod loading;

pub use error_notice::ErrorNotice;
pub use loading::Loading;
