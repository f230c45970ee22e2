//! The root component: provides the data interface and owns the router.

use crate::api::Api;
use crate::pages::{HomePage, NotFoundPage};
use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

/// Lore's whole UI. `api` is how pages reach the server: [`Api::http`] in the browser, another
/// implementation on the server or in tests.
#[component]
pub fn App(api: Api) -> impl IntoView {
    provide_context(api);
    view! {
        <Router>
            <header class="site-header">
                <A href="/" attr:class="brand">"Lore"</A>
                <span class="brand-tagline">"a knowledge base, in Rust from browser to database"</span>
            </header>
            <main class="content">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage />
                </Routes>
            </main>
            <footer class="site-footer">
                "Leptos in the browser · axum on the server · SQLite or PostgreSQL underneath"
            </footer>
        </Router>
    }
}
