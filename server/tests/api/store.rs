//! The store's conformance suite: every primitive of `Store` and `Transaction`, written once and
//! run on the engine of this run (SQLite by default, PostgreSQL with
//! `LORE_TEST_DATABASE=postgres`; `cargo xtask test` runs both), each test in a fresh database.
//! Where the engines could differ (who decides that an id is taken, what a second writer on a
//! note sees), the expectation is the same for both.

use crate::databases::{Engine, FreshDatabase};
use app::contract::{DocumentQuery, EdgeKind};
use server::store::{
    AttachmentRecord, CollectionRecord, EdgeRecord, Held, NewRevision, NoteRecord, Rerendered,
    SearchRequest, SearchTerm, Store, StoreError, Taken, Transaction,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// A fresh store on this run's engine, and the database behind it (dropped with it).
async fn fresh() -> (Arc<dyn Store>, FreshDatabase) {
    let database = FreshDatabase::new(Engine::of_this_run()).await;
    let store = server::store::connect(&database.url, &Default::default())
        .await
        .unwrap();
    (store, database)
}

/// A fresh store on PostgreSQL whatever the run's engine, for what is PostgreSQL's own; with a
/// pool of its own to look underneath it.
async fn fresh_postgres() -> (Arc<dyn Store>, sqlx::PgPool, FreshDatabase) {
    let database = FreshDatabase::new(Engine::Postgres).await;
    let store = server::store::connect(&database.url, &Default::default())
        .await
        .unwrap();
    let pool = sqlx::PgPool::connect(&database.url).await.unwrap();
    (store, pool, database)
}

fn note(id: &str, path: &str, body: &str) -> NoteRecord {
    NoteRecord {
        id: id.into(),
        source_path: path.into(),
        name_key: Some(format!("name of {id}")),
        title: format!("Title of {id}"),
        description: Some(format!("About {id}")),
        author: None,
        created_at: Some("2026-01-02".into()),
        updated_at: None,
        version: None,
        draft: false,
        collection: Some(CollectionRecord {
            id: "topics".into(),
            title: "Topics".into(),
            front_matter_json: "[]".into(),
        }),
        tags: vec!["shared".into(), format!("only-{id}")],
        edges: Vec::new(),
        link_names: Vec::new(),
        body: body.into(),
        layout_json: r#"{"syntax":"none","front_matter":[],"collection_block":null,"preamble":""}"#
            .into(),
        html: format!("<p>{body}</p>"),
        plain_text: body.into(),
        headings: Vec::new(),
        content_hash: format!("hash-{id}"),
        render_version: 1,
    }
}

fn edge(kind: EdgeKind, target: &str) -> EdgeRecord {
    EdgeRecord {
        kind,
        target_id: target.into(),
        target_ref: target.into(),
    }
}

fn revision(id: &str, source: &str) -> NewRevision {
    NewRevision {
        id: id.into(),
        source: source.into(),
        source_path: format!("{id}.md"),
        author: "test".into(),
        summary: "a change".into(),
    }
}

/// Writes `notes` as an import does, each as its revision 1.
async fn put(store: &dyn Store, notes: &[NoteRecord]) {
    let mut tx = store.begin().await.unwrap();
    import_in(tx.as_mut(), notes).await;
    tx.commit().await.unwrap();
}

/// Writes `notes` in `tx` as an import does: their files as their next revisions first, then
/// the notes at those numbers; returns the numbers.
async fn import_in(tx: &mut dyn Transaction, notes: &[NoteRecord]) -> HashMap<String, i64> {
    let revisions: Vec<NewRevision> = notes.iter().map(|n| revision(&n.id, &n.body)).collect();
    let numbers = tx.record_revisions(&revisions).await.unwrap();
    tx.put_notes(notes, &numbers).await.unwrap();
    numbers
}

#[tokio::test]
async fn notes_written_together_are_read_back_with_their_tags_edges_and_collection() {
    let (store, _db) = fresh().await;
    let mut a = note("a", "topics/a.md", "Alpha text");
    a.edges = vec![
        edge(EdgeKind::Prerequisite, "b"),
        edge(EdgeKind::Link, "nowhere"),
    ];
    let b = note("b", "topics/b.md", "Beta text");
    put(store.as_ref(), &[a, b]).await;

    assert_eq!(store.count_documents().await.unwrap(), 2);
    let row = store.document("a").await.unwrap().unwrap();
    assert_eq!(row.summary.title, "Title of a");
    assert_eq!(row.summary.tags, ["shared", "only-a"]);
    assert_eq!(row.summary.collection.unwrap().title, "Topics");
    assert_eq!(row.html, "<p>Alpha text</p>");
    let outgoing = store.outgoing("a").await.unwrap();
    assert_eq!(
        (outgoing.len(), outgoing[0].target_id.as_str()),
        (1, "b"),
        "links are not relationships"
    );
    assert_eq!(outgoing[0].title.as_deref(), Some("Title of b"));
    let backlinks = store.backlinks("b").await.unwrap();
    assert_eq!(backlinks[0].id, "a");
    let closure = store.prerequisite_closure("a").await.unwrap();
    assert_eq!(closure["a"], ["b"]);
    assert_eq!(store.wanted().await.unwrap()[0].id, "nowhere");
    let graph = store.graph().await.unwrap();
    assert_eq!((graph.nodes.len(), graph.edges.len()), (3, 2));
    let tags = store.tags().await.unwrap();
    assert_eq!((tags[0].tag.as_str(), tags[0].count), ("shared", 2));
    assert_eq!(store.collections().await.unwrap()[0].count, 2);
    let page = store
        .list_documents(&DocumentQuery {
            tag: Some("only-b".into()),
            ..DocumentQuery::default()
        })
        .await
        .unwrap();
    assert_eq!((page.total, page.items[0].id.as_str()), (1, "b"));
    let located = store
        .locate(
            &["a".into()],
            &["topics/b.md".into(), "topics/none.md".into()],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(located.len(), 2);
    let layouts = store
        .layouts_at(&["topics/b.md".into(), "topics/none.md".into()])
        .await
        .unwrap();
    assert_eq!(
        layouts,
        [("topics/b.md".to_owned(), note("b", "", "").layout_json)]
    );
    let mut by_name = store
        .locate(&[], &[], &["name of b".into(), "name of none".into()])
        .await
        .unwrap();
    assert_eq!(by_name, [("b".into(), "topics/b.md".into())]);

    // A note stored without a name key is found once it is given one.
    let mut unnamed = note("c", "topics/c.md", "Gamma text");
    unnamed.name_key = None;
    put(store.as_ref(), &[unnamed]).await;
    assert_eq!(
        store.unnamed().await.unwrap(),
        [("c".to_owned(), "topics/c.md".to_owned())]
    );
    let mut tx = store.begin().await.unwrap();
    tx.name_notes(&[("c".into(), "gamma".into())])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(store.unnamed().await.unwrap().is_empty());
    by_name = store.locate(&[], &[], &["gamma".into()]).await.unwrap();
    assert_eq!(by_name, [("c".into(), "topics/c.md".into())]);
    assert_eq!(store.sources().await.unwrap()[0].source_path, "topics/a.md");
    let stored = store.stored_note("b").await.unwrap().unwrap();
    assert_eq!(stored.revision, 1);
}

#[tokio::test]
async fn a_transaction_not_committed_writes_nothing_and_a_commit_moves_the_revision() {
    let (store, _db) = fresh().await;
    let before = store.revision().await.unwrap();
    {
        let mut tx = store.begin().await.unwrap();
        import_in(tx.as_mut(), &[note("a", "a.md", "x")]).await;
        // Dropped here, uncommitted.
    }
    assert_eq!(store.count_documents().await.unwrap(), 0);
    assert_eq!(store.revision().await.unwrap(), before);
    put(store.as_ref(), &[note("a", "a.md", "x")]).await;
    assert!(store.revision().await.unwrap() > before);
}

#[tokio::test]
async fn a_note_written_without_its_recorded_revision_is_refused_and_nothing_is_written() {
    let (store, _db) = fresh().await;
    let mut tx = store.begin().await.unwrap();
    let numbers = tx
        .record_revisions(&[revision("a", "Alpha")])
        .await
        .unwrap();
    let notes = [note("a", "a.md", "Alpha"), note("b", "b.md", "Beta")];
    let refused = tx.put_notes(&notes, &numbers).await.unwrap_err();
    assert!(
        matches!(&refused, StoreError::Unrecorded(id) if id == "b"),
        "{refused}"
    );
    // The transaction is still usable: the refusal came before any statement.
    tx.put_notes(&notes[..1], &numbers).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.count_documents().await.unwrap(), 1);
    assert_eq!(store.stored_note("a").await.unwrap().unwrap().revision, 1);
}

#[tokio::test]
async fn a_note_is_held_only_at_the_revision_the_writer_saw() {
    let (store, _db) = fresh().await;
    put(store.as_ref(), &[note("a", "a.md", "x")]).await;
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.hold("a", 1).await.unwrap(), Held::Yes);
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.hold("a", 7).await.unwrap(), Held::Stale);
    assert_eq!(tx.hold("none", 1).await.unwrap(), Held::Missing);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_writer_on_a_held_note_waits_and_then_finds_it_moved_on() {
    let (store, _db) = fresh().await;
    put(store.as_ref(), &[note("a", "a.md", "x")]).await;
    let mut first = store.begin().await.unwrap();
    assert_eq!(first.hold("a", 1).await.unwrap(), Held::Yes);
    let second = tokio::spawn({
        let store = store.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            tx.hold("a", 1).await.unwrap()
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!second.is_finished(), "the second writer did not wait");
    first
        .update_note(&note("a", "a.md", "y"))
        .await
        .unwrap()
        .unwrap();
    first.add_revisions(&[revision("a", "y")]).await.unwrap();
    first.commit().await.unwrap();
    assert_eq!(second.await.unwrap(), Held::Stale);
}

#[tokio::test]
async fn ids_and_paths_are_claimed_once_and_the_trash_and_kept_history_hold_their_ids() {
    let (store, _db) = fresh().await;
    put(
        store.as_ref(),
        &[note("a", "a.md", "x"), note("gone", "gone.md", "x")],
    )
    .await;
    let mut tx = store.begin().await.unwrap();
    tx.trash_note("gone", "test", "2026-01-01T00:00:00Z")
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    // History kept under an id no note has: a file whose id changed on import.
    let mut tx = store.begin().await.unwrap();
    tx.add_first_revisions(&[revision("old-id", "x")])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    for (candidate, taken) in [
        (note("a", "new.md", "x"), Taken::Id),
        (note("b", "a.md", "x"), Taken::Path),
        (note("gone", "other.md", "x"), Taken::Trash),
        (note("old-id", "old.md", "x"), Taken::History),
    ] {
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.insert_note(&candidate, false).await.unwrap(),
            Err(taken),
            "{}",
            candidate.id
        );
    }
    // A note restored from the trash takes its own id back, with its own history.
    let mut tx = store.begin().await.unwrap();
    assert!(tx.untrash("gone").await.unwrap());
    tx.insert_note(&note("gone", "gone.md", "x"), true)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    assert!(store.trash().await.unwrap().is_empty());
    assert_eq!(store.revisions("gone").await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_rename_moves_the_history_the_links_to_it_and_leaves_a_redirect() {
    let (store, _db) = fresh().await;
    let mut linking = note("linking", "linking.md", "x");
    linking.edges = vec![edge(EdgeKind::Related, "old")];
    put(
        store.as_ref(),
        &[
            note("old", "old.md", "x"),
            linking,
            note("taken", "t.md", "x"),
        ],
    )
    .await;

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.rename("old", "taken").await.unwrap(), Err(Taken::Id));
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.hold("old", 1).await.unwrap(), Held::Yes);
    tx.rename("old", "new").await.unwrap().unwrap();
    tx.update_note(&note("new", "old.md", "renamed"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        tx.add_revisions(&[revision("new", "renamed")])
            .await
            .unwrap(),
        [2]
    );
    tx.commit().await.unwrap();

    assert!(store.document("old").await.unwrap().is_none());
    assert_eq!(store.revisions("new").await.unwrap().len(), 2);
    assert_eq!(
        store.redirects_of(&["old".into()]).await.unwrap(),
        [("old".to_owned(), "new".to_owned())]
    );
    assert_eq!(store.outgoing("linking").await.unwrap()[0].target_id, "new");
}

#[tokio::test]
async fn new_html_is_kept_only_for_a_note_that_still_has_the_body_it_came_from() {
    let (store, _db) = fresh().await;
    put(store.as_ref(), &[note("a", "a.md", "current")]).await;
    let mut tx = store.begin().await.unwrap();
    tx.store_html(&[Rerendered {
        id: "a".into(),
        body: "an older body".into(),
        html: "<p>stale</p>".into(),
        plain_text: "stale".into(),
        link_names: vec!["stale.png".into()],
        render_version: 2,
    }])
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.document("a").await.unwrap().unwrap().html,
        "<p>current</p>"
    );
    assert_eq!(store.stale_bodies(2).await.unwrap().len(), 1);
    assert!(
        store
            .bodies_naming(&["stale.png".into()])
            .await
            .unwrap()
            .is_empty(),
        "the files of HTML not kept were kept"
    );

    // Kept, the HTML's files replace the note's.
    let mut tx = store.begin().await.unwrap();
    tx.store_html(&[Rerendered {
        id: "a".into(),
        body: "current".into(),
        html: "<p>current, again</p>".into(),
        plain_text: "current".into(),
        link_names: vec!["now.png".into()],
        render_version: 3,
    }])
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let using = store.bodies_naming(&["now.png".into()]).await.unwrap();
    assert_eq!(using.len(), 1);
}

