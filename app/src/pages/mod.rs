//! One component per route. The router in [`App`](crate::App) maps paths to these.

mod home;
mod not_found;

pub use home::HomePage;
pub use not_found::NotFoundPage;
