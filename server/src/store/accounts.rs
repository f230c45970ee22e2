//! The storage primitives of accounts: users, sessions, API tokens, failed sign-ins and set-up
//! codes, each one statement (or one short transaction) that the database decides.
//!
//! A name is taken when the unique key says so; a session or token is valid when the row that
//! reads it says so, joined to its user's current role in the same statement. Whatever ends a
//! session or a token or changes what it may do (signing out, a new password or role, removing
//! a user or a token) also moves the base's revision in the same transaction, so every
//! replica's cache of who a credential belongs to (`crate::cache`) forgets it. Secrets are never stored:
//! sessions, tokens and set-up codes arrive here as hashes. Times are Unix seconds.

use super::StoreError;
use app::contract::{Role, TokenScope};

/// A user as stored, less the password hash (see [`Accounts::password_of`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The row's key; sessions and tokens name it.
    pub id: i64,
    /// The sign-in name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// When the account was made.
    pub created_at: i64,
}

/// An account to write.
#[derive(Debug, Clone, Copy)]
pub struct NewUserRecord<'a> {
    /// The sign-in name, already checked.
    pub name: &'a str,
    /// The argon2id PHC string.
    pub password_hash: &'a str,
    /// What they may do.
    pub role: Role,
    /// Now.
    pub created_at: i64,
}

/// An API token as stored, less its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The row's key.
    pub id: i64,
    /// Its owner.
    pub user_id: i64,
    /// What its owner called it.
    pub name: String,
    /// Its first and last characters.
    pub hint: String,
    /// What it may do.
    pub scope: TokenScope,
    /// When it was made.
    pub created_at: i64,
    /// When it stops working, if ever.
    pub expires_at: Option<i64>,
    /// When a request last used it, to the minute.
    pub last_used_at: Option<i64>,
}

/// A token to write.
#[derive(Debug, Clone, Copy)]
pub struct NewTokenRecord<'a> {
    /// Its owner.
    pub user_id: i64,
    /// What its owner called it.
    pub name: &'a str,
    /// SHA-256 of the secret, hex.
    pub token_hash: &'a str,
    /// Its first and last characters.
    pub hint: &'a str,
    /// What it may do.
    pub scope: TokenScope,
    /// Now.
    pub created_at: i64,
    /// When it stops working, if ever.
    pub expires_at: Option<i64>,
}

/// The name of a new account is another's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameTaken;

/// Why a set-up link did not make the first admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupRefused {
    /// The base has a user already.
    HasUsers,
    /// No set-up link has this code (or it expired).
    UnknownCode,
}

/// Failed sign-ins under one key within a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failures {
    /// What was counted (`name:...` or `address:...`).
    pub subject: String,
    /// How many.
    pub count: i64,
    /// When the oldest of them was: the window frees a place when it ages out.
    pub oldest: i64,
}

/// The account primitives.
#[async_trait::async_trait]
pub trait Accounts: Send + Sync {
    /// How many users there are.
    async fn user_count(&self) -> Result<i64, StoreError>;

    /// Writes a user, unless the name is taken.
    async fn add_user(
        &self,
        user: &NewUserRecord<'_>,
    ) -> Result<Result<UserRecord, NameTaken>, StoreError>;

    /// Keeps the hash of a set-up link's code until `expires_at`.
    async fn add_setup_code(&self, code_hash: &str, expires_at: i64) -> Result<(), StoreError>;

    /// Writes the first admin if `code_hash` is a live set-up code and the base has no user,
    /// decided in one transaction that holds the instance row, so two links used at once make
    /// one admin; then forgets every set-up code.
    async fn add_first_admin(
        &self,
        code_hash: &str,
        user: &NewUserRecord<'_>,
        now: i64,
    ) -> Result<Result<UserRecord, SetupRefused>, StoreError>;

    /// The user named `name`, with their password hash.
    async fn password_of(&self, name: &str) -> Result<Option<(UserRecord, String)>, StoreError>;

    /// Every user, by name.
    async fn users(&self) -> Result<Vec<UserRecord>, StoreError>;

    /// Gives user `id` a new password hash and ends their sessions; false when there is none.
    async fn set_password(&self, id: i64, password_hash: &str) -> Result<bool, StoreError>;

    /// Gives user `id` a new role; false when there is none.
    async fn set_role(&self, id: i64, role: Role) -> Result<bool, StoreError>;

    /// Removes user `id` with their sessions and tokens; false when there is none.
    async fn remove_user(&self, id: i64) -> Result<bool, StoreError>;

    /// Starts a session.
    async fn add_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;

    /// The user of a session that has not expired at `now`, and when it expires.
    async fn session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(UserRecord, i64)>, StoreError>;

    /// Moves a session's expiry.
    async fn extend_session(&self, token_hash: &str, expires_at: i64) -> Result<(), StoreError>;

    /// Ends a session.
    async fn remove_session(&self, token_hash: &str) -> Result<(), StoreError>;

    /// Writes a token.
    async fn add_token(&self, token: &NewTokenRecord<'_>) -> Result<TokenRecord, StoreError>;

    /// The user and token of a token hash that has not expired at `now`.
    async fn token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(UserRecord, TokenRecord)>, StoreError>;

    /// Notes that token `id` was used at `now`, unless it was within the last `granularity`
    /// seconds (a busy script does not write on every request).
    async fn touch_token(&self, id: i64, now: i64, granularity: i64) -> Result<(), StoreError>;

    /// A user's tokens, newest first.
    async fn tokens_of(&self, user_id: i64) -> Result<Vec<TokenRecord>, StoreError>;

    /// Removes token `id` if it is `user_id`'s, returning it.
    async fn remove_token(&self, user_id: i64, id: i64) -> Result<Option<TokenRecord>, StoreError>;

    /// Failed sign-ins since `since` under each of `keys` that has any.
    async fn failures(&self, keys: &[&str], since: i64) -> Result<Vec<Failures>, StoreError>;

    /// Counts a failed sign-in under each of `keys`, and forgets those older than `forget_before`.
    async fn add_failure(
        &self,
        keys: &[&str],
        now: i64,
        forget_before: i64,
    ) -> Result<(), StoreError>;

    /// Forgets the failed sign-ins under `key` (after a success).
    async fn clear_failures(&self, key: &str) -> Result<(), StoreError>;
}
