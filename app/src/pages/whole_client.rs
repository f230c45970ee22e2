//! Where the reader's client ends: which pages it leaves out, and what it shows on the way to
//! one of them.
//!
//! `lore serve` ships two builds of the client (see `pages` in the server). A reading page comes
//! with the reader's, a writing page with the whole one; both are asked of
//! [`is_writing_page`], so the server never hydrates a page with a client that lacks it. Once a
//! reader follows a link to a writing page, the reader's client leaves it to the browser, which
//! loads the page, and the page comes back with the whole client; where the app itself goes to
//! a writing page, [`LoadsWholeClient`] asks the server for it. Back leads where it should.

use crate::components::Loading;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos_router::hooks::use_location;
use web_sys::PerformanceEntry;

/// Whether `path` is one of the pages only the whole client has: the editor and a new note,
/// a note's history, the trash, import, the graph, the account, set-up and admin pages.
/// Written once for the server, which picks the client to send by it; the routes in
/// [`App`](crate::App) must agree, by taking these pages from [`super::writing`] (the
/// end-to-end test follows a link and the app's own navigation from the reader's client to the
/// editor, and `is_writing_page`'s tests list every route of each kind).
pub fn is_writing_page(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        ["notes", _, "edit" | "history"]
            | ["new" | "trash" | "import" | "graph" | "setup" | "account"]
            | ["admin", "users"]
    )
}

/// A writing page in the reader's client, reached by the router (a link is not: see
/// [`follow_writing_links_with_page_loads`]; the app navigates to one itself, as after signing
/// in or moving a note to the trash): loads the page from the server. It says so while the page
/// loads, and if the browser was sent here by the server itself (a page the server thought a
/// reading one), it offers a link instead of asking again, so it can never loop.
#[component]
pub fn LoadsWholeClient() -> impl IntoView {
    let location = use_location();
    // The address to offer a link to, once asking again is known not to help.
    let (stuck, set_stuck) = signal(None::<String>);
    Effect::new(move |_| {
        // Where the router is going, which the browser's address may not show yet.
        let path = location.pathname.get_untracked();
        let search = location.search.get_untracked();
        let query = if search.is_empty() {
            String::new()
        } else {
            format!("?{search}")
        };
        let target = format!("{path}{query}{}", location.hash.get_untracked());
        let browser = window().location();
        let at_path = move || browser.pathname().is_ok_and(|here| here == path);
        if at_path() && loaded_at(&window().location().href().unwrap_or_default()) {
            set_stuck.set(Some(target));
            return;
        }
        // The router writes the address into the history once the page is drawn, after this
        // effect: waiting a task lets it, so the page load takes that entry's place, and
        // Back leads where the reader came from. Had it not (yet), the load adds the entry.
        set_timeout(
            move || {
                let browser = window().location();
                let loading = if at_path() {
                    browser.replace(&target)
                } else {
                    browser.assign(&target)
                };
                if loading.is_err() {
                    set_stuck.set(Some(target));
                }
            },
            std::time::Duration::ZERO,
        );
    });
    move || match stuck.get() {
        None => view! { <Loading label="Loading the page…" /> }.into_any(),
        Some(target) => view! {
            <p class="notice">
                "This page needs the whole client. "
                <a href=target rel="external">
                    "Open it again"
                </a>
            </p>
        }
        .into_any(),
    }
}

/// In the reader's client, a click on a link to a writing page is left to the browser: it
/// loads the page, with the whole client, as a link without a router would. Caught on its way
/// down (capture), before the router's own listener, which would otherwise draw
/// [`LoadsWholeClient`] first. Clicks the router leaves alone anyway (with a modifier key,
/// another button, a link with a target or a download) are left alone here too.
#[cfg(feature = "reader")]
pub fn follow_writing_links_with_page_loads() {
    use leptos::wasm_bindgen::closure::Closure;
    use web_sys::{Element, MouseEvent};
    let follow = Closure::<dyn Fn(MouseEvent)>::new(|event: MouseEvent| {
        if event.default_prevented()
            || event.button() != 0
            || event.ctrl_key()
            || event.meta_key()
            || event.shift_key()
            || event.alt_key()
        {
            return;
        }
        let Some(link) = event
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten())
        else {
            return;
        };
        if link.has_attribute("target") || link.has_attribute("download") {
            return;
        }
        let href = link.get_attribute("href").unwrap_or_default();
        let path = href.split(['?', '#']).next().unwrap_or_default();
        if path.starts_with('/') && !path.starts_with("//") && is_writing_page(path) {
            event.stop_propagation();
        }
    });
    let _ = window().add_event_listener_with_callback_and_bool(
        "click",
        follow.as_ref().unchecked_ref(),
        true,
    );
    // Listens as long as the page lives.
    follow.forget();
}

/// Whether the browser loaded this document at `address` (rather than the router taking it
/// there): the performance timeline's navigation entry names the document's own address.
fn loaded_at(address: &str) -> bool {
    window()
        .performance()
        .and_then(|performance| {
            performance
                .get_entries_by_type("navigation")
                .get(0)
                .dyn_into::<PerformanceEntry>()
                .ok()
        })
        .is_some_and(|entry| entry.name() == address)
}

#[cfg(test)]
mod tests {
    use super::is_writing_page;

    #[test]
    fn editing_history_and_the_tool_pages_are_writing_pages() {
        for path in [
            "/notes/dns/edit",
            "/notes/dns/history/",
            "/new",
            "/trash",
            "/import",
            "/graph",
            "/setup",
            "/account",
            "/admin/users",
        ] {
            assert!(is_writing_page(path), "{path}");
        }
    }

    #[test]
    fn notes_lists_search_and_signing_in_are_reading_pages() {
        for path in [
            "/",
            "/notes/dns",
            "/notes/edit",
            "/notes/new/history/x",
            "/tags/net/dns",
            "/collections/ops",
            "/wanted",
            "/wanted/x",
            "/search",
            "/sign-in",
            "/architecture",
            "/graphs",
            "/admin",
        ] {
            assert!(!is_writing_page(path), "{path}");
        }
    }
}
