//! `/sign-in?next=`: a name and a password; on success, back to where the reader was going.
//!
//! A private base sends anonymous visitors here with the page they asked for in `next`. Only a
//! path on this site is followed ([`safe_next`]): anything else would let a link to Lore's
//! sign-in page forward a fresh session's owner to another site.

use crate::api::Api;
use crate::components::{FormError, PageMeta, clear_input, input_value, use_interactive};
use crate::contract::Credentials;
use crate::session::{safe_next, use_session};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The sign-in page.
#[component]
pub fn SignInPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let interactive = use_interactive();
    let name = NodeRef::<Input>::new();
    let password = NodeRef::<Input>::new();
    let (failure, set_failure) = signal(None::<String>);
    let (busy, set_busy) = signal(false);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let credentials = Credentials {
            name: input_value(name).trim().to_owned(),
            password: input_value(password),
        };
        if credentials.name.is_empty() || credentials.password.is_empty() {
            set_failure.set(Some("Give your name and your password.".to_owned()));
            return;
        }
        let next = safe_next(query.read_untracked().get("next").as_deref());
        set_busy.set(true);
        set_failure.set(None);
        let api = api.clone();
        let navigate = navigate.clone();
        spawn_local(async move {
            match api.sign_in(credentials).await {
                Ok(info) => {
                    session.set(info);
                    navigate(&next, Default::default());
                }
                Err(error) => {
                    // The server's words: a wrong name or password (one answer for both), or
                    // too many attempts and when to try again.
                    set_failure.try_set(Some(error.to_string()));
                    set_busy.try_set(false);
                    clear_input(password);
                }
            }
        });
    };

    view! {
        <PageMeta title="Sign in" description="Sign in to Lore." />
        <section class="auth-page sign-in-page">
            <h1>"Sign in"</h1>
            {move || session.with(|info| info.is_some_and(|i| i.needs_setup)).then(|| view! {
                <p class="notice">
                    "This base has no users yet. Open the set-up link that "
                    <code>"lore serve"</code>
                    " printed when it started, to make the first admin."
                </p>
            })}
            {move || session.user().map(|user| view! {
                <p class="notice">
                    "You are signed in as " <strong>{user.name}</strong>
                    ". Signing in again changes who you are."
                </p>
            })}
            // `post`, and a button that works only once the page is interactive: a password
            // never travels in an address, even if the form were sent before the wasm loaded.
            <form class="auth-form" method="post" on:submit=submit>
                <label>
                    "Name"
                    <input node_ref=name name="name" type="text" autocomplete="username" required />
                </label>
                <label>
                    "Password"
                    <input node_ref=password name="password" type="password" autocomplete="current-password" required />
                </label>
                <FormError message=failure />
                <button type="submit" class="primary" disabled=move || !interactive.get() || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}
