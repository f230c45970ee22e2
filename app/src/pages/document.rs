//! `/notes/:id`: one note, rendered, with its metadata, table of contents, relationships,
//! backlinks and reading path.

use crate::api::Api;
use crate::components::{PageMeta, RelatedList, TagList, loaded, request};
use crate::contract::{DocumentView, NoteAction};
use crate::islands::{use_here, use_navigator};
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use percent_encoding::percent_decode_str;

/// The document page.
#[component]
pub fn DocumentPage() -> impl IntoView {
    let params = use_params_map();
    let document = request(
        move || params.read().get("id").unwrap_or_default(),
        |api, id| async move { api.document(id).await },
    );
    view! {
        {loaded(document, "Loading the note…", "The note did not load.", |doc| view! { <DocumentBody doc /> })}
    }
}

#[component]
fn DocumentBody(doc: DocumentView) -> impl IntoView {
    let summary = doc.summary;
    // Most notes open with their title as `# Title`: the page shows it once, first, above
    // what is known about the note (the body's own heading is hidden by the stylesheet).
    let body_has_title = doc
        .headings
        .first()
        .is_some_and(|h| h.level == 1 && h.text == summary.title);
    let toc: Vec<_> = doc.headings.into_iter().filter(|h| h.level > 1).collect();
    let has_relations = !(doc.cycles.is_empty()
        && doc.reading_path.is_empty()
        && doc.prerequisites.is_empty()
        && doc.successors.is_empty()
        && doc.related.is_empty()
        && doc.backlinks.is_empty());
    // Columns only for what the note has: without contents or relations the body takes
    // their room, rather than a narrow column beside an empty one.
    let layout = format!(
        "document-layout{}{}",
        if toc.is_empty() { "" } else { " with-contents" },
        if has_relations { " with-relations" } else { "" }
    );
    view! {
        <PageMeta
            title=summary.title.clone()
            description=summary.description.clone().unwrap_or_else(|| format!("{}: a note in Lore.", summary.title))
            article=true
        />
        <article class=if body_has_title { "document body-has-title" } else { "document" }>
            <header class="document-header">
                <h1>{summary.title.clone()}</h1>
                {summary.description.map(|d| view! { <p class="description">{d}</p> })}
                <dl class="meta">
                    {summary.collection.map(|c| view! {
                        <dt>"Collection"</dt>
                        <dd><A href=format!("/collections/{}", c.id)>{c.title}</A></dd>
                    })}
                    {doc.author.map(|a| view! { <dt>"Author"</dt><dd>{a}</dd> })}
                    {doc.created_at.map(|d| view! { <dt>"Created"</dt><dd>{d}</dd> })}
                    {summary.updated_at.map(|d| view! { <dt>"Updated"</dt><dd>{d}</dd> })}
                    {doc.version.map(|v| view! { <dt>"Version"</dt><dd>{v}</dd> })}
                </dl>
                <TagList tags=summary.tags />
                <DocumentActions id=summary.id />
            </header>
            <div class=layout>
                {(!toc.is_empty()).then(|| view! {
                    <nav class="toc" aria-label="Contents">
                        <h2>"Contents"</h2>
                        <ul>
                            {toc.into_iter().map(|h| view! {
                                <li class=format!("toc-level-{}", h.level)>
                                    <a href=format!("#{}", h.anchor)>{h.text}</a>
                                </li>
                            }).collect_view()}
                        </ul>
                    </nav>
                })}
                <div class="markdown" inner_html=doc.html></div>
                {has_relations.then(|| view! {
                <aside class="relations" aria-label="Related notes">
                    {(!doc.cycles.is_empty()).then(|| view! {
                        <p class="cycle-warning" role="note">
                            "These prerequisites form a cycle: "
                            {doc.cycles.iter().map(|c| c.join(" → ")).collect::<Vec<_>>().join("; ")}
                        </p>
                    })}
                    <RelatedList title="Reading path" notes=doc.reading_path ordered=true />
                    <RelatedList title="Prerequisites" notes=doc.prerequisites />
                    <RelatedList title="Read next" notes=doc.successors />
                    <RelatedList title="Related" notes=doc.related />
                    <RelatedList title="Linked from" notes=doc.backlinks />
                </aside>
                })}
            </div>
        </article>
    }
}

/// What can be done with the note `id`: edit it and move it to the trash (shown once the
/// browser knows the reader may write; see `session`), read its history, see its Markdown.
/// Also shows the note's current address when it was reached by an old id (it was renamed).
/// An island on reading pages.
#[cfg_attr(feature = "islands", island)]
#[cfg_attr(not(feature = "islands"), component)]
pub fn DocumentActions(id: String) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigator();
    let here = use_here();
    let current = format!("/notes/{id}");
    let shown = id.clone();
    Effect::new(move |_| {
        let (path, _) = untrack(|| here.address());
        let reached_by = path.strip_prefix("/notes/").map(|rest| {
            percent_decode_str(rest.trim_end_matches('/'))
                .decode_utf8_lossy()
                .into_owned()
        });
        if reached_by.is_some_and(|reached_by| reached_by != shown) {
            navigate(&current, true);
        }
    });
    let id = StoredValue::new(id);
    view! {
        <div class="document-actions">
            <Show when=move || session.can_write()>
                <a href=format!("/notes/{}/edit", id.get_value()) class="edit-link">"Edit"</a>
            </Show>
            <a href=format!("/notes/{}/history", id.get_value())>"History"</a>
            <a class="raw-link" href=format!("/api/documents/{}/raw", id.get_value()) rel="external">
                "View Markdown"
            </a>
            <Show when=move || session.can_write()>
                <DeleteButton id=id.get_value() />
            </Show>
        </div>
    }
}

/// Moves the note to the trash, after asking.
#[component]
fn DeleteButton(id: String) -> impl IntoView {
    let api = expect_context::<Api>();
    let navigate = use_navigator();
    let (failure, set_failure) = signal(None::<String>);
    let delete = move |_| {
        let confirmed = window()
            .confirm_with_message("Move this note to the trash? You can restore it from there.")
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        let api = api.clone();
        let navigate = navigate.clone();
        let action = NoteAction { id: id.clone() };
        spawn_local(async move {
            match api.delete(action).await {
                Ok(_) => navigate("/trash", false),
                Err(error) => {
                    set_failure.try_set(Some(error.to_string()));
                }
            }
        });
    };
    view! {
        <button type="button" class="link-button danger" on:click=delete>"Delete"</button>
        {move || failure.get().map(|message| view! { <span class="error-message" role="alert">{message}</span> })}
    }
}
