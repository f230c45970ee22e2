//! The light/dark switch. Without a choice Lore follows the system setting; a choice is kept
//! in the browser's local storage. Storage and the DOM are touched only in an effect and in the
//! click handler, so the component also renders on the server.

use crate::local_storage;
use leptos::prelude::*;

const STORAGE_KEY: &str = "lore-theme";

/// A button that flips between light and dark. An island on reading pages.
#[cfg_attr(feature = "islands", island)]
#[cfg_attr(not(feature = "islands"), component)]
pub fn ThemeToggle() -> impl IntoView {
    let (theme, set_theme) = signal(None::<String>);
    Effect::new(move |_| {
        if let Some(saved) = local_storage::get(STORAGE_KEY) {
            set_theme.set(Some(saved));
        }
    });
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = match theme.get() {
                Some(choice) => root.set_attribute("data-theme", &choice),
                None => root.remove_attribute("data-theme"),
            };
        }
    });
    let flip = move |_| {
        let dark_now = match theme.get_untracked() {
            Some(choice) => choice == "dark",
            None => window()
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
                .is_some_and(|m| m.matches()),
        };
        let next = if dark_now { "light" } else { "dark" };
        local_storage::set(STORAGE_KEY, next);
        set_theme.set(Some(next.to_owned()));
    };
    view! {
        <button class="theme-toggle" on:click=flip title="Switch between light and dark">
            "◐"
            <span class="visually-hidden">"Switch theme"</span>
        </button>
    }
}
