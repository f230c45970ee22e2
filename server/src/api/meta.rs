//! Endpoints about the service itself rather than its content: the greeting, and the probes a
//! load balancer uses to decide whether to send traffic to this replica, and the API's own
//! OpenAPI description.

use super::{Acting, Reply};
use app::contract::{Health, HealthResponse, Hello, Ready};
use axum::Json;
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::OnceLock;

/// `GET /api/hello`.
pub async fn get_hello(Acting(service): Acting) -> Reply<Hello> {
    Ok(Json(service.hello()))
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
pub async fn get_ready(Acting(service): Acting) -> Reply<Ready> {
    Ok(Json(service.ready().await?))
}

/// `GET /api/openapi.json`: the contract's description, made once per process (it depends only
/// on the code).
pub async fn get_openapi() -> impl IntoResponse {
    static DESCRIPTION: OnceLock<String> = OnceLock::new();
    let json = DESCRIPTION.get_or_init(|| {
        app::contract::openapi::description(env!("CARGO_PKG_VERSION"))
            .to_pretty_json()
            .unwrap_or_default()
    });
    ([(header::CONTENT_TYPE, "application/json")], json.as_str())
}
