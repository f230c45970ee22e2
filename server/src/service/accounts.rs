//! Accounts: signing in and out, the first admin, users and their roles, API tokens, and
//! finding who a session or a token belongs to.
//!
//! Rules that are the product's, decided here once for the API, pages and the command line:
//! names are lowercase so `Ann` and `ann` cannot be two people; a password has at least
//! [`MIN_PASSWORD_CHARS`] characters; a wrong name and a wrong password get the same answer
//! after the same work; failed sign-ins are counted per name and per client address in the
//! database ([`SIGN_IN_WINDOW`]), so the limit holds across replicas; the last admin cannot be
//! removed or demoted, so a base is never left without one.

use super::{Actor, Service, SignedIn, Via};
use crate::cache::KnownCredential;
use crate::error::ApiError;
use crate::secrets::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordError, random_secret, secret_hash,
};
use crate::store::accounts::{
    NewTokenRecord, NewUserRecord, SetupRefused, TokenRecord, UserRecord,
};
use app::contract::{
    CreatedToken, Credentials, FirstAdmin, NewToken, NewUser, PasswordChange, Problem, Role,
    SessionInfo, TokenSummary, UserChange, UserSummary,
};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// How long a session lasts without being used.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(14 * 24 * 3600);

/// A session used with less than this left is extended to a full [`SESSION_LIFETIME`]: at most
/// one write a day per session, rather than one per request.
const EXTEND_WHEN_LEFT: Duration = Duration::from_secs(13 * 24 * 3600);

/// How long a set-up link works.
pub const SETUP_LINK_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The window failed sign-ins are counted in.
pub const SIGN_IN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Failed sign-ins for one name within [`SIGN_IN_WINDOW`] before it is refused (429). Few
/// enough that guessing a 10-character password this way takes lifetimes.
pub const MAX_FAILURES_PER_NAME: i64 = 10;

/// Failed sign-ins from one address within [`SIGN_IN_WINDOW`] (an office behind one address
/// has many people who mistype).
pub const MAX_FAILURES_PER_ADDRESS: i64 = 50;

/// How often a token's last use is written: to the minute is enough to tell a live script from
/// a forgotten one.
const TOKEN_USE_GRANULARITY: i64 = 60;

/// The longest name.
const MAX_NAME_CHARS: usize = 40;

/// The prefix of every API token, so a leaked one is recognisable (secret scanners match it).
pub const TOKEN_PREFIX: &str = "lore_";

/// A session just started: the cookie's value, shown to the browser only.
#[derive(Clone)]
pub struct NewSession {
    /// The secret the cookie carries.
    pub secret: String,
    /// How long it lasts.
    pub lifetime: Duration,
}

/// What the credentials of a request turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A live session or token.
    Actor(Actor),
    /// A session cookie that is not (or no longer) valid: the request is anonymous, and told
    /// why if it needed more.
    EndedSession,
    /// A bearer token that is not valid: refused, whatever the endpoint.
    BadToken,
}

/// Now, in Unix seconds.
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Unix seconds as RFC 3339.
fn rfc3339(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn summary(user: UserRecord) -> UserSummary {
    UserSummary {
        name: user.name,
        role: user.role,
        created_at: rfc3339(user.created_at),
    }
}

fn token_summary(token: TokenRecord) -> TokenSummary {
    TokenSummary {
        id: token.id,
        name: token.name,
        hint: token.hint,
        scope: token.scope,
        created_at: rfc3339(token.created_at),
        expires_at: token.expires_at.map(rfc3339),
        last_used_at: token.last_used_at.map(rfc3339),
    }
}

impl From<PasswordError> for ApiError {
    fn from(error: PasswordError) -> Self {
        match error {
            PasswordError::Busy => ApiError::Busy,
            PasswordError::Failed(detail) => ApiError::Internal(detail),
        }
    }
}

/// Problems with a new account's name, if any.
pub fn check_name(name: &str, problems: &mut Vec<Problem>) {
    let valid = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if !valid {
        problems.push(Problem::in_field(
            "name",
            format!(
                "Use 1 to {MAX_NAME_CHARS} lowercase letters, digits, `.`, `_` or `-`, starting with a letter or digit."
            ),
        ));
    }
}

/// Problems with a new password, if any.
pub fn check_password(password: &str, problems: &mut Vec<Problem>) {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        problems.push(Problem::in_field(
            "password",
            format!("Use at least {MIN_PASSWORD_CHARS} characters (it has {chars})."),
        ));
    } else if chars > MAX_PASSWORD_CHARS {
        problems.push(Problem::in_field(
            "password",
            format!("Use at most {MAX_PASSWORD_CHARS} characters."),
        ));
    }
}

