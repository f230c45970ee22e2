//! Search over HTTP: quality on a fixture corpus (expected top results), prefixes, phrases,
//! code, filters, typos, safe snippets, and hostile queries that must never fail.

use crate::helpers::TestApp;
use app::contract::SearchResults;
use server::documents::demo;

/// The demo notes plus a few that compete for the same words.
async fn corpus() -> TestApp {
    let app = TestApp::spawn().await;
    let mut files: Vec<(String, Vec<u8>)> = demo::files()
        .into_iter()
        .map(|f| (f.path, f.bytes))
        .collect();
    for (path, text) in [
        (
            "ops/health-checks.md",
            "---\ntitle: Health checks\ntags: [operations]\ndescription: Probes a load balancer sends\n---\n# Health checks\n\nA balancer probes each backend.\n",
        ),
        (
            "ops/tls.md",
            "---\ntitle: TLS termination\ntags: [security, networking]\n---\n# TLS termination\n\nA reverse proxy can end TLS so backends speak plain HTTP.\n",
        ),
        (
            "code/retry.md",
            "---\ntitle: Retrying requests\ntags: [rust]\n---\n# Retrying requests\n\n```rust\nfn exponential_backoff(attempt: u32) -> u64 { 100 << attempt }\n```\n",
        ),
        (
            "misc/xss.md",
            "---\ntitle: Hostile note\n---\n# Hostile\n\nThe word zebra next to <script>alert(1)</script> markup.\n",
        ),
        // Titles that compete with the query as it is typed: the note that is the query must
        // come first, though the others say its word more often.
        (
            "tools/tar.md",
            "---\ntitle: tar\n---\nArchive files with tar.\n",
        ),
        (
            "tools/tar-archives.md",
            "---\ntitle: Tar archives\n---\nWhat tar writes.\n",
        ),
        (
            "build/make-target.md",
            "---\ntitle: Make targets, each target a target file\n---\nA target names a target: targets everywhere.\n",
        ),
        ("git/git-rebase.md", "# git rebase\n\nReplay commits.\n"),
        (
            "git/git-rebase-patch.md",
            "# git rebase patch: rebase with git rebase\n\nRebase, rebase, rebase: git rebase -i.\n",
        ),
        (
            "ops/rollout.md",
            "---\ntitle: Rollout\n---\n# Rollout plan\n\n- [ ] drain the **canary** behind the [reverse proxy](../proxy.md) first\n- [x] read [the runbook](https://zanzibar.example/runbook)\n",
        ),
        (
            "misc/offsite.md",
            "---\ntitle: Offsite\n---\n# Offsite\n\nWe planned the migration at the Café Zürich.\n",
        ),
    ] {
        files.push((path.to_owned(), text.as_bytes().to_vec()));
    }
    // A long note whose only match is far from its start.
    let long = format!(
        "---\ntitle: Meeting minutes\n---\n# Minutes\n\n{}\n\nAction: feed the quokka.\n",
        "Nothing of note was said. ".repeat(400)
    );
    files.push(("misc/minutes.md".to_owned(), long.into_bytes()));
    let parts: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    app.import_ok(&parts).await;
    app
}

async fn search(app: &TestApp, query: &str) -> SearchResults {
    let url = format!(
        "/api/search?{}",
        serde_urlencoded::to_string([("q", query)]).unwrap()
    );
    app.get_json(&url).await
}

async fn top(app: &TestApp, query: &str) -> Vec<String> {
    search(app, query)
        .await
        .hits
        .into_iter()
        .map(|h| h.document.id)
        .collect()
}

#[tokio::test]
async fn expected_notes_come_first_for_a_list_of_queries() {
    let app = corpus().await;
    let expectations = [
        ("load balancer", "load-balancer"),
        ("balancer", "load-balancer"),
        ("proxy", "proxy"),
        ("tcp", "tcp"),
        ("http", "http"),
        ("client server", "client-server-architecture"),
        ("health", "health-checks"),
        ("termination", "tls"),
        ("scalability", "load-balancer"),
    ];
    for (query, expected) in expectations {
        let found = top(&app, query).await;
        assert_eq!(
            found.first().map(String::as_str),
            Some(expected),
            "{query:?} gave {found:?}"
        );
    }
}

#[tokio::test]
async fn the_note_whose_title_is_the_query_comes_first_then_whole_words_then_prefixes() {
    let app = corpus().await;

    let found = top(&app, "tar").await;
    assert_eq!(
        found[..3],
        ["tar", "tar-archives", "make-target"],
        "{found:?}"
    );
    for query in ["git rebase", "git rebase ", "Git Rebase"] {
        let found = top(&app, query).await;
        assert_eq!(
            found[..2],
            ["git-rebase", "git-rebase-patch"],
            "{query:?}: {found:?}"
        );
    }
    // The id is the query's words joined by `-`.
    assert_eq!(top(&app, "load-balancer").await[0], "load-balancer");
}

