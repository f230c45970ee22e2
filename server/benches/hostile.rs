//! The server under hostile requests, measured (run by `cargo xtask bench`, which quotes its
//! two lines in README):
//!
//! - memory: the process's peak resident size before and after uploading an archive bomb (a
//!   zip of a few kilobytes whose 2,000 entries each unpack to 1 MiB) three times;
//! - liveness: `/api/health` latency when idle, and while diffs of two unrelated 50,000-line
//!   revisions, previews of nesting bombs, a tarball of zeros and page renders that miss the
//!   cache run without pause.
//!
//! The server runs in this process on a runtime of its own with two worker threads, as `lore
//! serve` does on this machine; the requests come from another runtime.

#[path = "../tests/support/bombs.rs"]
mod bombs;
#[path = "../tests/support/serving.rs"]
mod serving;

use server::store::SqliteStore;
use server::{AppState, routes};
use serving::serve_locally;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn main() {
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", data.path().join("hostile.db").display());
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (address, client) = server_runtime.block_on(async {
        let store = SqliteStore::connect(&url).await.expect("a fresh database");
        let state = AppState::new(Arc::new(store), Duration::ZERO);
        let client = serving::writing_client(&state).await;
        (serve_locally(routes::router(state, None)).await, client)
    });
    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    client_runtime.block_on(measure(&client, &address));
}

async fn measure(client: &reqwest::Client, address: &str) {
    for seed in [1, 2] {
        import(
            client,
            address,
            "big.md",
            bombs::long_file(seed, 50_000).into_bytes(),
            200,
        )
        .await;
    }

    let before = peak_memory_mib();
    let bomb = bombs::overlapping_zip(2_000, 1024 * 1024);
    for _ in 0..3 {
        import(client, address, "bomb.zip", bomb.clone(), 413).await;
    }
    let after = peak_memory_mib();
    println!(
        "archive bomb: peak memory {before:.0} MiB before, {after:.0} MiB after three uploads of a {:.0} KB zip that unpacks to 2,000 MiB (each refused with 413)",
        bomb.len() as f64 / 1000.0
    );

    let idle = health_latency(client, address).await;
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let zeros = bombs::tarball_of_zeros(256 * 1024 * 1024);
    let mut load = Vec::new();
    for round in 0..2 {
        let hostile: [(&str, reqwest::RequestBuilder); 4] = [
            (
                "diff",
                client.get(format!("{address}/api/documents/big/diff?from=1&to=2")),
            ),
            (
                "quotes",
                client
                    .post(format!("{address}/api/preview"))
                    .json(&serde_json::json!({ "body": ">".repeat(100_000) })),
            ),
            (
                "divs",
                client
                    .post(format!("{address}/api/preview"))
                    .json(&serde_json::json!({ "body": "<div>".repeat(200_000) })),
            ),
            ("render", client.get(format!("{address}/search"))),
        ];
        for (kind, request) in hostile {
            let (stop, answered) = (stop.clone(), answered.clone());
            load.push(tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let request = request.try_clone().unwrap();
                    // Each search is new, so each page is rendered.
                    let request = if kind == "render" {
                        request.query(&[("q", format!("hostile {round} {n}"))])
                    } else {
                        request
                    };
                    request.send().await.unwrap().bytes().await.unwrap();
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
    }
    {
        let (stop, answered, client, address) = (
            stop.clone(),
            answered.clone(),
            client.clone(),
            address.to_owned(),
        );
        load.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                import(&client, &address, "zeros.tar.gz", zeros.clone(), 413).await;
                answered.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let busy = health_latency(client, address).await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    println!(
        "health under load: idle median {:.2} ms, p99 {:.2} ms; while {} hostile requests ran (diffs of 50,000-line revisions, nesting bombs, renders missing the cache, tarballs of zeros) median {:.2} ms, p99 {:.2} ms",
        idle.0,
        idle.1,
        answered.load(Ordering::Relaxed),
        busy.0,
        busy.1
    );
}

/// Median and 99th percentile, in milliseconds, of 200 `GET /api/health` one after another.
async fn health_latency(client: &reqwest::Client, address: &str) -> (f64, f64) {
    let mut times = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        let status = client
            .get(format!("{address}/api/health"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

/// Uploads one file to `POST /api/import` and checks the status it is answered with.
async fn import(client: &reqwest::Client, address: &str, name: &str, bytes: Vec<u8>, status: u16) {
    let form = reqwest::multipart::Form::new().part(
        "files",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let answer = client
        .post(format!("{address}/api/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), status, "{name}");
}

/// This process's peak resident memory in MiB (`VmHWM`).
fn peak_memory_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024.0
}
