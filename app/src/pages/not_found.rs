//! The page for any client route that matches nothing.

use crate::components::PageMeta;
use leptos::prelude::*;
use leptos_router::components::A;

/// Shown for paths no route matches; rendered by the server, it answers 404.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    crate::response::set_status(404);
    view! {
        <PageMeta title="Page not found" description="Nothing lives at this address." />
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at this address."</p>
            <A href="/">"Back to the home page"</A>
        </section>
    }
}
