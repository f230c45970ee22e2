//! What accounts cost (run by `cargo xtask bench`, which quotes its line in README): reading a
//! note as an anonymous visitor, as a signed-in user (session cookie) and with an API token, with
//! the same load generator (wrk) against the same server, as requests per second and ratios;
//! and how long signing in takes (argon2id at OWASP's parameters dominates it).
//!
//! An anonymous request reads nothing to find who it is; a signed-in one reads its session (or
//! token) joined to its user, one indexed row, on every request, so that a sign-out or a role
//! change counts at once on every replica.

#[path = "../tests/support/serving.rs"]
mod serving;

use app::contract::{Credentials, NewToken, NewUser, Role, TokenScope};
use server::service::{Actor, Service};
use server::store::SqliteStore;
use server::{AppState, routes};
use serving::serve_locally;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The bench account's password.
const PASSWORD: &str = "a password for benchmarks";

/// Sign-ins timed, one after another.
const SIGN_INS: usize = 20;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", data.path().join("accounts.db").display());
    let store = SqliteStore::connect(&url).await.expect("a fresh database");
    let state = AppState::new(Arc::new(store), Duration::from_millis(250));
    let operator = Service::new(state.clone(), Actor::Operator);
    operator.load_demo_if_empty().await.expect("the demo notes");
    operator
        .add_user(&NewUser {
            credentials: Credentials {
                name: "bench".to_owned(),
                password: PASSWORD.to_owned(),
            },
            role: Role::Reader,
        })
        .await
        .expect("the bench account");
    let token = operator
        .create_token_of(
            "bench",
            &NewToken {
                name: "reads".to_owned(),
                scope: TokenScope::Read,
                expires_in_days: Some(1),
            },
        )
        .await
        .expect("a read token")
        .secret;
    let address = serve_locally(routes::router(state, None)).await;

    let client = reqwest::Client::new();
    let mut times = Vec::new();
    let mut cookie = String::new();
    for _ in 0..SIGN_INS {
        let started = Instant::now();
        let response = client
            .post(format!("{address}/api/session"))
            .json(&serde_json::json!({"name": "bench", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(response.status(), 200);
        cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
    }
    times.sort_by(f64::total_cmp);

    let rate = |path: &str, header: Option<String>| {
        let url = format!("{address}{path}");
        // Warm the caches and connections first, as the reading benchmark does.
        wrk(&url, header.as_deref(), "1s");
        wrk(&url, header.as_deref(), "5s")
    };
    let document = "/api/documents/proxy";
    let anonymous = rate(document, None);
    let signed_in = rate(document, Some(format!("Cookie: {cookie}")));
    let by_token = rate(document, Some(format!("Authorization: Bearer {token}")));
    let page = "/notes/proxy";
    let page_anonymous = rate(page, None);
    let page_signed_in = rate(page, Some(format!("Cookie: {cookie}")));
    println!(
        "accounts: GET {document} anonymous {anonymous:.0} req/s, signed in {signed_in:.0} (ratio {:.2}), read token {by_token:.0} (ratio {:.2}); \
         GET {page} anonymous {page_anonymous:.0} req/s, signed in {page_signed_in:.0} (ratio {:.2}); \
         sign-in (argon2id m=19456 KiB, t=2, p=1) median {:.0} ms, p95 {:.0} ms",
        signed_in / anonymous,
        by_token / anonymous,
        page_signed_in / page_anonymous,
        times[SIGN_INS / 2],
        times[SIGN_INS * 95 / 100],
    );
}

/// Requests per second from wrk (2 threads, 32 connections) with an optional extra header;
/// any non-2xx answer fails the benchmark.
fn wrk(url: &str, header: Option<&str>, duration: &str) -> f64 {
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c32", "-d", duration]);
    if let Some(header) = header {
        command.args(["-H", header]);
    }
    let out = command
        .arg(url)
        .output()
        .expect("wrk (cargo xtask bench installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("Non-2xx"), "{url} answered errors:\n{text}");
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("wrk printed no Requests/sec for {url}:\n{text}"))
}
