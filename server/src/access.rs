//! Who may do what, over HTTP: the one place a request's credentials are read and its
//! permission is checked.
//!
//! - [`identify`] wraps the whole router. It finds who the request acts as (an API token in
//!   `Authorization: Bearer`, else the session cookie, else anonymous; a token decides when
//!   both came), refuses a state-changing request a browser sent from another site (CSRF),
//!   sends anonymous visitors of a private base to the sign-in page, and after the response
//!   renews or clears the session cookie.
//! - [`authorize`] wraps the API's routes (it runs after routing, so it knows which endpoint
//!   was matched) and checks the [`Permission`] the contract's endpoint table declares for it.
//!   An endpoint has a permission or the table does not compile; a route the table does not
//!   know is refused (fail closed).
//!
//! Pages are rendered the same for everyone who may read them (the per-user parts are filled
//! in by the client after hydration), so the response cache never holds anything per user:
//! the permission is checked here, before the cache is asked.

use crate::AppState;
use crate::error::ApiError;
use crate::service::accounts::{Found, NewSession, SESSION_LIFETIME};
use crate::service::{Actor, Service, SignedIn, Via};
use app::contract::{ENDPOINTS, Permission, TokenScope};
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "lore_session";

/// Who may read, and whom to believe about the client: settings of `lore serve`.
#[derive(Debug, Clone)]
pub struct AccessPolicy {
    /// Whether anonymous visitors may read (`--public-read`, on by default).
    pub public_read: bool,
    /// Proxies (nginx, a load balancer) whose `X-Forwarded-For` and `X-Forwarded-Proto` are
    /// believed (`--trusted-proxy`); anyone else could write anything in them.
    pub trusted_proxies: Arc<[IpAddr]>,
}

impl Default for AccessPolicy {
    fn default() -> Self {
        Self {
            public_read: true,
            trusted_proxies: Arc::from([]),
        }
    }
}

/// What is known of the connection a request came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// The client's address: the peer's, or the one a trusted proxy reports.
    pub address: Option<IpAddr>,
    /// Whether the client reached us over HTTPS (served by Lore itself, or as a trusted proxy
    /// reports): the session cookie is then marked `Secure`.
    pub https: bool,
}

/// Worked out by the handlers that need it (signing in, where the cookie is set) rather than
/// for every request: most requests never ask.
impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(client_of(&parts.headers, &parts.extensions, &state.access))
    }
}

/// Whether a session cookie came that is no longer valid: a 401 then says so.
#[derive(Debug, Clone, Copy)]
struct SessionEnded;

/// The credentials could not be checked (the database is away): the status to answer with
/// where they matter.
#[derive(Debug, Clone)]
struct Unidentified(Arc<(axum::http::StatusCode, app::contract::ErrorEnvelope)>);

/// Finds who `request` acts as; see the module's documentation.
///
/// A request with no credential at all (most readers of a public base) costs a look at two
/// headers and nothing else: no state, no database, no extension.
pub async fn identify(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let cookie = session_cookie(request.headers()).map(str::to_owned);
    let bearer = match bearer_token(request.headers()) {
        Ok(bearer) => bearer.map(str::to_owned),
        Err(error) => return error.into_response(),
    };
    let found = if cookie.is_none() && bearer.is_none() {
        Found::Actor(Actor::Anonymous)
    } else {
        let service = Service::new(AppState::clone(&state), Actor::Anonymous);
        match service.identify(cookie.as_deref(), bearer.as_deref()).await {
            Ok(found) => found,
            Err(error) => {
                // The database cannot say who this is. Probes and other endpoints open to anyone
                // still answer (a liveness probe must not fail with the database); every other
                // endpoint answers with this error (see `authorize`).
                request
                    .extensions_mut()
                    .insert(Unidentified(Arc::new(error.into_envelope())));
                Found::Actor(Actor::Anonymous)
            }
        }
    };
    let (actor, ended) = match found {
        Found::Actor(actor) => (actor, false),
        Found::EndedSession => (Actor::Anonymous, true),
        Found::BadToken => {
            return ApiError::Unauthenticated(
                "The API token is not valid: it was revoked, it expired, or it was mistyped."
                    .to_owned(),
            )
            .into_response();
        }
    };
    let by_cookie = matches!(
        &actor,
        Actor::User(SignedIn {
            via: Via::Session { .. },
            ..
        })
    ) || (ended && bearer.is_none());
    if changes_state(request.method()) && !from_this_site(request.headers(), by_cookie) {
        return another_site().into_response();
    }
    if !state.access.public_read
        && actor == Actor::Anonymous
        && let Some(redirect) = sign_in_first(&request)
    {
        return redirect;
    }
    if actor == Actor::Anonymous && !ended {
        // Nothing to record and no cookie to touch: the default is anonymous.
        return next.run(request).await;
    }
    let renew = match &actor {
        Actor::User(SignedIn {
            via: Via::Session { renewed: true, .. },
            ..
        }) => cookie.clone(),
        _ => None,
    };
    let client = client_of(request.headers(), request.extensions(), &state.access);
    request.extensions_mut().insert(actor);
    if ended {
        request.extensions_mut().insert(SessionEnded);
    }
    let mut response = next.run(request).await;
    if response.headers().contains_key(header::SET_COOKIE) {
        return response;
    }
    if let Some(secret) = renew {
        let renewed = NewSession {
            secret,
            lifetime: SESSION_LIFETIME,
        };
        set_cookie(&mut response, &renewed, client.https);
    } else if ended {
        clear_cookie(&mut response, client.https);
    }
    response
}

