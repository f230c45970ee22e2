//! The API's handlers, one module per feature. [`routes`](crate::routes) says which path
//! each one answers; the paths and types come from `app::contract`.

pub mod documents;
pub mod meta;
pub mod search;
pub mod transfer;

use crate::error::ApiError;
use app::contract::Endpoint;
use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// What a handler for endpoint `E` returns: the contract's response type as JSON, or an
/// [`ApiError`](crate::error::ApiError). Naming `E` in the signature ties the handler to its
/// endpoint's declared types, so a contract change fails to compile here.
pub type Reply<E> = Result<Json<<E as Endpoint>::Response>, crate::error::ApiError>;

/// axum's `Query`, but a malformed query string is answered with our envelope (400) instead of
/// axum's plain-text rejection.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|query| Query(query.0))
            .map_err(|rejection| ApiError::BadRequest(rejection.body_text()))
    }
}
