//! The published description of the API (`GET /api/openapi.json`): complete against the
//! endpoint table, self-consistent, and changed only on purpose.

use crate::helpers::TestApp;
use app::contract::{ENDPOINTS, Permission};
use serde_json::Value;
use std::path::Path;

/// The description as an anonymous script fetches it.
async fn description(app: &TestApp) -> Value {
    let response = app
        .anonymous()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

/// Every `$ref` in `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                found.push(target.clone());
            }
            map.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn every_endpoint_of_the_table_is_described_with_its_failures_and_who_may_call_it() {
    let app = TestApp::spawn().await;
    let description = description(&app).await;
    assert_eq!(description["openapi"], "3.1.0");
    for endpoint in ENDPOINTS {
        let method = endpoint.method.as_str().to_lowercase();
        let operation = &description["paths"][endpoint.described_path().as_str()][&method];
        assert_eq!(
            operation["operationId"],
            endpoint.name,
            "{} {} is not described",
            endpoint.method.as_str(),
            endpoint.path
        );
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses.contains_key("200") || responses.contains_key("201"),
            "{}: no success",
            endpoint.name
        );
        for status in ["400", "503"] {
            let envelope = &responses[status]["content"]["application/json"]["schema"]["$ref"];
            assert_eq!(
                envelope, "#/components/schemas/ErrorEnvelope",
                "{}: {status} is not the error envelope",
                endpoint.name
            );
        }
        let needs_caller = endpoint.permission != Permission::Anyone;
        if needs_caller {
            assert!(responses.contains_key("401"), "{}", endpoint.name);
            assert!(responses.contains_key("403"), "{}", endpoint.name);
        }
        assert_eq!(
            operation.get("security").is_some(),
            needs_caller,
            "{}",
            endpoint.name
        );
        for parameter in endpoint
            .described_path()
            .split('/')
            .filter(|s| s.starts_with('{'))
        {
            let name = parameter.trim_matches(['{', '}']);
            let declared = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == name && p["in"] == "path");
            assert!(declared, "{}: path parameter {name}", endpoint.name);
        }
    }
    let schemes = &description["components"]["securitySchemes"];
    assert_eq!(schemes["token"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["name"], "lore_session");

    let mut found = Vec::new();
    references(&description, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{target} is not a schema"));
        assert!(
            description["components"]["schemas"].get(name).is_some(),
            "{target} does not resolve"
        );
    }
}

#[tokio::test]
async fn the_description_changes_only_with_its_snapshot() {
    let app = TestApp::spawn().await;
    let mut description = description(&app).await;
    // The version moves with every release; the snapshot is about the shape.
    description["info"]["version"] = Value::String("(version)".to_owned());
    let current = serde_json::to_string_pretty(&description).unwrap() + "\n";
    let snapshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/snapshots/openapi.json");
    if std::env::var_os("LORE_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &current).unwrap();
        return;
    }
    let kept = std::fs::read_to_string(&snapshot).unwrap_or_default();
    assert!(
        kept == current,
        "GET /api/openapi.json changed: if on purpose, run `LORE_UPDATE_SNAPSHOTS=1 cargo test -p \
         server --test api openapi` and commit {} with the change",
        snapshot.display()
    );
}

#[tokio::test]
async fn the_reference_page_lists_every_endpoint_and_schema_and_runs_no_script() {
    let app = TestApp::spawn().await;
    let description = description(&app).await;
    let response = app
        .anonymous()
        .get(app.url("/api/reference"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.starts_with("default-src 'none'; style-src 'sha256-"),
        "{policy}"
    );
    assert!(!policy.contains("script-src"), "{policy}");
    let page = response.text().await.unwrap();
    assert!(!page.contains("<script"), "the page holds a script");
    for endpoint in ENDPOINTS {
        assert!(
            page.contains(&format!("<article id=\"{}\">", endpoint.name)),
            "{} is not on the page",
            endpoint.name
        );
        assert!(
            page.contains(&format!(
                "<code>{} {}</code>",
                endpoint.method.as_str(),
                endpoint.described_path()
            )),
            "{} {} is not in the page's index",
            endpoint.method.as_str(),
            endpoint.path
        );
    }
    for schema in description["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(
            page.contains(&format!("<article id=\"schema-{schema}\">")),
            "schema {schema} is not on the page"
        );
        assert!(
            page.contains(&format!("href=\"#schema-{schema}\"")),
            "nothing on the page links to schema {schema}"
        );
    }
}

#[tokio::test]
async fn readme_lists_the_endpoints_as_the_description_does() {
    let app = TestApp::spawn().await;
    let table = server::api::reference::endpoint_table(&description(&app).await);
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let (start, end) = ("<!-- endpoints: start -->\n", "<!-- endpoints: end -->");
    let from = readme.find(start).expect("README marks its endpoint table") + start.len();
    let to = readme
        .find(end)
        .expect("README marks the end of its endpoint table");
    if std::env::var_os("LORE_UPDATE_SNAPSHOTS").is_some() {
        let updated = format!("{}{table}{}", &readme[..from], &readme[to..]);
        std::fs::write(&readme_path, updated).unwrap();
        return;
    }
    assert!(
        readme[from..to] == table,
        "README's endpoint table is not the description's: run `LORE_UPDATE_SNAPSHOTS=1 cargo \
         test -p server --test api openapi` and commit README.md"
    );
}
