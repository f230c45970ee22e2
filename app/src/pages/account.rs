//! `/account`: the signed-in user's password and API tokens: changing the password, the list of
//! tokens, revoking one, and making one whose secret is shown once.
//!
//! Everything here belongs to one user, so none of it is rendered on the server (whose pages
//! every visitor shares): [`SignedIn`] builds it in the browser once the session is known.

use crate::api::Api;
use crate::components::{
    FormError, PageMeta, SignedIn, clear_input, input_value, reloaded, request,
};
use crate::contract::{CreatedToken, NewToken, PasswordChange, Role, TokenScope, TokenSummary};
use crate::session::use_session;
use leptos::html::{Input, Select};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A timestamp from the server (RFC 3339, UTC) as people read it: `2026-11-26 10:04:00 UTC`.
pub fn readable_time(timestamp: &str) -> String {
    match timestamp.strip_suffix('Z') {
        Some(utc) => format!("{} UTC", utc.replacen('T', " ", 1)),
        None => timestamp.replacen('T', " ", 1),
    }
}

/// What a role may do, in a few words.
pub fn role_description(role: Role) -> &'static str {
    match role {
        Role::Reader => "a reader: you read every note",
        Role::Editor => "an editor: you read and change notes",
        Role::Admin => "an admin: you change notes and manage users",
    }
}

/// The number of days a new token lasts, as typed: empty for a token that never expires.
pub fn parse_days(text: &str) -> Result<Option<u32>, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(0) | Err(_) => Err("Days until it expires: a whole number of at least 1, or nothing."),
        Ok(days) => Ok(Some(days)),
    }
}

/// The account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <PageMeta title="Your account" description="Your Lore account: password and API tokens." />
        <section class="account-page">
            <h1>"Your account"</h1>
            <SignedIn>
                <AccountDetails />
            </SignedIn>
        </section>
    }
}

#[component]
fn AccountDetails() -> impl IntoView {
    let session = use_session();
    let tokens = request(|| (), |api, ()| async move { api.tokens().await });
    // Outside the list, so reloading the list does not take the secret away before it is copied.
    let (created, set_created) = signal(None::<CreatedToken>);
    let on_created = Callback::new(move |token: CreatedToken| {
        set_created.set(Some(token));
        tokens.refetch();
    });
    let on_revoked = Callback::new(move |()| tokens.refetch());
    view! {
        {move || session.user().map(|user| view! {
            <p class="account-summary">
                "Signed in as " <strong class="account-user">{user.name}</strong> ", "
                {role_description(user.role)} "."
            </p>
        })}
        <h2>"Password"</h2>
        <PasswordForm />
        <h2>"API tokens"</h2>
        <p class="lede">
            "A token lets a script use Lore as you: it sends "
            <code>"Authorization: Bearer <token>"</code>
            ". A read token can only read, whatever your role."
        </p>
        {reloaded(tokens, "Loading your tokens…", "Your tokens did not load.", move |list| {
            view! { <TokenTable tokens=list on_revoked /> }
        })}
        {move || created.get().map(|token| view! {
            <div class="token-created" role="status">
                <p>
                    "Your new token " <strong>{token.token.name}</strong>
                    ". Copy it now: it will not be shown again."
                </p>
                <code class="token-secret">{token.secret}</code>
            </div>
        })}
        <h3>"New token"</h3>
        <NewTokenForm on_created />
    }
}

/// A new password, with the current one as proof. The server ends every other session of the
/// user and answers with a new one for this browser.
#[component]
fn PasswordForm() -> impl IntoView {
    let api = expect_context::<Api>();
    let session = use_session();
    let current = NodeRef::<Input>::new();
    let new = NodeRef::<Input>::new();
    let (failure, set_failure) = signal(None::<String>);
    let (changed, set_changed) = signal(false);
    let (busy, set_busy) = signal(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let change = PasswordChange {
            current_password: input_value(current),
            password: input_value(new),
        };
        set_busy.set(true);
        set_failure.set(None);
        set_changed.set(false);
        let api = api.clone();
        spawn_local(async move {
            match api.change_password(change).await {
                Ok(info) => {
                    session.set(info);
                    set_changed.try_set(true);
                    clear_input(new);
                }
                Err(error) => {
                    set_failure.try_set(Some(error.to_string()));
                }
            }
            clear_input(current);
            set_busy.try_set(false);
        });
    };
    view! {
        <form class="account-form password-form" on:submit=submit>
            <label>
                "Current password"
                <input node_ref=current name="current_password" type="password"
                    autocomplete="current-password" required />
            </label>
            <label>
                "New password (at least 10 characters)"
                <input node_ref=new name="password" type="password" autocomplete="new-password"
                    minlength="10" required />
            </label>
            <FormError message=failure />
            {move || changed.get().then(|| view! {
                <p class="form-message" role="status">
                    "Your password is changed. Every other session of yours has ended."
                </p>
            })}
            <button type="submit" class="primary" disabled=busy>"Change password"</button>
        </form>
    }
}

