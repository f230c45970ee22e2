//! The service layer: every workflow of Lore, written once.
//!
//! HTTP handlers ([`crate::api`]), server-rendered pages ([`crate::store_api`]) and the command
//! line ([`crate::cli`]) are thin adapters over [`Service`]: they turn their input into contract
//! requests, call one method, and turn its answer back. Each method knows who is acting
//! ([`Actor`]), runs the whole workflow (check, resolve, render on the CPU pool, write in one
//! transaction, drop this replica's cache), assembles the contract's views, and speaks in the
//! one error type, [`ApiError`]. Beneath it, the store offers only storage primitives, so the
//! two engines hold SQL, never a workflow.
//!
//! - [`reading`]: notes, lists, the graph, exports.
//! - [`search`]: parsing a query, asking the store, suggesting a spelling, safe snippets.
//! - [`editing`]: create, save, rename, trash, restore, revisions and diffs, the preview.
//! - [`importing`]: uploads and folders in, planned all or nothing; the demo; re-rendering.
//! - [`copying`]: a whole base from one database to another (`lore copy`).

pub mod copying;
pub mod editing;
pub mod importing;
pub mod reading;
pub mod search;

use crate::AppState;
use crate::error::ApiError;
use crate::store::Store;

/// Who is acting. Lore has no accounts yet, so everyone is anonymous and may do everything;
/// the accounts issue adds signed-in users and tokens, and what each may do is checked here.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Actor {
    /// Someone not signed in.
    #[default]
    Anonymous,
}

impl Actor {
    /// Who sent a request: the one place that reads it, for the API and for pages alike.
    pub fn of(_request: &axum::http::request::Parts) -> Self {
        Actor::Anonymous
    }
}

/// Lore's workflows, as one acting party runs them.
#[derive(Clone)]
pub struct Service {
    state: AppState,
    actor: Actor,
}

impl Service {
    /// The workflows over `state`, run by `actor`.
    pub fn new(state: AppState, actor: Actor) -> Self {
        Self { state, actor }
    }

    /// Who is acting.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    fn store(&self) -> &dyn Store {
        self.state.store.as_ref()
    }

    /// Runs a CPU-bound job on the pool (see [`crate::cpu`]).
    async fn cpu<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        Ok(self.state.cpu.run(job).await?)
    }

    /// After a write through this replica: what it had cached may be stale.
    fn changed(&self) {
        self.state.cache.invalidate();
    }
}
