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
//! Then the same first visits over a slow phone's network (chromedriver's network conditions:
//! 1.6 Mbit/s down, 750 kbit/s up, 150 ms per round trip), where the download is what a reader
//! waits for: also the bytes the page transferred and when it became interactive (the
//! `lore:interactive` mark the app sets once the wasm has taken over the page), and the
//! server-rendered page once more with the whole client instead of the reader's (as every
//! page was sent before the writing pages were split off), for the ratio.
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
use chromedriver::{Chromedriver, Network};
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

/// Loads per build.
const LOADS: usize = 15;

/// Reads the paint entries once the note is on screen and, when the script's first argument
/// is true, the page has hydrated. Largest-contentful-paint entries are only given to an
/// observer (buffered: the ones already recorded), asynchronously. Returns FCP, LCP, the
/// `lore:interactive` mark (or null) and the bytes the page and its resources transferred.
const PAINT_TIMINGS: &str = r#"
const done = arguments[arguments.length - 1];
const awaitInteractive = arguments[0];
const interactive = () => performance.getEntriesByName("lore:interactive")[0];
const read = () => {
  let largest = null;
  const observer = new PerformanceObserver((list) => {
    const entries = list.getEntries();
    largest = entries[entries.length - 1].startTime;
  });
  observer.observe({ type: "largest-contentful-paint", buffered: true });
  setTimeout(() => {
    observer.disconnect();
    const first = performance.getEntriesByName("first-contentful-paint")[0];
    const mark = interactive();
    const transferred = performance.getEntriesByType("navigation")
      .concat(performance.getEntriesByType("resource"))
      .reduce((sum, entry) => sum + entry.transferSize, 0);
    done([first ? first.startTime : null, largest, mark ? mark.startTime : null, transferred]);
  }, 200);
};
const waitForInteractive = () => (interactive() ? read() : setTimeout(waitForInteractive, 50));
awaitInteractive ? waitForInteractive() : read();
"#;

/// Loads per build over the slow network (each takes seconds).
const SLOW_LOADS: usize = 5;

