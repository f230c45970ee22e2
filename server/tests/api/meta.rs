//! The greeting, the probes, and the API's answers to requests it does not serve.

use crate::helpers::TestApp;
use app::contract::{
    CreateDocument, CreateNote, ENDPOINTS, Endpoint, ErrorCode, Health, Hello, Method, NoteDraft,
    Ready,
};

#[tokio::test]
async fn hello_greets_the_client_as_the_contract_says() {
    let app = TestApp::spawn().await;

    let response = app.get("/api/hello").await;

    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"text": "Hello, client!"}));
}

#[tokio::test]
async fn health_answers_ok_with_the_server_version() {
    let app = TestApp::spawn().await;

    let health = app.call::<Health>().await;

    assert_eq!(health.status, "ok");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn ready_reports_the_database_tier_when_it_answers() {
    let app = TestApp::spawn().await;

    let ready = app.call::<Ready>().await;

    assert_eq!(ready.status, "ready");
    assert_eq!(ready.database, app.store.kind());
    assert!(["sqlite", "postgres"].contains(&ready.database.as_str()));
}

#[tokio::test]
async fn ready_answers_503_with_the_envelope_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.store.close().await;

    let envelope = TestApp::expect_error(app.get("/api/ready").await, 503).await;

    assert_eq!(envelope.error.code, ErrorCode::Unavailable);
    assert!(envelope.error.message.contains("database"));
    // Liveness does not depend on the database: the process itself is fine.
    assert_eq!(app.get("/api/health").await.status(), 200);
}

#[tokio::test]
async fn reads_and_writes_answer_503_not_500_when_the_database_is_gone() {
    // A load balancer retries a 503 elsewhere; a 500 says this request was the problem.
    let app = TestApp::spawn().await;
    app.store.close().await;

    for response in [
        app.get("/api/documents").await,
        app.get("/api/search?q=tcp").await,
        app.get("/notes/client-server-architecture").await,
        app.send::<CreateDocument>(&CreateNote {
            draft: NoteDraft {
                id: "fresh".into(),
                title: "Fresh".into(),
                body: "# Fresh\n".into(),
                ..NoteDraft::default()
            },
            summary: String::new(),
        })
        .await,
    ] {
        let url = response.url().clone();
        assert_eq!(response.status(), 503, "{url}");
    }
    let envelope = TestApp::expect_error(app.get("/api/tags").await, 503).await;
    assert_eq!(envelope.error.code, ErrorCode::Unavailable);
    assert!(
        envelope.error.message.contains("try again"),
        "{}",
        envelope.error.message
    );
}

#[tokio::test]
async fn an_unknown_api_path_is_a_json_404_not_the_client_shell() {
    let app = TestApp::spawn().await;

    for path in ["/api/nope", "/api/documents/x/y", "/api", "/api/"] {
        let envelope = TestApp::expect_error(app.get(path).await, 404).await;
        assert_eq!(envelope.error.code, ErrorCode::NotFound, "{path}");
        assert!(envelope.error.message.contains(path), "{path}");
    }
}

#[tokio::test]
async fn a_wrong_method_on_a_known_path_is_a_json_405() {
    let app = TestApp::spawn().await;

    let response = app.client.post(app.url("/api/hello")).send().await.unwrap();

    let envelope = TestApp::expect_error(response, 405).await;
    assert_eq!(envelope.error.code, ErrorCode::MethodNotAllowed);
}

#[tokio::test]
async fn every_endpoint_in_the_contract_is_routed() {
    let app = TestApp::spawn().await;

    for endpoint in ENDPOINTS {
        let method = match endpoint.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        let response = app
            .client
            .request(method, app.url(endpoint.path))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        // A 404 may be the endpoint's own "no such document"; only the router's fallback says
        // "No API endpoint", and a 405 means the method is not routed.
        assert!(
            status != 405 && !body.contains("No API endpoint"),
            "{} {} is in the contract but not routed ({status}: {body})",
            endpoint.method.as_str(),
            endpoint.path
        );
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id_for_support_and_logs() {
    let app = TestApp::spawn().await;

    let response = app.get(Hello::PATH).await;

    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID, got {id}");
}
