//! The API's handlers, one module per feature. [`routes`](crate::routes) says which path
//! each one answers; the paths and types come from `app::contract`.
//!
//! Handlers only translate HTTP: they take the request apart with the extractors below (which
//! answer malformed input with the error envelope), call one [`Service`] method for the acting
//! party, and put its answer into a response.

pub mod accounts;
pub mod documents;
pub mod editing;
pub mod files;
pub mod meta;
pub mod reference;
pub mod search;
pub mod transfer;

use crate::AppState;
use crate::error::ApiError;
use crate::service::{Actor, Service};
use app::contract::Endpoint;
use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// What a handler for endpoint `E` returns: the contract's response type as JSON, or an
/// [`ApiError`](crate::error::ApiError). Naming `E` in the signature ties the handler to its
/// endpoint's declared types, so a contract change fails to compile here.
pub type Reply<E> = Result<Json<<E as Endpoint>::Response>, crate::error::ApiError>;

/// The workflows, for whoever sent the request (found by [`crate::access::identify`]).
pub struct Acting(pub Service);

impl FromRequestParts<AppState> for Acting {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Acting(Service::new(state.clone(), Actor::of(parts))))
    }
}

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

/// axum's `Path`, with the same envelope for a segment that does not parse (a revision
/// number that is not a number).
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|path| Path(path.0))
            .map_err(|rejection| ApiError::BadRequest(rejection.body_text()))
    }
}

/// axum's `Json` as an extractor, answering a body that is not the endpoint's JSON with our
/// envelope: 400 saying which field is wrong, or 413 when it is over the size limit.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Json::<T>::from_request(request, state)
            .await
            .map(|body| Body(body.0))
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge(rejection.body_text())
                } else {
                    ApiError::BadRequest(rejection.body_text())
                }
            })
    }
}