/// A slow phone's network, as Lighthouse's mobile preset: 1.6 Mbit/s down, 750 kbit/s up, and
/// 150 ms per round trip.
const SLOW_PHONE: Network = Network {
    latency: Duration::from_millis(150),
    download_bytes_per_second: 200_000,
    upload_bytes_per_second: 93_750,
};

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
    assert!(
        hydrating.reader_output_name.is_some(),
        "no reader's client in LORE_BENCH_HYDRATING's reader/"
    );
    // Before the split, for comparison in the same run: the whole client on every page.
    let whole_everywhere = ClientBundle {
        reader_output_name: None,
        ..hydrating.clone()
    };
    let whole = serve_locally(routes::router(state.clone(), Some(whole_everywhere))).await;
    let rendered = serve_locally(routes::router(state.clone(), Some(hydrating))).await;
    let client_only = serve_locally(client_only(
        state,
        PathBuf::from(setting("LORE_BENCH_CLIENT_ONLY")),
    ))
    .await;

    let urls = [format!("{rendered}{page}"), format!("{client_only}{page}")];
    let [rendered_visits, client_visits] = first_visits(&urls, LOADS, None, false).await;
    let (rendered_fcp, rendered_lcp) = (
        median(&rendered_visits, |v| v.first_paint),
        median(&rendered_visits, |v| v.largest_paint),
    );
    let (client_fcp, client_lcp) = (
        median(&client_visits, |v| v.first_paint),
        median(&client_visits, |v| v.largest_paint),
    );
    println!(
        "first paint of {page}, median of {LOADS} first visits: server-rendered FCP {rendered_fcp:.0} ms, LCP {rendered_lcp:.0} ms; \
         client-only FCP {client_fcp:.0} ms, LCP {client_lcp:.0} ms; FCP ratio {:.2}, LCP ratio {:.2}",
        rendered_fcp / client_fcp,
        rendered_lcp / client_lcp,
    );

    let urls = [
        format!("{rendered}{page}"),
        format!("{client_only}{page}"),
        format!("{whole}{page}"),
    ];
    let [rendered_visits, client_visits, whole_visits] =
        first_visits(&urls, SLOW_LOADS, Some(&SLOW_PHONE), true).await;
    let interactive = |visit: &Visit| visit.interactive.expect("the app marks lore:interactive");
    println!(
        "slow phone (1.6 Mbit/s, 150 ms round trips), {page}, median of {SLOW_LOADS} first visits: \
         server-rendered FCP {:.0} ms, LCP {:.0} ms, interactive {:.0} ms, {:.1} KB transferred; \
         client-only FCP {:.0} ms, LCP {:.0} ms, interactive {:.0} ms, {:.1} KB transferred",
        median(&rendered_visits, |v| v.first_paint),
        median(&rendered_visits, |v| v.largest_paint),
        median(&rendered_visits, interactive),
        median(&rendered_visits, |v| v.transferred) / 1000.0,
        median(&client_visits, |v| v.first_paint),
        median(&client_visits, |v| v.largest_paint),
        median(&client_visits, interactive),
        median(&client_visits, |v| v.transferred) / 1000.0,
    );
    println!(
        "split clients, slow phone, {page}, server-rendered: with the reader's client interactive {:.0} ms, {:.1} KB transferred; \
         with the whole client (before the split) interactive {:.0} ms, {:.1} KB transferred; ratios {:.2} and {:.2}",
        median(&rendered_visits, interactive),
        median(&rendered_visits, |v| v.transferred) / 1000.0,
        median(&whole_visits, interactive),
        median(&whole_visits, |v| v.transferred) / 1000.0,
        median(&rendered_visits, interactive) / median(&whole_visits, interactive),
        median(&rendered_visits, |v| v.transferred) / median(&whole_visits, |v| v.transferred),
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

/// What one first visit measured: milliseconds from the start of navigation, and bytes.
struct Visit {
    first_paint: f64,
    largest_paint: f64,
    interactive: Option<f64>,
    transferred: f64,
}

/// `loads` first visits of each of `urls` (see [`first_visit`]). The pages take turns, so a
/// slow moment of the machine hits them all.
async fn first_visits<const N: usize>(
    urls: &[String; N],
    loads: usize,
    network: Option<&Network>,
    await_interactive: bool,
) -> [Vec<Visit>; N] {
    let mut visits = std::array::from_fn(|_| Vec::new());
    for _ in 0..loads {
        for (url, visits) in urls.iter().zip(&mut visits) {
            visits.push(first_visit(url, network, await_interactive).await);
        }
    }
    visits
}

/// Opens `url` in a new browser with an empty profile, over `network` when given; with
/// `await_interactive`, waits for the page to hydrate before reading its timings.
async fn first_visit(url: &str, network: Option<&Network>, await_interactive: bool) -> Visit {
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
    if let Some(network) = network {
        driver.emulate_network(&browser, network).await;
    }
    browser.goto(url).await.expect("the page loads");
    browser
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css("article.document"))
        .await
        .unwrap_or_else(|e| panic!("{url} never showed the note: {e}"));
    // Let the browser paint what it just put in the document before asking.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let timings = browser
        .execute_async(PAINT_TIMINGS, vec![await_interactive.into()])
        .await
        .expect("paint timings");
    browser.close().await.expect("the session closes");
    let at = |i: usize| {
        timings[i]
            .as_f64()
            .unwrap_or_else(|| panic!("{url}: no timing {i} in {timings}"))
    };
    Visit {
        first_paint: at(0),
        largest_paint: at(1),
        interactive: timings[2].as_f64(),
        transferred: at(3),
    }
}

/// The median of `measure` over `visits`.
fn median(visits: &[Visit], measure: impl Fn(&Visit) -> f64) -> f64 {
    let mut values: Vec<f64> = visits.iter().map(measure).collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
