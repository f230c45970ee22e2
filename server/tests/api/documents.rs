//! Reading the knowledge base over HTTP: documents, relationships, reading paths, lists and
//! their filters, the graph, wanted pages, and sanitized HTML.

use crate::helpers::TestApp;
use app::contract::{
    CollectionSummary, DocumentSummary, DocumentView, EdgeKind, ErrorCode, Graph, Page, TagCount,
    WantedPage,
};
use server::documents::demo;

/// A TestApp holding Lore's demo notes, imported over HTTP.
async fn with_demo_notes() -> TestApp {
    let app = TestApp::spawn().await;
    let files = demo::files();
    let parts: Vec<(&str, &[u8])> = files
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    app.import_ok(&parts).await;
    app
}

#[tokio::test]
async fn a_document_comes_with_metadata_rendered_html_and_a_table_of_contents() {
    let app = with_demo_notes().await;

    let doc: DocumentView = app
        .get_json("/api/documents/client-server-architecture")
        .await;

    assert_eq!(doc.summary.title, "Client-Server Architecture");
    assert_eq!(
        doc.summary.collection.as_ref().unwrap().title,
        "Architecture"
    );
    assert_eq!(
        doc.summary.tags,
        ["client_server", "architecture", "system_design"]
    );
    assert_eq!(doc.version.as_deref(), Some("1.0.0"));
    assert_eq!(doc.created_at.as_deref(), Some("2026-11-26"));
    assert!(doc.html.contains("<table>"), "{}", doc.html);
    assert!(
        doc.html.contains(r#"<a href="/notes/load-balancer""#),
        "{}",
        doc.html
    );
    let toc: Vec<_> = doc
        .headings
        .iter()
        .map(|h| (h.level, h.anchor.as_str()))
        .collect();
    assert_eq!(
        toc,
        [
            (1, "client-server-architecture"),
            (2, "tiers"),
            (2, "the-contract"),
            (2, "checklist-for-a-new-service")
        ]
    );
    assert_eq!(doc.source_path, "architecture/client-server.md");
}

#[tokio::test]
async fn relationships_given_as_paths_or_ids_resolve_and_backlinks_are_listed() {
    let app = with_demo_notes().await;

    let lb: DocumentView = app.get_json("/api/documents/load-balancer").await;

    let prerequisites: Vec<_> = lb
        .prerequisites
        .iter()
        .map(|r| (r.id.as_str(), r.exists))
        .collect();
    assert_eq!(
        prerequisites,
        [("client-server-architecture", true), ("http", true)]
    );
    assert_eq!(lb.related[0].title, "Proxy");
    let backlinks: Vec<_> = lb.backlinks.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(backlinks, ["client-server-architecture", "proxy"]);
}

#[tokio::test]
async fn the_reading_path_lists_every_transitive_prerequisite_in_dependency_order() {
    let app = with_demo_notes().await;

    let lb: DocumentView = app.get_json("/api/documents/load-balancer").await;

    let path: Vec<_> = lb.reading_path.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(path, ["tcp", "http", "client-server-architecture"]);
    assert!(lb.cycles.is_empty());
}

#[tokio::test]
async fn a_prerequisite_cycle_is_reported_not_looped_on() {
    let app = TestApp::spawn().await;
    app.import_ok(&[
        (
            "a.md",
            b"---\nrelationships:\n  prerequisites: [b]\n---\n# A\n",
        ),
        (
            "b.md",
            b"---\nrelationships:\n  prerequisites: [a]\n---\n# B\n",
        ),
    ])
    .await;

    let a: DocumentView = app.get_json("/api/documents/a").await;

    assert_eq!(
        a.reading_path
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["b"]
    );
    assert_eq!(a.cycles, [vec!["a", "b", "a"]]);
}

#[tokio::test]
async fn an_unknown_document_is_a_json_404() {
    let app = with_demo_notes().await;

    let envelope = TestApp::expect_error(app.get("/api/documents/no-such-note").await, 404).await;

    assert_eq!(envelope.error.code, ErrorCode::NotFound);
    assert!(envelope.error.message.contains("no-such-note"));
    TestApp::expect_error(app.get("/api/documents/no-such-note/raw").await, 404).await;
}

#[tokio::test]
async fn the_document_list_pages_sorts_and_filters() {
    let app = with_demo_notes().await;

    let all: Page<DocumentSummary> = app.get_json("/api/documents").await;
    let titles: Vec<_> = all.items.iter().map(|d| d.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Client-Server Architecture",
            "HTTP and HTTPS",
            "Load Balancer",
            "Proxy",
            "TCP"
        ]
    );
    assert_eq!(all.total, 5);

    let page: Page<DocumentSummary> = app.get_json("/api/documents?limit=2&offset=2").await;
    assert_eq!(
        page.items.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["load-balancer", "proxy"]
    );
    assert_eq!((page.total, page.offset, page.limit), (5, 2, 2));

    let tagged: Page<DocumentSummary> = app.get_json("/api/documents?tag=protocols").await;
    assert_eq!(
        tagged
            .items
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>(),
        ["http", "tcp"]
    );

    let networking: Page<DocumentSummary> =
        app.get_json("/api/documents?collection=networking").await;
    assert_eq!(networking.total, 2);

    let recent: Page<DocumentSummary> = app.get_json("/api/documents?sort=updated&limit=1").await;
    assert_eq!(recent.items.len(), 1);
}