#[tokio::test]
async fn revisions_are_numbered_per_note_and_a_first_revision_is_never_written_twice() {
    let (store, _db) = fresh().await;
    put(store.as_ref(), &[note("a", "a.md", "x")]).await;
    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.add_revisions(&[revision("a", "two")]).await.unwrap(),
        [2]
    );
    tx.add_first_revisions(&[revision("a", "not one")])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let first = store.revision_of("a", 1).await.unwrap().unwrap();
    assert_eq!(first.source, "x");
    assert_eq!(store.revision_of("a", 0).await.unwrap().unwrap().number, 2);
    assert_eq!(store.stored_note("a").await.unwrap().unwrap().revision, 2);

    // Imported again, beside a new note: each moves to its next number.
    let mut tx = store.begin().await.unwrap();
    let numbers = import_in(
        tx.as_mut(),
        &[note("a", "a.md", "three"), note("b", "b.md", "one")],
    )
    .await;
    tx.commit().await.unwrap();
    assert_eq!((numbers["a"], numbers["b"]), (3, 1));
    assert_eq!(store.stored_note("a").await.unwrap().unwrap().revision, 3);
    assert_eq!(store.stored_note("b").await.unwrap().unwrap().revision, 1);
    assert_eq!(
        store.revision_of("a", 0).await.unwrap().unwrap().source,
        "three"
    );
}

