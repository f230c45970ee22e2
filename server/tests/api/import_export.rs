//! Markdown in and out over HTTP: all-or-nothing imports with located problems, re-imports,
//! archives, the raw view, and the export round trip.

use crate::helpers::TestApp;
use app::contract::{
    CollectionSummary, DocumentSummary, DocumentView, ErrorCode, Page, RevisionSummary,
};
use server::documents::demo;
use std::io::Write;

const NESTED: &[u8] = include_bytes!("../fixtures/nested-collection.md");

/// A `.zip` of `files`, as an archiver writes one.
pub(crate) fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

pub(crate) fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
            (entry.name().to_owned(), content)
        })
        .collect()
}

#[tokio::test]
async fn the_nested_layout_imports_as_a_collection_holding_the_document() {
    let app = TestApp::spawn().await;

    let report = app
        .import_ok(&[("architecture/client-server.md", NESTED)])
        .await;

    assert_eq!(report.created, ["web-client-server-architecture"]);
    assert_eq!(report.wanted, ["http", "load-balancer", "proxy"]);
    let collections: Vec<CollectionSummary> = app.get_json("/api/collections").await;
    assert_eq!(
        (collections[0].id.as_str(), collections[0].title.as_str()),
        ("architecture", "Architecture")
    );
    let doc: DocumentView = app
        .get_json("/api/documents/web-client-server-architecture")
        .await;
    assert_eq!(
        doc.summary.tags,
        [
            "client_server",
            "architecture",
            "system_design",
            "networking"
        ]
    );
    let related: Vec<_> = doc
        .related
        .iter()
        .map(|r| (r.id.as_str(), r.exists))
        .collect();
    assert_eq!(
        related,
        [("load-balancer", false), ("proxy", false), ("http", false)]
    );
    assert!(
        !doc.html.contains("id: web-client-server-architecture"),
        "front matter leaked into the body"
    );
    assert!(!doc.html.contains("<hr"), "{}", doc.html);
}

#[tokio::test]
async fn an_import_with_any_invalid_file_writes_nothing_and_locates_every_problem() {
    let app = TestApp::spawn().await;

    let response = app
        .import(
            &[
                ("good.md", b"# Good\n"),
                ("notes/bad-yaml.md", b"---\ntitle: ok\ntags: [a, b\n---\n"),
                (
                    "notes/bad-date.md",
                    b"---\ntitle: Dated\ncreated_at: 07/02/2025\n---\n",
                ),
                ("notes/dup.md", b"---\nid: good\n---\n"),
                ("latin1.md", b"caf\xe9\n"),
            ],
            false,
        )
        .await;

    let envelope = TestApp::expect_error(response, 422).await;
    assert_eq!(envelope.error.code, ErrorCode::InvalidInput);
    let located: Vec<String> = envelope
        .error
        .problems
        .iter()
        .map(|p| format!("{}:{}:{}", p.file, p.line, p.column))
        .collect();
    assert_eq!(
        located,
        [
            "notes/bad-yaml.md:4:1",
            "notes/bad-date.md:3:13",
            "latin1.md:1:4",
            "good.md:1:1"
        ]
    );
    // A written id wins over one made from a file name.
    assert!(
        envelope.error.problems[3]
            .message
            .starts_with("duplicate id `good`: `notes/dup.md` already has it"),
        "{}",
        envelope.error.problems[3].message
    );
    assert!(
        envelope.error.problems[1]
            .message
            .contains("unknown date format")
    );
    let list: Page<DocumentSummary> = app.get_json("/api/documents").await;
    assert_eq!(list.total, 0, "a failed import must write nothing");
}

#[tokio::test]
async fn skip_invalid_imports_the_valid_files_and_lists_the_rest() {
    let app = TestApp::spawn().await;

    let response = app
        .import(
            &[
                ("good.md", b"# Good\n"),
                ("bad.md", b"---\ndraft: maybe\n---\n"),
            ],
            true,
        )
        .await;

    assert_eq!(response.status(), 200);
    let report: app::contract::ImportReport = response.json().await.unwrap();
    assert_eq!(report.created, ["good"]);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(
        report.skipped[0].to_string(),
        "bad.md:2:8: `draft` must be true or false"
    );
}

