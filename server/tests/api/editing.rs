//! Writing over HTTP: create, save, rename, delete and restore; the history and its diffs;
//! and saves that never overwrite one another.

use crate::helpers::{ADMIN, Options, TestApp};
use app::contract::{
    Change, CreateDocument, CreateNote, DeleteDocument, DeletedNote, Diff, DiffQuery, DocumentId,
    DocumentView, EditDocument, EditableNote, ErrorCode, GetDiff, GetDocument, GetRevision,
    ListRevisions, ListTrash, ListWanted, NoteAction, NoteDraft, PreviewMarkdown, PreviewRequest,
    RestoreDocument, RestoreRevision, RestoreToRevision, RevisionId, Saved, SearchResults,
    UpdateDocument, UpdateNote,
};

/// The ids of the notes a search for `query` among those tagged `tag` finds.
async fn found_with_tag(app: &TestApp, query: &str, tag: &str) -> Vec<String> {
    let url = format!(
        "/api/search?{}",
        serde_urlencoded::to_string([("q", query), ("tag", tag)]).unwrap()
    );
    let results: SearchResults = app.get_json(&url).await;
    results
        .hits
        .into_iter()
        .map(|hit| hit.document.id)
        .collect()
}

fn draft(id: &str, title: &str, body: &str) -> NoteDraft {
    NoteDraft {
        id: id.into(),
        title: title.into(),
        body: body.into(),
        ..NoteDraft::default()
    }
}

async fn create(app: &TestApp, draft: NoteDraft) -> Saved {
    let response = app
        .send::<CreateDocument>(&CreateNote {
            draft,
            summary: String::new(),
        })
        .await;
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 201, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn editable(app: &TestApp, id: &str) -> EditableNote {
    app.send_ok::<EditDocument>(&DocumentId { id: id.into() })
        .await
}

fn update(id: &str, base: &EditableNote, change: impl FnOnce(&mut NoteDraft)) -> UpdateNote {
    let mut draft = base.draft.clone();
    change(&mut draft);
    UpdateNote {
        id: id.into(),
        base_revision: base.revision,
        draft,
        summary: "A change".into(),
    }
}

#[tokio::test]
async fn a_note_written_in_the_editor_is_read_exported_and_recorded_as_revision_1() {
    let app = TestApp::spawn().await;
    let mut new = draft("caching", "Caching", "# Caching\n\nKeep what you *read*.\n");
    new.tags = vec!["performance".into()];
    new.description = "Why and where to cache".into();
    let saved = create(&app, new).await;
    assert_eq!(
        saved,
        Saved {
            id: "caching".into(),
            revision: 1
        }
    );

    let view: DocumentView = app.get_json("/api/documents/caching").await;
    assert_eq!(view.summary.title, "Caching");
    assert_eq!(view.summary.tags, ["performance"]);
    assert!(view.html.contains("<em>read</em>"), "{}", view.html);

    let raw = app
        .get("/api/documents/caching/raw")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        raw.starts_with("---\nid: caching\ntitle: Caching\ndescription: Why and where to cache\nauthor: ada\ncreated_at: "),
        "{raw}"
    );
    assert!(
        raw.ends_with("---\n# Caching\n\nKeep what you *read*.\n"),
        "{raw}"
    );

    let history = app
        .send_ok::<ListRevisions>(&DocumentId {
            id: "caching".into(),
        })
        .await;
    assert_eq!(history.len(), 1);
    assert_eq!(
        (
            history[0].number,
            history[0].author.as_str(),
            history[0].summary.as_str()
        ),
        (1, ADMIN, "Created")
    );
}

