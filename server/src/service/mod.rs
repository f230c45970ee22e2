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
//! - [`accounts`]: signing in and out, the first admin, users, API tokens.
//! - [`reading`]: notes, lists, the graph, exports.
//! - [`search`]: parsing a query, asking the store, suggesting a spelling, safe snippets.
//! - [`editing`]: create, save, rename, trash, restore, revisions and diffs, the preview.
//! - [`importing`]: uploads and folders in, planned all or nothing; the demo; re-rendering.
//! - [`copying`]: a whole base from one database to another (`lore copy`).

pub mod accounts;
pub mod copying;
pub mod editing;
pub mod importing;
pub mod reading;
pub mod search;

use crate::AppState;
use crate::documents::import::name_key;
use crate::error::ApiError;
use crate::store::{Store, StoredBody, file_name_key, wiki_name_key};
use app::contract::{Role, TokenScope};
use std::collections::HashSet;

/// Who is acting: found once per request by [`crate::access`] (from the session cookie or the
/// API token), which also decides, from the endpoint table, whether they may call what they
/// called. The workflows read it to know whose tokens to list and whose name a revision
/// carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Actor {
    /// Someone not signed in (or whose session ended).
    #[default]
    Anonymous,
    /// A signed-in user, through a session or an API token.
    User(SignedIn),
    /// Whoever runs `lore` on the server's machine (`lore import`, `lore user add`): they hold
    /// the database itself, so they may do everything.
    Operator,
}

/// A user a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Their account's key.
    pub id: i64,
    /// Their name, which their revisions carry.
    pub name: String,
    /// What they may do, as it is now in the database.
    pub role: Role,
    /// When their account was made (Unix seconds).
    pub created_at: i64,
    /// How the request proved it.
    pub via: Via,
}

/// How a request proved who it acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A session cookie (its hash, to end it; and when it expires, to slide it).
    Session {
        /// SHA-256 of the cookie's value.
        token_hash: String,
        /// When the session ends unless used (Unix seconds).
        expires_at: i64,
        /// Whether this request moved the expiry (the browser's cookie is then renewed too).
        renewed: bool,
    },
    /// An API token, capped by its scope.
    Token {
        /// The token's key.
        id: i64,
        /// What it may do of what its user may.
        scope: TokenScope,
    },
}

impl Actor {
    /// Who sent a request: what [`crate::access`] found, for the API and for pages alike.
    pub fn of(request: &axum::http::request::Parts) -> Self {
        request
            .extensions
            .get::<Actor>()
            .cloned()
            .unwrap_or_default()
    }

    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&SignedIn> {
        match self {
            Actor::User(user) => Some(user),
            _ => None,
        }
    }

    /// The name a revision by this party carries.
    pub fn author(&self) -> &str {
        match self {
            Actor::User(user) => &user.name,
            Actor::Anonymous | Actor::Operator => "",
        }
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

    /// The stored notes whose links change when notes with `ids` (at `paths`) and files at
    /// `files` arrive, change or go: the notes linking to those ids, and those whose links look
    /// up one of their names (a wikilink to a note's file name, an attachment's file name).
    async fn notes_affected(
        &self,
        ids: &[String],
        paths: &[String],
        files: &[String],
    ) -> Result<Vec<StoredBody>, ApiError> {
        let mut affected = self.store().bodies_linking_to(ids).await?;
        let names: Vec<String> = paths
            .iter()
            .map(|path| wiki_name_key(&name_key(path)))
            .chain(files.iter().map(|path| file_name_key(path)))
            .collect();
        let known: HashSet<String> = affected.iter().map(|b| b.id.clone()).collect();
        affected.extend(
            self.store()
                .bodies_naming(&names)
                .await?
                .into_iter()
                .filter(|b| !known.contains(&b.id)),
        );
        Ok(affected)
    }
}
