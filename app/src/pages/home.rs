//! `/`: the three tiers, shown working. The page asks the API server for its greeting and for
//! the state of the database tier, and shows each answer, or the reason it did not come.

use crate::api::Api;
use crate::components::{ErrorNotice, Loading};
use leptos::prelude::*;

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let api = expect_context::<Api>();
    let greeting = {
        let api = api.clone();
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.hello().await }
        })
    };
    let readiness = LocalResource::new(move || {
        let api = api.clone();
        async move { api.ready().await }
    });

    view! {
        <section class="hero">
            <h1>"Lore"</h1>
            <p class="lede">
                "Technical notes in Markdown, served by a Rust API and read in a Rust client."
            </p>
        </section>
        <section class="tiers" aria-label="The three tiers">
            <article class="tier">
                <h2>"Browser"</h2>
                <p>"This page: Leptos compiled to WebAssembly."</p>
            </article>
            <article class="tier">
                <h2>"API server"</h2>
                <Suspense fallback=|| view! { <Loading label="Asking the server for a greeting…" /> }>
                    {move || Suspend::new(async move {
                        match greeting.await {
                            Ok(hello) => view! { <p class="greeting">{hello.text}</p> }.into_any(),
                            Err(error) => view! {
                                <ErrorNotice
                                    title="The greeting did not arrive."
                                    error
                                    on_retry=move |_| greeting.refetch()
                                />
                            }
                            .into_any(),
                        }
                    })}
                </Suspense>
            </article>
            <article class="tier">
                <h2>"Database"</h2>
                <Suspense fallback=|| view! { <Loading label="Checking the database…" /> }>
                    {move || Suspend::new(async move {
                        match readiness.await {
                            Ok(ready) => view! {
                                <p class="database-ready">{format!("{} is {}", ready.database, ready.status)}</p>
                            }
                            .into_any(),
                            Err(error) => view! {
                                <ErrorNotice
                                    title="The database tier is not ready."
                                    error
                                    on_retry=move |_| readiness.refetch()
                                />
                            }
                            .into_any(),
                        }
                    })}
                </Suspense>
            </article>
        </section>
    }
}
