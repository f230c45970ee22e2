//! `/search?q=`: all results for a query, as a page of its own (Enter in the search box, or a
//! shared link).

use crate::components::{PageMeta, TagList, loaded, request};
use crate::contract::SearchQuery;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// The search results page.
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let results = request(q, |api, q| async move {
        let request = SearchQuery {
            q,
            limit: Some(50),
            ..SearchQuery::default()
        };
        api.search(request).await
    });
    view! {
        <PageMeta title={move || format!("Search: {}", q())} description="Search results in Lore." />
        <section class="listing search-page">
            <h1>{move || format!("Search: {}", q())}</h1>
            {loaded(results, "Searching…", "The search failed.", |found| view! {
                {found.did_you_mean.map(|fixed| view! { <p class="did-you-mean">"Showing results for " <em>{fixed}</em></p> })}
                {if found.hits.is_empty() {
                    view! { <p class="empty">"No notes match."</p> }.into_any()
                } else {
                    view! {
                        <ul class="document-list">
                            {found.hits.into_iter().map(|hit| view! {
                                <li>
                                    <A href=format!("/notes/{}", hit.document.id) attr:class="document-title">{hit.document.title}</A>
                                    <p class="search-hit-snippet" inner_html=hit.snippet></p>
                                    <TagList tags=hit.document.tags />
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            })}
        </section>
    }
}
