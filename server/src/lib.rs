//! Lore's API server tier, as a library so tests can start it exactly as the binary does.
//!
//! - [`config`]: the command line and environment, parsed once into typed settings.
//! - [`cli`]: what each `lore` subcommand does.
//! - [`routes`]: the one route table; [`api`] holds the handlers it points to.
//! - [`service`]: every workflow, once, for an acting party; handlers, pages and the command
//!   line are adapters over it.
//! - [`access`]: who a request acts as (session cookie or API token) and whether the endpoint
//!   table lets them; CSRF and the private base's sign-in redirect.
//! - [`secrets`]: argon2id password hashes, a bounded number at a time; random tokens.
//! - [`error`]: the one error type, turned into the contract's JSON envelope.
//! - [`store`]: the database tier: storage primitives, two engines (SQLite, PostgreSQL).
//! - [`store_api`]: the UI's data interface answered by the service, for pages the server
//!   renders itself.
//! - [`cache`]: read responses cached per replica, revalidated against the database.
//! - [`cpu`]: CPU-bound work kept off the async runtime, a bounded number at a time.
//! - [`security`]: the headers every response carries (Content-Security-Policy on pages).
//! - [`pages`]: `app`'s pages rendered on the server (leptos_axum) and hydrated in the browser.
//! - [`client_files`]: the trunk-built browser client's assets, from the same origin.
//! - [`replica`]: this process's name in `X-Served-By`, and whether it is draining.
//! - [`startup`]: binding, serving over HTTP or HTTPS, and shutting down gracefully.
//! - [`telemetry`]: structured logs with `tracing`.
//! - [`timing`]: where a request's time went (database, render, cache), in `Server-Timing`.

// Leptos' views are deeply nested types; rendering them on the server needs the headroom.
#![recursion_limit = "256"]

pub mod access;
pub mod api;
pub mod cache;
pub mod cli;
pub mod client_files;
pub mod config;
pub mod cpu;
pub mod documents;
pub mod error;
pub mod pages;
pub mod replica;
pub mod routes;
pub mod secrets;
pub mod security;
pub mod service;
pub mod startup;
pub mod store;
pub mod store_api;
pub mod telemetry;
pub mod timing;

use std::sync::Arc;

/// What every handler may use, cloned into each request. Holds no per-user or per-session
/// state: all of that lives in the database, so any replica can answer any request.
#[derive(Clone)]
pub struct AppState {
    /// The database tier.
    pub store: Arc<dyn store::Store>,
    /// Serialized read responses, revalidated against the database's revision.
    pub cache: Arc<cache::ResponseCache>,
    /// Where CPU-bound work runs.
    pub cpu: cpu::CpuPool,
    /// Bounds on what one request may make the server do.
    pub limits: Limits,
    /// Turns for uploaded imports: each holds up to `--import-max-bytes` of notes in memory
    /// while it is planned, so only as many run at once as there are CPU jobs.
    pub imports: Arc<tokio::sync::Semaphore>,
    /// Who may read, and which proxies to believe.
    pub access: access::AccessPolicy,
    /// Password hashing, a bounded number at a time.
    pub passwords: secrets::Passwords,
    /// This replica's name and whether it is draining.
    pub replica: Arc<replica::Replica>,
}

/// Bounds on what one request may make the server do: settings of `lore serve`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// What an uploaded import may unpack to.
    pub unpack: documents::sources::UnpackLimits,
    /// How long a request body may stop arriving.
    pub body_timeout: std::time::Duration,
    /// How long a request may take in all, its body included.
    pub request_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            unpack: documents::sources::UnpackLimits {
                max_files: 20_000,
                max_bytes: 128 * 1024 * 1024,
            },
            body_timeout: std::time::Duration::from_secs(60),
            request_timeout: std::time::Duration::from_secs(300),
        }
    }
}

impl AppState {
    /// State over `store`, caching reads for up to `revalidate` between revision checks, with
    /// the default limits and one CPU job per core.
    pub fn new(store: Arc<dyn store::Store>, revalidate: std::time::Duration) -> Self {
        Self {
            store,
            cache: Arc::new(cache::ResponseCache::new(revalidate)),
            cpu: cpu::CpuPool::per_core(),
            limits: Limits::default(),
            imports: Arc::new(tokio::sync::Semaphore::new(cpu::CpuPool::per_core().jobs())),
            access: access::AccessPolicy::default(),
            passwords: secrets::Passwords::new(cpu::CpuPool::per_core().jobs()),
            replica: Arc::new(replica::Replica::default()),
        }
    }

    /// The same state as another replica.
    pub fn with_replica(mut self, replica: replica::Replica) -> Self {
        self.replica = Arc::new(replica);
        self
    }

    /// The same state with another access policy.
    pub fn with_access(mut self, access: access::AccessPolicy) -> Self {
        self.access = access;
        self
    }

    /// The same state with other limits, and `cpu_jobs` CPU jobs at a time.
    pub fn with_limits(mut self, limits: Limits, cpu_jobs: usize) -> Self {
        self.limits = limits;
        self.cpu = cpu::CpuPool::new(cpu_jobs);
        self.imports = Arc::new(tokio::sync::Semaphore::new(self.cpu.jobs()));
        self
    }
}
