//! `TestApp`: the server as the binary starts it, on a free port, with a fresh database of its
//! own on the engine of this run (SQLite, or PostgreSQL with `LORE_TEST_DATABASE=postgres`;
//! see `support/databases.rs`), plus typed helpers to call it.
//!
//! Every base starts with one admin, [`ADMIN`], and `client` sends that admin's write token
//! with every request, as a script would: tests of what notes do need not sign in first.
//! Tests of who may do what use [`TestApp::anonymous`] and the parties of `accounts.rs`.

use crate::databases::{Engine, FreshDatabase};
use app::contract::{
    Credentials, Endpoint, ErrorEnvelope, ImportReport, Method, NewToken, NewUser, Role,
    TokenScope, request_url,
};
use axum::Router;
use server::service::{Actor, Service};
use server::startup::serve;
use server::store::Store;
use server::{AppState, routes};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The admin every test base has.
pub const ADMIN: &str = "ada";

/// The password of the accounts tests make.
pub const PASSWORD: &str = "correct horse battery staple";

/// A running server and what a test needs to talk to it and to stop it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The socket address it listens on.
    pub socket: std::net::SocketAddr,
    /// Sends [`ADMIN`]'s write token with every request.
    pub client: reqwest::Client,
    /// [`ADMIN`]'s write token.
    pub token: String,
    /// The database, kept so a test can take it away.
    pub store: Arc<dyn Store>,
    /// What every handler of this server gets.
    pub state: AppState,
    /// Its URL, for tests that look underneath the API.
    pub database_url: String,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
    /// Its own database, when it does not share another's; dropped with it.
    _database: Option<FreshDatabase>,
}

