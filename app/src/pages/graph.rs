//! `/graph`: the whole knowledge base as a picture. Notes are circles (dashed when wanted),
//! relationships and links are lines styled by kind; clicking a note opens it.

use crate::components::{PageMeta, loaded, request};
use crate::contract::{Graph, GraphQuery};
use crate::graph_layout::layout;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 640.0;
/// The most notes the picture shows: past a few hundred it is a hairball, and laying it out
/// (every pair of notes, every round) grows with the square of the number.
const SHOWN: u32 = 300;

/// The graph page.
#[component]
pub fn GraphPage() -> impl IntoView {
    let graph = request(
        || (),
        |api, ()| async move { api.graph(GraphQuery { limit: Some(SHOWN) }).await },
    );
    view! {
        <PageMeta title="Graph" description="Every note in the base and how they connect." />
        <section class="graph-page">
            <h1>"Graph"</h1>
            <p class="legend">
                <span class="legend-prerequisite">"prerequisite"</span>
                <span class="legend-successor">"successor"</span>
                <span class="legend-related">"related"</span>
                <span class="legend-link">"link"</span>
                <span class="legend-wanted">"wanted page"</span>
            </p>
            {loaded(graph, "Loading the graph…", "The graph did not load.", |graph| view! { <GraphView graph /> })}
        </section>
    }
}

#[component]
fn GraphView(graph: Graph) -> impl IntoView {
    let points = layout(&graph, WIDTH, HEIGHT, 40.0);
    let partial = (graph.total > graph.nodes.len() as u64).then(|| {
        view! {
            <p class="graph-partial">
                {format!(
                    "Showing the {} most connected of {} notes and wanted pages.",
                    graph.nodes.len(),
                    graph.total
                )}
            </p>
        }
    });
    let position: std::collections::HashMap<&str, (f64, f64)> = graph
        .nodes
        .iter()
        .zip(&points)
        .map(|(n, p)| (n.id.as_str(), (p.x, p.y)))
        .collect();
    let edges = graph
        .edges
        .iter()
        .filter_map(|e| {
            let (x1, y1) = *position.get(e.source.as_str())?;
            let (x2, y2) = *position.get(e.target.as_str())?;
            Some(view! {
                <line x1=x1 y1=y1 x2=x2 y2=y2 class=format!("edge edge-{}", e.kind.as_str()) />
            })
        })
        .collect_view();
    let navigate = use_navigate();
    let nodes = graph
        .nodes
        .into_iter()
        .zip(points)
        .map(|(node, p)| {
            let href = if node.exists {
                format!("/notes/{}", node.id)
            } else {
                format!("/wanted/{}", node.id)
            };
            let open = {
                let navigate = navigate.clone();
                let href = href.clone();
                move || navigate(&href, Default::default())
            };
            let on_key = {
                let open = open.clone();
                move |event: leptos::ev::KeyboardEvent| {
                    if event.key() == "Enter" {
                        open();
                    }
                }
            };
            let label = node.title.clone();
            view! {
                <g
                    class=if node.exists { "node" } else { "node wanted" }
                    data-id=node.id.clone()
                    tabindex="0"
                    role="link"
                    aria-label=label
                    on:click=move |_| open()
                    on:keydown=on_key
                >
                    <circle cx=p.x cy=p.y r="9" />
                    <text x=p.x + 13.0 y=p.y + 4.0>{node.title}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        {partial}
        <svg class="graph" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label="Graph of notes">
            <g class="edges">{edges}</g>
            <g class="nodes">{nodes}</g>
        </svg>
    }
}
