//! `/setup?code=`: the first admin of a base with no users, made with the one-time code of the
//! set-up link `lore serve` printed when it started.

use crate::api::Api;
use crate::components::{FormError, PageMeta, clear_input, input_value, use_interactive};
use crate::contract::{Credentials, FirstAdmin};
use crate::session::use_session;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Why the set-up form cannot be sent as it is, checked before asking the server.
pub fn setup_problem(code: &str, name: &str, password: &str, again: &str) -> Option<&'static str> {
    if code.is_empty() {
        Some("This address has no set-up code: open the whole link that `lore serve` printed.")
    } else if name.is_empty() || password.is_empty() {
        Some("Give a name and a password.")
    } else if password != again {
        Some("The two passwords differ: type the same one twice.")
    } else {
        None
    }
}

/// The set-up page.
#[component]
pub fn SetUpPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let interactive = use_interactive();
    let name = NodeRef::<Input>::new();
    let password = NodeRef::<Input>::new();
    let again = NodeRef::<Input>::new();
    let (failure, set_failure) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let code = move || query.read().get("code").unwrap_or_default();

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let code = query.read_untracked().get("code").unwrap_or_default();
        let (name, password_text, again_text) = (
            input_value(name).trim().to_owned(),
            input_value(password),
            input_value(again),
        );
        if let Some(problem) = setup_problem(&code, &name, &password_text, &again_text) {
            set_failure.set(Some(problem.to_owned()));
            return;
        }
        set_busy.set(true);
        set_failure.set(None);
        let first = FirstAdmin {
            code,
            credentials: Credentials {
                name,
                password: password_text,
            },
        };
        let api = api.clone();
        let navigate = navigate.clone();
        spawn_local(async move {
            match api.set_up(first).await {
                Ok(info) => {
                    session.set(info);
                    navigate("/", Default::default());
                }
                Err(error) => {
                    set_failure.try_set(Some(error.to_string()));
                    set_busy.try_set(false);
                    clear_input(password);
                    clear_input(again);
                }
            }
        });
    };

    view! {
        <PageMeta title="Set up Lore" description="Make the first admin of this Lore base." />
        <section class="auth-page setup-page">
            <h1>"Set up Lore"</h1>
            <p class="lede">"Make the first account: an admin, who can then add everyone else."</p>
            {move || code().is_empty().then(|| view! {
                <p class="notice">
                    "This address has no set-up code. Open the whole link that "
                    <code>"lore serve"</code>
                    " printed when it started."
                </p>
            })}
            {move || session.with(|info| info.is_some_and(|i| !i.needs_setup)).then(|| view! {
                <p class="notice">
                    "This base already has users. " <a href="/sign-in">"Sign in"</a> " instead."
                </p>
            })}
            <form class="auth-form" method="post" on:submit=submit>
                <label>
                    "Name"
                    <input node_ref=name name="name" type="text" autocomplete="username" required />
                </label>
                <label>
                    "Password"
                    <input node_ref=password name="password" type="password" autocomplete="new-password" required />
                </label>
                <label>
                    "Password again"
                    <input node_ref=again name="password_again" type="password" autocomplete="new-password" required />
                </label>
                <FormError message=failure />
                <button type="submit" class="primary" disabled=move || !interactive.get() || busy.get()>
                    "Create admin"
                </button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_different_passwords_are_refused_before_asking_the_server() {
        assert_eq!(
            setup_problem("C0DE", "ada", "correct horse", "correct hose"),
            Some("The two passwords differ: type the same one twice.")
        );
        assert_eq!(
            setup_problem("C0DE", "ada", "correct horse", "correct horse"),
            None
        );
    }

    #[test]
    fn a_link_without_its_code_is_refused_before_asking_the_server() {
        assert!(setup_problem("", "ada", "pw", "pw").is_some());
        assert!(setup_problem("C0DE", "", "pw", "pw").is_some());
    }
}
