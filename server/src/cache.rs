//! A per-replica cache of read responses, kept honest by the database.
//!
//! Reading a note costs several queries (the note, its edges, backlinks, the reading path), and
//! rendering its page costs a run of `app`'s components on top; answering from memory costs
//! neither. Every write to the knowledge base bumps a revision number in the database (in the
//! same transaction). Before answering from the cache, a replica makes sure it has a check of
//! that number that started no more than `revalidate` before the request (by default `0s`: a
//! check that started after the request arrived), and drops its whole cache when the number
//! moved; a write made through this replica drops it at once. So with the default, once a save
//! has returned through any replica, no replica answers the old version; and the database stays
//! the only source of truth: a replica that restarts or is added starts empty and loses nothing.
//! (A push from the database, such as PostgreSQL's LISTEN/NOTIFY, would arrive soon after a
//! commit but not surely before the writer's answer reaches a reader, so it cannot make that
//! promise; the check that starts after the read can.)
//!
//! Two kinds of response share it, so one revision check and one invalidation cover both: the
//! JSON of `GET /api/documents/{id}` ([`ResponseCache::get_or_compute`]) and whole rendered pages
//! ([`ResponseCache::find`] and [`ResponseCache::keep`], used by [`crate::pages`]).
//!
//! Beside them it remembers who a session or an API token belongs to
//! ([`ResponseCache::credential`]), by the credential's hash: without it, every signed-in
//! request would read its session from the database, and a signed-in reader would get a third
//! of an anonymous one's speed. Ending a session or a token, or changing what its user may do,
//! moves the revision (in the same transaction). Unlike a note, a credential is not trusted on a
//! revision checked up to `revalidate` ago: it is answered only after a revision check that
//! *started after the request arrived*, so a revoked session fails on the very next request on
//! every replica. Concurrent requests share one check (whoever arrives while a check runs waits
//! for the next one), which keeps the cost to about one small query per batch of requests
//! rather than one per request.

use crate::error::ApiError;
use crate::service::SignedIn;
use crate::store::Store;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many responses one replica keeps, and how many bytes of them. When either is reached it
/// starts over: simple, and a knowledge base's working set is its most-read notes and pages,
/// which come straight back. The byte bound matters for pages (tens of KB each), whose keys
/// include query strings anyone can vary.
const CAPACITY: usize = 4096;
const CAPACITY_BYTES: usize = 64 * 1024 * 1024;

/// How many credentials one replica remembers before it starts over (a few hundred bytes each).
const CAPACITY_CREDENTIALS: usize = 65_536;

/// Who a session or API token belongs to, as this replica last read it from the database.
#[derive(Clone, Debug)]
pub struct KnownCredential {
    /// The user, with how they proved it (a session's expiry, a token's scope).
    pub user: SignedIn,
    /// When a token stops working, if ever (a session's expiry is in `user.via`).
    pub token_expires_at: Option<i64>,
    /// When this replica last wrote the token's last use.
    pub touched: Instant,
}

/// Cached responses by key.
pub struct ResponseCache {
    revalidate: Duration,
    state: Mutex<State>,
    /// Held while the revision is asked, so concurrent requests wait for one answer instead of
    /// each asking.
    asking: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    revision: Option<i64>,
    /// When the last revision check that answered started: what is cached reflects every
    /// commit before this instant.
    checked_from: Option<Instant>,
    /// When the last revision check that failed started.
    failed_from: Option<Instant>,
    /// Bumped whenever entries are dropped, so a response computed before the drop is not
    /// stored after it.
    generation: u64,
    entries: HashMap<String, CachedResponse>,
    bytes: usize,
    /// Credentials by hash.
    credentials: HashMap<String, KnownCredential>,
}

impl State {
    fn clear(&mut self) {
        self.entries.clear();
        self.credentials.clear();
        self.bytes = 0;
        self.generation += 1;
    }
}

/// When a missed entry was looked up: it may be kept only if nothing was dropped since, so
/// that a response computed from data older than a write is not kept after it.
#[derive(Clone, Copy, Debug)]
pub struct Generation(u64);

impl Generation {
    /// A generation the cache never reaches: the answer when the revision could not be
    /// checked, so what is then read from the database is used once and not kept.
    const UNCHECKED: Generation = Generation(u64::MAX);
}

/// A response as the cache keeps it: status, the headers its handler set, and the body.
/// Headers added around the handler (request ids) are not part of it.
#[derive(Clone, Debug)]
pub struct CachedResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl CachedResponse {
    /// A response that may be kept, or `None` for one that must not be: only complete answers
    /// that are the same for everyone (200 and 404, no cookie set).
    pub fn keepable(status: StatusCode, headers: HeaderMap, body: Bytes) -> Option<Self> {
        let same_for_everyone = matches!(status, StatusCode::OK | StatusCode::NOT_FOUND)
            && !headers.contains_key(header::SET_COOKIE);
        same_for_everyone.then_some(Self {
            status,
            headers,
            body,
        })
    }

    fn json(body: Bytes) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Self {
            status: StatusCode::OK,
            headers,
            body,
        }
    }
}

impl IntoResponse for CachedResponse {
    fn into_response(self) -> Response {
        (self.status, self.headers, self.body).into_response()
    }
}

impl ResponseCache {
    /// A cache that asks the database for its revision at most once per `revalidate`
    /// (`Duration::ZERO`: before every read, which is exact but costs a query).
    pub fn new(revalidate: Duration) -> Self {
        Self {
            revalidate,
            state: Mutex::default(),
            asking: tokio::sync::Mutex::new(()),
        }
    }