#[tokio::test]
async fn snippets_show_the_text_as_the_page_does_not_its_markdown() {
    let app = corpus().await;

    let results = search(&app, "canary").await;

    assert_eq!(results.hits[0].document.id, "rollout");
    let snippet = &results.hits[0].snippet;
    assert!(snippet.contains("<mark>canary</mark>"), "{snippet}");
    assert!(snippet.contains("the reverse proxy first"), "{snippet}");
    for syntax in ["**", "](", "- [", "proxy.md", "# "] {
        assert!(!snippet.contains(syntax), "{syntax:?} in {snippet}");
    }
    // A link's address is not text a reader sees: its words find nothing.
    assert!(top(&app, "zanzibar").await.is_empty());
    assert_eq!(top(&app, "runbook").await, ["rollout"]);
}

#[tokio::test]
async fn a_title_match_outranks_a_body_match() {
    let app = corpus().await;
    let found = top(&app, "proxy").await;
    assert_eq!(found[0], "proxy");
    assert!(
        found.contains(&"tls".to_owned()),
        "the body mention is still found: {found:?}"
    );
}

#[tokio::test]
async fn the_last_word_matches_as_a_prefix_while_typing() {
    let app = corpus().await;
    assert_eq!(
        top(&app, "load bal").await.first().map(String::as_str),
        Some("load-balancer")
    );
    assert_eq!(
        top(&app, "termin").await.first().map(String::as_str),
        Some("tls")
    );
    // One letter is not yet a prefix: `t` finds no note by its `tcp` or `tls`.
    let one_letter = top(&app, "t").await;
    assert!(!one_letter.contains(&"tcp".to_owned()), "{one_letter:?}");
}

#[tokio::test]
async fn quoted_words_must_appear_together() {
    let app = corpus().await;
    let phrase = top(&app, "\"reverse proxy\"").await;
    assert!(
        phrase.contains(&"proxy".to_owned()) && phrase.contains(&"tls".to_owned()),
        "{phrase:?}"
    );
    assert!(top(&app, "\"proxy reverse\"").await.is_empty());
}

#[tokio::test]
async fn code_blocks_are_searched() {
    let app = corpus().await;
    assert_eq!(top(&app, "exponential_backoff").await, ["retry"]);
}

#[tokio::test]
async fn results_can_be_filtered_by_tag_and_collection() {
    let app = corpus().await;
    let tagged: SearchResults = app.get_json("/api/search?q=proxy&tag=security").await;
    assert_eq!(
        tagged
            .hits
            .iter()
            .map(|h| h.document.id.as_str())
            .collect::<Vec<_>>(),
        ["tls"]
    );
    let in_collection: SearchResults = app
        .get_json("/api/search?q=http&collection=networking")
        .await;
    assert!(
        in_collection
            .hits
            .iter()
            .all(|h| h.document.collection.as_ref().unwrap().id == "networking")
    );
    assert!(!in_collection.hits.is_empty());
    // The note that is the query is filtered like any other.
    let elsewhere: SearchResults = app
        .get_json("/api/search?q=tar&collection=networking")
        .await;
    assert!(elsewhere.hits.iter().all(|h| h.document.id != "tar"));
}

#[tokio::test]
async fn a_misspelled_query_finds_the_note_and_says_what_it_searched_for() {
    let app = corpus().await;

    let results = search(&app, "laod balancer ").await;

    assert_eq!(results.did_you_mean.as_deref(), Some("load balancer"));
    assert_eq!(results.hits[0].document.id, "load-balancer");
}

#[tokio::test]
async fn snippets_mark_the_words_as_written_when_searched_without_accents() {
    let app = corpus().await;

    let results = search(&app, "cafe zurich").await;

    assert_eq!(results.hits[0].document.id, "offsite");
    let snippet = &results.hits[0].snippet;
    assert!(snippet.contains("<mark>Café</mark>"), "{snippet}");
    assert!(snippet.contains("<mark>Zürich</mark>"), "{snippet}");
}

#[tokio::test]
async fn a_snippet_shows_a_match_ten_thousand_characters_into_a_note() {
    let app = corpus().await;

    let results = search(&app, "quokka").await;

    let snippet = &results.hits[0].snippet;
    assert!(snippet.contains("<mark>quokka</mark>"), "{snippet}");
}

#[tokio::test]
async fn a_snippet_shows_a_match_far_into_a_note_however_the_word_is_capitalised() {
    let app = TestApp::spawn().await;
    let filler = "Nothing of note was said. ".repeat(400);
    let spellings = ["WOMBAT", "Wombat", "wOmBaT", "wombat"];
    let files: Vec<(String, String)> = spellings
        .iter()
        .enumerate()
        .map(|(n, written)| {
            (
                format!("zoo/minutes-{n}.md"),
                format!("---\ntitle: Minutes\n---\n{filler}\n\nFeed the {written} now.\n"),
            )
        })
        .collect();
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_bytes()))
        .collect();
    app.import_ok(&files).await;

    let results = search(&app, "wombat").await;

    assert_eq!(results.hits.len(), 4);
    for hit in &results.hits {
        let n: usize = hit.document.id["minutes-".len()..].parse().unwrap();
        let written = spellings[n];
        assert!(
            hit.snippet.contains(&format!("the <mark>{written}</mark>")),
            "{}: {}",
            hit.document.id,
            hit.snippet
        );
    }
}

