//! How long a save takes as the base grows (run by `cargo xtask bench`, which quotes its line in
//! README): the same edit of the same note (`note-00505`, generated alike in both corpora),
//! saved one after another, on a base of 1,000 notes and on one of 10,000, on the engine the two database URLs name (`LORE_BENCH_SAVES=URL_1000|URL_10000`).
//! A save resolves only the references of the note it saves, so the two should take about as
//! long; a save that read the whole base would take ten times longer on the larger one.

#[path = "../tests/support/serving.rs"]
mod serving;

use app::contract::{EditableNote, UpdateNote};
use server::{AppState, routes};
use serving::{serve_locally, writing_client};
use std::time::{Duration, Instant};

/// Saves measured on each base, after a few not counted.
const SAVES: usize = 60;
const WARM_UP: usize = 5;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let urls = std::env::var("LORE_BENCH_SAVES")
        .expect("LORE_BENCH_SAVES is not set: run `cargo xtask bench`");
    let (small, large) = urls.split_once('|').expect("two database URLs");
    let mut kind = String::new();
    let mut lines = Vec::new();
    for (url, notes, note) in [(small, 1_000, "note-00505"), (large, 10_000, "note-00505")] {
        let store = server::store::connect(url, &Default::default())
            .await
            .expect("the benchmark's database");
        kind = store.kind().to_owned();
        let state = AppState::new(store, Duration::from_millis(250));
        let client = writing_client(&state).await;
        let address = serve_locally(routes::router(state, None)).await;
        let (median, p95) = save_latency(&client, &address, note).await;
        lines.push((notes, median, p95));
    }
    println!(
        "saves on {kind}: 1,000 notes median {:.2} ms, p95 {:.2} ms; 10,000 notes median {:.2} ms, p95 {:.2} ms; ratio of medians {:.2}",
        lines[0].1,
        lines[0].2,
        lines[1].1,
        lines[1].2,
        lines[1].1 / lines[0].1
    );
}

/// Median and 95th percentile in milliseconds of `PUT /api/documents/{note}`, each on the
/// revision the editor just read, each changing one line of the body.
async fn save_latency(client: &reqwest::Client, address: &str, note: &str) -> (f64, f64) {
    let mut times = Vec::new();
    for round in 0..WARM_UP + SAVES {
        let editable: EditableNote = client
            .get(format!("{address}/api/documents/{note}/edit"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut draft = editable.draft.clone();
        draft.body = format!("{}\nEdit {round}.\n", draft.body.trim_end());
        let save = UpdateNote {
            id: note.to_owned(),
            base_revision: editable.revision,
            draft,
            summary: String::new(),
        };
        let started = Instant::now();
        let response = client
            .put(format!("{address}/api/documents/{note}"))
            .json(&save)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        if round >= WARM_UP {
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[times.len() * 95 / 100])
}
