//! Endpoints about the service itself rather than its content: the greeting, and the probes a
//! load balancer uses to decide whether to send traffic to this replica, and the API's own
//! OpenAPI description and its reference page.

use super::{Acting, Reply};
use app::contract::{Health, HealthResponse, Hello, Ready};
use axum::Json;
use axum::http::{HeaderValue, header};
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

/// The contract's description as JSON, made once per process (it depends only on the code).
fn description() -> &'static str {
    static DESCRIPTION: OnceLock<String> = OnceLock::new();
    DESCRIPTION.get_or_init(|| {
        app::contract::openapi::description(env!("CARGO_PKG_VERSION"))
            .to_pretty_json()
            .unwrap_or_default()
    })
}

/// `GET /api/openapi.json`.
pub async fn get_openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], description())
}

/// `GET /api/reference`: the description as a page, made once per process. Its policy allows
/// its one inline style sheet (by hash) and nothing else: no script, nothing from elsewhere.
pub async fn get_api_reference() -> impl IntoResponse {
    static PAGE: OnceLock<(String, HeaderValue)> = OnceLock::new();
    let (page, policy) = PAGE.get_or_init(|| {
        let json = serde_json::from_str(description()).unwrap_or_default();
        let policy = format!(
            "default-src 'none'; style-src {}; frame-ancestors 'none'; base-uri 'none'; \
             form-action 'none'",
            crate::security::source_hash(super::reference::STYLE)
        );
        (
            super::reference::page(&json),
            HeaderValue::from_str(&policy).expect("a hash is base64"),
        )
    });
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, policy.clone()),
        ],
        page.as_str(),
    )
}