/// The answer to a state-changing request another site's page sent.
fn another_site() -> ApiError {
    ApiError::Forbidden(
        "This request came from another site; Lore only takes changes from its own pages."
            .to_owned(),
    )
}

/// On a private base, an anonymous visitor's page request is sent to the sign-in page, which
/// brings them back; the API answers 401 instead (see [`authorize`]).
fn sign_in_first(request: &Request) -> Option<Response> {
    let path = request.uri().path();
    if path.starts_with("/api/") || open_to_everyone(path) {
        return None;
    }
    let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let next = serde_urlencoded::to_string([("next", target)]).unwrap_or_default();
    Some(Redirect::to(&format!("/sign-in?{next}")).into_response())
}

/// Checks the matched endpoint's permission; see the module's documentation.
pub async fn authorize(
    State(policy): State<AccessPolicy>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let permission = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|matched| permission_of(&method, matched.as_str()));
    let Some(permission) = permission else {
        return ApiError::Internal(format!(
            "{method} {} has no permission in the endpoint table",
            request.uri().path()
        ))
        .into_response();
    };
    let anonymous = Actor::Anonymous;
    let actor = request.extensions().get::<Actor>().unwrap_or(&anonymous);
    let ended = request.extensions().get::<SessionEnded>().is_some();
    if let Some(Unidentified(answer)) = request.extensions().get::<Unidentified>()
        && permission != Permission::Anyone
    {
        let (status, envelope) = answer.as_ref().clone();
        return (status, axum::Json(envelope)).into_response();
    }
    match allowed(actor, permission, &method, &policy, ended) {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

/// The permission the endpoint table declares for `method` on the route `path`.
fn permission_of(method: &Method, path: &str) -> Option<Permission> {
    static TABLE: OnceLock<HashMap<(&'static str, &'static str), Permission>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        ENDPOINTS
            .iter()
            .map(|e| ((e.method.as_str(), e.path), e.permission))
            .collect()
    });
    // axum answers HEAD with the GET route.
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    table.get(&(method, path)).copied()
}

/// Whether `actor` may call an endpoint needing `permission` with `method`.
pub fn allowed(
    actor: &Actor,
    permission: Permission,
    method: &Method,
    policy: &AccessPolicy,
    session_ended: bool,
) -> Result<(), ApiError> {
    let sign_in = || {
        ApiError::Unauthenticated(if session_ended {
            "Your session has ended: sign in again.".to_owned()
        } else {
            "Sign in (or send an API token) to do this.".to_owned()
        })
    };
    let user = match actor {
        Actor::Operator => return Ok(()),
        Actor::User(user) => Some(user),
        Actor::Anonymous => None,
    };
    match permission {
        Permission::Anyone => return Ok(()),
        Permission::Read if policy.public_read => {}
        Permission::Read | Permission::SignedIn => {
            user.ok_or_else(sign_in)?;
        }
        Permission::Write => {
            let user = user.ok_or_else(sign_in)?;
            if !user.role.can_write() {
                return Err(ApiError::Forbidden(format!(
                    "`{}` may read but not change notes: an admin can make them an editor.",
                    user.name
                )));
            }
        }
        Permission::Admin => {
            let user = user.ok_or_else(sign_in)?;
            if user.role != app::contract::Role::Admin {
                return Err(ApiError::Forbidden(
                    "Only an admin manages accounts.".to_owned(),
                ));
            }
        }
    }
    if let Some(SignedIn {
        via: Via::Token {
            scope: TokenScope::Read,
            ..
        },
        ..
    }) = user
        && !matches!(*method, Method::GET | Method::HEAD)
    {
        return Err(ApiError::Forbidden(
            "This API token may only read: make a token with the `write` scope.".to_owned(),
        ));
    }
    Ok(())
}

/// Whether a method changes something (and so must come from our own pages, in a browser).
fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a state-changing request came from our own pages. Browsers say where a request
/// came from in `Sec-Fetch-Site` (every current one) or `Origin` (on every cross-origin
/// request); either must name this site. A request with neither is not from a browser's page
/// (curl, a script), unless it carries the session cookie: scripts use tokens.
fn from_this_site(headers: &HeaderMap, by_cookie: bool) -> bool {
    let header = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // `none`: typed in the address bar or a bookmark, never another site's doing.
        return site == "same-origin" || site == "none";
    }
    match (header(header::ORIGIN), header(header::HOST)) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host)),
        (Some(_), None) => false,
        (None, _) => !by_cookie,
    }
}

/// Pages an anonymous visitor of a private base may still open: signing in needs them.
fn open_to_everyone(path: &str) -> bool {
    matches!(path, "/sign-in" | "/setup") || path.starts_with(crate::client_files::ASSETS_PATH)
}