#[tokio::test]
async fn each_save_is_a_revision_with_a_diff_against_any_other() {
    let app = TestApp::spawn().await;
    create(&app, draft("note", "Note", "one\ntwo\nthree\n")).await;
    let opened = editable(&app, "note").await;
    assert_eq!(opened.revision, 1);
    let saved: Saved = app
        .send_ok::<UpdateDocument>(&update("note", &opened, |d| {
            d.body = "one\n2\nthree\n".into();
        }))
        .await;
    assert_eq!(saved.revision, 2);

    let first = app
        .send_ok::<GetRevision>(&RevisionId {
            id: "note".into(),
            number: 1,
        })
        .await;
    assert!(first.source.ends_with("one\ntwo\nthree\n"));
    let diff: Diff = app
        .send_ok::<GetDiff>(&DiffQuery {
            id: "note".into(),
            from: 1,
            to: 2,
        })
        .await;
    let changed: Vec<_> = diff
        .hunks
        .iter()
        .flatten()
        .filter(|l| l.change != Change::Same)
        .map(|l| (l.change, l.text.as_str()))
        .collect();
    assert!(changed.contains(&(Change::Removed, "two")), "{changed:?}");
    assert!(changed.contains(&(Change::Added, "2")), "{changed:?}");

    let history = app
        .send_ok::<ListRevisions>(&DocumentId { id: "note".into() })
        .await;
    assert_eq!(history.iter().map(|r| r.number).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(history[0].summary, "A change");
}

#[tokio::test]
async fn a_save_based_on_an_old_revision_is_refused_with_the_current_version() {
    let app = TestApp::spawn().await;
    create(&app, draft("shared", "Shared", "original\n")).await;
    let alice = editable(&app, "shared").await;
    let bob = editable(&app, "shared").await;

    app.send_ok::<UpdateDocument>(&update("shared", &alice, |d| {
        d.body = "alice's words\n".into();
    }))
    .await;
    let refused = app
        .send::<UpdateDocument>(&update("shared", &bob, |d| {
            d.body = "bob's words\n".into();
        }))
        .await;
    let envelope = TestApp::expect_error(refused, 409).await;
    assert_eq!(envelope.error.code, ErrorCode::Conflict);
    let current = envelope.error.current.expect("the current version");
    assert_eq!(current.revision, 2);
    assert_eq!(current.draft.body, "alice's words\n");

    let view: DocumentView = app.get_json("/api/documents/shared").await;
    assert!(view.html.contains("alice"), "bob's save went through");

    // Bob merges on top of what he was shown, naming its revision: now it is accepted.
    let merged = app
        .send_ok::<UpdateDocument>(&update("shared", &current, |d| {
            d.body = "alice's words\nbob's words\n".into();
        }))
        .await;
    assert_eq!(merged.revision, 3);
}

// Several runtime threads, so the server handles the writers truly in parallel.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_writers_saving_one_note_at_once_never_lose_an_update() {
    const WRITERS: usize = 16;
    let app = std::sync::Arc::new(TestApp::spawn().await);
    create(&app, draft("busy", "Busy", "")).await;

    // Every writer opens the same revision and saves at the same moment: exactly one wins.
    let base = editable(&app, "busy").await;
    let attempts = (0..WRITERS).map(|i| {
        let app = app.clone();
        let request = update("busy", &base, |d| d.body = format!("writer {i}\n"));
        tokio::spawn(async move { app.send::<UpdateDocument>(&request).await.status().as_u16() })
    });
    let statuses: Vec<u16> = futures_join(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), WRITERS - 1);

    // Writers that, like the editor, merge on a conflict and save again: every line arrives.
    let writers = (0..WRITERS).map(|i| {
        let app = app.clone();
        tokio::spawn(async move {
            let line = format!("line from writer {i}\n");
            let mut note = editable(&app, "busy").await;
            loop {
                let request = update("busy", &note, |d| d.body.push_str(&line));
                let response = app.send::<UpdateDocument>(&request).await;
                match response.status().as_u16() {
                    200 => return 200,
                    409 => {
                        let envelope = TestApp::expect_error(response, 409).await;
                        note = *envelope.error.current.unwrap();
                    }
                    other => return other,
                }
            }
        })
    });
    let statuses = futures_join(writers).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let note = editable(&app, "busy").await;
    for i in 0..WRITERS {
        assert!(
            note.draft.body.contains(&format!("line from writer {i}\n")),
            "writer {i}'s line was lost: {}",
            note.draft.body
        );
    }
    assert_eq!(note.revision as usize, 2 + WRITERS);
    let history = app
        .send_ok::<ListRevisions>(&DocumentId { id: "busy".into() })
        .await;
    assert_eq!(history.len(), 2 + WRITERS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_spread_over_two_servers_on_one_database_give_one_save_and_conflicts_for_the_rest()
{
    const WRITERS: usize = 16;
    let first = std::sync::Arc::new(TestApp::spawn().await);
    // A second replica of the server over the same database, as behind a load balancer.
    let second = std::sync::Arc::new(
        TestApp::spawn_with(Options {
            database_url: Some(first.database_url.clone()),
            ..Options::default()
        })
        .await,
    );
    create(&first, draft("shared", "Shared", "")).await;
    let base = editable(&second, "shared").await;
    let attempts = (0..WRITERS).map(|i| {
        let server = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let request = update("shared", &base, |d| d.body = format!("writer {i}\n"));
        tokio::spawn(async move {
            server
                .send::<UpdateDocument>(&request)
                .await
                .status()
                .as_u16()
        })
    });
    let statuses: Vec<u16> = futures_join(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), WRITERS - 1);
    let history = second
        .send_ok::<ListRevisions>(&DocumentId {
            id: "shared".into(),
        })
        .await;
    assert_eq!(history.len(), 2);
}