fn refuse_problems(problems: Vec<Problem>) -> Result<(), ApiError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::InvalidAccount(problems))
    }
}

/// The answer to a name or password that is wrong: one message for both.
fn wrong_credentials() -> ApiError {
    ApiError::Unauthenticated("The name or the password is wrong.".to_owned())
}

impl Service {
    fn accounts(&self) -> &dyn crate::store::accounts::Accounts {
        self.store().accounts()
    }

    /// The signed-in user, or 401.
    fn signed_in(&self) -> Result<&SignedIn, ApiError> {
        self.actor()
            .user()
            .ok_or_else(|| ApiError::Unauthenticated("Sign in first.".to_owned()))
    }

    /// Who this request acts as, for the client's header.
    pub async fn session_info(&self) -> Result<SessionInfo, ApiError> {
        let user = match self.actor() {
            Actor::User(user) => Some(UserSummary {
                name: user.name.clone(),
                role: user.role,
                created_at: rfc3339(user.created_at),
            }),
            _ => None,
        };
        let needs_setup = user.is_none() && self.accounts().user_count().await? == 0;
        Ok(SessionInfo {
            user,
            public_read: self.state.access.public_read,
            needs_setup,
        })
    }

    /// Finds who a session cookie or a bearer token belongs to. A token decides when both
    /// came: a script's request must not turn into whoever last signed in in that browser.
    pub async fn identify(
        &self,
        cookie: Option<&str>,
        bearer: Option<&str>,
    ) -> Result<Found, ApiError> {
        let now = unix_now();
        let cache = &self.state.cache;
        if let Some(secret) = bearer {
            let hash = secret_hash(secret);
            let generation = match cache.credential(self.store(), &hash).await? {
                Ok(known) if known.token_expires_at.is_none_or(|at| at > now) => {
                    if known.touched.elapsed().as_secs() as i64 >= TOKEN_USE_GRANULARITY
                        && let Via::Token { id, .. } = &known.user.via
                    {
                        self.accounts()
                            .touch_token(*id, now, TOKEN_USE_GRANULARITY)
                            .await?;
                        let touched = KnownCredential {
                            touched: Instant::now(),
                            ..known.clone()
                        };
                        cache.update_credential(&hash, touched);
                    }
                    return Ok(Found::Actor(Actor::User(known.user)));
                }
                Ok(_) => return Ok(Found::BadToken),
                Err(generation) => generation,
            };
            let Some((user, token)) = self.accounts().token(&hash, now).await? else {
                return Ok(Found::BadToken);
            };
            self.accounts()
                .touch_token(token.id, now, TOKEN_USE_GRANULARITY)
                .await?;
            let user = SignedIn {
                id: user.id,
                name: user.name,
                role: user.role,
                created_at: user.created_at,
                via: Via::Token {
                    id: token.id,
                    scope: token.scope,
                },
            };
            let known = KnownCredential {
                user: user.clone(),
                token_expires_at: token.expires_at,
                touched: Instant::now(),
            };
            cache.remember(&hash, generation, known);
            return Ok(Found::Actor(Actor::User(user)));
        }
        let Some(secret) = cookie else {
            return Ok(Found::Actor(Actor::Anonymous));
        };
        let token_hash = secret_hash(secret);
        let (mut user, generation) = match cache.credential(self.store(), &token_hash).await? {
            Ok(known) => (known.user, None),
            Err(generation) => {
                let Some((user, expires_at)) = self.accounts().session(&token_hash, now).await?
                else {
                    return Ok(Found::EndedSession);
                };
                let user = SignedIn {
                    id: user.id,
                    name: user.name,
                    role: user.role,
                    created_at: user.created_at,
                    via: Via::Session {
                        token_hash: token_hash.clone(),
                        expires_at,
                        renewed: false,
                    },
                };
                (user, Some(generation))
            }
        };
        let Via::Session {
            expires_at,
            renewed,
            ..
        } = &mut user.via
        else {
            return Ok(Found::EndedSession);
        };
        if *expires_at <= now {
            return Ok(Found::EndedSession);
        }
        *renewed = false;
        let extend = *expires_at - now < EXTEND_WHEN_LEFT.as_secs() as i64;
        if extend {
            *expires_at = now + SESSION_LIFETIME.as_secs() as i64;
            self.accounts()
                .extend_session(&token_hash, *expires_at)
                .await?;
        }
        let known = KnownCredential {
            user: user.clone(),
            token_expires_at: None,
            touched: Instant::now(),
        };
        match generation {
            Some(generation) => cache.remember(&token_hash, generation, known),
            None if extend => cache.update_credential(&token_hash, known),
            None => {}
        }
        if extend && let Via::Session { renewed, .. } = &mut user.via {
            *renewed = true;
        }
        Ok(Found::Actor(Actor::User(user)))
    }

