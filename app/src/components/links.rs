//! Links to notes, tags and collections, drawn the same way on every page.

use crate::contract::{DocumentSummary, Related, tag_page};
use leptos::prelude::*;
use leptos_router::components::A;

/// A link to a note, or to its wanted page when it does not exist yet.
#[component]
pub fn NoteLink(
    /// The note.
    note: Related,
) -> impl IntoView {
    if note.exists {
        view! { <A href=format!("/notes/{}", note.id)>{note.title}</A> }.into_any()
    } else {
        view! {
            <A href=format!("/wanted/{}", note.id) attr:class="wanted" attr:title="Not written yet">
                {note.title}
            </A>
        }
        .into_any()
    }
}

/// A heading and a list of related notes; nothing at all when the list is empty.
#[component]
pub fn RelatedList(
    /// The section's title.
    title: &'static str,
    /// The notes.
    notes: Vec<Related>,
    /// Number the list (for the reading path).
    #[prop(optional)]
    ordered: bool,
) -> impl IntoView {
    (!notes.is_empty()).then(|| {
        let items = notes
            .into_iter()
            .map(|note| view! { <li><NoteLink note /></li> })
            .collect_view();
        let list = if ordered {
            view! { <ol>{items}</ol> }.into_any()
        } else {
            view! { <ul>{items}</ul> }.into_any()
        };
        view! {
            <section class="related-list">
                <h2>{title}</h2>
                {list}
            </section>
        }
    })
}

/// Tags as links to their pages.
#[component]
pub fn TagList(
    /// The tags.
    tags: Vec<String>,
) -> impl IntoView {
    view! {
        <ul class="tags">
            {tags
                .into_iter()
                .map(|tag| view! { <li><A href=tag_page(&tag)>{format!("#{tag}")}</A></li> })
                .collect_view()}
        </ul>
    }
}

/// A list of documents with their descriptions and tags.
#[component]
pub fn DocumentList(
    /// The documents.
    documents: Vec<DocumentSummary>,
) -> impl IntoView {
    if documents.is_empty() {
        return view! { <p class="empty">"No notes here yet."</p> }.into_any();
    }
    view! {
        <ul class="document-list">
            {documents
                .into_iter()
                .map(|doc| {
                    view! {
                        <li>
                            <A href=format!("/notes/{}", doc.id) attr:class="document-title">{doc.title}</A>
                            {doc.draft.then(|| view! { <span class="badge">"draft"</span> })}
                            {doc.description.map(|d| view! { <p class="description">{d}</p> })}
                            <TagList tags=doc.tags />
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
