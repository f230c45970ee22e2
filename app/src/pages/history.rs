//! `/notes/:id/history` and `/trash`: a note's revisions with what each changed, restoring an
//! old one, and bringing back deleted notes.

use crate::api::Api;
use crate::components::{PageMeta, loaded, request};
use crate::contract::{Change, DiffQuery, NoteAction, RestoreRevision, RevisionSummary};
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

/// The history page: every revision, newest first; the changes of the chosen one against the
/// one before it; and a button to make an old revision current again.
#[component]
pub fn HistoryPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let revisions = request(id, |api, id| async move { api.revisions(id).await });
    view! {
        <PageMeta title={move || format!("History of {}", id())} description="The history of a note in Lore." />
        <section class="history">
            <h1>"History of " <A href=move || format!("/notes/{}", id())>{id}</A></h1>
            {loaded(revisions, "Loading the history…", "The history did not load.", move |revisions| {
                view! { <Revisions id=id() revisions /> }
            })}
        </section>
    }
}

#[component]
fn Revisions(id: String, revisions: Vec<RevisionSummary>) -> impl IntoView {
    let api = expect_context::<Api>();
    let navigate = use_navigate();
    let latest = revisions.first().map_or(0, |r| r.number);
    let (chosen, set_chosen) = signal(latest);
    let (failure, set_failure) = signal(None::<String>);
    let session = use_session();
    let diff = {
        let id = id.clone();
        request(
            move || chosen.get(),
            move |api, to| {
                let query = DiffQuery {
                    id: id.clone(),
                    from: to.saturating_sub(1),
                    to,
                };
                async move { api.diff(query).await }
            },
        )
    };
    let restore = move |number: u64| {
        let api = api.clone();
        let navigate = navigate.clone();
        let id = id.clone();
        spawn_local(async move {
            let request = RestoreRevision {
                id: id.clone(),
                number,
                base_revision: latest,
            };
            match api.restore_revision(request).await {
                Ok(saved) => navigate(&format!("/notes/{}", saved.id), Default::default()),
                Err(error) => {
                    set_failure.try_set(Some(error.to_string()));
                }
            }
        });
    };
    view! {
        {move || failure.get().map(|message| view! { <p class="error-notice" role="alert">{message}</p> })}
        <div class="history-layout">
            <ol class="revisions" reversed>
                {revisions.into_iter().map(|revision| {
                    let number = revision.number;
                    let restore = restore.clone();
                    view! {
                        <li class:chosen=move || chosen.get() == number data-revision=number>
                            <button type="button" class="link-button" on:click=move |_| set_chosen.set(number)>
                                {format!("Revision {number}")}
                            </button>
                            <span class="revision-meta">
                                {format!(" · {} · {}", revision.author, revision.created_at.replace('T', " ").trim_end_matches('Z'))}
                            </span>
                            <p class="revision-summary">{revision.summary}</p>
                            {(number != latest).then(|| view! {
                                <Show when=move || session.can_write()>
                                    <button type="button" class="restore" on:click={
                                        let restore = restore.clone();
                                        move |_| restore(number)
                                    }>
                                        "Restore this version"
                                    </button>
                                </Show>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ol>
            <div class="diff-view">
                {loaded(diff, "Comparing…", "The changes did not load.", |diff| {
                    let title = if diff.from == 0 {
                        "The first version".to_owned()
                    } else {
                        format!("Changes from revision {} to {}", diff.from, diff.to)
                    };
                    view! {
                        <h2>{title}</h2>
                        {diff.hunks.is_empty().then(|| view! { <p>"Nothing changed in the file."</p> })}
                        {diff.hunks.into_iter().map(|hunk| view! {
                            <pre class="diff">
                                {hunk.into_iter().map(|line| {
                                    let (class, mark) = match line.change {
                                        Change::Same => ("same", ' '),
                                        Change::Removed => ("removed", '-'),
                                        Change::Added => ("added", '+'),
                                    };
                                    view! { <span class=format!("diff-line {class}")>{format!("{mark} {}\n", line.text)}</span> }
                                }).collect_view()}
                            </pre>
                        }).collect_view()}
                        {diff.truncated.then(|| view! {
                            <p class="diff-truncated">"The rest of the changes are too long to show here."</p>
                        })}
                    }
                })}
            </div>
        </div>
    }
}

/// `/trash`: deleted notes, with a button to bring each back.
#[component]
pub fn TrashPage() -> impl IntoView {
    let trash = request(|| (), |api, ()| async move { api.trash().await });
    view! {
        <PageMeta title="Trash" description="Deleted notes, kept with their history until restored." />
        <section class="listing trash">
            <h1>"Trash"</h1>
            <p>"Deleted notes keep their history. Restoring one brings it back as it was, as a new revision."</p>
            {loaded(trash, "Loading the trash…", "The trash did not load.", move |notes| {
                if notes.is_empty() {
                    return view! { <p class="empty">"The trash is empty."</p> }.into_any();
                }
                view! {
                    <ul class="document-list">
                        {notes.into_iter().map(|note| view! { <TrashEntry id=note.id title=note.title
                            deleted=format!("deleted by {} on {}", note.deleted_by, note.deleted_at.replace('T', " ").trim_end_matches('Z')) /> }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}

#[component]
fn TrashEntry(id: String, title: String, deleted: String) -> impl IntoView {
    let api = expect_context::<Api>();
    let navigate = use_navigate();
    let (failure, set_failure) = signal(None::<crate::api::ClientError>);
    let session = use_session();
    let restore = move |_| {
        let api = api.clone();
        let navigate = navigate.clone();
        let action = NoteAction { id: id.clone() };
        spawn_local(async move {
            match api.undelete(action).await {
                Ok(saved) => navigate(&format!("/notes/{}", saved.id), Default::default()),
                Err(error) => {
                    set_failure.try_set(Some(error));
                }
            }
        });
    };
    view! {
        <li>
            <strong>{title}</strong>
            <span class="revision-meta">{format!(" · {deleted}")}</span>
            <Show when=move || session.can_write()>
                <button type="button" class="restore" on:click=restore.clone()>"Restore"</button>
            </Show>
            {move || failure.get().map(|error| view! {
                <p class="error-message" role="alert">{format!("The note was not restored: {error}")}</p>
            })}
        </li>
    }
}