    /// Signs in with a name and a password from `address`: a new session, or 401 (the same for
    /// an unknown name and a wrong password), or 429 past the limit of failures.
    pub async fn sign_in(
        &self,
        credentials: &Credentials,
        address: Option<IpAddr>,
    ) -> Result<(SessionInfo, NewSession), ApiError> {
        let name = credentials.name.trim().to_lowercase();
        match self
            .check_password_of(&name, &credentials.password, address)
            .await?
        {
            Some(user) => self.start_session(user).await,
            None => Err(wrong_credentials()),
        }
    }

    /// The account `name`, if `password` is its password; `None` (counted as a failure of
    /// `name` and `address`) if not or if there is no such account, after the same work. 429
    /// past the limit of failures, before any work.
    async fn check_password_of(
        &self,
        name: &str,
        password: &str,
        address: Option<IpAddr>,
    ) -> Result<Option<UserRecord>, ApiError> {
        let now = unix_now();
        let window = SIGN_IN_WINDOW.as_secs() as i64;
        let by_name = format!("name:{name}");
        let by_address = address.map(|a| format!("address:{a}"));
        let mut subjects = vec![by_name.as_str()];
        subjects.extend(by_address.as_deref());
        for failures in self.accounts().failures(&subjects, now - window).await? {
            let limit = if failures.subject == by_name {
                MAX_FAILURES_PER_NAME
            } else {
                MAX_FAILURES_PER_ADDRESS
            };
            if failures.count >= limit {
                let wait = (failures.oldest + window - now).max(1);
                return Err(ApiError::TooManyAttempts {
                    retry_after: Duration::from_secs(wait as u64),
                });
            }
        }
        let found = if password.chars().count() > MAX_PASSWORD_CHARS {
            None
        } else {
            self.accounts().password_of(name).await?
        };
        let (user, stored) = found.unzip();
        // A password longer than any account may have is still checked, cut to that length,
        // so it takes the same time as any other and no more.
        let password = &password[..password
            .char_indices()
            .nth(MAX_PASSWORD_CHARS)
            .map_or(password.len(), |(i, _)| i)];
        let matches = self.state.passwords.verify(password, stored).await?;
        let Some(user) = user.filter(|_| matches) else {
            self.accounts()
                .add_failure(&subjects, now, now - window)
                .await?;
            return Ok(None);
        };
        self.accounts().clear_failures(&by_name).await?;
        Ok(Some(user))
    }

    /// A new password for the signed-in user, proved by their current one (checked and
    /// counted like a sign-in). Every session of theirs ends, on every replica; this browser
    /// gets a new one. A token may not do it: a script's credential must not be able to take
    /// over the account it acts for.
    pub async fn change_own_password(
        &self,
        change: &PasswordChange,
        address: Option<IpAddr>,
    ) -> Result<(SessionInfo, NewSession), ApiError> {
        let user = self.signed_in()?;
        if !matches!(user.via, Via::Session { .. }) {
            return Err(ApiError::Forbidden(
                "An API token cannot change a password: sign in to Lore in a browser to do it."
                    .to_owned(),
            ));
        }
        let mut problems = Vec::new();
        check_password(&change.password, &mut problems);
        refuse_problems(problems)?;
        let Some(record) = self
            .check_password_of(&user.name, &change.current_password, address)
            .await?
        else {
            return Err(ApiError::InvalidAccount(vec![Problem::in_field(
                "current_password",
                "This is not your current password.",
            )]));
        };
        let hash = self.state.passwords.hash(&change.password).await?;
        self.accounts().set_password(record.id, &hash).await?;
        self.changed();
        self.start_session(record).await
    }

    /// A session for `user`, who just proved who they are.
    async fn start_session(&self, user: UserRecord) -> Result<(SessionInfo, NewSession), ApiError> {
        let secret = random_secret();
        let now = unix_now();
        let lifetime = SESSION_LIFETIME;
        self.accounts()
            .add_session(
                &secret_hash(&secret),
                user.id,
                now,
                now + lifetime.as_secs() as i64,
            )
            .await?;
        let info = SessionInfo {
            user: Some(summary(user)),
            public_read: self.state.access.public_read,
            needs_setup: false,
        };
        Ok((info, NewSession { secret, lifetime }))
    }

