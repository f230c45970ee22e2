//! Serving a router on a free loopback port for the rest of a benchmark's run, the way `lore
//! serve` serves it (connection limits, timeouts), so a benchmark measures what users get.

use axum::Router;
use server::startup;
use std::time::Duration;

/// Serves `app` on a free loopback port until the process ends; returns its address.
pub async fn serve_locally(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(startup::serve(
        listener,
        None,
        app,
        startup::Connections::default(),
        std::future::pending(),
        Duration::from_secs(1),
    ));
    address
}

/// A client that writes as an editor of `state`'s base, with an API token as a script would
/// (the account `bench`, made unless an earlier run did).
#[allow(dead_code)] // the benchmarks that only read do not write
pub async fn writing_client(state: &server::AppState) -> reqwest::Client {
    use app::contract::{Credentials, NewToken, NewUser, Role, TokenScope};
    use server::service::{Actor, Service};
    let service = Service::new(state.clone(), Actor::Operator);
    let _ = service
        .add_user(&NewUser {
            credentials: Credentials {
                name: "bench".to_owned(),
                password: "a password for benchmarks".to_owned(),
            },
            role: Role::Editor,
        })
        .await;
    let token = service
        .create_token_of(
            "bench",
            &NewToken {
                name: "bench".to_owned(),
                scope: TokenScope::Write,
                expires_in_days: Some(1),
            },
        )
        .await
        .expect("a token for the benchmark")
        .secret;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("a header value"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("a client")
}