/// How to start a [`TestApp`].
#[derive(Default)]
pub struct Options<'a> {
    /// The built-client folder to serve, if any.
    pub client_dir: Option<&'a Path>,
    /// Extra routes merged into the real router (for behaviour no endpoint exposes on demand,
    /// like a request that is still running at shutdown).
    pub extra_routes: Option<Router>,
    /// The drain limit at shutdown.
    pub shutdown_timeout: Option<Duration>,
    /// Another replica's database, to share it (default: a fresh one of its own).
    pub database_url: Option<String>,
    /// How long cached responses go without asking the database (default: not at all).
    pub cache_revalidate: Option<Duration>,
    /// Limits on requests (default: `lore serve`'s), and how many CPU jobs run at once.
    pub limits: Option<(server::Limits, usize)>,
    /// Limits on connections (default: `lore serve`'s).
    pub connections: Option<server::startup::Connections>,
    /// Who may read, which proxies to believe (default: `lore serve`'s).
    pub access: Option<server::access::AccessPolicy>,
    /// Start with no account at all (default: with [`ADMIN`]).
    pub no_accounts: bool,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options<'_>) -> Self {
        let (url, database) = match options.database_url {
            Some(url) => (url, None),
            None => {
                let fresh = FreshDatabase::new(Engine::of_this_run()).await;
                (fresh.url.clone(), Some(fresh))
            }
        };
        let store: Arc<dyn Store> = server::store::connect(&url, &Default::default())
            .await
            .expect("a fresh database");
        // By default revalidating before every read: tests see other connections' writes at once.
        let mut state = AppState::new(
            store.clone(),
            options.cache_revalidate.unwrap_or(Duration::ZERO),
        );
        if let Some((limits, cpu_jobs)) = options.limits {
            state = state.with_limits(limits, cpu_jobs);
        }
        if let Some(access) = options.access {
            state = state.with_access(access);
        }
        let token = if options.no_accounts {
            String::new()
        } else {
            admin_token(&state).await
        };
        let client = options
            .client_dir
            .map(|dir| server::client_files::ClientBundle::read(dir).expect("a built client"));
        let mut app = routes::router(state.clone(), client);
        if let Some(extra) = options.extra_routes {
            app = app.merge(extra);
        }

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = listener.local_addr().unwrap();
        let address = format!("http://{socket}");
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let grace = options.shutdown_timeout.unwrap_or(Duration::from_secs(10));
        let connections = options.connections.unwrap_or_default();
        let server = tokio::spawn(serve(listener, None, app, connections, shutdown, grace));

        let mut headers = reqwest::header::HeaderMap::new();
        if !token.is_empty() {
            headers.insert(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {token}").parse().unwrap(),
            );
        }
        Self {
            address,
            socket,
            client: reqwest::Client::builder()
                .default_headers(headers)
                .build()
                .unwrap(),
            token,
            store,
            state,
            database_url: url,
            stop: Some(stop),
            server,
            _database: database,
        }
    }

    /// The workflows of this server, as the operator runs them from the command line.
    pub fn service(&self) -> Service {
        Service::new(self.state.clone(), Actor::Operator)
    }

    /// Makes account `name` with `role` and [`PASSWORD`].
    pub async fn add_user(&self, name: &str, role: Role) {
        self.service()
            .add_user(&NewUser {
                credentials: Credentials {
                    name: name.to_owned(),
                    password: PASSWORD.to_owned(),
                },
                role,
            })
            .await
            .unwrap();
    }

    /// A client that sends no credentials.
    pub fn anonymous(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    /// Runs `sql` on this server's database, underneath Lore, as another program (or an
    /// older version of Lore) would.
    pub async fn execute(&self, sql: &str) {
        FreshDatabase::execute(&self.database_url, sql).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Calls endpoint `E` (a request-less read) and decodes its declared response type.
    pub async fn call<E: Endpoint<Request = ()>>(&self) -> E::Response {
        let response = self.get(E::PATH).await;
        assert!(
            response.status().is_success(),
            "{} answered {}",
            E::PATH,
            response.status()
        );
        response.json().await.unwrap()
    }

    /// Calls endpoint `E` with `request` as the browser client does: path and query from
    /// `request_url`, the request as a JSON body for POST and PUT.
    pub async fn send<E: Endpoint>(&self, request: &E::Request) -> reqwest::Response {
        let url = self.url(&request_url::<E>(request).unwrap());
        let builder = match E::METHOD {
            Method::Get => self.client.get(url),
            Method::Post => self.client.post(url).json(request),
            Method::Put => self.client.put(url).json(request),
            Method::Delete => self.client.delete(url),
        };
        builder.send().await.unwrap()
    }

    /// Calls endpoint `E`, asserts a 2xx, and decodes its declared response type.
    pub async fn send_ok<E: Endpoint>(&self, request: &E::Request) -> E::Response {
        let response = self.send::<E>(request).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(status.is_success(), "{} answered {status}: {body}", E::PATH);
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{}: {e}: {body}", E::PATH))
    }

    /// Uploads files to `POST /api/import` as a browser form would: one `files` part each.
    pub async fn import(&self, files: &[(&str, &[u8])], skip_invalid: bool) -> reqwest::Response {
        self.import_as(files, skip_invalid, None).await
    }

    /// [`import`](Self::import), naming the files' Markdown dialect in the `flavor` field.
    pub async fn import_as(
        &self,
        files: &[(&str, &[u8])],
        skip_invalid: bool,
        flavor: Option<&str>,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new();
        for (name, bytes) in files {
            let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string());
            form = form.part("files", part);
        }
        if skip_invalid {
            form = form.text("skip_invalid", "true");
        }
        if let Some(flavor) = flavor {
            form = form.text("flavor", flavor.to_owned());
        }
        self.client
            .post(self.url("/api/import"))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Imports files that must all be valid, and returns the report.
    pub async fn import_ok(&self, files: &[(&str, &[u8])]) -> ImportReport {
        let response = self.import(files, false).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, 200, "import failed: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Imports notes written as (path, text), all of which must be valid.
    pub async fn import_notes_ok(&self, notes: &[(String, String)]) -> ImportReport {
        let files: Vec<(&str, &[u8])> = notes
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_bytes()))
            .collect();
        self.import_ok(&files).await
    }

    /// GETs `path` and decodes a successful JSON answer.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self.get(path).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    }

    /// Asserts `response` is a JSON error envelope with `status`, and returns the envelope.
    pub async fn expect_error(response: reqwest::Response, status: u16) -> ErrorEnvelope {
        assert_eq!(response.status().as_u16(), status);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(content_type, "application/json");
        response.json().await.unwrap()
    }

    /// Triggers the graceful shutdown and returns the server task, to await its end.
    pub fn shut_down(mut self) -> JoinHandle<std::io::Result<()>> {
        let _ = self.stop.take().unwrap().send(());
        self.server
    }
}

/// Makes [`ADMIN`] (unless another server on the same database did) and a write token of theirs.
async fn admin_token(state: &AppState) -> String {
    let service = Service::new(state.clone(), Actor::Operator);
    // Taken when this server shares another's database: that one made the admin.
    let _ = service
        .add_user(&NewUser {
            credentials: Credentials {
                name: ADMIN.to_owned(),
                password: PASSWORD.to_owned(),
            },
            role: Role::Admin,
        })
        .await;
    service
        .create_token_of(
            ADMIN,
            &NewToken {
                name: "tests".to_owned(),
                scope: TokenScope::Write,
                expires_in_days: None,
            },
        )
        .await
        .expect("a token for the admin")
        .secret
}