#[component]
fn TokenTable(tokens: Vec<TokenSummary>, on_revoked: Callback<()>) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="empty">"You have no API tokens."</p> }.into_any();
    }
    view! {
        <table class="account-table tokens-table">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Token"</th>
                    <th scope="col">"Scope"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {tokens.into_iter().map(|token| view! { <TokenRow token on_revoked /> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn TokenRow(token: TokenSummary, on_revoked: Callback<()>) -> impl IntoView {
    let api = expect_context::<Api>();
    let (failure, set_failure) = signal(None::<String>);
    let id = token.id;
    let revoke = move |_| {
        let api = api.clone();
        spawn_local(async move {
            match api.revoke_token(id).await {
                Ok(_) => on_revoked.run(()),
                Err(error) => {
                    set_failure.try_set(Some(format!("Not revoked: {error}")));
                }
            }
        });
    };
    view! {
        <tr data-token=id>
            <td>{token.name.clone()}</td>
            <td><code>{token.hint}</code></td>
            <td>{token.scope.as_str()}</td>
            <td>{readable_time(&token.created_at)}</td>
            <td>{token.expires_at.as_deref().map_or_else(|| "never".to_owned(), readable_time)}</td>
            <td>{token.last_used_at.as_deref().map_or_else(|| "never".to_owned(), readable_time)}</td>
            <td>
                <button type="button" class="revoke danger" on:click=revoke
                    aria-label=format!("Revoke {}", token.name)>
                    "Revoke"
                </button>
                <FormError message=failure />
            </td>
        </tr>
    }
}

#[component]
fn NewTokenForm(on_created: Callback<CreatedToken>) -> impl IntoView {
    let api = expect_context::<Api>();
    let name = NodeRef::<Input>::new();
    let scope = NodeRef::<Select>::new();
    let days = NodeRef::<Input>::new();
    let (failure, set_failure) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let token_name = input_value(name).trim().to_owned();
        if token_name.is_empty() {
            set_failure.set(Some("Name the token after what will use it.".to_owned()));
            return;
        }
        let expires_in_days = match parse_days(&input_value(days)) {
            Ok(days) => days,
            Err(problem) => {
                set_failure.set(Some(problem.to_owned()));
                return;
            }
        };
        let scope = scope
            .get_untracked()
            .and_then(|s| TokenScope::named(&s.value()))
            .unwrap_or(TokenScope::Read);
        let request = NewToken {
            name: token_name,
            scope,
            expires_in_days,
        };
        set_busy.set(true);
        set_failure.set(None);
        let api = api.clone();
        spawn_local(async move {
            match api.create_token(request).await {
                Ok(created) => {
                    if let Some(input) = name.get_untracked() {
                        input.set_value("");
                    }
                    on_created.run(created);
                }
                Err(error) => {
                    set_failure.try_set(Some(error.to_string()));
                }
            }
            set_busy.try_set(false);
        });
    };
    view! {
        <form class="account-form token-form" on:submit=submit>
            <label>
                "Name"
                <input node_ref=name name="name" type="text" placeholder="backup script" required />
            </label>
            <label>
                "Scope"
                <select node_ref=scope name="scope">
                    <option value="read" selected>"read: only reads"</option>
                    <option value="write">"write: everything you may do"</option>
                </select>
            </label>
            <label>
                "Days until it expires (empty: never)"
                <input node_ref=days name="expires_in_days" type="number" min="1" step="1" inputmode="numeric" />
            </label>
            <FormError message=failure />
            <button type="submit" class="primary" disabled=busy>"Create token"</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_timestamp_reads_as_a_date_and_time_in_utc() {
        assert_eq!(
            readable_time("2026-11-26T10:04:00Z"),
            "2026-11-26 10:04:00 UTC"
        );
        assert_eq!(readable_time("2026-11-26"), "2026-11-26");
    }

    #[test]
    fn days_until_expiry_are_a_positive_whole_number_or_nothing() {
        assert_eq!(parse_days(""), Ok(None));
        assert_eq!(parse_days(" 30 "), Ok(Some(30)));
        assert!(parse_days("0").is_err());
        assert!(parse_days("-3").is_err());
        assert!(parse_days("1.5").is_err());
    }
}
