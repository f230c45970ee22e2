//! `/architecture`: the path each of the reader's recent requests took, browser -> nginx ->
//! replica -> database, with each tier's time and the replica that answered; live while they
//! click around (see [`crate::request_log`]). Rendered on the server like every page, with an
//! empty list: only the browser knows what it measured, so the rows appear once it takes over.

use crate::api::Api;
use crate::components::{PageMeta, loaded, request};
use crate::contract::DocumentQuery;
use crate::request_log::{RequestLog, TimedRequest};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The architecture page.
#[component]
pub fn ArchitecturePage() -> impl IntoView {
    let log = expect_context::<RequestLog>();
    let api = expect_context::<Api>();
    let requests = Memo::new(move |_| log.requests());
    let readiness = request(|| (), |api, ()| async move { api.ready().await });
    let balanced = move || requests.with(|all| all.iter().any(|r| r.balancer.is_some()));
    let replicas = move || {
        let mut served: BTreeMap<String, usize> = BTreeMap::new();
        for request in requests.get() {
            *served
                .entry(request.replica.unwrap_or_else(|| "unnamed".to_owned()))
                .or_default() += 1;
        }
        served
    };
    let rows = move || {
        requests
            .get()
            .into_iter()
            .enumerate()
            .collect::<Vec<(usize, TimedRequest)>>()
    };
    let send_reads = move |_| {
        for _ in 0..10 {
            let api = api.clone();
            leptos::task::spawn_local(async move {
                let query = DocumentQuery {
                    limit: Some(5),
                    ..DocumentQuery::default()
                };
                // Only the timing matters here; a failure shows as a row like any other.
                let _ = api.documents(query).await;
            });
        }
    };

    view! {
        <PageMeta
            title="How Lore answered you"
            description="The path of your recent requests through the tiers, with each tier's time."
        />
        <section class="architecture">
            <h1>"How Lore answered you"</h1>
            <p class="lede">
                "Each request this page's browser made, tier by tier: what the network and the "
                "browser took, what the load balancer waited, what the replica did itself, "
                "rendering a page, and the database's statements. The server says its part in "
                "each answer's " <code>"Server-Timing"</code> " header; the browser measures the "
                "rest."
            </p>
            <ol class="tier-path" aria-label="The tiers">
                <li class="tier">
                    <h2>"Browser"</h2>
                    <p>"Leptos in WebAssembly"</p>
                </li>
                <li class="tier">
                    <h2>"Load balancer"</h2>
                    <p class="balancer">
                        {move || if balanced() { "nginx" } else { "none seen: the replica answers directly" }}
                    </p>
                </li>
                <li class="tier">
                    <h2>"Replicas"</h2>
                    <ul class="replicas">
                        <For
                            each=replicas
                            key=|(name, count)| (name.clone(), *count)
                            children=|(name, count)| {
                                view! {
                                    <li>
                                        <span class="replica-name">{name}</span>
                                        {format!(" answered {count}")}
                                    </li>
                                }
                            }
                        />
                    </ul>
                </li>
                <li class="tier">
                    <h2>"Database"</h2>
                    {loaded(
                        readiness,
                        "Asking which engine…",
                        "The database is not ready.",
                        |ready| view! { <p class="engine">{ready.database}</p> },
                    )}
                </li>
            </ol>
            <p>
                <button type="button" class="send-reads" on:click=send_reads>
                    "Send ten reads"
                </button>
                " and watch them spread over the replicas."
            </p>
            {move || match log.visible.get() {
                None => view! { <p class="hint">"Waiting for the browser's measurements…"</p> }.into_any(),
                Some(false) => view! {
                    <p class="hint">
                        "This browser hides servers' timings on pages not served over HTTPS."
                    </p>
                }
                .into_any(),
                Some(true) => ().into_any(),
            }}
            <table class="requests">
                <thead>
                    <tr>
                        <th scope="col">"Request"</th>
                        <th scope="col">"Replica"</th>
                        <th scope="col">"Cache"</th>
                        <th scope="col">"Where the time went"</th>
                        <th scope="col" class="number">"ms"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=rows
                        key=|(n, request)| (*n, request.path.clone(), request.browser.to_bits())
                        children=|(_, request)| view! { <RequestRow request=request /> }
                    />
                </tbody>
            </table>
        </section>
    }
}

/// One request: its tiers as a bar, each part as wide as its share of the time.
#[component]
fn RequestRow(request: TimedRequest) -> impl IntoView {
    let segments = request.segments();
    let whole: f64 = segments.iter().map(|s| s.ms).sum::<f64>().max(0.001);
    let parts: Vec<String> = segments
        .iter()
        .map(|s| format!("{} {:.1}", s.tier, s.ms))
        .collect();
    view! {
        <tr class="request">
            <td class="request-path"><code>{request.path.clone()}</code></td>
            <td class="replica-name">{request.replica.clone().unwrap_or_default()}</td>
            <td>{request.cache.clone().unwrap_or_default()}</td>
            <td>
                <div class="time-bar" role="img" aria-label=parts.join(", ") title=parts.join(", ")>
                    {segments
                        .into_iter()
                        .map(|segment| {
                            // Set through the CSSOM (`style:`), which the pages' Content-Security-
                            // Policy allows; a `style` attribute it would refuse.
                            let width = format!("{:.2}%", 100.0 * segment.ms / whole);
                            view! {
                                <span class=format!("tier-{}", segment.tier) style:width=width></span>
                            }
                        })
                        .collect_view()}
                </div>
                <span class="tier-times">{parts.join(" · ")}</span>
            </td>
            <td class="number">{format!("{:.1}", request.browser)}</td>
        </tr>
    }
}
