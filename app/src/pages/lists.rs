//! Pages that list notes: by tag, by collection, and the wanted pages.

use crate::components::{DocumentList, NoteLink, PageMeta, loaded, request};
use crate::contract::DocumentQuery;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// `/tags/*tag`: the notes with one tag (a nested one is `/tags/area/networking`).
#[component]
pub fn TagPage() -> impl IntoView {
    let params = use_params_map();
    let tag = move || params.read().get("tag").unwrap_or_default();
    let documents = request(tag, |api, tag| async move {
        let query = DocumentQuery {
            tag: Some(tag),
            limit: Some(200),
            ..DocumentQuery::default()
        };
        api.documents(query).await
    });
    view! {
        <PageMeta title={move || format!("#{}", tag())} description="Notes in Lore." />
        <section class="listing">
            <h1>{move || format!("#{}", tag())}</h1>
            {loaded(documents, "Loading notes…", "The notes did not load.", |page| view! { <DocumentList documents=page.items /> })}
        </section>
    }
}

/// `/collections/:id`: the notes of one collection.
#[component]
pub fn CollectionPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let documents = request(id, |api, id| async move {
        let query = DocumentQuery {
            collection: Some(id),
            limit: Some(200),
            ..DocumentQuery::default()
        };
        api.documents(query).await
    });
    view! {
        <PageMeta title={move || id()} description="Notes in Lore." />
        <section class="listing">
            {loaded(documents, "Loading notes…", "The notes did not load.", |page| {
                let title = page.items.first().and_then(|d| d.collection.clone()).map(|c| c.title);
                view! {
                    <h1>{title.unwrap_or_else(|| "Empty collection".to_owned())}</h1>
                    <DocumentList documents=page.items />
                }
            })}
        </section>
    }
}

/// `/wanted`: notes that are linked to but not written yet.
#[component]
pub fn WantedListPage() -> impl IntoView {
    let wanted = request(|| (), |api, ()| async move { api.wanted().await });
    view! {
        <PageMeta title="Wanted pages" description="Notes that are referenced but not written yet." />
        <section class="listing">
            <h1>"Wanted pages"</h1>
            <p class="lede">"Referenced by a relationship or a link, but not written yet; and the files notes show that are not there."</p>
            {loaded(wanted, "Loading wanted pages…", "The wanted pages did not load.", |pages| {
                if pages.is_empty() {
                    return view! { <p class="empty">"Every reference resolves. Nothing is wanted."</p> }.into_any();
                }
                let (files, pages): (Vec<_>, Vec<_>) = pages.into_iter().partition(|page| page.file);
                view! {
                    <ul class="wanted-list">
                        {pages.into_iter().map(|page| view! {
                            <li>
                                <A href=format!("/wanted/{}", page.id) attr:class="wanted">{page.id.clone()}</A>
                                " — wanted by "
                                {page.wanted_by.into_iter().map(|by| view! { <NoteLink note=by /> " " }).collect_view()}
                            </li>
                        }).collect_view()}
                    </ul>
                    {(!files.is_empty()).then(|| view! {
                        <h2>"Files shown but not there"</h2>
                        <p>"Import them (beside the notes, or alone) and the notes show them."</p>
                        <ul class="wanted-files">
                            {files.into_iter().map(|file| view! {
                                <li>
                                    <code>{file.id}</code>
                                    " — shown by "
                                    {file.wanted_by.into_iter().map(|by| view! { <NoteLink note=by /> " " }).collect_view()}
                                </li>
                            }).collect_view()}
                        </ul>
                    })}
                }
                .into_any()
            })}
        </section>
    }
}

/// `/wanted/:id`: where a link to a missing note leads.
#[component]
pub fn WantedPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let wanted = request(|| (), |api, ()| async move { api.wanted().await });
    view! {
        <PageMeta title={move || format!("Wanted: {}", id())} description="Notes in Lore." />
        <section class="listing wanted-page">
            <h1>{id}</h1>
            <p class="lede">"This note is not written yet."</p>
            {loaded(wanted, "Loading…", "The wanted pages did not load.", move |pages| {
                let by = pages.into_iter().find(|p| p.id == id()).map(|p| p.wanted_by).unwrap_or_default();
                view! {
                    <p>"Referenced by:"</p>
                    <ul>{by.into_iter().map(|note| view! { <li><NoteLink note /></li> }).collect_view()}</ul>
                    <p><A href="/import">"Import a note with this id"</A></p>
                }
            })}
        </section>
    }
}
