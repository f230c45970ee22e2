//! `/`: the three tiers shown working, then the knowledge base: its collections, the most
//! recently updated notes and its tags.

use crate::components::{DocumentList, PageMeta, loaded, request};
use crate::contract::{DocumentQuery, DocumentSort, tag_page};
use leptos::prelude::*;
use leptos_router::components::A;

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let greeting = request(|| (), |api, ()| async move { api.hello().await });
    let readiness = request(|| (), |api, ()| async move { api.ready().await });
    let collections = request(|| (), |api, ()| async move { api.collections().await });
    let tags = request(|| (), |api, ()| async move { api.tags().await });
    let recent = request(
        || (),
        |api, ()| async move {
            let query = DocumentQuery {
                sort: Some(DocumentSort::Updated),
                limit: Some(8),
                ..DocumentQuery::default()
            };
            api.documents(query).await
        },
    );

    view! {
        <PageMeta title="" description="Lore: a self-hosted knowledge base for technical notes in Markdown." />
        <section class="hero">
            <h1>"Lore"</h1>
            <p class="lede">
                "Technical notes in Markdown, served by a Rust API and read in a Rust client."
            </p>
        </section>
        <section class="tiers" aria-label="The three tiers">
            <article class="tier">
                <h2>"Browser"</h2>
                <p>"This page: Leptos, rendered by the server, its search box and menus made live by WebAssembly."</p>
            </article>
            <article class="tier">
                <h2>"API server"</h2>
                {loaded(
                    greeting,
                    "Asking the server for a greeting…",
                    "The greeting did not arrive.",
                    |hello| view! { <p class="greeting">{hello.text}</p> },
                )}
            </article>
            <article class="tier">
                <h2>"Database"</h2>
                {loaded(
                    readiness,
                    "Checking the database…",
                    "The database tier is not ready.",
                    |ready| {
                        view! {
                            <p class="database-ready">
                                {format!("{} is {}", ready.database, ready.status)}
                            </p>
                        }
                    },
                )}
            </article>
        </section>
        <div class="home-columns">
            <section class="recent" aria-labelledby="recent-title">
                <h2 id="recent-title">"Recently updated"</h2>
                {loaded(
                    recent,
                    "Loading notes…",
                    "The notes did not load.",
                    |page| view! { <DocumentList documents=page.items /> },
                )}
            </section>
            <aside class="browse">
                <h2>"Collections"</h2>
                {loaded(
                    collections,
                    "Loading collections…",
                    "The collections did not load.",
                    |collections| {
                        view! {
                            <ul class="collections">
                                {collections
                                    .into_iter()
                                    .map(|c| {
                                        view! {
                                            <li>
                                                <A href=format!("/collections/{}", c.id)>{c.title}</A>
                                                <span class="count">{c.count}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                    },
                )}
                <h2>"Tags"</h2>
                {loaded(
                    tags,
                    "Loading tags…",
                    "The tags did not load.",
                    |tags| {
                        view! {
                            <ul class="tags">
                                {tags
                                    .into_iter()
                                    .map(|t| {
                                        view! {
                                            <li>
                                                <A href=tag_page(&t.tag)>{format!("#{}", t.tag)}</A>
                                                <span class="count">{t.count}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                    },
                )}
            </aside>
        </div>
    }
}
