//! The root component: provides the data interface and the session, and owns the router.

use crate::api::Api;
use crate::components::{AccountMenu, SearchBox, ThemeToggle, WriterLinks, tab_title};
use crate::pages::{
    AccountPage, ArchitecturePage, CollectionPage, DocumentPage, EditorPage, GraphPage,
    HistoryPage, HomePage, ImportPage, NotFoundPage, SearchPage, SetUpPage, SignInPage, TagPage,
    TrashPage, UsersPage, WantedListPage, WantedPage,
};
use crate::request_log::RequestLog;
use crate::session::Session;
use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// Lore's whole UI. `api` is how pages reach the server: [`Api::http`] in the browser, another
/// implementation on the server or in tests.
#[component]
pub fn App(api: Api) -> impl IntoView {
    provide_context(api.clone());
    provide_meta_context();
    // Unknown on the server and while hydrating (the page is the same for every visitor); the
    // browser asks who it is once it has taken over, and the header and pages fill in.
    let session = Session::provide(api);
    Effect::new(move |_| session.refresh());
    // Every request this page makes, tier by tier, for the architecture page: the browser's
    // timeline is read from the start, so the page load itself is there too.
    let requests = RequestLog::provide();
    Effect::new(move |_| requests.record());
    // Effects run only in the browser, once hydration (deferred until the browser is idle) is
    // done.
    Effect::new(|_| mark_interactive());
    view! {
        // Every page names itself with a `<Title>`; the tab reads "Note title · Lore".
        <Title formatter=tab_title />
        <Router>
            <header class="site-header">
                <A href="/" attr:class="brand">"Lore"</A>
                <SearchBox />
                <nav class="site-nav" aria-label="Main">
                    <A href="/graph">"Graph"</A>
                    <A href="/wanted">"Wanted"</A>
                    <WriterLinks />
                </nav>
                <ThemeToggle />
                <AccountMenu />
            </header>
            <main class="content">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/notes/:id") view=DocumentPage ssr=SsrMode::Async />
                    <Route path=path!("/notes/:id/edit") view=EditorPage ssr=SsrMode::Async />
                    <Route path=path!("/notes/:id/history") view=HistoryPage ssr=SsrMode::Async />
                    <Route path=path!("/new") view=EditorPage ssr=SsrMode::Async />
                    <Route path=path!("/trash") view=TrashPage ssr=SsrMode::Async />
                    <Route path=path!("/tags/*tag") view=TagPage ssr=SsrMode::Async />
                    <Route path=path!("/collections/:id") view=CollectionPage ssr=SsrMode::Async />
                    <Route path=path!("/wanted") view=WantedListPage ssr=SsrMode::Async />
                    <Route path=path!("/wanted/:id") view=WantedPage ssr=SsrMode::Async />
                    <Route path=path!("/graph") view=GraphPage ssr=SsrMode::Async />
                    <Route path=path!("/import") view=ImportPage ssr=SsrMode::Async />
                    <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async />
                    <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/setup") view=SetUpPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/architecture") view=ArchitecturePage ssr=SsrMode::Async />
                </Routes>
            </main>
            <footer class="site-footer">
                "Leptos in the browser · axum on the server · SQLite or PostgreSQL underneath · "
                <A href="/architecture">"How this page reached you"</A>
            </footer>
        </Router>
    }
}

/// Says on `<html data-interactive>` that the wasm has taken over the page (the whole client,
/// or the reader's islands). Style and the end-to-end tests can tell a page that reads from one
/// that also responds. The moment is also the performance mark `lore:interactive`: time to
/// interactive in a browser's performance panel and in `server/benches/first_paint.rs`.
pub(crate) fn mark_interactive() {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-interactive", "");
    }
    if let Some(performance) = window().performance() {
        let _ = performance.mark("lore:interactive");
    }
}

/// The whole HTML document the server sends for a page: `App` rendered inside, the tags pages
/// set with leptos_meta in the head, and (when a client is built) the scripts that load the
/// wasm and hydrate the body: its islands with the reader's client when `islands`, all of it
/// with the whole client otherwise (see [`crate::islands`]). `stylesheet` is trunk's hashed
/// CSS file.
#[cfg(feature = "ssr")]
pub fn shell(
    options: leptos::config::LeptosOptions,
    api: Api,
    stylesheet: Option<String>,
    scripts: bool,
    islands: bool,
) -> impl IntoView {
    use leptos_meta::MetaTags;
    crate::islands::render_pages_as(islands);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                // No favicon file yet: an empty data URL stops the browser asking for one.
                <link rel="icon" href="data:," />
                {stylesheet.map(|href| view! { <link rel="stylesheet" href=href /> })}
                // `defer`: the wasm loads and hydrates when the browser is idle, after the page
                // is painted; until then links and the search form work as plain HTML.
                {scripts.then(|| view! { <HydrationScripts options defer=true islands /> })}
                <MetaTags />
            </head>
            <body>
                <App api />
            </body>
        </html>
    }
}
