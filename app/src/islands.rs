//! The reader's client: a reading page's interactive parts, hydrated as islands.
//!
//! Most visitors come to read. A reading page (a note, the lists, search; see
//! [`needs_whole_client`](crate::pages::needs_whole_client)) is the server's HTML, and only a few
//! of its parts respond to the reader: the search box, the light/dark switch, the account menu,
//! the links for writers in the header, and a note's actions. Those components are Leptos
//! *islands* (`#[island]`, under this crate's `islands` feature): the server wraps each in a
//! `<leptos-island>` element, and the reader's client (`frontend` built with `reader`) hydrates
//! those elements alone. It has no router and no pages, so it is a fraction of the whole
//! client's size; a link on a reading page is a page load, answered from the server's page
//! cache.
//!
//! The same components are ordinary parts of the whole client's pages. There the server renders
//! them without the wrapper ([`render_pages_as`]), and the whole client, built without
//! `islands`, knows them as plain components, so its hydration sees the same nodes.
//!
//! An island cannot use the router, which only the whole client has: where it moves the
//! browser it asks [`use_navigator`], which uses the router when there is one and loads the
//! page when there is not.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::location::Location;

/// Provided on reading pages, on the server and in the reader's client: the page is hydrated
/// as islands, not by the whole client.
#[derive(Debug, Clone, Copy)]
pub struct IslandsPage;

/// Whether this page is hydrated as islands (there is no router in the browser).
pub fn is_islands_page() -> bool {
    use_context::<IslandsPage>().is_some()
}

/// How a component moves the browser to `href`: through the router in the whole client, by
/// loading the page on a page hydrated as islands. `replace` takes the current history entry's
/// place instead of adding one.
pub fn use_navigator() -> impl Fn(&str, bool) + Clone {
    let router = (!is_islands_page()).then(use_navigate);
    move |href: &str, replace: bool| match &router {
        Some(navigate) => navigate(
            href,
            NavigateOptions {
                replace,
                ..NavigateOptions::default()
            },
        ),
        None => {
            let location = window().location();
            let _ = if replace {
                location.replace(href)
            } else {
                location.assign(href)
            };
        }
    }
}

/// Where the browser is: the router's location in the whole client; on a page hydrated as
/// islands, the browser's own address, which only a page load changes. See [`use_here`].
#[derive(Clone, Copy)]
pub struct Here(StoredValue<Option<Location>>);

/// The [`Here`] of this component's page.
pub fn use_here() -> Here {
    Here(StoredValue::new((!is_islands_page()).then(use_location)))
}

impl Here {
    /// The current path and query (without its `?`), tracked where the router has them. Read
    /// only in the browser: the server renders nothing that depends on it.
    pub fn address(self) -> (String, String) {
        self.0.with_value(|location| match location {
            Some(location) => (location.pathname.get(), location.search.get()),
            None => {
                let browser = window().location();
                let search = browser.search().unwrap_or_default();
                (
                    browser.pathname().unwrap_or_default(),
                    search.trim_start_matches('?').to_owned(),
                )
            }
        })
    }

    /// `aria-current` for a link to `href` (tracked): `page` where the router shows that page,
    /// as the router's own links mark themselves. On a page hydrated as islands none is marked:
    /// every page such a link leads to is another one.
    pub fn marks(self, href: &'static str) -> impl Fn() -> Option<&'static str> + Copy + 'static {
        move || {
            self.0.with_value(|location| {
                location
                    .as_ref()
                    .and_then(|l| (l.pathname.get() == href).then_some("page"))
            })
        }
    }
}

/// Sets up the rendering of a page on the server: as islands (`islands`, the reading pages the
/// reader's client hydrates) or for the whole client, which hydrates everything. For the latter,
/// the islands render bare: Leptos draws an island's `<leptos-island>` element only where it is
/// not already inside hydrated content, and the whole page is.
#[cfg(feature = "ssr")]
pub fn render_pages_as(islands: bool) {
    if islands {
        provide_context(IslandsPage);
    } else {
        provide_context(leptos::reactive::owner::IsHydrating(true));
    }
}

/// The reader's client's start, once its wasm is loaded and before Leptos' script hydrates the
/// islands: gives them what the whole client's [`App`](crate::App) gives its pages (the data
/// interface and the session, which it then asks the server for), and marks the page
/// interactive once they are hydrated.
#[cfg(all(feature = "hydrate", feature = "islands"))]
pub fn hydrate_islands(api: crate::api::Api) {
    leptos::mount::hydrate_islands();
    provide_context(IslandsPage);
    provide_context(api.clone());
    let session = crate::session::Session::provide(api);
    Effect::new(move |_| session.refresh());
    // Leptos' script hydrates the islands right after this returns, in the same task; a task
    // later they all are.
    set_timeout(crate::app::mark_interactive, std::time::Duration::ZERO);
}
