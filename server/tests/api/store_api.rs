//! The UI's data interface on the server (`StoreApi`) answers exactly what the HTTP API answers,
//! errors included: one data path for pages, whichever side renders them.

use crate::helpers::TestApp;
use app::api::ClientError;
use app::contract::{
    CreateNote, DiffQuery, DocumentQuery, DocumentView, ErrorCode, NoteDraft, SearchQuery,
    SearchResults,
};
use server::service::Actor;
use server::store_api::StoreApi;

async fn with_notes() -> (TestApp, app::api::Api) {
    let app = TestApp::spawn().await;
    app.import_ok(&[
        (
            "dns.md",
            b"---\ntags: [networking]\n---\n# DNS\n\nNames to addresses.\n",
        ),
        (
            "http.md",
            b"---\nprerequisites: [dns]\n---\n# HTTP\n\nSee [DNS](dns.md).\n",
        ),
    ])
    .await;
    let api = StoreApi::api(app.state.clone(), Actor::Anonymous);
    (app, api)
}

#[tokio::test]
async fn reads_through_the_store_equal_the_http_answers() {
    let (app, api) = with_notes().await;
    let over_http: DocumentView = app.get_json("/api/documents/http").await;
    assert_eq!(api.document("http".into()).await.unwrap(), over_http);
    let list = api.documents(DocumentQuery::default()).await.unwrap();
    assert_eq!(list, app.get_json("/api/documents").await);
    assert_eq!(
        api.tags().await.unwrap(),
        app.get_json::<Vec<_>>("/api/tags").await
    );
    assert_eq!(
        api.wanted().await.unwrap(),
        app.get_json::<Vec<_>>("/api/wanted").await
    );
    let query = SearchQuery {
        q: "adresses".into(),
        ..SearchQuery::default()
    };
    let found = api.search(query).await.unwrap();
    assert_eq!(
        found,
        app.get_json::<SearchResults>("/api/search?q=adresses")
            .await
    );
    assert_eq!(found.did_you_mean.as_deref(), Some("addresses"));
    let diff = api
        .diff(DiffQuery {
            id: "dns".into(),
            from: 0,
            to: 1,
        })
        .await
        .unwrap();
    assert_eq!(
        diff,
        app.get_json("/api/documents/dns/diff?from=0&to=1").await
    );
}

#[tokio::test]
async fn failures_arrive_as_the_browser_would_decode_them() {
    let (app, api) = with_notes().await;
    let missing = api.document("nowhere".into()).await.unwrap_err();
    let over_http = TestApp::expect_error(app.get("/api/documents/nowhere").await, 404).await;
    assert_eq!(
        missing,
        ClientError::Api {
            status: 404,
            envelope: over_http
        }
    );
    let bad_limit = api
        .documents(DocumentQuery {
            limit: Some(0),
            ..DocumentQuery::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(bad_limit, ClientError::Api { status: 400, .. }));
}

#[tokio::test]
async fn rendering_a_page_never_writes() {
    let (app, api) = with_notes().await;
    let refused = api
        .create(CreateNote {
            draft: NoteDraft {
                id: "new".into(),
                title: "New".into(),
                ..NoteDraft::default()
            },
            summary: String::new(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, ClientError::Api { status: 405, envelope } if envelope.error.code == ErrorCode::MethodNotAllowed),
        "{refused:?}"
    );
    TestApp::expect_error(app.get("/api/documents/new").await, 404).await;
}
