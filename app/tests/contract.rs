//! The contract's wire format, checked on the host: these JSON shapes are what other clients
//! (curl, scripts, a future CLI) rely on, so a change here must be deliberate.
#![cfg(not(target_arch = "wasm32"))]

use app::api::ClientError;
use app::contract::{
    DocumentId, DocumentQuery, ENDPOINTS, Endpoint, ErrorCode, ErrorEnvelope, GetDocument, Hello,
    HelloResponse, ListDocuments, Method, Permission, request_url, tag_page,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashSet;

#[test]
fn the_greeting_serializes_to_the_documented_json() {
    let hello = HelloResponse {
        text: "Hello, client!".to_owned(),
    };
    assert_eq!(
        serde_json::to_value(&hello).unwrap(),
        json!({"text": "Hello, client!"})
    );
}

#[test]
fn the_error_envelope_has_the_documented_shape() {
    let envelope = ErrorEnvelope::new(ErrorCode::NotFound, "No API endpoint GET /api/nope.");
    assert_eq!(
        serde_json::to_value(&envelope).unwrap(),
        json!({"error": {"code": "not_found", "message": "No API endpoint GET /api/nope."}})
    );
}

#[test]
fn an_error_code_from_a_newer_server_still_decodes() {
    let envelope: ErrorEnvelope = serde_json::from_value(
        json!({"error": {"code": "quota_exceeded", "message": "Too many notes."}}),
    )
    .unwrap();
    assert_eq!(envelope.error.code, ErrorCode::Unknown);
    assert_eq!(envelope.error.message, "Too many notes.");
}

#[test]
fn every_endpoint_lives_under_api_and_is_declared_once() {
    let mut seen = HashSet::new();
    for endpoint in ENDPOINTS {
        assert!(
            endpoint.path.starts_with("/api/"),
            "{} is outside /api/",
            endpoint.name
        );
        assert!(
            seen.insert((endpoint.method, endpoint.path)),
            "{} {} is declared twice",
            endpoint.method.as_str(),
            endpoint.path
        );
    }
    let names: Vec<_> = ENDPOINTS.iter().map(|e| e.name).collect();
    assert!(
        names.starts_with(&["Hello", "Health", "Ready"]),
        "{names:?}"
    );
}

#[test]
fn a_path_field_fills_its_segment_and_the_rest_become_the_query() {
    let one = DocumentId {
        id: "web-client-server".to_owned(),
    };
    assert_eq!(
        request_url::<GetDocument>(&one).unwrap(),
        "/api/documents/web-client-server"
    );
    let query = DocumentQuery {
        tag: Some("system design".to_owned()),
        limit: Some(10),
        ..DocumentQuery::default()
    };
    assert_eq!(
        request_url::<ListDocuments>(&query).unwrap(),
        "/api/documents?tag=system+design&limit=10"
    );
}

#[test]
fn a_request_without_fields_adds_no_query_string() {
    assert_eq!(request_url::<Hello>(&()).unwrap(), "/api/hello");
}

/// An endpoint declared here only to exercise request encoding for reads and writes.
struct Search;
#[derive(Serialize, Deserialize)]
struct SearchRequest {
    q: String,
    limit: u32,
}
impl Endpoint for Search {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/api/search";
    const PERMISSION: Permission = Permission::Read;
    type Request = SearchRequest;
    type Response = ();
}
struct Create;
impl Endpoint for Create {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/api/things";
    const PERMISSION: Permission = Permission::Write;
    type Request = SearchRequest;
    type Response = ();
}

#[test]
fn a_read_request_travels_in_the_query_string_percent_encoded() {
    let request = SearchRequest {
        q: "load balancer & proxy".to_owned(),
        limit: 5,
    };
    assert_eq!(
        request_url::<Search>(&request).unwrap(),
        "/api/search?q=load+balancer+%26+proxy&limit=5"
    );
}

#[test]
fn a_write_request_goes_to_the_bare_path_because_it_travels_as_the_body() {
    let request = SearchRequest {
        q: "ignored in the url".to_owned(),
        limit: 1,
    };
    assert_eq!(request_url::<Create>(&request).unwrap(), "/api/things");
}

#[test]
fn retry_is_offered_for_outages_but_not_for_mistakes_retrying_cannot_fix() {
    let unreachable = ClientError::Unreachable("connection refused".to_owned());
    let not_found = ClientError::Api {
        status: 404,
        envelope: ErrorEnvelope::new(ErrorCode::NotFound, "No such note."),
    };
    let unavailable = ClientError::Api {
        status: 503,
        envelope: ErrorEnvelope::new(ErrorCode::Unavailable, "The database is not reachable."),
    };
    assert!(unreachable.is_retryable());
    assert!(!not_found.is_retryable());
    assert!(unavailable.is_retryable());
}

#[test]
fn an_api_error_reads_as_the_servers_message() {
    let error = ClientError::Api {
        status: 503,
        envelope: ErrorEnvelope::new(ErrorCode::Unavailable, "The database is not reachable."),
    };
    assert_eq!(error.to_string(), "The database is not reachable.");
}

#[test]
fn a_tag_page_address_keeps_a_nested_tags_slash_and_encodes_the_rest() {
    assert_eq!(tag_page("rust"), "/tags/rust");
    assert_eq!(tag_page("area/networking"), "/tags/area/networking");
    assert_eq!(tag_page("c# notes?"), "/tags/c%23%20notes%3F");
    assert_eq!(tag_page("café"), "/tags/caf%C3%A9");
}
