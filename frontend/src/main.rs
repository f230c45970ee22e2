//! Lore's browser entry point, built for wasm32 by trunk (see `frontend/index.html`).
//!
//! It only wires the browser in: panics go to the console readably, and the app's root
//! component is mounted with the HTTP implementation of its data interface. Everything else
//! lives in the `app` crate, where it is shared with the server and tested.

fn main() {
    // A panic in wasm is otherwise an opaque "unreachable" trap; this prints its message.
    console_error_panic_hook::set_once();
    #[cfg(target_arch = "wasm32")]
    leptos::mount::mount_to_body(|| {
        use leptos::prelude::*;
        view! { <app::App api=app::api::Api::http() /> }
    });
}
