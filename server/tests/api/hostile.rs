//! What a stranger can send: script smuggled into a page, archive bombs, work that would hold
//! the runtime, front matter that would break export, nesting that made rendering quadratic,
//! connections that never finish, paths no system can write back, and notes the editor used to
//! refuse. Each test failed before the fix it stands for; none measures time, except for a
//! generous bound on an answer that must come at all.

use crate::bombs::{long_file, overlapping_zip, tarball_of_zeros};
use crate::helpers::{Options, TestApp};
use crate::import_export::zip;
use app::contract::{
    CreateDocument, CreateNote, DiffQuery, DocumentId, EditDocument, EditableNote, GetDiff,
    NoteDraft, PreviewMarkdown, PreviewRequest, UpdateDocument, UpdateNote,
};
use server::Limits;
use server::documents::sources::UnpackLimits;
use server::startup::Connections;
use std::io::{Read, Write};
use std::time::Duration;

const SCRIPT: &str = "</title><script>alert(document.domain)</script>";

/// Asserts that no part of `html` a stranger wrote can run: no injected element or
/// attribute, no script in the document at all (these servers have no client to hydrate), and
/// a policy that allows no inline script but by hash.
fn assert_inert(what: &str, html: &str, policy: &str) {
    for payload in [
        "<script>alert",
        "<img src=x",
        "\" onerror",
        "</title><script",
    ] {
        assert!(!html.contains(payload), "{what}: `{payload}` in {html}");
    }
    let document = &html[..html.rfind("</html>").expect("a whole document")];
    assert!(!document.contains("<script"), "{what}: {document}");
    assert!(
        policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"),
        "{what}: {policy}"
    );
}

async fn page(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, response.text().await.unwrap(), policy)
}

#[tokio::test]
async fn markup_in_queries_and_addresses_never_reaches_a_page_as_markup() {
    let app = TestApp::spawn().await;
    let encoded: String = url::form_urlencoded::byte_serialize(SCRIPT.as_bytes()).collect();
    for path in [
        format!("/search?q={encoded}"),
        format!("/tags/{encoded}"),
        format!("/wanted/{encoded}"),
        format!("/collections/{encoded}"),
        format!("/notes/{encoded}"),
        format!("/notes/{encoded}/history"),
    ] {
        let (_, html, policy) = page(&app, &path).await;
        assert_inert(&path, &html, &policy);
    }
    let (_, html, _) = page(&app, &format!("/search?q={encoded}")).await;
    assert!(
        html.contains("<title>Search: &lt;/title&gt;&lt;script&gt;alert(document.domain)&lt;/script&gt; · Lore</title>"),
        "the query is shown as text: {html}"
    );
}

#[tokio::test]
async fn a_note_with_markup_in_every_field_is_inert_on_every_page_and_in_the_cache() {
    let app = TestApp::spawn().await;
    app.import_ok(&[(
        "hostile.md",
        format!(
            "---\nid: hostile\ntitle: \"Hello {SCRIPT}\"\ndescription: \"<img src=x onerror=alert(1)>\"\ntags: [\"{SCRIPT}\"]\ncollection: \"{SCRIPT}\"\nrelated: [\"{SCRIPT}\"]\n---\n# Body\n"
        )
        .as_bytes(),
    )])
    .await;
    // And through the editor: a title only the editor's own field holds.
    let response = app
        .send::<CreateDocument>(&CreateNote {
            draft: NoteDraft {
                id: "edited".into(),
                title: format!("Edited {SCRIPT}"),
                description: "<img src=x onerror=alert(2)>".into(),
                body: "Body\n".into(),
                ..NoteDraft::default()
            },
            summary: SCRIPT.into(),
        })
        .await;
    assert_eq!(response.status(), 201);
    for path in [
        "/",
        "/notes/hostile",
        "/notes/hostile/edit",
        "/notes/hostile/history",
        "/notes/edited",
        "/notes/edited/edit",
        "/notes/edited/history",
        "/graph",
        "/wanted",
        "/search?q=hello",
    ] {
        // Twice: once rendered, once from the cache every later reader gets.
        for attempt in ["rendered", "cached"] {
            let (status, html, policy) = page(&app, path).await;
            assert_eq!(status, 200, "{path} {attempt}");
            assert_inert(&format!("{path} {attempt}"), &html, &policy);
        }
    }
    let (_, html, _) = page(&app, "/notes/hostile").await;
    assert!(
        html.contains("<title>Hello &lt;/title&gt;&lt;script&gt;alert(document.domain)&lt;/script&gt; · Lore</title>"),
        "{html}"
    );
}

