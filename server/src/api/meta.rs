//! Endpoints about the service itself rather than its content: the greeting, and the probes a
//! load balancer uses to decide whether to send traffic to this replica.

use super::Reply;
use crate::AppState;
use crate::error::ApiError;
use app::contract::{Health, HealthResponse, Hello, HelloResponse, Ready, ReadyResponse};
use axum::Json;
use axum::extract::State;

/// `GET /api/hello`.
pub async fn get_hello() -> Reply<Hello> {
    Ok(Json(HelloResponse {
        text: "Hello, client!".to_owned(),
    }))
}

/// `GET /api/health`: touches nothing but the process, so a slow database never makes a
/// healthy process look dead (that is what `/api/ready` is for).
pub async fn get_health() -> Reply<Health> {
    Ok(Json(HealthResponse {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }))
}

/// `GET /api/ready`: 200 when the database answers and its schema is in place, else 503.
pub async fn get_ready(State(state): State<AppState>) -> Reply<Ready> {
    state
        .store
        .check_ready()
        .await
        .map_err(ApiError::DatabaseUnavailable)?;
    Ok(Json(ReadyResponse {
        status: "ready".to_owned(),
        database: state.store.kind().to_owned(),
    }))
}