async fn futures_join(handles: impl Iterator<Item = tokio::task::JoinHandle<u16>>) -> Vec<u16> {
    let mut out = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn an_invalid_draft_is_a_422_naming_each_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let mut bad = draft("Not An Id", "", "text");
    bad.tags = vec!["a, b".into()];
    let response = app
        .send::<CreateDocument>(&CreateNote {
            draft: bad,
            summary: String::new(),
        })
        .await;
    let envelope = TestApp::expect_error(response, 422).await;
    assert_eq!(envelope.error.code, ErrorCode::InvalidInput);
    let fields: Vec<_> = envelope
        .error
        .problems
        .iter()
        .map(|p| p.field.clone().unwrap())
        .collect();
    assert_eq!(fields, ["id", "title", "tags"]);
    assert!(envelope.error.problems[0].message.contains("not-an-id"));
    let list: serde_json::Value = app.get_json("/api/documents").await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn an_id_that_is_taken_or_in_the_trash_is_a_409_on_the_id_field() {
    let app = TestApp::spawn().await;
    create(&app, draft("taken", "Taken", "")).await;
    let response = app
        .send::<CreateDocument>(&CreateNote {
            draft: draft("taken", "Again", ""),
            summary: String::new(),
        })
        .await;
    let envelope = TestApp::expect_error(response, 409).await;
    assert_eq!(envelope.error.problems[0].field.as_deref(), Some("id"));

    app.send_ok::<DeleteDocument>(&NoteAction { id: "taken".into() })
        .await;
    let response = app
        .send::<CreateDocument>(&CreateNote {
            draft: draft("taken", "Again", ""),
            summary: String::new(),
        })
        .await;
    let envelope = TestApp::expect_error(response, 409).await;
    assert!(
        envelope.error.message.contains("trash"),
        "{}",
        envelope.error.message
    );
}

#[tokio::test]
async fn a_renamed_note_keeps_its_history_links_and_old_address() {
    let app = TestApp::spawn().await;
    app.import_ok(&[
        (
            "proxy.md",
            b"---\ntitle: Proxy\ntags: [edge]\n---\nForwards requests.\n",
        ),
        (
            "gateway.md",
            b"---\ntitle: Gateway\nrelated: [proxy]\n---\nSee [the proxy](proxy.md).\n",
        ),
    ])
    .await;
    let opened = editable(&app, "proxy").await;
    let saved = app
        .send_ok::<UpdateDocument>(&update("proxy", &opened, |d| {
            d.id = "reverse-proxy".into();
        }))
        .await;
    assert_eq!(saved.id, "reverse-proxy");

    // The old address redirects (reqwest follows it, as a browser's fetch does).
    let response = app.get("/api/documents/proxy").await;
    assert_eq!(response.url().path(), "/api/documents/reverse-proxy");
    let moved: DocumentView = response.json().await.unwrap();
    assert_eq!(moved.summary.id, "reverse-proxy");
    assert_eq!(moved.backlinks[0].id, "gateway");

    let gateway: DocumentView = app.get_json("/api/documents/gateway").await;
    assert_eq!(gateway.related[0].id, "reverse-proxy");
    assert!(gateway.related[0].exists);
    let wanted = app.call::<ListWanted>().await;
    assert!(wanted.is_empty(), "{wanted:?}");

    let history = app
        .send_ok::<ListRevisions>(&DocumentId {
            id: "reverse-proxy".into(),
        })
        .await;
    assert_eq!(history.len(), 2, "the history moved with the note");
    assert_eq!(
        found_with_tag(&app, "forwards", "edge").await,
        ["reverse-proxy"],
        "its tags moved with it"
    );
    let raw = app
        .get("/api/documents/reverse-proxy/raw")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        raw.starts_with("---\ntitle: Proxy\ntags:\n  - edge\nid: reverse-proxy\n"),
        "{raw}"
    );

    // Re-importing the gateway's file, which still names `proxy`, resolves through the rename.
    app.import_ok(&[(
        "gateway.md",
        b"---\ntitle: Gateway\nrelated: [proxy]\n---\nSee [the proxy](proxy.md) again.\n",
    )])
    .await;
    let gateway: DocumentView = app.get_json("/api/documents/gateway").await;
    assert_eq!(gateway.related[0].id, "reverse-proxy");
}