fn search(words: &[&str], prefix_last: bool) -> SearchRequest {
    SearchRequest {
        terms: words
            .iter()
            .map(|w| SearchTerm::Word((*w).into()))
            .collect(),
        prefix_last,
        tag: None,
        collection: None,
        limit: 10,
    }
}

#[tokio::test]
async fn search_ranks_title_matches_first_and_reads_prefixes_phrases_and_filters() {
    let (store, _db) = fresh().await;
    let mut in_title = note("title-match", "t.md", "Nothing about it here.");
    in_title.title = "Balancer basics".into();
    let in_body = note(
        "body-match",
        "b.md",
        "A balancer spreads load, and a reverse proxy forwards it.",
    );
    let mut accented = note("accented", "c.md", "Un café près du proxy.");
    accented.tags = vec!["french".into()];
    put(store.as_ref(), &[in_body, in_title, accented]).await;

    let hits = store.search(&search(&["balancer"], false)).await.unwrap();
    let ids: Vec<_> = hits.iter().map(|h| h.document.id.as_str()).collect();
    assert_eq!(ids, ["title-match", "body-match"]);
    let snippet = &hits[1].snippet;
    assert!(
        snippet.contains(&format!(
            "{}balancer{}",
            server::store::MATCH_START,
            server::store::MATCH_END
        )),
        "{snippet:?}"
    );
    let prefix = store.search(&search(&["bal"], true)).await.unwrap();
    assert_eq!(prefix.len(), 2);
    assert!(
        store
            .search(&search(&["bal"], false))
            .await
            .unwrap()
            .is_empty()
    );
    let phrase = SearchRequest {
        terms: vec![SearchTerm::Phrase(vec!["reverse".into(), "proxy".into()])],
        ..search(&[], false)
    };
    assert_eq!(store.search(&phrase).await.unwrap().len(), 1);
    let diacritics = store.search(&search(&["cafe"], false)).await.unwrap();
    assert_eq!(diacritics[0].document.id, "accented");
    let filtered = SearchRequest {
        tag: Some("french".into()),
        ..search(&["proxy"], false)
    };
    let filtered = store.search(&filtered).await.unwrap();
    assert_eq!(filtered.len(), 1);
    let near = store.vocabulary_near("blancer").await.unwrap();
    assert!(
        near.iter().any(|(term, n)| term == "balancer" && *n == 2),
        "{near:?}"
    );
    let swapped = store.vocabulary_near("proyx").await.unwrap();
    assert!(
        swapped.iter().any(|(term, _)| term == "proxy"),
        "{swapped:?}"
    );
}