#[tokio::test]
async fn a_bad_list_query_is_a_400_naming_the_problem() {
    let app = with_demo_notes().await;

    let envelope = TestApp::expect_error(app.get("/api/documents?limit=0").await, 400).await;
    assert!(
        envelope.error.message.contains("limit"),
        "{}",
        envelope.error.message
    );
    let envelope = TestApp::expect_error(app.get("/api/documents?sort=sideways").await, 400).await;
    assert!(
        envelope.error.message.contains("sort"),
        "{}",
        envelope.error.message
    );
    TestApp::expect_error(app.get("/api/documents?offset=-1").await, 400).await;
}

#[tokio::test]
async fn tags_and_collections_are_counted() {
    let app = with_demo_notes().await;

    let tags: Vec<TagCount> = app.get_json("/api/tags").await;
    assert_eq!(tags[0].tag, "networking");
    assert_eq!(tags[0].count, 4);

    let collections: Vec<CollectionSummary> = app.get_json("/api/collections").await;
    let summary: Vec<_> = collections
        .iter()
        .map(|c| (c.title.as_str(), c.count))
        .collect();
    assert_eq!(
        summary,
        [("Architecture", 1), ("Networking", 2), ("System design", 2)]
    );
}

#[tokio::test]
async fn the_graph_has_every_document_wanted_page_and_typed_edge() {
    let app = with_demo_notes().await;

    let graph: Graph = app.get_json("/api/graph").await;

    assert_eq!(graph.nodes.len(), 6, "5 notes and the wanted `caching`");
    assert!(graph.nodes.iter().any(|n| n.id == "caching" && !n.exists));
    assert!(graph.edges.iter().any(|e| e.source == "load-balancer"
        && e.target == "http"
        && e.kind == EdgeKind::Prerequisite));
    assert!(
        graph
            .edges
            .iter()
            .any(|e| e.source == "proxy" && e.target == "caching" && e.kind == EdgeKind::Link)
    );
}

#[tokio::test]
async fn wanted_pages_list_who_wants_them() {
    let app = with_demo_notes().await;

    let wanted: Vec<WantedPage> = app.get_json("/api/wanted").await;

    assert_eq!(wanted.len(), 1);
    assert_eq!(wanted[0].id, "caching");
    assert_eq!(wanted[0].wanted_by[0].id, "proxy");
    let proxy: DocumentView = app.get_json("/api/documents/proxy").await;
    assert!(
        proxy.html.contains(r#"href="/wanted/caching""#),
        "{}",
        proxy.html
    );
}

#[tokio::test]
async fn writing_a_wanted_page_turns_links_to_it_into_real_links() {
    let app = with_demo_notes().await;

    app.import_ok(&[(
        "system_design/caching.md",
        b"# Caching\n\nKeep answers close.\n",
    )])
    .await;

    let proxy: DocumentView = app.get_json("/api/documents/proxy").await;
    assert!(
        proxy.html.contains(r#"href="/notes/caching""#),
        "{}",
        proxy.html
    );
    let wanted: Vec<WantedPage> = app.get_json("/api/wanted").await;
    assert!(wanted.is_empty(), "{wanted:?}");
}

#[tokio::test]
async fn script_and_handler_payloads_in_a_note_are_inert_in_its_html() {
    let app = TestApp::spawn().await;
    let note = "# Hostile\n\n<script>alert('x')</script>\n\n<img src=x onerror=\"alert(1)\">\n\n[click](javascript:alert(1))\n\n<a href=\"jAvAsCrIpT:alert(1)\">y</a>\n\n<svg><script>alert(1)</script></svg>\n";
    app.import_ok(&[("hostile.md", note.as_bytes())]).await;

    let doc: DocumentView = app.get_json("/api/documents/hostile").await;

    let html = doc.html.to_ascii_lowercase();
    for forbidden in ["<script", "onerror", "javascript:"] {
        assert!(
            !html.contains(forbidden),
            "{forbidden} survived in {}",
            doc.html
        );
    }
    assert!(html.contains("<img src=\"x\">"), "{}", doc.html);
}

#[tokio::test]
async fn html_from_an_older_renderer_is_rendered_again_at_start_up() {
    let app = with_demo_notes().await;
    // As a base made before notes kept their plain text: the migration gave them their Markdown.
    app.execute(
        "UPDATE documents SET html = 'stale', plain_text = 'zanzibar ' || body, \
         render_version = 0 WHERE id = 'tcp'",
    )
    .await;
    let search = |q: &'static str| {
        let app = &app;
        async move {
            let found: app::contract::SearchResults =
                app.get_json(&format!("/api/search?q={q}")).await;
            found
                .hits
                .into_iter()
                .map(|hit| hit.document.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("zanzibar").await, ["tcp"]);

    let rendered = app.service().rerender_stale().await.unwrap();

    assert_eq!(rendered, 1);
    let tcp: DocumentView = app.get_json("/api/documents/tcp").await;
    assert!(
        tcp.html.contains("Reliable, ordered") || tcp.html.contains("reliable, ordered"),
        "{}",
        tcp.html
    );
    assert_eq!(app.service().rerender_stale().await.unwrap(), 0);
    // Search reads the text rendered again.
    assert!(search("zanzibar").await.is_empty());
    assert!(search("tcp").await.contains(&"tcp".to_owned()));
}

#[tokio::test]
async fn the_demo_notes_load_into_an_empty_base_and_never_over_existing_notes() {
    let app = TestApp::spawn().await;
    app.import_ok(&[("mine.md", b"# Mine\n")]).await;

    assert!(!app.service().load_demo_if_empty().await.unwrap());
    let list: Page<DocumentSummary> = app.get_json("/api/documents").await;
    assert_eq!(list.total, 1);

    let empty = TestApp::spawn().await;
    assert!(empty.service().load_demo_if_empty().await.unwrap());
    let list: Page<DocumentSummary> = empty.get_json("/api/documents").await;
    assert_eq!(list.total, 5);
}
