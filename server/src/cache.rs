//! A per-replica cache of read responses, kept honest by the database.
//!
//! Reading a note costs several queries (the note, its edges, backlinks, the reading path), and
//! rendering its page costs a run of `app`'s components on top; answering from memory costs
//! neither. Every write to the knowledge base bumps a revision number in the database (in the
//! same transaction). A replica checks that number at most once per `revalidate` interval and
//! drops its whole cache when it moved; a write made through this replica drops it at once. So a
//! replica never serves what it knows to be stale, another replica's write shows within
//! `revalidate`, and the database stays the only source of truth: a replica that restarts or is
//! added starts empty and loses nothing.
//!
//! Two kinds of response share it, so one revision check and one invalidation cover both: the
//! JSON of `GET /api/documents/{id}` ([`ResponseCache::get_or_compute`]) and whole rendered pages
//! ([`ResponseCache::find`] and [`ResponseCache::keep`], used by [`crate::pages`]).

use crate::error::ApiError;
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

/// Cached responses by key.
pub struct ResponseCache {
    revalidate: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    revision: Option<i64>,
    checked_at: Option<Instant>,
    /// Bumped whenever entries are dropped, so a response computed before the drop is not
    /// stored after it.
    generation: u64,
    entries: HashMap<String, CachedResponse>,
    bytes: usize,
}

impl State {
    fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
        self.generation += 1;
    }
}

/// When a missed entry was looked up: it may be kept only if nothing was dropped since, so
/// that a response computed from data older than a write is not kept after it.
#[derive(Clone, Copy, Debug)]
pub struct Generation(u64);

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
        }
    }

    /// Drops every entry; called after a write through this replica.
    pub fn invalidate(&self) {
        let mut state = self.lock();
        state.clear();
        state.checked_at = None;
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
        let due = self
            .lock()
            .checked_at
            .is_none_or(|at| at.elapsed() >= self.revalidate);
        if due {
            let revision = store.revision().await?;
            let mut state = self.lock();
            if state.revision != Some(revision) {
                state.clear();
                state.revision = Some(revision);
            }
            state.checked_at = Some(Instant::now());
        }
        let state = self.lock();
        Ok(state
            .entries
            .get(key)
            .cloned()
            .ok_or(Generation(state.generation)))
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