/// The ids of the notes holding `word` that have `tag` and are in `collection`, sorted.
async fn filtered_ids(
    store: &dyn Store,
    word: &str,
    tag: Option<&str>,
    collection: Option<&str>,
) -> Vec<String> {
    let request = SearchRequest {
        tag: tag.map(str::to_owned),
        collection: collection.map(str::to_owned),
        ..search(&[word], false)
    };
    let mut ids: Vec<String> = store
        .search(&request)
        .await
        .unwrap()
        .into_iter()
        .map(|hit| hit.document.id)
        .collect();
    ids.sort();
    ids
}

/// Creates `note` as the editor does, in a transaction of its own: its id and path claimed
/// with an empty row, then the note written over it.
async fn create(store: &dyn Store, note: &NoteRecord) {
    let mut tx = store.begin().await.unwrap();
    tx.insert_note(note, false).await.unwrap().unwrap();
    tx.commit().await.unwrap();
}

/// Saves `note` over the stored note of its id, in a transaction of its own.
async fn save(store: &dyn Store, note: &NoteRecord) {
    let mut tx = store.begin().await.unwrap();
    tx.update_note(note).await.unwrap().unwrap();
    tx.commit().await.unwrap();
}

fn in_collection(note: &mut NoteRecord, id: &str) {
    note.collection = Some(CollectionRecord {
        id: id.into(),
        title: id.into(),
        front_matter_json: "[]".into(),
    });
}

#[tokio::test]
async fn a_filtered_search_finds_notes_by_the_tags_and_collection_they_have_now() {
    let (store, _db) = fresh().await;
    let store = store.as_ref();
    put(
        store,
        &[
            note("a", "a.md", "Text of a."),
            note("b", "b.md", "Text of b."),
        ],
    )
    .await;
    assert_eq!(
        filtered_ids(store, "text", Some("only-a"), None).await,
        ["a"]
    );
    assert_eq!(
        filtered_ids(store, "text", None, Some("topics")).await,
        ["a", "b"]
    );
    assert!(
        filtered_ids(store, "text", Some("only-a"), Some("nowhere"))
            .await
            .is_empty()
    );

    // A save gives `a` other tags, one of them long and full of what quoting is made of, and
    // another collection.
    let long_tag = format!(
        "{}\"quoted\" {{braces}}, back\\slash, café",
        "long ".repeat(60)
    );
    let mut saved = note("a", "a.md", "Text of a, saved.");
    saved.tags = vec!["shared".into(), long_tag.clone()];
    in_collection(&mut saved, "elsewhere");
    save(store, &saved).await;
    assert!(
        filtered_ids(store, "text", Some("only-a"), None)
            .await
            .is_empty()
    );
    assert_eq!(
        filtered_ids(store, "text", Some(&long_tag), None).await,
        ["a"]
    );
    assert!(
        filtered_ids(store, "text", Some(&long_tag[1..]), None)
            .await
            .is_empty()
    );
    assert_eq!(
        filtered_ids(store, "text", None, Some("topics")).await,
        ["b"]
    );
    assert_eq!(
        filtered_ids(store, "text", Some("shared"), Some("elsewhere")).await,
        ["a"]
    );

    // An import writes `b` again with another tag, and a new note beside it.
    let mut again = note("b", "b.md", "Text of b, imported again.");
    again.tags = vec!["again".into()];
    let mut new = note("c", "c.md", "Text of c.");
    in_collection(&mut new, "elsewhere");
    put(store, &[again, new]).await;
    assert_eq!(
        filtered_ids(store, "text", Some("again"), None).await,
        ["b"]
    );
    assert!(
        filtered_ids(store, "text", Some("only-b"), None)
            .await
            .is_empty()
    );
    assert_eq!(
        filtered_ids(store, "text", None, Some("elsewhere")).await,
        ["a", "c"]
    );

    // A note created on its own.
    create(store, &note("d", "d.md", "Text of d.")).await;
    assert_eq!(
        filtered_ids(store, "text", Some("only-d"), Some("topics")).await,
        ["d"]
    );

    // A save that takes every tag and the collection away.
    let mut bare = note("d", "d.md", "Text of d, bare.");
    bare.tags.clear();
    bare.collection = None;
    save(store, &bare).await;
    assert!(
        filtered_ids(store, "text", Some("only-d"), None)
            .await
            .is_empty()
    );
    assert_eq!(
        filtered_ids(store, "text", None, Some("topics")).await,
        ["b"]
    );
    assert_eq!(
        filtered_ids(store, "text", None, None).await,
        ["a", "b", "c", "d"]
    );
}