/// The session cookie's value, if the request has one.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// The bearer token of `Authorization`, if any; another scheme is refused rather than ignored,
/// so a script with a typo is told, not silently served as anonymous.
fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or_default();
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::Unauthenticated(
            "Send an API token as `Authorization: Bearer <token>`.".to_owned(),
        )),
    }
}

/// Who the client is: the peer, or, when the peer is a trusted proxy, the address it
/// reports (the last one in `X-Forwarded-For` that is not itself a trusted proxy).
fn client_of(headers: &HeaderMap, extensions: &Extensions, policy: &AccessPolicy) -> Client {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let served_over_tls = crate::startup::Transport::served_over_tls(extensions);
    let trusted = |ip: &IpAddr| policy.trusted_proxies.contains(ip);
    if !peer.as_ref().is_some_and(trusted) {
        return Client {
            address: peer,
            https: served_over_tls,
        };
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    let address = forwarded.into_iter().rev().find(|ip| !trusted(ip)).or(peer);
    let https = served_over_tls
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.eq_ignore_ascii_case("https"));
    Client { address, https }
}

/// Adds the cookie of `session` to `response`. HttpOnly: no script on the page can read it;
/// SameSite=Lax: another site's forms and fetches do not carry it (links to us still do, so a
/// link to a private base's note opens it for a signed-in reader).
pub fn set_cookie(response: &mut Response, session: &NewSession, https: bool) {
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
        session.secret,
        session.lifetime.as_secs(),
        if https { "; Secure" } else { "" }
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Tells the browser to forget the session cookie.
pub fn clear_cookie(response: &mut Response, https: bool) {
    let cookie = format!(
        "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
        if https { "; Secure" } else { "" }
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::contract::Role;
    use axum::http::StatusCode;

    fn status_of(result: Result<(), ApiError>) -> StatusCode {
        match result {
            Ok(()) => StatusCode::OK,
            Err(error) => error.status_and_code().0,
        }
    }

    fn user(role: Role, via: Via) -> Actor {
        Actor::User(SignedIn {
            id: 1,
            name: "ann".to_owned(),
            role,
            created_at: 0,
            via,
        })
    }

    fn session() -> Via {
        Via::Session {
            token_hash: String::new(),
            expires_at: 0,
            renewed: false,
        }
    }

    #[test]
    fn every_endpoint_of_the_table_has_a_permission_the_server_finds() {
        for endpoint in ENDPOINTS {
            let method = Method::from_bytes(endpoint.method.as_str().as_bytes()).unwrap();
            assert_eq!(
                permission_of(&method, endpoint.path),
                Some(endpoint.permission),
                "{}",
                endpoint.name
            );
        }
        assert_eq!(permission_of(&Method::GET, "/api/made-up"), None);
    }

    #[test]
    fn a_read_token_may_read_but_not_write_even_for_an_admin() {
        let policy = AccessPolicy::default();
        let token = user(
            Role::Admin,
            Via::Token {
                id: 1,
                scope: TokenScope::Read,
            },
        );
        assert_eq!(
            status_of(allowed(
                &token,
                Permission::Admin,
                &Method::GET,
                &policy,
                false
            )),
            StatusCode::OK
        );
        assert_eq!(
            status_of(allowed(
                &token,
                Permission::Write,
                &Method::PUT,
                &policy,
                false
            )),
            StatusCode::FORBIDDEN
        );
    }

    #[test]
    fn a_private_base_asks_anonymous_readers_to_sign_in_and_says_when_a_session_ended() {
        let policy = AccessPolicy {
            public_read: false,
            ..Default::default()
        };
        let error = allowed(
            &Actor::Anonymous,
            Permission::Read,
            &Method::GET,
            &policy,
            true,
        )
        .unwrap_err();
        assert_eq!(error.status_and_code().0, StatusCode::UNAUTHORIZED);
        assert!(error.to_string().contains("session has ended"), "{error}");
        assert_eq!(
            status_of(allowed(
                &user(Role::Reader, session()),
                Permission::Read,
                &Method::GET,
                &policy,
                false
            )),
            StatusCode::OK
        );
    }

    #[test]
    fn a_state_changing_request_must_name_this_site() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "lore.example:8080".parse().unwrap());
        assert!(from_this_site(&headers, false), "curl, no cookie");
        assert!(
            !from_this_site(&headers, true),
            "a cookie, no origin at all"
        );
        headers.insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert!(!from_this_site(&headers, false));
        headers.insert(header::ORIGIN, "http://lore.example:8080".parse().unwrap());
        assert!(from_this_site(&headers, true));
        headers.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(!from_this_site(&headers, true));
        headers.insert("sec-fetch-site", "same-origin".parse().unwrap());
        assert!(from_this_site(&headers, true));
    }

    #[test]
    fn only_the_session_cookie_is_read_from_the_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "theme=dark; lore_session=abc; other=1".parse().unwrap(),
        );
        assert_eq!(session_cookie(&headers), Some("abc"));
        headers.insert(header::COOKIE, "lore_sessionx=abc".parse().unwrap());
        assert_eq!(session_cookie(&headers), None);
    }
}