#[tokio::test]
async fn a_note_skipped_because_it_cannot_be_rendered_is_linked_as_wanted_by_the_others() {
    let app = TestApp::spawn().await;
    // Stored before: its link to `deep` becomes a real link only if `deep` arrives.
    app.import_ok(&[("older.md", b"See [deep](deep).\n")]).await;
    let too_deep = format!(
        "{}x\n",
        "> ".repeat(server::documents::render::MAX_NESTING + 1)
    );

    let response = app
        .import(
            &[
                // Rendered before `deep` is refused, and after.
                ("before.md", b"Read [the deep one](deep.md).\n"),
                ("deep.md", too_deep.as_bytes()),
                ("after.md", b"Or [this](deep).\n"),
            ],
            true,
        )
        .await;

    assert_eq!(response.status(), 200);
    let report: app::contract::ImportReport = response.json().await.unwrap();
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    assert_eq!(report.skipped[0].file, "deep.md");
    assert!(report.created.iter().all(|id| id != "deep"));
    assert_eq!(report.wanted, ["deep"]);
    for id in ["before", "after", "older"] {
        let note: DocumentView = app.get_json(&format!("/api/documents/{id}")).await;
        assert!(
            note.html.contains(r#"href="/wanted/deep""#) && !note.html.contains("/notes/deep"),
            "{id}: {}",
            note.html
        );
    }
    let missing = app.get("/api/documents/deep").await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn reimporting_updates_what_changed_and_leaves_the_rest_alone() {
    let app = TestApp::spawn().await;
    app.import_ok(&[("a.md", b"# A\n"), ("b.md", b"# B\n")])
        .await;

    let report = app
        .import_ok(&[("a.md", b"# A\n"), ("b.md", b"# B, revised\n")])
        .await;

    assert_eq!(report.unchanged, ["a"]);
    assert_eq!(report.updated, ["b"]);
    assert!(report.created.is_empty());
    let b: DocumentView = app.get_json("/api/documents/b").await;
    assert_eq!(b.summary.title, "B, revised");
}

#[tokio::test]
async fn zip_and_tar_gz_archives_import_with_their_folders() {
    let app = TestApp::spawn().await;
    let archive = zip(&[
        ("notes/networking/http.md", b"# HTTP\n"),
        ("notes/readme.txt", b"ignored"),
    ]);
    let report = app.import_ok(&[("notes.zip", &archive)]).await;
    assert_eq!(report.created, ["http"]);

    let mut tarball = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    let content = b"---\ntitle: TCP\n---\nStreams.\n";
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tarball
        .append_data(&mut header, "networking/tcp.md", &content[..])
        .unwrap();
    let tar_gz = tarball.into_inner().unwrap().finish().unwrap();
    let report = app.import_ok(&[("more.tar.gz", &tar_gz)]).await;
    assert_eq!(report.created, ["tcp"]);

    let tcp: DocumentView = app.get_json("/api/documents/tcp").await;
    assert_eq!(tcp.summary.collection.unwrap().title, "Networking");
}

#[tokio::test]
async fn an_archive_entry_escaping_its_folder_is_refused() {
    let app = TestApp::spawn().await;
    let archive = zip(&[("../../etc/evil.md", b"# Evil\n")]);

    let envelope =
        TestApp::expect_error(app.import(&[("evil.zip", &archive)], false).await, 422).await;

    assert!(
        envelope.error.problems[0].message.contains("outside"),
        "{:?}",
        envelope.error.problems
    );
}

#[tokio::test]
async fn a_file_that_is_neither_markdown_nor_an_attachment_nor_an_archive_is_named_in_the_problems()
{
    let app = TestApp::spawn().await;

    let envelope = TestApp::expect_error(
        app.import(&[("build.sh", b"#!/bin/sh\n")], false).await,
        422,
    )
    .await;

    assert_eq!(envelope.error.problems[0].file, "build.sh");
    assert!(
        envelope.error.problems[0].message.contains("an attachment"),
        "{}",
        envelope.error.problems[0].message
    );
}

#[tokio::test]
async fn an_empty_upload_is_a_400() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/import"))
        .multipart(reqwest::multipart::Form::new().text("skip_invalid", "false"))
        .send()
        .await
        .unwrap();
    TestApp::expect_error(response, 400).await;
}

#[tokio::test]
async fn the_raw_view_gives_the_file_back_byte_for_byte() {
    let app = TestApp::spawn().await;
    app.import_ok(&[("architecture/client-server.md", NESTED)])
        .await;

    let response = app
        .get("/api/documents/web-client-server-architecture/raw")
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/markdown; charset=utf-8"
    );
    assert_eq!(response.bytes().await.unwrap(), NESTED);
}

