//! The root component: provides the data interface and owns the router.

use crate::api::Api;
use crate::components::{SearchBox, ThemeToggle};
use crate::pages::{
    CollectionPage, DocumentPage, EditorPage, GraphPage, HistoryPage, HomePage, ImportPage,
    NotFoundPage, SearchPage, TagPage, TrashPage, WantedListPage, WantedPage,
};
use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

/// Lore's whole UI. `api` is how pages reach the server: [`Api::http`] in the browser, another
/// implementation on the server or in tests.
#[component]
pub fn App(api: Api) -> impl IntoView {
    provide_context(api);
    provide_meta_context();
    view! {
        // Every page names itself with a `<Title>`; the tab reads "Note title · Lore".
        <Title formatter=|text: String| if text.is_empty() { "Lore".to_owned() } else { format!("{text} · Lore") } />
        <Router>
            <header class="site-header">
                <A href="/" attr:class="brand">"Lore"</A>
                <SearchBox />
                <nav class="site-nav" aria-label="Main">
                    <A href="/graph">"Graph"</A>
                    <A href="/wanted">"Wanted"</A>
                    <A href="/import">"Import"</A>
                    <A href="/trash">"Trash"</A>
                    <A href="/new" attr:class="new-note">"New note"</A>
                </nav>
                <ThemeToggle />
            </header>
            <main class="content">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/notes/:id") view=DocumentPage />
                    <Route path=path!("/notes/:id/edit") view=EditorPage />
                    <Route path=path!("/notes/:id/history") view=HistoryPage />
                    <Route path=path!("/new") view=EditorPage />
                    <Route path=path!("/trash") view=TrashPage />
                    <Route path=path!("/tags/:tag") view=TagPage />
                    <Route path=path!("/collections/:id") view=CollectionPage />
                    <Route path=path!("/wanted") view=WantedListPage />
                    <Route path=path!("/wanted/:id") view=WantedPage />
                    <Route path=path!("/graph") view=GraphPage />
                    <Route path=path!("/import") view=ImportPage />
                    <Route path=path!("/search") view=SearchPage />
                </Routes>
            </main>
            <footer class="site-footer">
                "Leptos in the browser · axum on the server · SQLite or PostgreSQL underneath"
            </footer>
        </Router>
    }
}