#[tokio::test]
async fn a_deleted_note_goes_to_the_trash_and_comes_back_with_its_history() {
    let app = TestApp::spawn().await;
    app.import_ok(&[
        ("dns.md", b"---\ntags: [naming]\n---\n# DNS\n"),
        ("http.md", b"# HTTP\n\nNames come from [DNS](dns.md).\n"),
    ])
    .await;
    let deleted: DeletedNote = app
        .send_ok::<DeleteDocument>(&NoteAction { id: "dns".into() })
        .await;
    assert_eq!(deleted.title, "DNS");
    TestApp::expect_error(app.get("/api/documents/dns").await, 404).await;
    let trash = app.call::<ListTrash>().await;
    assert_eq!(trash[0].id, "dns");
    assert!(found_with_tag(&app, "dns", "naming").await.is_empty());
    assert_eq!(
        trash[0].deleted_by, ADMIN,
        "the signed-in user, not a name the client sent"
    );
    let wanted = app.call::<ListWanted>().await;
    assert_eq!(wanted[0].id, "dns", "the link to it now wants it");
    let http: DocumentView = app.get_json("/api/documents/http").await;
    assert!(http.html.contains("/wanted/dns"), "{}", http.html);

    let restored = app
        .send_ok::<RestoreDocument>(&NoteAction { id: "dns".into() })
        .await;
    assert_eq!(restored.revision, 2);
    app.get_json::<DocumentView>("/api/documents/dns").await;
    assert!(app.call::<ListTrash>().await.is_empty());
    assert_eq!(found_with_tag(&app, "dns", "naming").await, ["dns"]);
    assert!(app.call::<ListWanted>().await.is_empty());
    let http: DocumentView = app.get_json("/api/documents/http").await;
    assert!(http.html.contains("/notes/dns"), "{}", http.html);
    let history = app
        .send_ok::<ListRevisions>(&DocumentId { id: "dns".into() })
        .await;
    assert_eq!(history[0].summary, "Restored from the trash");
    assert_eq!(history[1].author, "import");
}

#[tokio::test]
async fn restoring_an_old_revision_makes_a_new_one_and_loses_nothing() {
    let app = TestApp::spawn().await;
    create(&app, draft("n", "N", "first\n")).await;
    let opened = editable(&app, "n").await;
    app.send_ok::<UpdateDocument>(&update("n", &opened, |d| d.body = "second\n".into()))
        .await;
    let saved = app
        .send_ok::<RestoreToRevision>(&RestoreRevision {
            id: "n".into(),
            number: 1,
            base_revision: 2,
        })
        .await;
    assert_eq!(saved.revision, 3);
    assert_eq!(editable(&app, "n").await.draft.body, "first\n");
    let second = app
        .send_ok::<GetRevision>(&RevisionId {
            id: "n".into(),
            number: 2,
        })
        .await;
    assert!(second.source.ends_with("second\n"));

    // Restoring on a revision that is no longer current is a conflict, like any save.
    let stale = app
        .send::<RestoreToRevision>(&RestoreRevision {
            id: "n".into(),
            number: 2,
            base_revision: 2,
        })
        .await;
    TestApp::expect_error(stale, 409).await;
}

#[tokio::test]
async fn saving_what_is_already_stored_adds_no_revision() {
    let app = TestApp::spawn().await;
    create(&app, draft("same", "Same", "text\n")).await;
    let opened = editable(&app, "same").await;
    let saved = app
        .send_ok::<UpdateDocument>(&update("same", &opened, |_| {}))
        .await;
    assert_eq!(saved.revision, 1);
}

