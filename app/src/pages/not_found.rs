//! The page for any client route that matches nothing.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Shown for unknown client routes (the server answers them with the app shell, so the client
/// has to say it).
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <Title text="Page not found" />
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at this address."</p>
            <A href="/">"Back to the home page"</A>
        </section>
    }
}
