//! What a page rendered on the server tells the HTTP response (its status), and learns from
//! the request (the site's public address).
//!
//! `app` never depends on axum or leptos_axum (they would reach the browser build), so the
//! server provides a callback in context, and pages call [`set_status`]. In the browser there
//! is no such context and it does nothing.

use leptos::prelude::*;
use std::sync::Arc;

/// Sets the status of the response being rendered; provided by the server per request.
#[derive(Clone)]
pub struct ResponseStatus(Arc<dyn Fn(u16) + Send + Sync>);

impl ResponseStatus {
    /// A status setter that calls `set`.
    pub fn new(set: impl Fn(u16) + Send + Sync + 'static) -> Self {
        Self(Arc::new(set))
    }

    /// Sets the status to `code`.
    pub fn set(&self, code: u16) {
        (self.0)(code);
    }
}

/// Sets the status of the response being rendered, if the server is rendering it.
pub fn set_status(code: u16) {
    if let Some(status) = use_context::<ResponseStatus>() {
        status.set(code);
    }
}

/// The site's public origin (`https://lore.example`), for canonical and Open Graph addresses;
/// provided by the server per request.
#[derive(Debug, Clone)]
pub struct SiteOrigin(pub String);

/// The site's origin: the browser's own, or on the server the one it was given.
pub fn site_origin() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        window().location().origin().unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use_context::<SiteOrigin>().map(|o| o.0).unwrap_or_default()
    }
}