#[tokio::test]
async fn writes_to_notes_that_do_not_exist_or_malformed_writes_get_clear_errors() {
    let app = TestApp::spawn().await;
    let missing = update(
        "ghost",
        &EditableNote {
            draft: draft("ghost", "Ghost", ""),
            revision: 1,
            references: Vec::new(),
        },
        |_| {},
    );
    TestApp::expect_error(app.send::<UpdateDocument>(&missing).await, 404).await;
    TestApp::expect_error(app.get("/api/documents/ghost/edit").await, 404).await;
    TestApp::expect_error(app.get("/api/documents/ghost/revisions").await, 404).await;
    TestApp::expect_error(
        app.send::<DeleteDocument>(&NoteAction { id: "ghost".into() })
            .await,
        404,
    )
    .await;
    TestApp::expect_error(
        app.send::<RestoreDocument>(&NoteAction { id: "ghost".into() })
            .await,
        404,
    )
    .await;
    let bad_number =
        TestApp::expect_error(app.get("/api/documents/x/revisions/abc").await, 400).await;
    assert_eq!(bad_number.error.code, ErrorCode::BadRequest);
    let bad_json = app
        .client
        .post(app.url("/api/documents"))
        .header("content-type", "application/json")
        .body(r#"{"draft": {"id": 5}}"#)
        .send()
        .await
        .unwrap();
    let envelope = TestApp::expect_error(bad_json, 400).await;
    assert!(
        envelope.error.message.contains("draft.id"),
        "{}",
        envelope.error.message
    );
}

#[tokio::test]
async fn the_preview_is_the_server_renderer_with_links_resolved_and_scripts_removed() {
    let app = TestApp::spawn().await;
    app.import_ok(&[("dns.md", b"# DNS\n")]).await;
    let preview = app
        .send_ok::<PreviewMarkdown>(&PreviewRequest {
            body: "## Part\n\n[DNS](dns) and [later](not-yet)\n\n<script>alert(1)</script>\n\n```rust\nfn main() {}\n```\n".into(),
            flavor: Default::default(),
        })
        .await;
    assert!(
        preview.html.contains("href=\"/notes/dns\""),
        "{}",
        preview.html
    );
    assert!(
        preview.html.contains("href=\"/wanted/not-yet\""),
        "{}",
        preview.html
    );
    assert!(!preview.html.contains("<script"), "{}", preview.html);
    assert!(
        preview.html.contains("hl-"),
        "code is highlighted: {}",
        preview.html
    );
    assert_eq!(preview.headings[0].text, "Part");
}

#[tokio::test]
async fn an_import_over_an_edited_note_is_one_more_revision() {
    let app = TestApp::spawn().await;
    app.import_ok(&[("a.md", b"# A\n")]).await;
    let opened = editable(&app, "a").await;
    app.send_ok::<UpdateDocument>(&update("a", &opened, |d| d.body = "# A\n\nedited\n".into()))
        .await;
    app.import_ok(&[("a.md", b"# A\n\nfrom disk\n")]).await;
    let history = app
        .send_ok::<ListRevisions>(&DocumentId { id: "a".into() })
        .await;
    let summaries: Vec<_> = history.iter().map(|r| r.summary.as_str()).collect();
    assert_eq!(
        summaries,
        ["Imported from a.md", "A change", "Imported from a.md"]
    );
    let view = app
        .send_ok::<GetDocument>(&DocumentId { id: "a".into() })
        .await;
    assert!(view.html.contains("from disk"));
}

#[tokio::test]
async fn an_old_id_redirects_without_being_cached_and_comes_back_to_a_new_note_that_takes_it() {
    let app = TestApp::spawn().await;
    app.import_ok(&[
        ("proxy.md", b"# Proxy\n"),
        ("gateway.md", b"---\nrelated: [proxy]\n---\n# Gateway\n"),
    ])
    .await;
    let opened = editable(&app, "proxy").await;
    app.send_ok::<UpdateDocument>(&update("proxy", &opened, |d| d.id = "reverse-proxy".into()))
        .await;

    let not_following = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let moved = not_following
        .get(app.url("/api/documents/proxy"))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 307);
    assert_eq!(moved.headers()["cache-control"], "no-store");
    assert_eq!(moved.headers()["location"], "/api/documents/reverse-proxy");
    // The editor opened on the old address edits the renamed note.
    assert_eq!(editable(&app, "proxy").await.draft.id, "reverse-proxy");

    // A new note takes the old id: the gateway's `related: [proxy]` means it again.
    create(&app, draft("proxy", "Forward proxy", "")).await;
    let gateway: DocumentView = app.get_json("/api/documents/gateway").await;
    assert_eq!(gateway.related[0].id, "proxy");
    assert_eq!(gateway.related[0].title, "Forward proxy");
    let moved: DocumentView = app.get_json("/api/documents/proxy").await;
    assert_eq!(moved.summary.title, "Forward proxy");
}