/// How many versions of search index rows have been written over and are dead now (nothing
/// vacuums a test's few rows): one a write that replaced a row, two one that wrote it twice.
async fn dead_index_rows(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT dead_tuple_count FROM pgstattuple('search_index')")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn on_postgresql_each_write_of_a_note_writes_its_search_index_row_once() {
    // Each version of a row is a GIN entry for every word of the note, written again.
    let (store, pool, _db) = fresh_postgres().await;
    sqlx::query("CREATE EXTENSION pgstattuple")
        .execute(&pool)
        .await
        .unwrap();
    let store = store.as_ref();
    put(store, &[note("a", "a.md", "Text of a.")]).await;
    assert_eq!(dead_index_rows(&pool).await, 0);

    // A note created on its own, with tags and a collection: claimed, then written.
    create(store, &note("b", "b.md", "Text of b.")).await;
    assert_eq!(dead_index_rows(&pool).await, 0, "a creation");
    assert_eq!(
        filtered_ids(store, "text", Some("only-b"), Some("topics")).await,
        ["b"]
    );

    // A save that changes the text and the tags.
    let mut saved = note("a", "a.md", "Text of a, saved.");
    saved.tags = vec!["saved".into()];
    save(store, &saved).await;
    assert_eq!(dead_index_rows(&pool).await, 1, "a save of text and tags");
    assert_eq!(
        filtered_ids(store, "saved", Some("saved"), None).await,
        ["a"]
    );

    // A save that changes only the collection, then one that changes nothing searched.
    in_collection(&mut saved, "elsewhere");
    save(store, &saved).await;
    assert_eq!(dead_index_rows(&pool).await, 2, "a save of the collection");
    saved.author = Some("someone".into());
    save(store, &saved).await;
    assert_eq!(dead_index_rows(&pool).await, 2, "a save of the author");
    assert_eq!(
        filtered_ids(store, "saved", None, Some("elsewhere")).await,
        ["a"]
    );

    // A rename, its text and tags as they were.
    let mut tx = store.begin().await.unwrap();
    tx.rename("b", "renamed").await.unwrap().unwrap();
    let mut renamed = note("renamed", "b.md", "Text of b.");
    renamed.title = "Title of b".into();
    renamed.description = Some("About b".into());
    renamed.tags = vec!["shared".into(), "only-b".into()];
    tx.update_note(&renamed).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!(dead_index_rows(&pool).await, 2, "a rename");
    assert_eq!(
        filtered_ids(store, "text", Some("only-b"), Some("topics")).await,
        ["renamed"]
    );
    pool.close().await;
}

/// How many notes hold `word`, as the vocabulary near `near` says.
async fn notes_holding(store: &dyn Store, near: &str, word: &str) -> Option<i64> {
    store
        .vocabulary_near(near)
        .await
        .unwrap()
        .into_iter()
        .find(|(term, _)| term == word)
        .map(|(_, notes)| notes)
}

/// Waits until the vocabulary near `near` says `expected` notes hold `word`. After a write, an
/// engine may answer from the vocabulary as it was for a moment (both read it again in the
/// background): the count must come right within a few seconds.
async fn vocabulary_settles_to(store: &dyn Store, near: &str, word: &str, expected: Option<i64>) {
    let mut counted = None;
    for _ in 0..100 {
        counted = notes_holding(store, near, word).await;
        if counted == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!("{word}: {counted:?}, not {expected:?}");
}

#[tokio::test]
async fn the_vocabulary_counts_the_notes_holding_each_word_and_forgets_words_no_note_holds() {
    let (store, _db) = fresh().await;
    put(
        store.as_ref(),
        &[
            note("first", "first.md", "Zeppelins and hovercraft."),
            note("second", "second.md", "Zeppelins only."),
        ],
    )
    .await;
    let settles_to = async |near: &str, word: &str, expected: Option<i64>| {
        vocabulary_settles_to(store.as_ref(), near, word, expected).await
    };
    assert_eq!(
        notes_holding(store.as_ref(), "zeppelin", "zeppelins").await,
        Some(2)
    );

    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.hold("first", 1).await.unwrap(), Held::Yes);
    tx.update_note(&note("first", "first.md", "Hovercraft."))
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    settles_to("zeppelin", "zeppelins", Some(1)).await;

    let mut tx = store.begin().await.unwrap();
    tx.trash_note("second", "test", "2026-01-01T00:00:00Z")
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    settles_to("zeppelin", "zeppelins", None).await;
    settles_to("hovercraf", "hovercraft", Some(1)).await;
}

