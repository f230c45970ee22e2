//! `/admin/users`: an admin's view of every account: changing a role, setting a new password,
//! removing an account (after a confirming step), and adding one.
//!
//! Like the account page, built only in the browser for a signed-in admin ([`SignedIn`]): the
//! server's pages are shared by every visitor.

use super::account::readable_time;
use crate::api::Api;
use crate::components::{
    FormError, PageMeta, SignedIn, clear_input, input_value, reloaded, request,
};
use crate::contract::{Credentials, NewUser, Role, UserChange, UserSummary};
use crate::session::use_session;
use leptos::html::{Input, Select};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The users page.
#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <PageMeta title="Users" description="The accounts of this Lore base." />
        <section class="users-page">
            <h1>"Users"</h1>
            <SignedIn admin=true>
                <UserAdmin />
            </SignedIn>
        </section>
    }
}

#[component]
fn UserAdmin() -> impl IntoView {
    let users = request(|| (), |api, ()| async move { api.users().await });
    let on_changed = Callback::new(move |()| users.refetch());
    view! {
        <p class="lede">
            "Readers read every note; editors also change them; admins also manage users. "
            "A new password ends the user's sessions; removing a user also revokes their tokens, "
            "and their revisions keep their name."
        </p>
        {reloaded(users, "Loading the users…", "The users did not load.", move |list| {
            view! { <UserTable users=list on_changed /> }
        })}
        <h2>"Add a user"</h2>
        <NewUserForm on_created=on_changed />
    }
}

#[component]
fn UserTable(users: Vec<UserSummary>, on_changed: Callback<()>) -> impl IntoView {
    view! {
        <table class="account-table users-table">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"New password"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {users.into_iter().map(|user| view! { <UserRow user on_changed /> }).collect_view()}
            </tbody>
        </table>
    }
}

/// The options of a role `<select>`, `selected` on the current one.
fn role_options(current: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|role| {
            view! { <option value=role.as_str() selected=role == current>{role.as_str()}</option> }
        })
        .collect_view()
}

