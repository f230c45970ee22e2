//! The wire types of who may do what: roles, the permission each endpoint needs, sessions,
//! users and API tokens.
//!
//! A person signs in with a name and a password and gets a session (an HttpOnly cookie the
//! browser sends back; the client never sees it). A script uses an API token in
//! `Authorization: Bearer`, which acts as its user, capped by its scope. Either way the server
//! decides from the [`Permission`] the endpoint table declares for each endpoint.

use serde::{Deserialize, Serialize};

/// What a user may do, each role including the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads every note, even on a private base.
    Reader,
    /// Also writes: edits, imports, trashes and restores notes.
    Editor,
    /// Also manages users and their roles.
    Admin,
}

impl Role {
    /// Every role, least first.
    pub const ALL: [Role; 3] = [Role::Reader, Role::Editor, Role::Admin];

    /// The role's name as stored and typed on the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// The role named `name`, if any.
    pub fn named(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }

    /// Whether this role may write notes.
    pub fn can_write(self) -> bool {
        self >= Role::Editor
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a caller needs for an endpoint: declared beside each endpoint in the contract's table,
/// and enforced by the server in one place before any handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Anyone, signed in or not, even on a private base: probes, signing in, first set-up.
    Anyone,
    /// Reading notes: anyone on a public base (the default), a signed-in user or a token on a
    /// private one (`--public-read=false`).
    Read,
    /// Any signed-in user or token, for their own account (their tokens).
    SignedIn,
    /// Changing notes: an editor or an admin (a token also needs the `write` scope).
    Write,
    /// Managing users: an admin.
    Admin,
}

/// A token's scope: what it may do of what its user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Only reading requests (`GET`).
    Read,
    /// Everything its user may do.
    Write,
}

impl TokenScope {
    /// The scope's name as stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    /// The scope named `name`, if any.
    pub fn named(name: &str) -> Option<TokenScope> {
        [TokenScope::Read, TokenScope::Write]
            .into_iter()
            .find(|scope| scope.as_str() == name)
    }
}

/// A user as others see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSummary {
    /// Their sign-in name, also the name their revisions carry.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// When the account was made (RFC 3339, UTC).
    pub created_at: String,
}

/// `GET /api/session`, and the answer to signing in or out: who the request acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    /// The signed-in user, or `None` for an anonymous visitor.
    pub user: Option<UserSummary>,
    /// Whether anonymous visitors may read (`--public-read`).
    pub public_read: bool,
    /// Whether the base has no user yet: the first admin is made with the set-up link the
    /// server printed in its log (or `lore user add`).
    pub needs_setup: bool,
}

impl SessionInfo {
    /// Whether this party may change notes.
    pub fn can_write(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.can_write())
    }

    /// Whether this party manages users.
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }
}

/// Body of `POST /api/session`: signing in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credentials {
    /// The user's name.
    pub name: String,
    /// Their password.
    pub password: String,
}

/// Never prints the password, so a request logged with `{:?}` cannot leak it.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("name", &self.name)
            .field("password", &"…")
            .finish()
    }
}

/// Body of `POST /api/setup`: the first admin of a base with no users, made with the one-time
/// code from the set-up link `lore serve` printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FirstAdmin {
    /// The code from the link.
    pub code: String,
    /// The admin's name and password.
    #[serde(flatten)]
    pub credentials: Credentials,
}

impl std::fmt::Debug for FirstAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstAdmin")
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// Body of `PUT /api/session/password`: the signed-in user's new password, proved by their
/// current one (a session left open on a shared computer must not be enough to take the
/// account).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    /// The password they signed in with.
    pub current_password: String,
    /// The new one.
    pub password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange").finish_non_exhaustive()
    }
}

/// Body of `POST /api/users`: a new account, made by an admin.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUser {
    /// Name and first password.
    #[serde(flatten)]
    pub credentials: Credentials,
    /// What they may do.
    pub role: Role,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("credentials", &self.credentials)
            .field("role", &self.role)
            .finish()
    }
}

/// Body of `PUT /api/users/{name}`: a change to an account, by an admin. Absent fields stay.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserChange {
    /// The user (fills `{name}`).
    pub name: String,
    /// A new role.
    #[serde(default)]
    pub role: Option<Role>,
    /// A new password; their sessions end.
    #[serde(default)]
    pub password: Option<String>,
}

impl std::fmt::Debug for UserChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserChange")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .finish()
    }
}

/// Path of `DELETE /api/users/{name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserName {
    /// The user.
    pub name: String,
}

/// An API token as its owner sees it after it was made: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenSummary {
    /// Its number, to revoke it by.
    pub id: i64,
    /// What its owner called it.
    pub name: String,
    /// The token's first and last characters (`lore_AbCd…wxyz`), to recognise it by.
    pub hint: String,
    /// What it may do.
    pub scope: TokenScope,
    /// When it was made (RFC 3339, UTC).
    pub created_at: String,
    /// When it stops working, if ever.
    pub expires_at: Option<String>,
    /// When a request last used it (to the minute), if ever.
    pub last_used_at: Option<String>,
}

/// Body of `POST /api/tokens`: a new token for the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewToken {
    /// What it is for (`backup script`): one line of at most 80 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 80))]
    pub name: String,
    /// What it may do.
    pub scope: TokenScope,
    /// Days until it stops working (1 to 3,650); `None` for never.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub expires_in_days: Option<u32>,
}

/// The answer to `POST /api/tokens`: the only time the secret is shown.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    /// The token, as listed from now on.
    pub token: TokenSummary,
    /// The secret to send as `Authorization: Bearer ...`. Lore keeps only its hash.
    pub secret: String,
}

impl std::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedToken")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

/// Path of `DELETE /api/tokens/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenId {
    /// The token's number.
    pub id: i64,
}