#[tokio::test]
async fn an_import_sized_write_is_counted_and_searchable_once_committed_and_again_when_rewritten() {
    let (store, _db) = fresh().await;
    // Enough notes at once for the engine's bulk-write settings and tidying to run.
    let notes: Vec<NoteRecord> = (0..600)
        .map(|n| {
            let rare = if n % 100 == 7 { " quixotic" } else { "" };
            note(
                &format!("n{n}"),
                &format!("bulk/{}/n{n}.md", n % 10),
                &format!("Common words{rare} in note {n}."),
            )
        })
        .collect();
    put(store.as_ref(), &notes).await;
    let settles_to = async |word: &str, expected: i64| {
        vocabulary_settles_to(store.as_ref(), word, word, Some(expected)).await
    };
    settles_to("common", 600).await;
    settles_to("quixotic", 6).await;
    let found = store.search(&search(&["quixotic"], false)).await.unwrap();
    assert_eq!(found.len(), 6, "{found:?}");

    // The same notes written again, the rare word moved: counts follow, nothing doubles.
    let rewritten: Vec<NoteRecord> = notes
        .iter()
        .enumerate()
        .map(|(n, old)| {
            let rare = if n % 200 == 3 { " quixotic" } else { "" };
            NoteRecord {
                body: format!("Common words{rare} in note {n}."),
                plain_text: format!("Common words{rare} in note {n}."),
                ..old.clone()
            }
        })
        .collect();
    put(store.as_ref(), &rewritten).await;
    settles_to("quixotic", 3).await;
    settles_to("common", 600).await;
    let found = store.search(&search(&["quixotic"], false)).await.unwrap();
    let mut ids: Vec<&str> = found.iter().map(|hit| hit.document.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["n203", "n3", "n403"]);
}

#[tokio::test]
async fn on_postgresql_a_large_write_is_merged_and_analysed_by_the_time_its_commit_returns() {
    // PostgreSQL whatever the run's engine: the tidying of a large write is its own.
    let (store, pool, _db) = fresh_postgres().await;
    sqlx::query("CREATE EXTENSION pgstattuple")
        .execute(&pool)
        .await
        .unwrap();
    // Batches as an import writes them: a large write from the second on, so the search
    // index's pending lists are merged on a connection of their own between batches, and
    // may still be when the commit comes.
    let notes: Vec<NoteRecord> = (0..1_500)
        .map(|n| {
            let body: String = (0..60)
                .map(|w| format!("word{} ", (n * 7 + w * 13) % 900))
                .collect();
            note(&format!("n{n}"), &format!("bulk/{}/n{n}.md", n % 10), &body)
        })
        .collect();
    let mut tx = store.begin().await.unwrap();
    for batch in notes.chunks(300) {
        import_in(tx.as_mut(), batch).await;
    }
    tx.commit().await.unwrap();

    // Nothing is left for every search to read through, nor for the planner to guess.
    for index in ["search_index_meta", "search_index_words"] {
        let (pages, entries): (i32, i64) = sqlx::query_as(
            "SELECT pending_pages, pending_tuples FROM pgstatginindex($1::regclass)",
        )
        .bind(index)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!((pages, entries), (0, 0), "the pending list of {index}");
    }
    let analysed: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_stat_user_tables \
         WHERE last_analyze IS NOT NULL ORDER BY relname",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for table in ["documents", "edges", "search_index", "vocabulary"] {
        assert!(
            analysed.iter().any(|t| t == table),
            "{table} in {analysed:?}"
        );
    }
    let found = store.search(&search(&["word899"], false)).await.unwrap();
    assert!(!found.is_empty());
    pool.close().await;
}

