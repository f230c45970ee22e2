//! Time to first content of a note page in headless Chromium: the page rendered by the server
//! and hydrated by the `hydrate` build, against the client-only (`csr`) build, which sends an
//! empty page, loads the wasm, then asks the API for the note. Both are served by this process,
//! from the same database and code, on loopback, so the difference is the rendering path.
//!
//! Each load is a first visit (a new chromedriver and browser profile: nothing cached), like
//! opening a shared link; the browser has loaded a JSON endpoint of the origin just before, so
//! Chromium starting its page process is not counted. Reported, as medians: `first-contentful-paint` from the Paint Timing
//! API (anything on screen, the header included) and `largest-contentful-paint` (the note).
//!
//! `cargo xtask bench` builds both clients and the database, then runs this with
//! `LORE_BENCH_DATABASE` (an sqlx URL), `LORE_BENCH_HYDRATING` and `LORE_BENCH_CLIENT_ONLY`
//! (trunk's output folders) and `LORE_BENCH_PAGE` (the path of a note page).

#[path = "../tests/support/chromedriver.rs"]
mod chromedriver;
#[path = "../tests/support/serving.rs"]
mod serving;

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use chromedriver::Chromedriver;
use fantoccini::Locator;
use server::client_files::{self, ClientBundle};
use server::store::SqliteStore;
use server::{AppState, routes};
use serving::serve_locally;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Loads per build; the two builds take turns, so a slow moment of the machine hits both.
const LOADS: usize = 15;

/// Reads the paint entries once the note is on screen. Largest-contentful-paint entries are
/// only given to an observer (buffered: the ones already recorded), asynchronously.
const PAINT_TIMINGS: &str = r#"
const done = arguments[arguments.length - 1];
let largest = null;
const observer = new PerformanceObserver((list) => {
  const entries = list.getEntries();
  largest = entries[entries.length - 1].startTime;
});
observer.observe({ type: "largest-contentful-paint", buffered: true });
setTimeout(() => {
  observer.disconnect();
  const first = performance.getEntriesByName("first-contentful-paint")[0];
  done([first ? first.startTime : null, largest]);
}, 200);
"#;

#[tokio::main]
async fn main() {
    let setting = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run `cargo xtask bench`"))
    };
    let page = setting("LORE_BENCH_PAGE");

    let store = SqliteStore::connect(&setting("LORE_BENCH_DATABASE"))
        .await
        .expect("the benchmark's database");
    let state = AppState::new(Arc::new(store), Duration::from_secs(1));
    let hydrating =
        ClientBundle::read(Path::new(&setting("LORE_BENCH_HYDRATING"))).expect("a hydrating build");
    let rendered = serve_locally(routes::router(state.clone(), Some(hydrating))).await;
    let client_only = serve_locally(client_only(
        state,
        PathBuf::from(setting("LORE_BENCH_CLIENT_ONLY")),
    ))
    .await;

    let (mut rendered_paints, mut client_paints) = (Vec::new(), Vec::new());
    for _ in 0..LOADS {
        rendered_paints.push(first_visit(&format!("{rendered}{page}")).await);
        client_paints.push(first_visit(&format!("{client_only}{page}")).await);
    }
    let (rendered_first, rendered_largest) = medians(&rendered_paints);
    let (client_first, client_largest) = medians(&client_paints);
    println!(
        "first paint of {page}, median of {LOADS} first visits: server-rendered FCP {rendered_first:.0} ms, LCP {rendered_largest:.0} ms; \
         client-only FCP {client_first:.0} ms, LCP {client_largest:.0} ms; FCP ratio {:.2}, LCP ratio {:.2}",
        rendered_first / client_first,
        rendered_largest / client_largest,
    );
}

/// The client-only build as it would be deployed: its files (compressed once, as Lore serves
/// its own), `index.html` for every other path (the client routes), and Lore's API under
/// `/api`.
fn client_only(state: AppState, dir: PathBuf) -> Router {
    let api = routes::router(state, None);
    client_files::precompress(&dir).expect("compressed copies of the client-only build");
    let files = ServeDir::new(&dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(dir.join("index.html")));
    Router::new().fallback(move |request: Request| {
        let (api, files) = (api.clone(), files.clone());
        async move {
            if request.uri().path().starts_with("/api/") {
                api.oneshot(request).await.into_response()
            } else {
                files.oneshot(request).await.into_response()
            }
        }
    })
}

/// Opens `url` in a new browser with an empty profile; returns (FCP, LCP) in milliseconds
/// from the start of navigation.
async fn first_visit(url: &str) -> (f64, f64) {
    let driver = Chromedriver::start().await;
    let browser = driver.browser().await;
    // Start the origin's renderer process first, so the numbers are the page's, not Chromium's
    // process start-up; nothing the page needs is fetched (or cached) by this.
    let origin = url::Url::parse(url)
        .expect("a URL")
        .join("/api/health")
        .unwrap();
    browser
        .goto(origin.as_str())
        .await
        .expect("the server answers");
    browser.goto(url).await.expect("the page loads");
    browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("article.document"))
        .await
        .unwrap_or_else(|e| panic!("{url} never showed the note: {e}"));
    // Let the browser paint what it just put in the document before asking.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let timings = browser
        .execute_async(PAINT_TIMINGS, Vec::new())
        .await
        .expect("paint timings");
    browser.close().await.expect("the session closes");
    let at = |i: usize| {
        timings[i]
            .as_f64()
            .unwrap_or_else(|| panic!("{url}: no paint timing {i} in {timings}"))
    };
    (at(0), at(1))
}

fn medians(samples: &[(f64, f64)]) -> (f64, f64) {
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    (
        median(samples.iter().map(|s| s.0).collect()),
        median(samples.iter().map(|s| s.1).collect()),
    )
}