#[tokio::test]
async fn every_response_says_what_the_browser_may_do_with_it() {
    let app = TestApp::spawn().await;
    for path in ["/api/health", "/api/documents", "/nowhere", "/"] {
        let response = app.get(path).await;
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
    }
}

async fn with_limits(max_files: usize, max_bytes: u64) -> TestApp {
    TestApp::spawn_with(Options {
        limits: Some((
            Limits {
                unpack: UnpackLimits {
                    max_files,
                    max_bytes,
                },
                ..Limits::default()
            },
            2,
        )),
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn an_archive_bomb_is_refused_naming_the_limit_and_nothing_is_imported() {
    let app = with_limits(20_000, 8 * 1024 * 1024).await;
    // 2,000 entries of 1 MiB each from a zip of a few kilobytes: 2 GB of server memory before.
    let bomb = overlapping_zip(2_000, 1024 * 1024);
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    let response = app.import(&[("bomb.zip", &bomb)], true).await;
    let envelope = TestApp::expect_error(response, 413).await;
    assert!(
        envelope.error.message.contains("--import-max-bytes"),
        "{}",
        envelope.error.message
    );
    let page: app::contract::Page<app::contract::DocumentSummary> =
        app.get_json("/api/documents").await;
    assert_eq!(page.total, 0);
    // The same archive within the limits is an ordinary import.
    let small = overlapping_zip(3, 1024);
    assert_eq!(
        app.import_ok(&[("small.zip", &small)]).await.created.len(),
        3
    );
}

#[tokio::test]
async fn an_archive_of_more_files_than_allowed_is_refused() {
    let app = with_limits(100, 64 * 1024 * 1024).await;
    let many = overlapping_zip(101, 10);
    let envelope =
        TestApp::expect_error(app.import(&[("many.zip", &many)], false).await, 413).await;
    assert!(
        envelope.error.message.contains("--import-max-files"),
        "{}",
        envelope.error.message
    );
}

/// Starts `count` copies of a hostile request (each made by `send`), and while they run, asks
/// for `/api/health` over and over: every answer must come, within a bound far above what a
/// health check takes (a stalled runtime took tens of seconds).
async fn health_answers_while<F, Fut>(app: &TestApp, count: usize, send: F) -> Vec<u16>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = u16> + Send + 'static,
{
    let hostile: Vec<_> = (0..count).map(|_| tokio::spawn(send())).collect();
    // Give them a moment to start their work.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..10 {
        let answer = tokio::time::timeout(Duration::from_secs(5), app.get("/api/health"))
            .await
            .expect("health did not answer while hostile requests ran");
        assert_eq!(answer.status(), 200);
    }
    let mut statuses = Vec::new();
    for request in hostile {
        statuses.push(request.await.unwrap());
    }
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_while_diffs_previews_and_archives_keep_the_cpu_busy() {
    let app = with_limits(20_000, 16 * 1024 * 1024).await;
    // Two unrelated revisions of 50,000 lines: a quadratic diff took 19 s, and two stalled
    // health for 33 s.
    app.import_ok(&[("big.md", long_file(1, 50_000).as_bytes())])
        .await;
    app.import_ok(&[("big.md", long_file(2, 50_000).as_bytes())])
        .await;
    let url = app.url(
        &app::contract::request_url::<GetDiff>(&DiffQuery {
            id: "big".into(),
            from: 1,
            to: 2,
        })
        .unwrap(),
    );
    let client = app.client.clone();
    let statuses = health_answers_while(&app, 4, || {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let response = client.get(url).send().await.unwrap();
            let status = response.status().as_u16();
            let diff: app::contract::Diff = response.json().await.unwrap();
            assert!(diff.truncated, "a diff as long as both files is cut short");
            status
        }
    })
    .await;
    assert_eq!(statuses, [200; 4]);

    let preview = app.url("/api/preview");
    let statuses = health_answers_while(&app, 4, || {
        let (client, url) = (client.clone(), preview.clone());
        async move {
            let body = PreviewRequest {
                body: ">".repeat(100_000),
                flavor: Default::default(),
            };
            client
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    })
    .await;
    assert_eq!(statuses, [422; 4]);

    let import = app.url("/api/import");
    let zeros = tokio::task::spawn_blocking(|| tarball_of_zeros(256 * 1024 * 1024))
        .await
        .unwrap();
    let statuses = health_answers_while(&app, 2, || {
        let (client, url, zeros) = (client.clone(), import.clone(), zeros.clone());
        async move {
            let form = reqwest::multipart::Form::new().part(
                "files",
                reqwest::multipart::Part::bytes(zeros).file_name("zeros.tar.gz"),
            );
            client
                .post(url)
                .multipart(form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    })
    .await;
    assert_eq!(statuses, [413; 2]);
}

#[tokio::test]
async fn a_note_with_tens_of_thousands_of_tags_is_refused_by_count() {
    let app = TestApp::spawn().await;
    let response = app
        .send::<CreateDocument>(&CreateNote {
            draft: NoteDraft {
                id: "tagged".into(),
                title: "Tagged".into(),
                tags: (0..60_000).map(|i| format!("tag-{i}")).collect(),
                ..NoteDraft::default()
            },
            summary: String::new(),
        })
        .await;
    let envelope = TestApp::expect_error(response, 422).await;
    assert_eq!(envelope.error.problems[0].field.as_deref(), Some("tags"));
    let tags: String = (0..300).map(|i| format!("t{i}, ")).collect();
    let response = app
        .import(
            &[("many.md", format!("---\ntags: [{tags}]\n---\n").as_bytes())],
            false,
        )
        .await;
    let envelope = TestApp::expect_error(response, 422).await;
    assert!(envelope.error.problems[0].message.contains("tags"));
}

#[tokio::test]
async fn the_graph_page_of_a_large_base_shows_its_most_connected_notes() {
    let app = TestApp::spawn().await;
    let notes: Vec<(String, String)> = (0..400)
        .map(|i| {
            (
                format!("n{i}.md"),
                format!("---\nrelated: [n{}]\n---\n# Note {i}\n", (i + 1) % 400),
            )
        })
        .collect();
    app.import_notes_ok(&notes).await;
    let graph: app::contract::Graph = app.get_json("/api/graph?limit=50").await;
    assert_eq!((graph.nodes.len(), graph.total), (50, 400));
    let whole: app::contract::Graph = app.get_json("/api/graph").await;
    assert_eq!(whole.nodes.len(), 400);
    let (status, html, _) = page(&app, "/graph").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Showing the 300 most connected of 400 notes"),
        "{html}"
    );
    // A query string the page does not read is the same page, from the same cache entry.
    let (_, again, _) = page(&app, "/graph?x=1").await;
    assert_eq!(html, again);
}

#[tokio::test]
async fn front_matter_nested_too_deeply_is_refused_at_its_line_and_export_keeps_working() {
    let app = TestApp::spawn().await;
    app.import_ok(&[("fine.md", b"# Fine\n")]).await;
    let deep = format!(
        "---\ntitle: Deep\nextra: {}x{}\n---\n",
        "{a: ".repeat(45),
        "}".repeat(45)
    );
    let envelope = TestApp::expect_error(
        app.import(&[("deep.md", deep.as_bytes())], false).await,
        422,
    )
    .await;
    let problem = &envelope.error.problems[0];
    assert_eq!((problem.file.as_str(), problem.line), ("deep.md", 3));
    assert!(
        problem.message.contains("levels deep"),
        "{}",
        problem.message
    );
    assert_eq!(app.get("/api/export").await.status(), 200);
}

#[tokio::test]
async fn nesting_and_size_bombs_in_a_body_are_refused_with_the_line() {
    let app = TestApp::spawn().await;
    for (body, line) in [
        (format!("Intro\n\n{}", ">".repeat(100_000)), 3),
        ("<div>".repeat(200_000), 1),
        ("## same\n".repeat(120_000), 1),
    ] {
        let response = app
            .send::<PreviewMarkdown>(&PreviewRequest {
                body: body.clone(),
                flavor: Default::default(),
            })
            .await;
        let envelope = TestApp::expect_error(response, 422).await;
        let problem = &envelope.error.problems[0];
        assert_eq!(problem.field.as_deref(), Some("body"));
        assert!(
            problem.message.starts_with(&format!("Line {line}:")),
            "{}",
            problem.message
        );
        // And as a file to import: located in it.
        let file = format!("---\ntitle: Bomb\n---\n{body}");
        let envelope = TestApp::expect_error(
            app.import(&[("bomb.md", file.as_bytes())], false).await,
            422,
        )
        .await;
        assert_eq!(envelope.error.problems[0].line as usize, line + 3);
    }
}

async fn raw_connection(app: &TestApp) -> std::net::TcpStream {
    let stream = std::net::TcpStream::connect(app.socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
}

/// Reads until the server closes the connection; fails if it has not within the read timeout.
fn closed_by_the_server(mut stream: std::net::TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => received,
        Err(error) => panic!("the server kept the connection open: {error}"),
    }
}

/// A server with these connection limits.
async fn with_connections(header_timeout: Duration, max: usize) -> TestApp {
    TestApp::spawn_with(Options {
        connections: Some(Connections {
            header_timeout,
            max,
            ..Connections::default()
        }),
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn a_request_body_trickled_in_is_cut_off_at_the_request_deadline() {
    let app = TestApp::spawn_with(Options {
        limits: Some((
            Limits {
                request_timeout: Duration::from_millis(300),
                ..Limits::default()
            },
            2,
        )),
        ..Options::default()
    })
    .await;
    let mut stream = raw_connection(&app).await;
    stream
        .write_all(
            format!(
                "POST /api/preview HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"body\": \"",
                app.token
            )
            .as_bytes(),
        )
        .unwrap();
    let answer = tokio::task::spawn_blocking(move || {
        // A byte now and then, each well within the idle timeout.
        for _ in 0..20 {
            if stream.write_all(b"x").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        closed_by_the_server(stream)
    })
    .await
    .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("--request-timeout"), "{answer}");
}

#[tokio::test]
async fn more_parts_in_an_upload_than_files_allowed_are_refused() {
    let app = with_limits(3, 1024 * 1024).await;
    let files: Vec<(String, &[u8])> = (0..4).map(|i| (format!("n{i}.zip"), &b"PK"[..])).collect();
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let envelope = TestApp::expect_error(app.import(&files, true).await, 413).await;
    assert!(envelope.error.message.contains("--import-max-files"));
}

#[tokio::test]
async fn a_search_page_is_kept_for_the_query_it_shows() {
    let app = TestApp::spawn().await;
    app.import_ok(&[("cats.md", b"# Cats\n\nAbout cats.\n")])
        .await;
    // The router reads the last `q`; a key made of the first would serve this page for `cats`.
    let (_, spoofed, _) = page(&app, "/search?q=cats&q=spoofed").await;
    assert!(
        spoofed.contains("<title>Search: spoofed · Lore</title>"),
        "{spoofed}"
    );
    let (_, html, _) = page(&app, "/search?q=cats").await;
    assert!(
        html.contains("<title>Search: cats · Lore</title>"),
        "{html}"
    );
    let (_, slash, _) = page(&app, "/search/?q=dogs").await;
    assert!(!slash.contains("Search: cats"), "{slash}");
}

#[tokio::test]
async fn a_note_whose_id_is_a_windows_device_name_gets_a_file_name_that_is_not() {
    let app = TestApp::spawn().await;
    let response = app
        .send::<CreateDocument>(&CreateNote {
            draft: NoteDraft {
                id: "con".into(),
                title: "Console".into(),
                body: "Body\n".into(),
                ..NoteDraft::default()
            },
            summary: String::new(),
        })
        .await;
    assert_eq!(response.status(), 201);
    let raw = app.get("/api/documents/con/raw").await;
    let disposition = raw.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.contains("con-2.md"), "{disposition}");
}

#[tokio::test]
async fn connections_that_send_nothing_half_a_header_or_idle_are_closed() {
    let app = with_connections(Duration::from_millis(300), 64).await;
    let silent = raw_connection(&app).await;
    let mut partial = raw_connection(&app).await;
    partial
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut idle = raw_connection(&app).await;
    idle.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (silent, partial, idle) = tokio::task::spawn_blocking(move || {
        (
            closed_by_the_server(silent),
            closed_by_the_server(partial),
            closed_by_the_server(idle),
        )
    })
    .await
    .unwrap();
    assert!(silent.is_empty() || silent.starts_with(b"HTTP/1.1 408"));
    assert!(partial.is_empty() || partial.starts_with(b"HTTP/1.1 408"));
    assert!(
        idle.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&idle)
    );
}

#[tokio::test]
async fn past_the_connection_limit_a_new_connection_waits_for_a_free_one() {
    let app = with_connections(Duration::from_secs(60), 2).await;
    let first = raw_connection(&app).await;
    let second = raw_connection(&app).await;
    let waiting = tokio::spawn({
        let client = reqwest::Client::new();
        let url = app.url("/api/health");
        async move { client.get(url).send().await.unwrap().status().as_u16() }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "a third connection was served past the limit"
    );
    drop(first);
    let status = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the waiting connection was never served")
        .unwrap();
    assert_eq!(status, 200);
    drop(second);
}

#[tokio::test]
async fn paths_that_cannot_be_written_back_everywhere_are_refused_by_name() {
    let app = TestApp::spawn().await;
    let long = format!("{}.md", "a".repeat(300));
    for (files, problem) in [
        (vec!["x.md", "x.md/y.md"], "clashes with `x.md`"),
        (
            vec!["Notes/a.md", "notes/b.md"],
            "clashes with `Notes/a.md`",
        ),
        (vec![long.as_str()], "bytes long"),
        (vec!["CON.md"], "device name"),
        (vec!["what?.md"], "Windows"),
    ] {
        let upload: Vec<(&str, &[u8])> = files.iter().map(|f| (*f, &b"# Note\n"[..])).collect();
        let zip = zip(&upload);
        let envelope =
            TestApp::expect_error(app.import(&[("tree.zip", &zip)], false).await, 422).await;
        let messages: Vec<&str> = envelope
            .error
            .problems
            .iter()
            .map(|p| p.message.as_str())
            .collect();
        assert!(
            messages.iter().any(|m| m.contains(problem)),
            "{files:?}: {messages:?}"
        );
    }
    // Control characters in an archive's entry names.
    for name in ["nul\0byte.md", "new\nline.md"] {
        let zip = zip(&[(name, b"# x\n")]);
        let envelope =
            TestApp::expect_error(app.import(&[("names.zip", &zip)], false).await, 422).await;
        assert!(
            envelope.error.problems[0]
                .message
                .contains("control character"),
            "{:?}",
            envelope.error.problems
        );
    }
    // A note stored at `x.md` makes a later `x.md/y.md` clash too.
    app.import_ok(&[("x.md", b"# X\n")]).await;
    let envelope =
        TestApp::expect_error(app.import(&[("x.md/y.md", b"# Y\n")], false).await, 422).await;
    assert!(envelope.error.problems[0].message.contains("clashes"));
}

#[tokio::test]
async fn a_byte_order_mark_survives_export_and_re_import() {
    let app = TestApp::spawn().await;
    let file = "\u{feff}---\ntitle: BOM\n---\nBody\n";
    app.import_ok(&[("bom.md", file.as_bytes())]).await;
    let raw = app
        .get("/api/documents/bom/raw")
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(&raw[..], file.as_bytes());
    let export = app.get("/api/export").await.bytes().await.unwrap();
    let report = app.import_ok(&[("export.zip", &export)]).await;
    assert_eq!(report.unchanged, ["bom"], "{report:?}");
}

#[tokio::test]
async fn the_editor_saves_every_note_import_accepted_after_a_change_to_its_body() {
    let app = TestApp::spawn().await;
    let long_title = "t".repeat(400);
    let notes = [
        (
            "folded-description.md",
            "---\ntitle: Folded\ndescription: >\n  one line\n  and another\n---\nBody\n".to_owned(),
        ),
        (
            "folded-title.md",
            "---\ntitle: >\n  A title\n  folded\n---\nBody\n".to_owned(),
        ),
        (
            "literal.md",
            "---\ntitle: Literal\ndescription: |\n  kept\n  as is\n---\nBody\n".to_owned(),
        ),
        (
            "comma.md",
            "---\ntitle: Comma\ntags: [\"a,b\", \"\"]\n---\nBody\n".to_owned(),
        ),
        (
            "itself.md",
            "---\ntitle: Itself\nrelated: [itself]\n---\nBody\n".to_owned(),
        ),
        ("long.md", format!("---\ntitle: {long_title}\n---\nBody\n")),
    ];
    let files: Vec<(&str, &[u8])> = notes.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    app.import_ok(&files).await;
    for (path, _) in &notes {
        let id = path.trim_end_matches(".md");
        let current: EditableNote = app
            .send_ok::<EditDocument>(&DocumentId { id: id.into() })
            .await;
        let mut draft = current.draft.clone();
        draft.body = "A new body\n".into();
        let response = app
            .send::<UpdateDocument>(&UpdateNote {
                id: id.into(),
                base_revision: current.revision,
                draft,
                summary: String::new(),
            })
            .await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, 200, "{id}: {body}");
        let after: EditableNote = app
            .send_ok::<EditDocument>(&DocumentId { id: id.into() })
            .await;
        assert_eq!(after.draft.title, current.draft.title, "{id}");
        assert_eq!(after.draft.description, current.draft.description, "{id}");
        assert_eq!(after.draft.tags, current.draft.tags, "{id}");
        assert_eq!(after.draft.body, "A new body\n", "{id}");
    }
}

#[tokio::test]
async fn an_id_too_long_for_an_address_is_refused_on_import() {
    let app = TestApp::spawn().await;
    let id = "a".repeat(100_000);
    let envelope = TestApp::expect_error(
        app.import(
            &[("long-id.md", format!("---\nid: {id}\n---\n").as_bytes())],
            false,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(envelope.error.problems[0].line, 2);
    assert!(
        envelope.error.problems[0]
            .message
            .contains("characters long")
    );
}