#[tokio::test]
async fn import_export_import_gives_identical_documents_and_files() {
    let original = TestApp::spawn().await;
    let mut files: Vec<(String, Vec<u8>)> = demo::files()
        .into_iter()
        .map(|f| (f.path, f.bytes))
        .collect();
    files.push(("architecture/nested.md".into(), NESTED.to_vec()));
    files.push(("dialects/camel.md".into(), b"---\ntitle: Camel\ncreatedAt: 2024-01-02\nweight: 3\ncustom:\n  keep: [me, 1.0]\n---\nBody\n".to_vec()));
    files.push((
        "dialects/toml.md".into(),
        b"+++\ntitle = \"Toml\"\ndraft = true\n+++\nBody\n".to_vec(),
    ));
    files.push((
        "dialects/bare.md".into(),
        b"# Bare note\n\nNo front matter.\n".to_vec(),
    ));
    let parts: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    original.import_ok(&parts).await;

    let export = original.get("/api/export").await;
    assert_eq!(export.headers()["content-type"], "application/zip");
    let exported = unzip(&export.bytes().await.unwrap());

    let mut expected = files.clone();
    expected.sort();
    let mut got = exported.clone();
    got.sort();
    assert_eq!(
        got, expected,
        "export must give back every file byte for byte"
    );

    let copy = TestApp::spawn().await;
    let parts: Vec<(&str, &[u8])> = exported
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    copy.import_ok(&parts).await;
    let list: Page<DocumentSummary> = original.get_json("/api/documents?limit=200").await;
    assert_eq!(list.total, 9);
    for summary in list.items {
        let path = format!("/api/documents/{}", summary.id);
        let before: DocumentView = original.get_json(&path).await;
        let after: DocumentView = copy.get_json(&path).await;
        assert_eq!(before, after, "{} changed in the round trip", summary.id);
    }
}

/// A folder tree as real ones are: the same file name in several folders, a `README.md` in
/// each, and notes linking to them by path and by the bare name.
const REPEATED_NAMES: &[(&str, &[u8])] = &[
    ("linux/top.md", b"# top on Linux\n"),
    ("osx/top.md", b"# top on macOS\n"),
    ("windows/top.md", b"# Task Manager\n"),
    ("linux/README.md", b"# Linux\n\nSee [top](top.md).\n"),
    ("osx/README.md", b"# macOS\n"),
    (
        "tools.md",
        b"---\nrelated: [top]\n---\n# Tools\n\n[on macOS](osx/top.md) and [any](top).\n",
    ),
];

#[tokio::test]
async fn repeated_file_names_import_with_ids_qualified_by_their_folders() {
    let app = TestApp::spawn().await;

    let report = app.import_ok(REPEATED_NAMES).await;

    let mut created = report.created.clone();
    created.sort();
    assert_eq!(
        created,
        [
            "linux",
            "linux-top",
            "osx",
            "osx-top",
            "tools",
            "windows-top"
        ]
    );
    let osx_top: DocumentView = app.get_json("/api/documents/osx-top").await;
    assert_eq!(osx_top.summary.title, "top on macOS");
    assert_eq!(osx_top.source_path, "osx/top.md");
    // Links by path reach the file they name.
    let linux: DocumentView = app.get_json("/api/documents/linux").await;
    assert!(
        linux.html.contains("href=\"/notes/linux-top\""),
        "{}",
        linux.html
    );
    let tools: DocumentView = app.get_json("/api/documents/tools").await;
    assert!(
        tools.html.contains("href=\"/notes/osx-top\""),
        "{}",
        tools.html
    );
    // The bare name could be any of three: reported, never guessed.
    assert_eq!(report.ambiguous.len(), 1, "{:?}", report.ambiguous);
    let problem = &report.ambiguous[0];
    assert_eq!(problem.file, "tools.md");
    for candidate in [
        "`linux-top` (linux/top.md)",
        "`osx-top` (osx/top.md)",
        "`windows-top` (windows/top.md)",
    ] {
        assert!(problem.message.contains(candidate), "{}", problem.message);
    }
    assert!(tools.related.is_empty() || tools.related.iter().all(|r| r.id == "top"));
    assert!(
        !tools.html.contains("href=\"/notes/linux-top\""),
        "{}",
        tools.html
    );
}

#[tokio::test]
async fn the_same_tree_imported_twice_keeps_every_id() {
    let app = TestApp::spawn().await;
    let first = app.import_ok(REPEATED_NAMES).await;

    let again = app.import_ok(REPEATED_NAMES).await;

    assert!(
        again.created.is_empty() && again.updated.is_empty(),
        "{again:?}"
    );
    let mut unchanged = again.unchanged.clone();
    unchanged.sort();
    let mut created = first.created.clone();
    created.sort();
    assert_eq!(unchanged, created);
}