#[tokio::test]
async fn snippets_mark_the_match_and_escape_the_note() {
    let app = corpus().await;

    let results = search(&app, "zebra").await;

    let snippet = &results.hits[0].snippet;
    assert!(snippet.contains("<mark>zebra</mark>"), "{snippet}");
    // Markup in a note is text in its snippet, escaped, or left out: never markup.
    assert!(!snippet.contains("<script"), "{snippet}");
    assert!(
        !snippet.contains("script") || snippet.contains("&lt;script&gt;"),
        "{snippet}"
    );
    assert!(snippet.contains("alert(1)"), "{snippet}");
}

#[tokio::test]
async fn hostile_or_odd_queries_answer_results_or_nothing_never_an_error() {
    let app = corpus().await;
    let long = "proxy ".repeat(2000);
    for query in [
        "\"",
        "*",
        "NEAR(",
        "-",
        "proxy AND",
        "OR",
        "title:proxy",
        "^",
        "((( ",
        "💥🦀",
        "",
        "   ",
        "\"unclosed phrase",
        "a\u{0}b",
        long.as_str(),
    ] {
        let url = format!(
            "/api/search?{}",
            serde_urlencoded::to_string([("q", query)]).unwrap()
        );
        let response = app.get(&url).await;
        assert_eq!(
            response.status(),
            200,
            "{:?} answered {}",
            &query[..query.len().min(20)],
            response.status()
        );
    }
    // `title:proxy` is two words to Lore, not a column filter: no note has the word "title".
    assert!(top(&app, "title:proxy").await.is_empty());
}

#[tokio::test]
async fn a_bad_limit_is_a_400() {
    let app = corpus().await;
    TestApp::expect_error(app.get("/api/search?q=x&limit=0").await, 400).await;
    TestApp::expect_error(app.get("/api/search?q=x&limit=500").await, 400).await;
}

#[tokio::test]
async fn a_word_in_most_notes_of_a_large_base_still_ranks_titles_first_then_newest() {
    let app = TestApp::spawn().await;
    // 1,200 notes that all say "widget" in their body, a few in their title or tags: too common
    // for bm25 to order, so tiers decide, then the most recently written.
    let files: Vec<(String, String)> = (0..1200)
        .map(|n| {
            let (title, tags) = match n {
                7 | 1100 => (format!("Widget catalogue {n}"), "[parts]"),
                500 => (format!("Spare parts {n}"), "[widget]"),
                _ => (format!("Note {n}"), "[misc]"),
            };
            let folder = if n % 2 == 0 { "even" } else { "odd" };
            (
                format!("{folder}/note-{n:04}.md"),
                format!(
                    "---\ntitle: {title}\ntags: {tags}\n---\nEvery widget is described here.\n"
                ),
            )
        })
        .collect();
    app.import_notes_ok(&files).await;

    assert_eq!(
        top(&app, "widget").await[..4],
        ["note-1100", "note-0007", "note-0500", "note-1199"]
    );
    let filtered: SearchResults = app
        .get_json("/api/search?q=widget&collection=even&limit=3")
        .await;
    let ids: Vec<_> = filtered
        .hits
        .iter()
        .map(|h| h.document.id.as_str())
        .collect();
    assert_eq!(ids, ["note-1100", "note-0500", "note-1198"]);
    assert!(filtered.hits[0].snippet.contains("<mark>widget</mark>"));
    let tagged: SearchResults = app.get_json("/api/search?q=widget&tag=parts").await;
    let ids: Vec<_> = tagged.hits.iter().map(|h| h.document.id.as_str()).collect();
    assert_eq!(ids, ["note-1100", "note-0007"]);
    // A tag on most notes is checked as the notes are found, a rare one as a set: same answers.
    let common: SearchResults = app.get_json("/api/search?q=widget&tag=misc&limit=2").await;
    let ids: Vec<_> = common.hits.iter().map(|h| h.document.id.as_str()).collect();
    assert_eq!(ids, ["note-1199", "note-1198"]);
}

#[tokio::test]
async fn a_word_written_after_the_first_misspelling_is_suggested_too() {
    let app = corpus().await;
    assert_eq!(
        search(&app, "laod balancer ").await.did_you_mean.as_deref(),
        Some("load balancer")
    );

    app.import_ok(&[("ops/axolotl.md", b"# Axolotl\n\nThe axolotl pager rota.\n")])
        .await;

    // SQLite suggests from a copy of its vocabulary, read again once the base has changed: at
    // once or a moment later, but it does come.
    let mut suggested = None;
    for _ in 0..50 {
        suggested = search(&app, "axolotk ").await.did_you_mean;
        if suggested.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(suggested.as_deref(), Some("axolotl"));
}