    /// Ends this request's session, if it came with one.
    pub async fn sign_out(&self) -> Result<SessionInfo, ApiError> {
        if let Some(SignedIn {
            via: Via::Session { token_hash, .. },
            ..
        }) = self.actor().user()
        {
            self.accounts().remove_session(token_hash).await?;
            self.changed();
        }
        Ok(SessionInfo {
            user: None,
            public_read: self.state.access.public_read,
            needs_setup: false,
        })
    }

    /// A set-up link for the first admin, while the base has no user: the code to put in it.
    pub async fn setup_code(&self) -> Result<Option<String>, ApiError> {
        if self.accounts().user_count().await? > 0 {
            return Ok(None);
        }
        let code = random_secret();
        let expires_at = unix_now() + SETUP_LINK_LIFETIME.as_secs() as i64;
        self.accounts()
            .add_setup_code(&secret_hash(&code), expires_at)
            .await?;
        Ok(Some(code))
    }

    /// Makes the first admin with a set-up link's code, and signs them in.
    pub async fn set_up(&self, first: &FirstAdmin) -> Result<(SessionInfo, NewSession), ApiError> {
        let name = first.credentials.name.trim();
        let mut problems = Vec::new();
        check_name(name, &mut problems);
        check_password(&first.credentials.password, &mut problems);
        refuse_problems(problems)?;
        let hash = self
            .state
            .passwords
            .hash(&first.credentials.password)
            .await?;
        let record = NewUserRecord {
            name,
            password_hash: &hash,
            role: Role::Admin,
            created_at: unix_now(),
        };
        match self
            .accounts()
            .add_first_admin(&secret_hash(first.code.trim()), &record, unix_now())
            .await?
        {
            Ok(user) => self.start_session(user).await,
            Err(SetupRefused::HasUsers) => Err(ApiError::Forbidden(
                "This base has its admin already: sign in, or ask an admin for an account."
                    .to_owned(),
            )),
            Err(SetupRefused::UnknownCode) => Err(ApiError::Forbidden(
                "This set-up link is not valid (or has expired): use the last one `lore serve` printed, or `lore user add`."
                    .to_owned(),
            )),
        }
    }

    /// Every account.
    pub async fn users(&self) -> Result<Vec<UserSummary>, ApiError> {
        Ok(self
            .accounts()
            .users()
            .await?
            .into_iter()
            .map(summary)
            .collect())
    }

    /// A new account.
    pub async fn add_user(&self, new: &NewUser) -> Result<UserSummary, ApiError> {
        let name = new.credentials.name.trim();
        let mut problems = Vec::new();
        check_name(name, &mut problems);
        check_password(&new.credentials.password, &mut problems);
        refuse_problems(problems)?;
        let hash = self.state.passwords.hash(&new.credentials.password).await?;
        let record = NewUserRecord {
            name,
            password_hash: &hash,
            role: new.role,
            created_at: unix_now(),
        };
        match self.accounts().add_user(&record).await? {
            Ok(user) => Ok(summary(user)),
            Err(_) => Err(ApiError::Conflict {
                message: format!("There is an account named `{name}` already."),
                current: None,
                problems: vec![Problem::in_field("name", "This name is taken.")],
            }),
        }
    }

    /// The account named `name`, or 404.
    async fn user_named(&self, name: &str) -> Result<UserRecord, ApiError> {
        self.accounts()
            .password_of(name)
            .await?
            .map(|(user, _)| user)
            .ok_or_else(|| ApiError::NotFound(format!("No account is named `{name}`.")))
    }

    /// Refuses to leave the base without an admin when `user` stops being one.
    async fn keep_an_admin(&self, user: &UserRecord) -> Result<(), ApiError> {
        if user.role != Role::Admin {
            return Ok(());
        }
        let admins = self
            .accounts()
            .users()
            .await?
            .into_iter()
            .filter(|u| u.role == Role::Admin)
            .count();
        if admins <= 1 {
            return Err(ApiError::Conflict {
                message: format!(
                    "`{}` is the only admin: make another admin first, so the base keeps one.",
                    user.name
                ),
                current: None,
                problems: Vec::new(),
            });
        }
        Ok(())
    }

