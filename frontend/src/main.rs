//! Lore's browser entry point, built for wasm32 by trunk (see `frontend/index.html`).
//!
//! It only wires the browser in: panics go to the console readably, and the app's root
//! component gets the HTTP implementation of its data interface. Two ways, by feature:
//! - `hydrate` (what `lore serve` ships): the server has rendered the page; `hydrate()`, called
//!   by the script Leptos puts in that page, takes over its nodes and the data it carries. With
//!   `reader` too it is the reader's client, which takes over only a reading page's islands
//!   (see `app::islands`).
//! - `csr` (the `trunk serve` dev loop): `main` renders the app into an empty page.
//!
//! Everything else lives in the `app` crate, where it is shared with the server and tested.

// Leptos' views are deeply nested types; hydrating them needs the headroom.
#![recursion_limit = "256"]

#[cfg(all(feature = "csr", feature = "hydrate"))]
compile_error!("build `frontend` with `csr` (trunk serve) or `hydrate` (for lore serve), not both");

fn main() {
    #[cfg(all(target_arch = "wasm32", feature = "csr"))]
    {
        // A panic in wasm is otherwise an opaque "unreachable" trap; this prints its message.
        console_error_panic_hook::set_once();
        leptos::mount::mount_to_body(|| {
            use leptos::prelude::*;
            view! { <app::App api=app::api::Api::http() /> }
        });
    }
}

/// Takes over the page the server rendered: its nodes are reused, not drawn again, and the
/// data serialized into it is not fetched again.
#[cfg(all(target_arch = "wasm32", feature = "hydrate", not(feature = "reader")))]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(|| {
        use leptos::prelude::*;
        view! { <app::App api=app::api::Api::http() /> }
    });
}

/// Gets the page ready for its islands, which Leptos' script hydrates right after this, each
/// from its own `<leptos-island>` element.
#[cfg(all(target_arch = "wasm32", feature = "hydrate", feature = "reader"))]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::islands::hydrate_islands(app::api::Api::http());
}