#[tokio::test]
async fn a_note_keeps_its_short_id_when_a_file_of_the_same_name_arrives_later() {
    let app = TestApp::spawn().await;
    app.import_ok(&[
        ("linux/top.md", b"# top on Linux\n"),
        ("tools.md", b"# Tools\n\nUse [top](top).\n"),
    ])
    .await;

    let report = app
        .import_ok(&[
            ("osx/top.md", b"# top on macOS\n"),
            ("linux/top.md", b"# top on Linux, revised\n"),
        ])
        .await;

    assert_eq!(report.created, ["osx-top"]);
    assert_eq!(report.updated, ["top"]);
    assert!(report.ambiguous.is_empty(), "{:?}", report.ambiguous);
    let top: DocumentView = app.get_json("/api/documents/top").await;
    assert_eq!(top.source_path, "linux/top.md");
    let tools: DocumentView = app.get_json("/api/documents/tools").await;
    assert!(tools.html.contains("href=\"/notes/top\""), "{}", tools.html);
    let osx: DocumentView = app.get_json("/api/documents/osx-top").await;
    assert_eq!(osx.summary.title, "top on macOS");
}

#[tokio::test]
async fn two_files_writing_the_same_id_are_refused_with_both_named() {
    let app = TestApp::spawn().await;

    let response = app
        .import(
            &[
                ("a/x.md", b"---\nid: same\n---\nA\n"),
                ("b/x.md", b"---\nid: same\n---\nB\n"),
            ],
            false,
        )
        .await;

    let envelope = TestApp::expect_error(response, 422).await;
    assert_eq!(envelope.error.problems.len(), 1);
    assert_eq!(
        envelope.error.problems[0].to_string(),
        "b/x.md:2:5: duplicate id `same`: `a/x.md` already has it"
    );
}

/// `count` short notes in ten folders, each linking to the next, the last of them nested past
/// the renderer's limit when `deep_last`.
fn many_notes(count: usize, deep_last: bool) -> Vec<(String, Vec<u8>)> {
    (0..count)
        .map(|n| {
            let path = format!("area-{}/note-{n}.md", n % 10);
            let mut text = format!(
                "---\ntitle: Note {n}\ntags: [bulk, area-{}]\n---\n# Note {n}\n\nSee [the next](../area-{}/note-{}.md).\n",
                n % 10,
                (n + 1) % 10,
                n + 1
            );
            if deep_last && n == count - 1 {
                text.push_str(&format!("\n{} too deep\n", ">".repeat(150)));
            }
            (path, text.into_bytes())
        })
        .collect()
}

#[tokio::test]
async fn a_note_that_cannot_render_at_the_end_of_a_large_import_leaves_nothing_written() {
    // Thousands of notes: written in several statements per table, each a bulk write. One
    // note found unrenderable, the last, refuses them all; skipped, the rest go in whole.
    let app = TestApp::spawn().await;
    let files = many_notes(4_500, true);
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
        .collect();

    let refused = TestApp::expect_error(app.import(&borrowed, false).await, 422).await;
    let located: Vec<String> = refused
        .error
        .problems
        .iter()
        .map(|p| format!("{}:{}", p.file, p.line))
        .collect();
    assert_eq!(located, ["area-9/note-4499.md:9"]);
    let list: Page<DocumentSummary> = app.get_json("/api/documents").await;
    assert_eq!(list.total, 0, "a refused import must write nothing");

    let response = app.import(&borrowed, true).await;
    assert_eq!(response.status(), 200);
    let report: app::contract::ImportReport = response.json().await.unwrap();
    assert_eq!(report.created.len(), 4_499);
    assert_eq!(report.skipped.len(), 1);
    let list: Page<DocumentSummary> = app.get_json("/api/documents").await;
    assert_eq!(list.total, 4_499);
    // Links between the notes resolve, and the notes are searchable.
    let first: DocumentView = app.get_json("/api/documents/note-0").await;
    assert!(
        first.html.contains(r#"href="/notes/note-1""#),
        "{}",
        first.html
    );
    let hits: app::contract::SearchResults = app.get_json("/api/search?q=note%204000").await;
    assert!(hits.hits.iter().any(|hit| hit.document.id == "note-4000"));
    // Every note's revision is written before its batch renders: the refused import's went
    // with it, so each note starts its history at 1, from its file as imported.
    for id in ["note-0", "note-4498"] {
        let history: Vec<RevisionSummary> = app
            .get_json(&format!("/api/documents/{id}/revisions"))
            .await;
        let numbers: Vec<u64> = history.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1], "{id}");
        assert_eq!(history[0].author, "import");
    }
    TestApp::expect_error(app.get("/api/documents/note-4499/revisions").await, 404).await;
}

#[tokio::test]
async fn an_upload_that_is_not_multipart_is_answered_with_the_error_envelope() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/import"))
        .header("content-type", "multipart/form-data")
        .body("no boundary")
        .send()
        .await
        .unwrap();
    let envelope = TestApp::expect_error(response, 400).await;
    assert!(
        envelope.error.message.contains("boundary"),
        "{}",
        envelope.error.message
    );
}