    /// A new role or password for an account; takes effect on its next request.
    pub async fn change_user(&self, change: &UserChange) -> Result<UserSummary, ApiError> {
        if let Some(password) = &change.password {
            let mut problems = Vec::new();
            check_password(password, &mut problems);
            refuse_problems(problems)?;
        }
        let mut user = self.user_named(&change.name).await?;
        if let Some(role) = change.role.filter(|role| *role != user.role) {
            self.keep_an_admin(&user).await?;
            self.accounts().set_role(user.id, role).await?;
            self.changed();
            user.role = role;
        }
        if let Some(password) = &change.password {
            let hash = self.state.passwords.hash(password).await?;
            self.accounts().set_password(user.id, &hash).await?;
            self.changed();
        }
        Ok(summary(user))
    }

    /// Removes an account with its sessions and tokens; its revisions keep its name.
    pub async fn remove_user(&self, name: &str) -> Result<UserSummary, ApiError> {
        let user = self.user_named(name).await?;
        self.keep_an_admin(&user).await?;
        self.accounts().remove_user(user.id).await?;
        self.changed();
        Ok(summary(user))
    }

    /// The signed-in user's tokens.
    pub async fn tokens(&self) -> Result<Vec<TokenSummary>, ApiError> {
        let user_id = self.signed_in()?.id;
        self.tokens_for(user_id).await
    }

    async fn tokens_for(&self, user_id: i64) -> Result<Vec<TokenSummary>, ApiError> {
        Ok(self
            .accounts()
            .tokens_of(user_id)
            .await?
            .into_iter()
            .map(token_summary)
            .collect())
    }

    async fn revoke_token_for(
        &self,
        user_id: i64,
        id: i64,
        whose: &str,
    ) -> Result<TokenSummary, ApiError> {
        let removed = self.accounts().remove_token(user_id, id).await?;
        self.changed();
        removed
            .map(token_summary)
            .ok_or_else(|| ApiError::NotFound(format!("{whose} no token {id}.")))
    }

    /// A new token for the signed-in user (or for `owner`, from the command line).
    pub async fn create_token(&self, new: &NewToken) -> Result<CreatedToken, ApiError> {
        let user_id = self.signed_in()?.id;
        self.create_token_for(user_id, new).await
    }

    /// A new token for account `name`, made by the operator (`lore token create`).
    pub async fn create_token_of(
        &self,
        name: &str,
        new: &NewToken,
    ) -> Result<CreatedToken, ApiError> {
        let user = self.user_named(name).await?;
        self.create_token_for(user.id, new).await
    }

    async fn create_token_for(
        &self,
        user_id: i64,
        new: &NewToken,
    ) -> Result<CreatedToken, ApiError> {
        let name = new.name.trim();
        let mut problems = Vec::new();
        if name.is_empty() || name.chars().count() > 80 || name.contains(['\n', '\r']) {
            problems.push(Problem::in_field(
                "name",
                "Say what the token is for, on one line of at most 80 characters.",
            ));
        }
        if new.expires_in_days == Some(0) || new.expires_in_days.is_some_and(|d| d > 3650) {
            problems.push(Problem::in_field(
                "expires_in_days",
                "Give 1 to 3,650 days, or none for a token that does not expire.",
            ));
        }
        refuse_problems(problems)?;
        let secret = format!("{TOKEN_PREFIX}{}", random_secret());
        let hint = format!("{}…{}", &secret[..9], &secret[secret.len() - 4..]);
        let now = unix_now();
        let record = NewTokenRecord {
            user_id,
            name,
            token_hash: &secret_hash(&secret),
            hint: &hint,
            scope: new.scope,
            created_at: now,
            expires_at: new
                .expires_in_days
                .map(|days| now + i64::from(days) * 24 * 3600),
        };
        let token = self.accounts().add_token(&record).await?;
        Ok(CreatedToken {
            token: token_summary(token),
            secret,
        })
    }

    /// Account `name`'s tokens (`lore token list`).
    pub async fn tokens_of(&self, name: &str) -> Result<Vec<TokenSummary>, ApiError> {
        let user = self.user_named(name).await?;
        self.tokens_for(user.id).await
    }

    /// Revokes one of account `name`'s tokens (`lore token revoke`).
    pub async fn revoke_token_of(&self, name: &str, id: i64) -> Result<TokenSummary, ApiError> {
        let user = self.user_named(name).await?;
        self.revoke_token_for(user.id, id, &format!("`{name}` has"))
            .await
    }

    /// Revokes one of the signed-in user's tokens.
    pub async fn revoke_token(&self, id: i64) -> Result<TokenSummary, ApiError> {
        let user_id = self.signed_in()?.id;
        self.revoke_token_for(user_id, id, "You have").await
    }
}
