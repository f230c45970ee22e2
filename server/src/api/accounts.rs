//! Accounts over HTTP: the session (sign in, sign out, who am I), the first admin, users
//! (admins only) and the signed-in user's API tokens. Each handler is one call to the
//! [service](crate::service::accounts); setting and clearing the session cookie is the only
//! thing done here, being HTTP's.

use super::{Acting, Body, Path, Reply};
use crate::access::{Client, clear_cookie, set_cookie};
use crate::error::ApiError;
use crate::service::accounts::NewSession;
use app::contract::{
    CreateToken, CreateUser, Credentials, Endpoint, FirstAdmin, GetSession, ListTokens, ListUsers,
    NewToken, NewUser, PasswordChange, RemoveUser, RevokeToken, SessionInfo, TokenId, UpdateUser,
    UserChange, UserName,
};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `GET /api/session`.
pub async fn get_session(Acting(service): Acting) -> Reply<GetSession> {
    Ok(Json(service.session_info().await?))
}

/// `POST /api/session`: the session's cookie is set on the answer.
pub async fn sign_in(
    Acting(service): Acting,
    client: Client,
    Body(credentials): Body<Credentials>,
) -> Result<Response, ApiError> {
    let started = service.sign_in(&credentials, client.address).await?;
    Ok(with_session(StatusCode::OK, started, client))
}

/// `DELETE /api/session`: the cookie is cleared as the session ends.
pub async fn sign_out(Acting(service): Acting, client: Client) -> Result<Response, ApiError> {
    let info = service.sign_out().await?;
    let mut response = Json(info).into_response();
    clear_cookie(&mut response, client.https);
    Ok(response)
}

/// `PUT /api/session/password`: the new session's cookie replaces the old one.
pub async fn change_password(
    Acting(service): Acting,
    client: Client,
    Body(change): Body<PasswordChange>,
) -> Result<Response, ApiError> {
    let started = service.change_own_password(&change, client.address).await?;
    Ok(with_session(StatusCode::OK, started, client))
}

/// `POST /api/setup`: the first admin, signed in at once.
pub async fn set_up(
    Acting(service): Acting,
    client: Client,
    Body(first): Body<FirstAdmin>,
) -> Result<Response, ApiError> {
    let started = service.set_up(&first).await?;
    Ok(with_session(StatusCode::CREATED, started, client))
}

/// The answer to a request that started a session: `status` with who is now signed in, and
/// the new session's cookie.
fn with_session(
    status: StatusCode,
    (info, session): (SessionInfo, NewSession),
    client: Client,
) -> Response {
    let mut response = (status, Json(info)).into_response();
    set_cookie(&mut response, &session, client.https);
    response
}

/// `GET /api/users`.
pub async fn list_users(Acting(service): Acting) -> Reply<ListUsers> {
    Ok(Json(service.users().await?))
}

/// `POST /api/users`: 201 with the account.
pub async fn create_user(
    Acting(service): Acting,
    Body(user): Body<NewUser>,
) -> Result<(StatusCode, Json<<CreateUser as Endpoint>::Response>), ApiError> {
    Ok((StatusCode::CREATED, Json(service.add_user(&user).await?)))
}

/// `PUT /api/users/{name}`: the path names the account; the body's `name` fills the path on
/// the client and is not read again.
pub async fn update_user(
    Acting(service): Acting,
    Path(UserName { name }): Path<UserName>,
    Body(change): Body<UserChange>,
) -> Reply<UpdateUser> {
    let change = UserChange { name, ..change };
    Ok(Json(service.change_user(&change).await?))
}

/// `DELETE /api/users/{name}`.
pub async fn remove_user(
    Acting(service): Acting,
    Path(UserName { name }): Path<UserName>,
) -> Reply<RemoveUser> {
    Ok(Json(service.remove_user(&name).await?))
}

/// `GET /api/tokens`.
pub async fn list_tokens(Acting(service): Acting) -> Reply<ListTokens> {
    Ok(Json(service.tokens().await?))
}

/// `POST /api/tokens`: 201 with the secret, shown this once.
pub async fn create_token(
    Acting(service): Acting,
    Body(token): Body<NewToken>,
) -> Result<(StatusCode, Json<<CreateToken as Endpoint>::Response>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(service.create_token(&token).await?),
    ))
}

/// `DELETE /api/tokens/{id}`.
pub async fn revoke_token(
    Acting(service): Acting,
    Path(TokenId { id }): Path<TokenId>,
) -> Reply<RevokeToken> {
    Ok(Json(service.revoke_token(id).await?))
}
