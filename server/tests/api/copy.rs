//! `lore copy`: a whole base moved between engines, all or nothing, and checked.

use crate::databases::{Engine, FreshDatabase};
use crate::helpers::{Options, TestApp};
use app::contract::{UpdateDocument, UpdateNote};
use server::service::copying::{CopyError, copy};

/// A server over `database`.
async fn serving(database: &FreshDatabase) -> TestApp {
    TestApp::spawn_with(Options {
        database_url: Some(database.url.clone()),
        ..Options::default()
    })
    .await
}

/// A base with something of everything: the demo notes, files in each layout (a byte order
/// mark, TOML, the nested collection), a renamed note, a note in the trash, edits, and two
/// attachments with the same bytes.
async fn lived_in(app: &TestApp) {
    app.service().load_demo_if_empty().await.unwrap();
    app.import_ok(&[
        (
            "nested.md",
            include_bytes!("../fixtures/nested-collection.md"),
        ),
        (
            "toml/zola.md",
            b"+++\ntitle = \"Zola\"\nweight = 3\n+++\nBody\n",
        ),
        ("bom.md", "\u{feff}---\ntitle: BOM\n---\nBody\n".as_bytes()),
        ("to-rename.md", b"---\ntitle: Renamed\n---\nFirst\n"),
        ("to-trash.md", b"# Trash me\n"),
        (
            "pictures.md",
            b"# Pictures\n\n![one](images/one.png) and ![same bytes](images/two.png)\n",
        ),
        ("images/one.png", b"\x89PNG\r\n\x1a\n one"),
        ("images/two.png", b"\x89PNG\r\n\x1a\n one"),
    ])
    .await;
    // Enough notes that PostgreSQL takes them, their revisions, tags and links in `COPY`'s
    // binary format, holding what its text format escapes (tabs, backslashes, line ends).
    let many: Vec<(String, String)> = (0..120)
        .map(|i| {
            (
                format!("many/n{i}.md"),
                format!(
                    "---\ntitle: 'Back\\slash\t{i}'\ntags: [t{i}, many]\n---\n\
                     A\ttab, a \\ and \\N, \\.\r\nthen [the next](n{}.md) in 東京 ✓\n",
                    (i + 1) % 120
                ),
            )
        })
        .collect();
    app.import_notes_ok(&many).await;
    let current = app.service().editable("to-rename").await.unwrap();
    let mut draft = current.draft.clone();
    draft.id = "renamed".into();
    draft.body = "Second\n".into();
    let response = app
        .send::<UpdateDocument>(&UpdateNote {
            id: "to-rename".into(),
            base_revision: current.revision,
            draft,
            summary: "Renamed".into(),
        })
        .await;
    assert_eq!(response.status(), 200);
    app.service()
        .delete("to-trash")
        .await
        .expect("into the trash");
}

#[tokio::test]
async fn a_base_copied_from_sqlite_to_postgresql_exports_the_same_bytes() {
    let (sqlite, postgres) = (
        FreshDatabase::new(Engine::Sqlite).await,
        FreshDatabase::new(Engine::Postgres).await,
    );
    let source = serving(&sqlite).await;
    lived_in(&source).await;
    let target = serving(&postgres).await;

    let copied = copy(source.store.as_ref(), target.store.as_ref())
        .await
        .unwrap();
    assert_eq!(
        (copied.trash, copied.redirects, copied.attachments),
        (1, 1, 2)
    );
    assert!(copied.revisions > copied.notes, "{copied:?}");

    let from = source.get("/api/export").await.bytes().await.unwrap();
    let to = target.get("/api/export").await.bytes().await.unwrap();
    assert_eq!(from, to, "the exports differ");
    // And the copy works as a base: history, redirects and the trash came along.
    let history = target.service().revisions("renamed").await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(target.get("/api/documents/to-rename").await.status(), 200);
    assert_eq!(target.service().trash().await.unwrap()[0].id, "to-trash");
    let found = target
        .service()
        .search(&app::contract::SearchQuery {
            q: "architecture".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!found.hits.is_empty());
    // Filtered too: PostgreSQL's index holds each note's tags beside its words.
    let tagged = target
        .service()
        .search(&app::contract::SearchQuery {
            q: "tab".into(),
            tag: Some("t7".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let ids: Vec<&str> = tagged.hits.iter().map(|h| h.document.id.as_str()).collect();
    assert_eq!(ids, ["n7"]);

    // Back the other way: the same again.
    let back_db = FreshDatabase::new(Engine::Sqlite).await;
    let back = serving(&back_db).await;
    let again = copy(target.store.as_ref(), back.store.as_ref())
        .await
        .unwrap();
    assert_eq!(again, copied);
    assert_eq!(back.get("/api/export").await.bytes().await.unwrap(), from);
}

#[tokio::test]
async fn copying_into_a_base_that_is_not_empty_is_refused_and_writes_nothing() {
    let (from_db, to_db) = (
        FreshDatabase::new(Engine::of_this_run()).await,
        FreshDatabase::new(Engine::of_this_run()).await,
    );
    let from = serving(&from_db).await;
    from.import_ok(&[("a.md", b"# A\n")]).await;
    let to = serving(&to_db).await;
    to.import_ok(&[("mine.md", b"# Mine\n")]).await;
    let error = copy(from.store.as_ref(), to.store.as_ref())
        .await
        .unwrap_err();
    assert!(matches!(error, CopyError::TargetNotEmpty(_)), "{error}");
    assert!(error.to_string().contains("1 notes"), "{error}");
    assert_eq!(to.store.count_documents().await.unwrap(), 1);
}
