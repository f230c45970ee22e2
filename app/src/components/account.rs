//! The reader's account in the page: the header's [`AccountMenu`] and [`WriterLinks`], and
//! [`SignedIn`], which shows a part of a page only to those it is for.
//!
//! Both draw nothing about the reader until the browser has learnt the session (see
//! [`session`](crate::session)): on the server, and during hydration, the session is unknown.

use super::Loading;
use crate::api::Api;
use crate::contract::{Role, SessionInfo};
use crate::islands::{use_here, use_navigator};
use crate::session::{Session, sign_in_href, use_session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

/// The header's account area: nothing while the session is unknown; a "Sign in" link for an
/// anonymous visitor; the user's name (to their account page) and a "Sign out" button once
/// signed in. Carries the session's state as `data-session`. An island on reading pages.
#[cfg_attr(feature = "islands", island)]
#[cfg_attr(not(feature = "islands"), component)]
pub fn AccountMenu() -> impl IntoView {
    let session = use_session();
    let here = use_here();
    let sign_in = move || {
        let (path, search) = here.address();
        sign_in_href(&path, &search)
    };
    // Rebuilt only when who is signed in changes, not on every refresh that says the same.
    let state = Memo::new(move |_| session.get().map(|info| info.user.map(|u| u.name)));
    view! {
        <div class="account-menu" data-session=move || session.state_name()>
            {move || match state.get() {
                None => ().into_any(),
                Some(None) => view! {
                    <a href=sign_in class="sign-in-link" aria-current=here.marks("/sign-in")>"Sign in"</a>
                }
                .into_any(),
                Some(Some(name)) => view! {
                    <a
                        href="/account"
                        class="account-name"
                        title="Your account and API tokens"
                        aria-current=here.marks("/account")
                    >
                        {name}
                    </a>
                    <SignOutButton session />
                }
                .into_any(),
            }}
        </div>
    }
}

/// The header's links to the pages for writers (import, trash, a new note) and admins (users),
/// shown once the browser knows the reader may use them: the server refuses the others anyway.
/// An island on reading pages.
#[cfg_attr(feature = "islands", island)]
#[cfg_attr(not(feature = "islands"), component)]
pub fn WriterLinks() -> impl IntoView {
    let session = use_session();
    let here = use_here();
    view! {
        <Show when=move || session.can_write()>
            <a href="/import" aria-current=here.marks("/import")>"Import"</a>
            <a href="/trash" aria-current=here.marks("/trash")>"Trash"</a>
            <a href="/new" class="new-note" aria-current=here.marks("/new")>"New note"</a>
        </Show>
        <Show when=move || session.is_admin()>
            <a href="/admin/users" aria-current=here.marks("/admin/users")>"Users"</a>
        </Show>
    }
}

/// Ends the session, then goes home (to the sign-in page on a private base, where home would
/// only send an anonymous visitor there).
#[component]
fn SignOutButton(session: Session) -> impl IntoView {
    let api = expect_context::<Api>();
    let navigate = use_navigator();
    let (failure, set_failure) = signal(None::<String>);
    let sign_out = move |_| {
        let api = api.clone();
        let navigate = navigate.clone();
        spawn_local(async move {
            match api.sign_out().await {
                Ok(info) => {
                    let home = if info.public_read { "/" } else { "/sign-in" };
                    session.set(info);
                    navigate(home, false);
                }
                Err(error) => {
                    set_failure.try_set(Some(format!("Not signed out: {error}")));
                }
            }
        });
    };
    view! {
        <button type="button" class="sign-out" on:click=sign_out>"Sign out"</button>
        {move || failure.get().map(|message| view! { <span class="form-error" role="alert">{message}</span> })}
    }
}

/// Whom a part of a page is shown to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    /// The session is not known yet.
    Unknown,
    /// An anonymous visitor.
    SignedOut,
    /// A signed-in user without the role the part needs.
    NotAllowed,
    /// Shown.
    Allowed,
}

fn gate(info: Option<&SessionInfo>, admin: bool) -> Gate {
    match info.map(|i| i.user.as_ref()) {
        None => Gate::Unknown,
        Some(None) => Gate::SignedOut,
        Some(Some(user)) if admin && user.role != Role::Admin => Gate::NotAllowed,
        Some(Some(_)) => Gate::Allowed,
    }
}

/// Shows `children` to a signed-in user (with `admin`, to an admin only), and otherwise says
/// why not. The children are built only in the browser, once the session is known, so what
/// they load (a user's tokens, the list of users) is never part of a shared server-rendered
/// page.
#[component]
pub fn SignedIn(
    /// Only for admins.
    #[prop(optional)]
    admin: bool,
    /// What is shown.
    children: ChildrenFn,
) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    // A memo, so a refresh that changes nothing relevant does not rebuild the children (and
    // lose what they show, such as a token's secret).
    let state = Memo::new(move |_| session.with(|info| gate(info, admin)));
    move || match state.get() {
        Gate::Unknown => view! { <Loading label="Checking who you are…" /> }.into_any(),
        Gate::SignedOut => {
            let href = sign_in_href(
                &location.pathname.get_untracked(),
                &location.search.get_untracked(),
            );
            view! {
                <p class="notice sign-in-needed">
                    "This page is for signed-in users. "
                    <A href=href>"Sign in"</A>
                </p>
            }
            .into_any()
        }
        Gate::NotAllowed => view! {
            <p class="notice not-allowed">"Only admins manage users."</p>
        }
        .into_any(),
        Gate::Allowed => children().into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::UserSummary;

    fn as_role(role: Option<Role>) -> SessionInfo {
        SessionInfo {
            user: role.map(|role| UserSummary {
                name: "ada".into(),
                role,
                created_at: "2026-01-01T00:00:00Z".into(),
            }),
            public_read: true,
            needs_setup: false,
        }
    }

    #[test]
    fn a_part_for_signed_in_users_waits_for_the_session_and_shows_to_any_role() {
        assert_eq!(gate(None, false), Gate::Unknown);
        assert_eq!(gate(Some(&as_role(None)), false), Gate::SignedOut);
        assert_eq!(
            gate(Some(&as_role(Some(Role::Reader))), false),
            Gate::Allowed
        );
    }

    #[test]
    fn a_part_for_admins_is_not_shown_to_an_editor() {
        assert_eq!(
            gate(Some(&as_role(Some(Role::Editor))), true),
            Gate::NotAllowed
        );
        assert_eq!(gate(Some(&as_role(Some(Role::Admin))), true), Gate::Allowed);
        assert_eq!(gate(Some(&as_role(None)), true), Gate::SignedOut);
    }
}
