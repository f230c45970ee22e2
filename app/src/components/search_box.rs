//! The search box in the header: results as you type, without flooding the server, and
//! usable from the keyboard alone.
//!
//! - `/` anywhere (outside a text field) puts the cursor in the box.
//! - Typing waits for a pause ([`DEBOUNCE_MS`]) before asking; a newer query supersedes an
//!   older one: the browser's request for it is aborted, and an answer that still arrives is
//!   ignored.
//! - Arrow keys move through the results, Enter opens the highlighted one (or the full results
//!   page), Escape closes the list.

use crate::api::Api;
use crate::contract::{SearchQuery, SearchResults};
use crate::islands::use_navigator;
use leptos::prelude::*;
use std::time::Duration;

/// How long typing must pause before a search is sent.
pub const DEBOUNCE_MS: u64 = 150;

/// The header's search box. An island on reading pages.
#[cfg_attr(feature = "islands", island)]
#[cfg_attr(not(feature = "islands"), component)]
pub fn SearchBox() -> impl IntoView {
    let api = expect_context::<Api>();
    let input_ref = NodeRef::<leptos::html::Input>::new();
    let (text, set_text) = signal(String::new());
    let (results, set_results) = signal(None::<SearchResults>);
    let (selected, set_selected) = signal(None::<usize>);
    // Every query gets a number; only the answer to the latest one is shown.
    let latest = StoredValue::new(0_u64);
    let pending = StoredValue::new(None::<TimeoutHandle>);

    let search = move |query: String| {
        let ticket = latest.get_value() + 1;
        latest.set_value(ticket);
        if query.trim().is_empty() {
            set_results.set(None);
            return;
        }
        let api = api.clone();
        leptos::task::spawn_local(async move {
            let request = SearchQuery {
                q: query,
                limit: Some(8),
                ..SearchQuery::default()
            };
            let answer = api.search_as_you_type(request).await;
            if latest.get_value() == ticket {
                set_selected.set(None);
                set_results.set(answer.ok());
            }
        });
    };

    let on_input = move |event| {
        let value = event_target_value(&event);
        set_text.set(value.clone());
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let search = search.clone();
        let handle =
            set_timeout_with_handle(move || search(value), Duration::from_millis(DEBOUNCE_MS)).ok();
        pending.set_value(handle);
    };

    let navigate = use_navigator();
    let open = move |href: String| {
        // A search still waiting for the typing to pause is not wanted any more.
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        latest.set_value(latest.get_value() + 1);
        set_results.set(None);
        set_selected.set(None);
        navigate(&href, false);
    };
    let on_keydown = {
        let open = open.clone();
        move |event: leptos::ev::KeyboardEvent| {
            let count = results.with(|r| r.as_ref().map_or(0, |r| r.hits.len()));
            match event.key().as_str() {
                "ArrowDown" if count > 0 => {
                    event.prevent_default();
                    set_selected.update(|s| *s = Some(s.map_or(0, |i| (i + 1) % count)));
                }
                "ArrowUp" if count > 0 => {
                    event.prevent_default();
                    set_selected
                        .update(|s| *s = Some(s.map_or(count - 1, |i| (i + count - 1) % count)));
                }
                "Enter" => {
                    event.prevent_default();
                    let chosen = selected.get_untracked().and_then(|i| {
                        results.with_untracked(|r| {
                            r.as_ref()
                                .and_then(|r| r.hits.get(i))
                                .map(|h| h.document.id.clone())
                        })
                    });
                    match chosen {
                        Some(id) => open(format!("/notes/{id}")),
                        None if !text.get_untracked().trim().is_empty() => {
                            let q = text.get_untracked();
                            open(format!("/search?q={}", encode_query(&q)));
                        }
                        None => {}
                    }
                }
                "Escape" => {
                    set_results.set(None);
                    set_selected.set(None);
                }
                _ => {}
            }
        }
    };

    // `/` focuses the box, unless the reader is already typing somewhere.
    Effect::new(move |_| {
        let handle = window_event_listener(leptos::ev::keydown, move |event| {
            let typing = event
                .target()
                .and_then(|t| leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA")
                        || el.has_attribute("contenteditable")
                });
            if event.key() == "/"
                && !typing
                && let Some(input) = input_ref.get()
            {
                event.prevent_default();
                let _ = input.focus();
            }
        });
        on_cleanup(move || handle.remove());
    });

    // A plain GET form underneath: without JavaScript (or before it has loaded), Enter asks the
    // server for `/search?q=`. With it, keys and submits are handled here, in the page.
    let on_submit = {
        let open = open.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let q = text.get_untracked();
            if !q.trim().is_empty() {
                open(format!("/search?q={}", encode_query(&q)));
            }
        }
    };

    view! {
        <form class="search-box" role="search" method="get" action="/search" on:submit=on_submit>
            <input
                node_ref=input_ref
                type="search"
                name="q"
                class="search-input"
                placeholder="Search notes (press /)"
                aria-label="Search notes"
                autocomplete="off"
                prop:value=text
                on:input=on_input
                on:keydown=on_keydown
            />
            {move || {
                results.get().map(|found| {
                    let open = open.clone();
                    view! {
                        <div class="search-results" role="listbox">
                            {found.did_you_mean.clone().map(|fixed| view! {
                                <p class="did-you-mean">"Showing results for " <em>{fixed}</em></p>
                            })}
                            {if found.hits.is_empty() {
                                view! { <p class="empty">"No notes match."</p> }.into_any()
                            } else {
                                found.hits.into_iter().enumerate().map(|(i, hit)| {
                                    let open = open.clone();
                                    let href = format!("/notes/{}", hit.document.id);
                                    view! {
                                        <a
                                            class="search-hit"
                                            class:selected=move || selected.get() == Some(i)
                                            role="option"
                                            href=href.clone()
                                            on:click=move |event| {
                                                event.prevent_default();
                                                open(href.clone());
                                            }
                                        >
                                            <span class="search-hit-title">{hit.document.title}</span>
                                            <span class="search-hit-snippet" inner_html=hit.snippet></span>
                                        </a>
                                    }
                                }).collect_view().into_any()
                            }}
                        </div>
                    }
                })
            }}
        </form>
    }
}

/// Percent-encodes a query for a URL.
pub fn encode_query(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)])
        .map(|s| s.trim_start_matches("q=").to_owned())
        .unwrap_or_default()
}