#[tokio::test]
async fn restoring_a_revision_from_before_a_rename_keeps_the_current_id() {
    let app = TestApp::spawn().await;
    app.import_ok(&[("proxy.md", b"# Proxy\n\nOld words.\n")])
        .await;
    let opened = editable(&app, "proxy").await;
    app.send_ok::<UpdateDocument>(&update("proxy", &opened, |d| {
        d.id = "reverse-proxy".into();
        d.body = "# Proxy\n\nNew words.\n".into();
    }))
    .await;
    let saved = app
        .send_ok::<RestoreToRevision>(&RestoreRevision {
            id: "reverse-proxy".into(),
            number: 1,
            base_revision: 2,
        })
        .await;
    assert_eq!(saved.id, "reverse-proxy");
    let note = editable(&app, "reverse-proxy").await;
    assert!(note.draft.body.contains("Old words."));
    let diff: Diff = app
        .send_ok::<GetDiff>(&DiffQuery {
            id: "reverse-proxy".into(),
            from: 0,
            to: 1,
        })
        .await;
    assert!(
        diff.hunks[0]
            .iter()
            .all(|line| line.change == Change::Added),
        "the first version against nothing is all additions"
    );
}

#[tokio::test]
async fn a_deleted_note_whose_file_path_was_taken_comes_back_beside_it() {
    let app = TestApp::spawn().await;
    app.import_ok(&[("bar.md", b"# Bar\n")]).await;
    let opened = editable(&app, "bar").await;
    app.send_ok::<UpdateDocument>(&update("bar", &opened, |d| d.id = "foo".into()))
        .await;
    app.send_ok::<DeleteDocument>(&NoteAction { id: "foo".into() })
        .await;
    create(&app, draft("bar", "Bar again", "")).await;
    let restored = app
        .send_ok::<RestoreDocument>(&NoteAction { id: "foo".into() })
        .await;
    assert_eq!(restored.id, "foo");
    let foo: DocumentView = app.get_json("/api/documents/foo").await;
    let bar: DocumentView = app.get_json("/api/documents/bar").await;
    assert_ne!(foo.source_path, bar.source_path);
}

#[tokio::test]
async fn a_note_whose_id_its_folder_qualifies_keeps_it_through_edits_deletes_and_restores() {
    let app = TestApp::spawn().await;
    app.import_ok(&[
        ("linux/top.md", b"# top on Linux\n"),
        ("osx/top.md", b"# top on macOS\n"),
    ])
    .await;
    // Neither file writes an id: each is its name qualified by its folder.
    let base = editable(&app, "osx-top").await;
    assert_eq!(base.draft.id, "osx-top");
    let saved: Saved = app
        .send_ok::<UpdateDocument>(&update("osx-top", &base, |d| {
            d.body.push_str("\nActivity Monitor too.\n");
        }))
        .await;
    assert_eq!((saved.id.as_str(), saved.revision), ("osx-top", 2));
    let raw = app.get("/api/documents/osx-top/raw").await;
    assert!(
        !raw.text().await.unwrap().contains("id:"),
        "keeping the id needs no front matter"
    );

    app.send_ok::<DeleteDocument>(&NoteAction {
        id: "osx-top".into(),
    })
    .await;
    let restored = app
        .send_ok::<RestoreDocument>(&NoteAction {
            id: "osx-top".into(),
        })
        .await;
    assert_eq!(restored.id, "osx-top");
    let back = app
        .send_ok::<RestoreToRevision>(&RestoreRevision {
            id: "osx-top".into(),
            number: 1,
            base_revision: restored.revision,
        })
        .await;
    assert_eq!(back.id, "osx-top");
    let view: DocumentView = app.get_json("/api/documents/osx-top").await;
    assert_eq!(view.summary.title, "top on macOS");
    // No note took the bare name on the way.
    TestApp::expect_error(app.get("/api/documents/top").await, 404).await;
}