    /// Drops every entry; called after a write through this replica.
    pub fn invalidate(&self) {
        let mut state = self.lock();
        state.clear();
        state.checked_from = None;
    }

    /// The cached body for `key`, or `compute`'s result, serialized and remembered.
    pub async fn get_or_compute<T, Fut>(
        &self,
        store: &dyn Store,
        key: &str,
        compute: impl FnOnce() -> Fut,
    ) -> Result<CachedJson<T>, ApiError>
    where
        T: Serialize,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let generation = match self.find(store, key).await? {
            Ok(hit) => return Ok(CachedJson::new(hit.body)),
            Err(generation) => generation,
        };
        let value = compute().await?;
        let body =
            Bytes::from(serde_json::to_vec(&value).map_err(|e| ApiError::Internal(e.to_string()))?);
        self.keep(key, generation, CachedResponse::json(body.clone()));
        Ok(CachedJson::new(body))
    }

    /// Revalidates if due, then answers the entry for `key`, or on a miss the [`Generation`] a
    /// newly computed entry must be [kept](Self::keep) under.
    pub async fn find(
        &self,
        store: &dyn Store,
        key: &str,
    ) -> Result<Result<CachedResponse, Generation>, ApiError> {
        let since = Instant::now().checked_sub(self.revalidate);
        if !self.checked_since(store, since).await? {
            crate::timing::cache(crate::timing::Cache::Miss);
            return Ok(Err(Generation::UNCHECKED));
        }
        let state = self.lock();
        let found = state
            .entries
            .get(key)
            .cloned()
            .ok_or(Generation(state.generation));
        crate::timing::cache(if found.is_ok() {
            crate::timing::Cache::Hit
        } else {
            crate::timing::Cache::Miss
        });
        Ok(found)
    }

    /// Makes sure the cache reflects a revision check that started at `since` or later (`None`:
    /// any check), asking the database if none did. One check runs at a time: a request that
    /// arrives while one runs waits for it and, if it started too early, for the next, whose
    /// answer serves everyone who waited.
    ///
    /// `Ok(false)`: a check that started late enough failed (the database is away), so this
    /// request should read from the database itself, failing or succeeding on its own rather
    /// than queueing behind one more check. The request whose check failed gets the error.
    async fn checked_since(
        &self,
        store: &dyn Store,
        since: Option<Instant>,
    ) -> Result<bool, ApiError> {
        let late_enough = |at: Option<Instant>| at.is_some_and(|at| since.is_none_or(|s| at >= s));
        if late_enough(self.lock().checked_from) {
            return Ok(true);
        }
        let _turn = self.asking.lock().await;
        {
            let state = self.lock();
            if late_enough(state.checked_from) {
                return Ok(true);
            }
            if late_enough(state.failed_from) {
                return Ok(false);
            }
        }
        let started = Instant::now();
        match store.revision().await {
            Ok(revision) => {
                let mut state = self.lock();
                if state.revision != Some(revision) {
                    state.clear();
                    state.revision = Some(revision);
                }
                state.checked_from = Some(started);
                Ok(true)
            }
            Err(error) => {
                self.lock().failed_from = Some(started);
                Err(error.into())
            }
        }
    }

    /// Answers who the credential hashed as `hash` belongs to, or on a miss the
    /// [`Generation`] to [remember](Self::remember) the answer under, once a revision check
    /// that started after this call has answered (see the module's documentation).
    pub async fn credential(
        &self,
        store: &dyn Store,
        hash: &str,
    ) -> Result<Result<KnownCredential, Generation>, ApiError> {
        if !self.checked_since(store, Some(Instant::now())).await? {
            return Ok(Err(Generation::UNCHECKED));
        }
        let state = self.lock();
        Ok(state
            .credentials
            .get(hash)
            .cloned()
            .ok_or(Generation(state.generation)))
    }

    /// Remembers who a credential belongs to, unless the cache was dropped since the lookup
    /// that missed (the credential may have ended meanwhile).
    pub fn remember(&self, hash: &str, Generation(generation): Generation, known: KnownCredential) {
        let mut state = self.lock();
        if state.generation != generation {
            return;
        }
        if state.credentials.len() >= CAPACITY_CREDENTIALS {
            state.credentials.clear();
        }
        state.credentials.insert(hash.to_owned(), known);
    }

    /// Replaces what is remembered of a credential (a session extended, a token's use
    /// written), if it is still remembered.
    pub fn update_credential(&self, hash: &str, known: KnownCredential) {
        if let Some(entry) = self.lock().credentials.get_mut(hash) {
            *entry = known;
        }
    }

    /// Remembers `entry` unless the cache was dropped since the lookup that missed.
    pub fn keep(&self, key: &str, Generation(generation): Generation, entry: CachedResponse) {
        let mut state = self.lock();
        if state.generation != generation {
            return;
        }
        let size = entry.body.len() + key.len();
        if state.entries.len() >= CAPACITY || state.bytes + size > CAPACITY_BYTES {
            state.clear();
        }
        state.bytes += size;
        if let Some(old) = state.entries.insert(key.to_owned(), entry) {
            state.bytes -= old.body.len() + key.len();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the map inconsistent (every update is a
        // single insert or clear), so a poisoned lock is safe to keep using.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A JSON response body already serialized from a `T`; the type parameter keeps handlers tied
/// to their endpoint's response type.
pub struct CachedJson<T> {
    body: Bytes,
    of: PhantomData<fn() -> T>,
}

impl<T> CachedJson<T> {
    fn new(body: Bytes) -> Self {
        Self {
            body,
            of: PhantomData,
        }
    }
}

impl<T> IntoResponse for CachedJson<T> {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, "application/json")], self.body).into_response()
    }
}
