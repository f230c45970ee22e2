//! A per-replica cache of serialized read responses, kept honest by the database.
//!
//! Reading a note costs several queries (the note, its edges, backlinks, the reading path);
//! answering from memory costs none. Every write to the knowledge base bumps a revision
//! number in the database (in the same transaction). A replica checks that number at most once
//! per `revalidate` interval and drops its whole cache when it moved; a write made through this
//! replica drops it at once. So a replica never serves what it knows to be stale, another
//! replica's write shows within `revalidate`, and the database stays the only source of truth:
//! a replica that restarts or is added starts empty and loses nothing.

use crate::error::ApiError;
use crate::store::Store;
use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many responses one replica keeps. When full it starts over: simple, and a knowledge
/// base's working set is its most-read notes, which come straight back.
const CAPACITY: usize = 4096;

/// Cached JSON bodies by key.
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
    entries: HashMap<String, Bytes>,
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
        state.entries.clear();
        state.generation += 1;
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
        let due = self
            .lock()
            .checked_at
            .is_none_or(|at| at.elapsed() >= self.revalidate);
        if due {
            let revision = store.revision().await?;
            let mut state = self.lock();
            if state.revision != Some(revision) {
                state.entries.clear();
                state.generation += 1;
                state.revision = Some(revision);
            }
            state.checked_at = Some(Instant::now());
        }
        let generation = {
            let state = self.lock();
            if let Some(hit) = state.entries.get(key) {
                return Ok(CachedJson::new(hit.clone()));
            }
            state.generation
        };
        let value = compute().await?;
        let body =
            Bytes::from(serde_json::to_vec(&value).map_err(|e| ApiError::Internal(e.to_string()))?);
        let mut state = self.lock();
        if state.generation == generation {
            if state.entries.len() >= CAPACITY {
                state.entries.clear();
            }
            state.entries.insert(key.to_owned(), body.clone());
        }
        Ok(CachedJson::new(body))
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