#[component]
fn UserRow(user: UserSummary, on_changed: Callback<()>) -> impl IntoView {
    let api = expect_context::<Api>();
    let session = use_session();
    let name = user.name.clone();
    let is_me = session.user().is_some_and(|me| me.name == name);
    // The role the server has, to put the menu back when a change is refused.
    let role = StoredValue::new(user.role);
    let role_menu = NodeRef::<Select>::new();
    let password = NodeRef::<Input>::new();
    let (message, set_message) = signal(None::<String>);
    let (failure, set_failure) = signal(None::<String>);
    let (confirming, set_confirming) = signal(false);

    let change = {
        let api = api.clone();
        let name = name.clone();
        move |change: UserChange| {
            let api = api.clone();
            let name = name.clone();
            set_message.set(None);
            set_failure.set(None);
            spawn_local(async move {
                let new_password = change.password.is_some();
                match api.update_user(change).await {
                    Ok(changed) => {
                        role.try_set_value(changed.role);
                        set_message.try_set(Some(if new_password {
                            format!("{name} has a new password; their sessions have ended.")
                        } else {
                            format!("{name} is now {}.", changed.role)
                        }));
                        clear_input(password);
                        // An admin who changed their own role may no longer be one.
                        if is_me {
                            session.refresh();
                        }
                    }
                    Err(error) => {
                        set_failure.try_set(Some(error.to_string()));
                        if let (Some(menu), Some(role)) =
                            (role_menu.get_untracked(), role.try_get_value())
                        {
                            menu.set_value(role.as_str());
                        }
                    }
                }
            });
        }
    };
    let change_role = {
        let change = change.clone();
        let name = name.clone();
        move |event| {
            if let Some(new_role) = Role::named(&event_target_value(&event)) {
                change(UserChange {
                    name: name.clone(),
                    role: Some(new_role),
                    password: None,
                });
            }
        }
    };
    let set_password = {
        let name = name.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            let new_password = input_value(password);
            if new_password.is_empty() {
                set_failure.set(Some("Type the new password first.".to_owned()));
                return;
            }
            change(UserChange {
                name: name.clone(),
                role: None,
                password: Some(new_password),
            });
        }
    };
    let remove = {
        let name = name.clone();
        move |_| {
            let api = api.clone();
            let name = name.clone();
            spawn_local(async move {
                match api.remove_user(name).await {
                    Ok(_) => on_changed.run(()),
                    Err(error) => {
                        set_failure.try_set(Some(format!("Not removed: {error}")));
                        set_confirming.try_set(false);
                    }
                }
            });
        }
    };

    let confirm_text = format!("Remove {name}? ");
    view! {
        <tr data-user=name.clone()>
            <th scope="row">
                {name.clone()}
                {is_me.then(|| view! { <span class="badge">"you"</span> })}
            </th>
            <td>
                <select node_ref=role_menu name="role" aria-label=format!("Role of {name}") on:change=change_role>
                    {role_options(user.role)}
                </select>
            </td>
            <td>{readable_time(&user.created_at)}</td>
            <td>
                <form class="inline-form" on:submit=set_password>
                    <input node_ref=password name="new_password" type="password" autocomplete="new-password"
                        aria-label=format!("New password for {name}") />
                    <button type="submit">"Set password"</button>
                </form>
            </td>
            <td class="row-actions">
                // No removing oneself from here: it would end this very session mid-page.
                {(!is_me).then(|| view! {
                    <Show
                        when=move || confirming.get()
                        fallback=move || view! {
                            <button type="button" class="remove danger" on:click=move |_| set_confirming.set(true)>
                                "Remove"
                            </button>
                        }
                    >
                        <span class="confirm" role="group" aria-label="Confirm removal">
                            {confirm_text.clone()}
                            <button type="button" class="confirm-remove danger" on:click=remove.clone()>"Yes, remove"</button>
                            <button type="button" class="cancel" on:click=move |_| set_confirming.set(false)>"Cancel"</button>
                        </span>
                    </Show>
                })}
            </td>
        </tr>
        {move || {
            let text = failure.get().or_else(|| message.get())?;
            let class = if failure.with(Option::is_some) { "form-error" } else { "form-message" };
            Some(view! {
                <tr class="row-message">
                    <td colspan="5"><p class=class role=if class == "form-error" { "alert" } else { "status" }>{text}</p></td>
                </tr>
            })
        }}
    }
}

#[component]
fn NewUserForm(on_created: Callback<()>) -> impl IntoView {
    let api = expect_context::<Api>();
    let name = NodeRef::<Input>::new();
    let password = NodeRef::<Input>::new();
    let role = NodeRef::<Select>::new();
    let (failure, set_failure) = signal(None::<String>);
    let (added, set_added) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let user = NewUser {
            credentials: Credentials {
                name: input_value(name).trim().to_owned(),
                password: input_value(password),
            },
            role: role
                .get_untracked()
                .and_then(|r| Role::named(&r.value()))
                .unwrap_or(Role::Reader),
        };
        if user.credentials.name.is_empty() || user.credentials.password.is_empty() {
            set_failure.set(Some("Give a name and a first password.".to_owned()));
            return;
        }
        set_busy.set(true);
        set_failure.set(None);
        set_added.set(None);
        let api = api.clone();
        spawn_local(async move {
            match api.create_user(user).await {
                Ok(user) => {
                    clear_input(name);
                    clear_input(password);
                    set_added.try_set(Some(format!("Added {}, {}.", user.name, user.role)));
                    on_created.run(());
                }
                Err(error) => {
                    set_failure.try_set(Some(error.to_string()));
                }
            }
            set_busy.try_set(false);
        });
    };
    view! {
        <form class="account-form new-user-form" on:submit=submit>
            <label>
                "Name"
                <input node_ref=name name="name" type="text" autocomplete="off" required />
            </label>
            <label>
                "First password"
                <input node_ref=password name="password" type="password" autocomplete="new-password" required />
            </label>
            <label>
                "Role"
                <select node_ref=role name="role">{role_options(Role::Reader)}</select>
            </label>
            <FormError message=failure />
            {move || added.get().map(|text| view! { <p class="form-message" role="status">{text}</p> })}
            <button type="submit" class="primary" disabled=busy>"Add user"</button>
        </form>
    }
}
