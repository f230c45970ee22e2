//! The API's handlers, one module per feature. [`routes`](crate::routes) says which path
//! each one answers; the paths and types come from `app::contract`.

pub mod meta;

use app::contract::Endpoint;
use axum::Json;

/// What a handler for endpoint `E` returns: the contract's response type as JSON, or an
/// [`ApiError`](crate::error::ApiError). Naming `E` in the signature ties the handler to its
/// endpoint's declared types, so a contract change fails to compile here.
pub type Reply<E> = Result<Json<<E as Endpoint>::Response>, crate::error::ApiError>;