#[tokio::test]
async fn a_whole_base_dumped_loads_into_an_empty_one_as_it_was() {
    let (store, _db) = fresh().await;
    let mut a = note("a", "a.md", "x");
    a.edges = vec![edge(EdgeKind::Link, "b")];
    a.link_names = vec!["images/one.png".into(), "name:missing.png".into()];
    put(
        store.as_ref(),
        &[a, note("b", "b.md", "y"), note("c", "c.md", "z")],
    )
    .await;
    let mut tx = store.begin().await.unwrap();
    tx.put_attachments(&[
        attachment("images/one.png", b"\x89PNG one"),
        attachment("images/same.png", b"\x89PNG one"),
    ])
    .await
    .unwrap();
    tx.trash_note("c", "test", "2026-01-01T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(tx.hold("b", 1).await.unwrap(), Held::Yes);
    tx.rename("b", "bee").await.unwrap().unwrap();
    tx.update_note(&note("bee", "b.md", "y"))
        .await
        .unwrap()
        .unwrap();
    tx.add_revisions(&[revision("bee", "y")]).await.unwrap();
    tx.commit().await.unwrap();
    let dump = store.dump().await.unwrap();
    assert_eq!(
        (
            dump.notes.len(),
            dump.revisions.len(),
            dump.trash.len(),
            dump.redirects.len(),
            dump.attachments.len()
        ),
        (2, 4, 1, 1, 2)
    );

    let (copy, _copy_db) = fresh().await;
    let mut tx = copy.begin().await.unwrap();
    tx.load(&dump).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(copy.dump().await.unwrap(), dump);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_at_once_on_a_new_database_migrate_it_once() {
    let database = FreshDatabase::new(Engine::of_this_run()).await;
    let starting: Vec<_> = (0..4)
        .map(|_| {
            let url = database.url.clone();
            tokio::spawn(async move {
                server::store::connect(&url, &Default::default())
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{e:?}"))
            })
        })
        .collect();
    for replica in starting {
        replica.await.unwrap().unwrap();
    }
}

fn attachment(path: &str, bytes: &[u8]) -> AttachmentRecord {
    AttachmentRecord {
        path: path.into(),
        hash: format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(bytes)),
        content_type: "image/png".into(),
        bytes: bytes.to_vec(),
    }
}

#[tokio::test]
async fn attachments_are_stored_once_per_content_read_in_ranges_and_let_go_when_replaced() {
    let (store, _db) = fresh().await;
    let shared = attachment("a/shared.png", b"0123456789");
    let mut tx = store.begin().await.unwrap();
    tx.put_attachments(&[shared.clone(), attachment("b/copy.png", b"0123456789")])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.attachment_index().await.unwrap(),
        vec![
            ("a/shared.png".to_owned(), shared.hash.clone()),
            ("b/copy.png".to_owned(), shared.hash.clone())
        ]
    );
    let stored = store.attachment("a/shared.png").await.unwrap().unwrap();
    assert_eq!(
        (stored.size, stored.content_type.as_str()),
        (10, "image/png")
    );
    assert_eq!(store.attachment("a/none.png").await.unwrap(), None);
    // A range is a slice of the bytes, cut short at their end.
    let read = |start, length| {
        let store = store.clone();
        let hash = shared.hash.clone();
        async move { store.attachment_bytes(&hash, start, length).await.unwrap() }
    };
    assert_eq!(read(0, 10).await.as_deref(), Some(&b"0123456789"[..]));
    assert_eq!(read(3, 4).await.as_deref(), Some(&b"3456"[..]));
    assert_eq!(read(8, 100).await.as_deref(), Some(&b"89"[..]));

    // One path replaced: the bytes stay, another path holds them. Both replaced: they go.
    let changed = attachment("a/shared.png", b"new bytes");
    let mut tx = store.begin().await.unwrap();
    tx.put_attachments(std::slice::from_ref(&changed))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(read(0, 1).await.is_some(), "b/copy.png still holds them");
    let mut tx = store.begin().await.unwrap();
    tx.put_attachments(&[attachment("b/copy.png", b"new bytes")])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(read(0, 1).await, None, "no path holds the old bytes");
    let all = store.attachments().await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .all(|a| a.bytes == b"new bytes" && a.hash == changed.hash)
    );
}

#[tokio::test]
async fn the_notes_whose_links_look_up_a_name_are_found_by_it() {
    let (store, _db) = fresh().await;
    let mut a = note("a", "a.md", "![](images/one.png)");
    a.link_names = vec!["images/one.png".into()];
    let mut b = note("b", "b.md", "![[two.png]]");
    b.link_names = vec!["name:two.png".into()];
    put(store.as_ref(), &[a, b, note("c", "c.md", "none")]).await;
    let ids = |bodies: Vec<server::store::StoredBody>| {
        let mut ids: Vec<String> = bodies.into_iter().map(|b| b.id).collect();
        ids.sort();
        ids
    };
    let found = store
        .bodies_naming(&["images/one.png".into(), "name:two.png".into()])
        .await
        .unwrap();
    assert_eq!(ids(found), ["a", "b"]);
    // A note written again without the file no longer shows it.
    put(store.as_ref(), &[note("a", "a.md", "no image now")]).await;
    let found = store
        .bodies_naming(&["images/one.png".into()])
        .await
        .unwrap();
    assert_eq!(ids(found), Vec::<String>::new());
}

/// Notes shaped at each limit of a `tsvector`, with odd characters in every part.
fn notes_at_the_search_index_limits() -> Vec<NoteRecord> {
    let at = |id: &str, title: &str, tags: &[&str], description: Option<&str>, body: String| {
        let mut record = note(id, &format!("limits/{id}.md"), &body);
        record.title = title.into();
        record.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        record.description = description.map(str::to_owned);
        record
    };
    let words = |n: usize, word: &dyn Fn(usize) -> String| -> String {
        (0..n).map(|i| word(i) + " ").collect()
    };
    vec![
        // Words of 2,047 bytes are kept and of 2,048 dropped, in one, two and three bytes.
        at(
            "long-words",
            "Long words",
            &[],
            None,
            [
                "x".repeat(2_047),
                "y".repeat(2_048),
                "é".repeat(1_023),
                "è".repeat(1_024),
                "ह".repeat(682),
                "क".repeat(683),
                "after".into(),
            ]
            .join(" "),
        ),
        // A word in every part and 300 times in the body: 255 positions a text, 256 joined.
        at(
            "repeats",
            "Echo, echo: ECHO",
            &["echo", "C++", "naïve-ü"],
            Some("Échos of echo"),
            words(300, &|_| "echo".into()),
        ),
        // Past position 16,383, where every later word is.
        at(
            "many-words",
            &words(300, &|i| format!("t{}", i % 7)),
            &["ǅemal", "İstanbul"],
            Some("ﬁnal ℃ ß Œuvre ½ x²"),
            words(20_000, &|i| format!("w{}", i % 5_000)),
        ),
        // Runs of digits and letters of every shape: the parser reads some as two words
        // (`1e5abc` is the number `1e5` and `abc`).
        at(
            "numbers",
            "1e5abc 82E0c",
            &["0e5f", "2e10days"],
            Some("12e34e56 1e 1e5 e5 ٣e5x 1e٣x"),
            {
                let alphabet: Vec<char> = "0123456789eEaxß²é٣".chars().collect();
                let mut state = 20_261_206u64;
                let mut next = move || {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    (state >> 33) as usize
                };
                (0..5_000)
                    .map(|_| {
                        let length = 1 + next() % 8;
                        (0..length)
                            .map(|_| alphabet[next() % alphabet.len()])
                            .collect()
                    })
                    .collect::<Vec<String>>()
                    .join(" ")
            },
        ),
        at("empty", "", &[], None, String::new()),
        at(
            "punctuation",
            "--- ... ***",
            &["-"],
            Some("«»"),
            "¡¿ — ‘’ “” … 🙂🙃 a🙂b 東京タワー Ελληνικά ΣΊΣΥΦΟΣ العربية".into(),
        ),
    ]
}

#[tokio::test]
async fn on_postgresql_the_words_an_import_hands_over_are_the_ones_the_database_would_build() {
    // PostgreSQL whatever the run's engine: it is its own way of writing the search index.
    let (store, pool, _db) = fresh_postgres().await;
    let run = async |sql: &str| {
        sqlx::query(sql).execute(&pool).await.unwrap();
    };
    // Every character there is, within a word and alone; then notes at each limit.
    let characters: Vec<char> = (1..=0x10_FFFF).filter_map(char::from_u32).collect();
    let mut notes: Vec<NoteRecord> = characters
        .chunks(40_000)
        .enumerate()
        .map(|(n, chunk)| {
            let body: String = chunk.iter().map(|c| format!("a{c}a {c} ")).collect();
            let mut record = note(&format!("characters-{n}"), &format!("c/{n}.md"), &body);
            record.title = chunk.iter().take(200).collect();
            record
        })
        .collect();
    notes.extend(notes_at_the_search_index_limits());

    // The database's own builders fail while the import writes: a row built by them would
    // fail it.
    let builders: Vec<String> = sqlx::query_scalar(
        "SELECT pg_get_functiondef(oid) FROM pg_proc \
         WHERE proname IN ('lore_meta_vector', 'lore_words_vector')",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(builders.len(), 2);
    for signature in [
        "lore_meta_vector(title text, tags text, description text)",
        "lore_words_vector(meta tsvector, body text)",
    ] {
        run(&format!(
            "CREATE OR REPLACE FUNCTION {signature} RETURNS tsvector LANGUAGE plpgsql \
             AS $$ BEGIN RAISE 'built by the database'; END $$"
        ))
        .await;
    }
    put(store.as_ref(), &notes).await;
    for builder in &builders {
        run(builder).await;
    }

    // Notes whose rows differ from the database's own, and words counted otherwise than the
    // rows say.
    let built_otherwise = async || -> (Vec<String>, Vec<String>) {
        let notes = sqlx::query_scalar(
            "SELECT d.id FROM documents d LEFT JOIN search_index s USING (seq) \
             WHERE s.seq IS NULL \
                OR s.meta <> lore_meta_vector(d.title, d.search_tags, d.description) \
                OR s.words <> lore_words_vector( \
                    lore_meta_vector(d.title, d.search_tags, d.description), d.plain_text) \
             ORDER BY d.id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let words = sqlx::query_scalar(
            "WITH held AS (SELECT word, count(*) AS n \
                           FROM search_index, unnest(tsvector_to_array(words)) AS word \
                           GROUP BY word) \
             SELECT coalesce(held.word, v.term) FROM held FULL JOIN vocabulary v \
                 ON v.term = held.word \
             WHERE v.documents IS DISTINCT FROM held.n LIMIT 10",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        (notes, words)
    };
    assert_eq!(built_otherwise().await, (vec![], vec![]));
    let indexed: i64 = sqlx::query_scalar("SELECT count(*) FROM search_index")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(indexed as usize, notes.len());

    // Written again, one of them changed, beside a new one: the update triggers keep the old
    // notes' rows and counts, the import the new one's.
    let mut again = notes_at_the_search_index_limits();
    again[1].plain_text = "Echo no more".into();
    again.push(note("fresh", "limits/fresh.md", "A quokka, more or less."));
    put(store.as_ref(), &again).await;
    assert_eq!(built_otherwise().await, (vec![], vec![]));
    let found = store.search(&search(&["more"], false)).await.unwrap();
    let mut ids: Vec<&str> = found.iter().map(|hit| hit.document.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["fresh", "repeats"]);
    pool.close().await;
}
