//! Obsidian vaults (#15): a vault of ours (`tests/fixtures/vault`), imported over HTTP as a user
//! uploads one, read back as pages and files.

use crate::helpers::TestApp;
use crate::import_export::{unzip, zip};
use app::contract::{
    DocumentView, EditableNote, Flavor, ImportReport, PreviewMarkdown, PreviewRequest,
    UpdateDocument, UpdateNote, WantedPage,
};
use std::path::Path;

/// Every file of the fixture vault, `.obsidian/` and `.trash/` included, at its path in it.
fn vault_files() -> Vec<(String, Vec<u8>)> {
    let root = vault_root();
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    files
}

fn vault_zip() -> Vec<u8> {
    let files = vault_files();
    let parts: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
        .collect();
    zip(&parts)
}

/// The notes of the vault: what an import reads and an export gives back.
fn vault_notes() -> Vec<(String, Vec<u8>)> {
    vault_files()
        .into_iter()
        .filter(|(path, _)| !path.starts_with('.'))
        .collect()
}

/// Saves `osx-top` as the editor opens it, changed by `change`; its HTML afterwards.
async fn save_osx_top(app: &TestApp, change: impl FnOnce(&mut app::contract::NoteDraft)) -> String {
    let editable: EditableNote = app.get_json("/api/documents/osx-top/edit").await;
    let mut draft = editable.draft;
    change(&mut draft);
    app.send_ok::<UpdateDocument>(&UpdateNote {
        id: "osx-top".into(),
        base_revision: editable.revision,
        draft,
        summary: String::new(),
    })
    .await;
    html_of(app, "osx-top").await
}

async fn html_of(app: &TestApp, id: &str) -> String {
    let view: DocumentView = app.get_json(&format!("/api/documents/{id}")).await;
    view.html
}

#[tokio::test]
async fn an_uploaded_vault_reads_its_wikilinks_callouts_tags_and_block_anchors() {
    let app = TestApp::spawn().await;
    let report = app.import_ok(&[("vault.zip", &vault_zip())]).await;

    let mut created = report.created.clone();
    created.sort();
    assert_eq!(
        created,
        [
            "a",
            "b",
            "home",
            "http",
            "linux-top",
            "load-balancer",
            "osx-top"
        ],
        "the vault's settings and trash are not notes"
    );
    // The one name two notes share is reported where it is written, with both candidates.
    // (And the one file name two folders share: see the attachments' test.)
    assert_eq!(report.ambiguous.len(), 2, "{:?}", report.ambiguous);
    let ambiguous = &report.ambiguous[0];
    assert_eq!(
        (ambiguous.file.as_str(), ambiguous.line, ambiguous.column),
        ("Home.md", 13, 3)
    );
    assert!(
        ambiguous.message.contains("`linux-top` (linux/top.md)")
            && ambiguous.message.contains("`osx-top` (osx/top.md)"),
        "{}",
        ambiguous.message
    );

    let home = html_of(&app, "home").await;
    for expected in [
        // By name, in any case; by path to a heading; to a block.
        r#"<a href="/notes/load-balancer" rel="noopener noreferrer">Load Balancer</a>"#,
        r#"<a href="/notes/load-balancer" rel="noopener noreferrer">in another case</a>"#,
        r#"<a href="/notes/http#methods" rel="noopener noreferrer">networking/HTTP#Methods</a>"#,
        r#"<a href="/notes/http#%5Estatus-codes" rel="noopener noreferrer">"#,
        // Never a guess: the ambiguous name leads to every note of that name.
        r#"<a href="/search?q=top" rel="noopener noreferrer">top</a>"#,
        r#"<a href="/notes/linux-top" rel="noopener noreferrer">linux/top</a>"#,
        r#"<a href="/wanted/nowhere-yet" rel="noopener noreferrer">Nowhere yet</a>"#,
        // A `\|` inside a table is the label's pipe, not a new cell.
        r#"<a href="/notes/linux-top" rel="noopener noreferrer">Linux top</a>"#,
        r#"<div class="callout" data-callout="tip">"#,
        "<strong>Markdown</strong>",
        r#"<details class="callout" data-callout="question">"#,
        r#"<summary class="callout-title">Folded question</summary>"#,
        "<mark>highlighted</mark>",
        r#"<a class="tag" href="/tags/meta/welcome" rel="noopener noreferrer">#meta/welcome</a>"#,
        // Code is the writer's, untouched.
        " not a tag, not a [[link]]",
        "%%kept%%",
        // An embedded heading is drawn in place: its section, then where it comes from.
        r#"<div class="embed"><div class="embed-content"><h2 id="methods">"#,
        "<p>GET reads, POST writes.</p>",
        r#"<p class="embed-source"><a href="/notes/http#methods" rel="noopener noreferrer">HTTP#Methods</a></p></div>"#,
    ] {
        assert!(home.contains(expected), "no {expected} in {home}");
    }
    for hidden in ["a comment", "Secret", "#hidden", "[[Load Balancer]]"] {
        assert!(!home.contains(hidden), "{hidden} shows in {home}");
    }

    // An alias is a name wikilinks may use, and an address.
    let linux = html_of(&app, "linux-top").await;
    assert!(
        linux.contains(r#"<a href="/notes/home" rel="noopener noreferrer">the start page</a>"#),
        "{linux}"
    );
    let start: DocumentView = app.get_json("/api/documents/start").await;
    assert_eq!(start.summary.id, "home");

    // Two notes embedding each other: each draws the other once, and the cycle closes on a
    // link.
    let a = html_of(&app, "a").await;
    assert!(
        a.contains(r#"<div class="embed"><div class="embed-content"><h1 id="b">"#)
            && a.contains(r#"<span class="embed" data-embed="a" data-part=""><a href="/notes/a""#),
        "{a}"
    );

    let http = html_of(&app, "http").await;
    assert!(
        http.contains(
            r#"<p><span id="^status-codes"></span>Status codes come in five classes.</p>"#
        ),
        "{http}"
    );
    assert!(http.contains(r#"<h2 id="methods">"#), "{http}");

    // Body tags join the front matter's; a tag inside a comment does not.
    let view: DocumentView = app.get_json("/api/documents/home").await;
    assert_eq!(view.summary.tags, ["index", "meta/welcome"]);
    let balancer: DocumentView = app.get_json("/api/documents/load-balancer").await;
    assert_eq!(balancer.summary.tags, ["architecture", "ops"]);
    // A nested tag's page, rendered on the server at the address the tag links to.
    let page = app.get("/tags/meta/welcome").await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("#meta/welcome") && page.contains(r#"href="/notes/home""#),
        "{page}"
    );
    // Wikilinks are links like any other: backlinks, wanted pages.
    let backlinks: Vec<&str> = balancer.backlinks.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(backlinks, ["home", "http"]);
    let wanted: Vec<WantedPage> = app.get_json("/api/wanted").await;
    let listed = |file: bool| -> Vec<(&str, Vec<&str>)> {
        wanted
            .iter()
            .filter(|w| w.file == file)
            .map(|w| {
                let by = w.wanted_by.iter().map(|r| r.id.as_str()).collect();
                (w.id.as_str(), by)
            })
            .collect()
    };
    assert_eq!(
        listed(false),
        [("nowhere-yet", vec!["home"])],
        "a link in a comment wants nothing"
    );
    // A file a note shows that is not there is wanted too, as the note wrote it.
    assert_eq!(listed(true), [("missing.png", vec!["home"])]);

    // The source stays as written: the export is the vault's notes, byte for byte.
    let export = app.get("/api/export").await;
    let mut exported = unzip(&export.bytes().await.unwrap());
    exported.sort();
    assert_eq!(exported, vault_notes());

    // One edited note uploaded alone, with nothing to say it is a vault's, stays a vault note.
    let edited = [(
        "Home.md",
        &b"---\ntags: [index]\n---\n# Home\n\nNow with [[HTTP]] only.\n"[..],
    )];
    let report = app.import_ok(&edited).await;
    assert_eq!(report.updated, ["home"]);
    assert!(
        html_of(&app, "home")
            .await
            .contains(r#"href="/notes/http""#),
        "the upload turned the vault note into plain Markdown"
    );
}

#[tokio::test]
async fn the_same_notes_read_as_plain_markdown_keep_their_brackets() {
    let app = TestApp::spawn().await;
    let notes = vault_notes();
    let parts: Vec<(&str, &[u8])> = notes
        .iter()
        .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
        .collect();
    // Without `.obsidian/`, a folder is plain Markdown.
    let report = app.import_ok(&[("notes.zip", &zip(&parts))]).await;
    assert!(report.ambiguous.is_empty(), "{:?}", report.ambiguous);
    let home = html_of(&app, "home").await;
    assert!(home.contains("[[Load Balancer]] by its name"), "{home}");
    assert!(home.contains("==highlighted=="), "{home}");
    assert!(!home.contains("class=\"tag\""), "{home}");
    // A plain note's `aliases` are not Lore's to read.
    TestApp::expect_error(app.get("/api/documents/start").await, 404).await;

    // Named in the upload, the flavour wins over the folder's shape, and the same files read
    // in another dialect are changed notes, not unchanged ones.
    let vault = app;
    let response = vault
        .import_as(&[("notes.zip", &zip(&parts))], false, Some("obsidian"))
        .await;
    let body = response.text().await.unwrap();
    let report: ImportReport = serde_json::from_str(&body).expect(&body);
    assert_eq!(report.updated.len(), 7, "{body}");
    let home = html_of(&vault, "home").await;
    assert!(
        home.contains(
            r#"<a href="/notes/load-balancer" rel="noopener noreferrer">Load Balancer</a>"#
        ),
        "{home}"
    );

    let response = vault
        .import_as(&[("x.md", b"# x\n")], false, Some("roam"))
        .await;
    let envelope = TestApp::expect_error(response, 400).await;
    assert!(
        envelope.error.message.contains("`flavor` is `roam`"),
        "{}",
        envelope.error.message
    );
}

#[tokio::test]
async fn an_edited_vault_note_stays_obsidian_and_finds_notes_by_name_without_reading_the_base() {
    let app = TestApp::spawn().await;
    app.import_ok(&[("vault.zip", &vault_zip())]).await;

    let editable: EditableNote = app.get_json("/api/documents/osx-top/edit").await;
    assert_eq!(editable.draft.flavor, Some(Flavor::Obsidian));
    // Found through the name index: a save reads only the notes its links name.
    let html = save_osx_top(&app, |draft| {
        draft
            .body
            .push_str("\nCompare [[LOAD BALANCER]] and [[networking/http|the protocol]].\n");
        draft.body.push_str("Back to [[start]].\n");
    })
    .await;
    assert!(
        html.contains(
            r#"<a href="/notes/load-balancer" rel="noopener noreferrer">LOAD BALANCER</a>"#
        ),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="/notes/http" rel="noopener noreferrer">the protocol</a>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="/notes/home" rel="noopener noreferrer">start</a>"#),
        "an alias stored by the import resolves in a save: {html}"
    );
    let balancer: DocumentView = app.get_json("/api/documents/load-balancer").await;
    assert!(
        balancer.backlinks.iter().any(|r| r.id == "osx-top"),
        "{:?}",
        balancer.backlinks
    );

    // A script that sends no flavour changes the body, not the note's dialect.
    let html = save_osx_top(&app, |draft| {
        draft.flavor = None;
        draft.body.push_str("Still ==a vault note==.\n");
    })
    .await;
    assert!(html.contains("<mark>a vault note</mark>"), "{html}");

    // The editor's preview reads the dialect it is told.
    let body = "See [[HTTP]] ==now==.".to_owned();
    let obsidian = app
        .send_ok::<PreviewMarkdown>(&PreviewRequest {
            body: body.clone(),
            flavor: Flavor::Obsidian,
        })
        .await;
    assert!(
        obsidian
            .html
            .contains(r#"<a href="/notes/http" rel="noopener noreferrer">HTTP</a>"#)
            && obsidian.html.contains("<mark>now</mark>"),
        "{}",
        obsidian.html
    );
    let plain = app
        .send_ok::<PreviewMarkdown>(&PreviewRequest {
            body,
            flavor: Flavor::Markdown,
        })
        .await;
    assert!(plain.html.contains("[[HTTP]] ==now=="), "{}", plain.html);
}

/// Every `src` in `html` that is an attachment's address, in order.
fn file_sources(html: &str) -> Vec<String> {
    html.match_indices("src=\"/api/files/")
        .map(|(at, _)| {
            let rest = &html[at + 5..];
            rest[..rest.find('"').unwrap()].replace("&amp;", "&")
        })
        .collect()
}

fn header<'r>(response: &'r reqwest::Response, name: &str) -> &'r str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_vaults_attachments_are_stored_shown_served_in_ranges_and_given_back_byte_for_byte() {
    let app = TestApp::spawn().await;
    let report = app.import_ok(&[("vault.zip", &vault_zip())]).await;
    let mut stored = report.attachments.clone();
    stored.sort();
    assert_eq!(
        stored,
        [
            "attachments/clip.mp4",
            "attachments/diagram.png",
            "attachments/hostile.svg",
            "linux/screen.png",
            "osx/screen.png"
        ]
    );
    // A file that is not there is reported where it is written, and so is a name two files
    // share; neither is guessed.
    assert_eq!(report.missing_files.len(), 1, "{:?}", report.missing_files);
    let missing = &report.missing_files[0];
    assert_eq!(
        (missing.file.as_str(), missing.line, missing.column),
        ("Home.md", 40, 19),
        "{missing:?}"
    );
    assert!(
        missing.message.contains("`missing.png`"),
        "{}",
        missing.message
    );
    let screen = report
        .ambiguous
        .iter()
        .find(|p| p.message.contains("screen.png"))
        .expect("the shared file name is reported");
    assert!(
        screen.message.contains("linux/screen.png") && screen.message.contains("osx/screen.png"),
        "{}",
        screen.message
    );

    // Embeds are drawn in place, at addresses that carry their content's version.
    let home = html_of(&app, "home").await;
    let diagram = std::fs::read(vault_root().join("attachments/diagram.png")).unwrap();
    let version = &format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&diagram))[..16];
    for expected in [
        format!(
            r#"<img src="/api/files/attachments/diagram.png?v={version}" alt="diagram.png" width="300">"#
        ),
        r#"<video controls="" src="/api/files/attachments/clip.mp4?v="#.to_owned(),
        r#"<img src="/api/files/osx/screen.png?v="#.to_owned(),
        r#"<span class="unlinked">screen.png</span>"#.to_owned(),
        r#"<span class="unlinked">missing.png</span>"#.to_owned(),
    ] {
        assert!(home.contains(&expected), "no {expected} in {home}");
    }
    let balancer = html_of(&app, "load-balancer").await;
    assert!(
        balancer.contains(r#"<img src="/api/files/attachments/hostile.svg?v="#)
            && balancer.contains(r#"alt="topology""#),
        "a Markdown image's relative path is resolved: {balancer}"
    );

    // Served as it was imported, for good at its versioned address.
    let address = &file_sources(&home)[0];
    let response = app.get(address).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "image/png");
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let etag = header(&response, "etag").to_owned();
    assert_eq!(response.bytes().await.unwrap(), diagram);
    let unversioned = app.get("/api/files/attachments/diagram.png").await;
    assert_eq!(header(&unversioned, "cache-control"), "no-cache");
    let again = app
        .client
        .get(app.url("/api/files/attachments/diagram.png"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // A player seeks with ranges.
    let clip = std::fs::read(vault_root().join("attachments/clip.mp4")).unwrap();
    let range = |value: &'static str| {
        app.client
            .get(app.url("/api/files/attachments/clip.mp4"))
            .header("range", value)
            .send()
    };
    let part = range("bytes=100-199").await.unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(header(&part, "content-range"), "bytes 100-199/10240");
    assert_eq!(header(&part, "content-type"), "video/mp4");
    assert_eq!(part.bytes().await.unwrap(), clip[100..200]);
    let tail = range("bytes=-10").await.unwrap();
    assert_eq!(tail.bytes().await.unwrap(), clip[clip.len() - 10..]);
    let beyond = range("bytes=20000-").await.unwrap();
    assert_eq!(beyond.status(), 416);
    assert_eq!(header(&beyond, "content-range"), "bytes */10240");
    // The last 20,000 bytes of a shorter file are all of it; another unit is not understood.
    for whole in ["bytes=-20000", "items=0-1"] {
        let answer = range(whole).await.unwrap();
        assert_eq!(
            answer.status(),
            if whole.starts_with("bytes") { 206 } else { 200 }
        );
        assert_eq!(answer.bytes().await.unwrap(), clip, "{whole}");
    }
    // Served as stored, never compressed on the way.
    let asked = app
        .client
        .get(app.url("/api/files/attachments/hostile.svg"))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&asked, "content-encoding"), "");
    // A weak validator (a proxy's, once it compressed) still matches.
    let weak = app
        .client
        .get(app.url("/api/files/attachments/diagram.png"))
        .header("if-none-match", format!("W/{etag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 304);

    // A hostile SVG is served so that nothing in it runs in Lore's origin.
    let svg = app.get("/api/files/attachments/hostile.svg").await;
    assert_eq!(header(&svg, "content-type"), "image/svg+xml");
    assert_eq!(header(&svg, "x-content-type-options"), "nosniff");
    let policy = header(&svg, "content-security-policy");
    assert!(
        policy.contains("default-src 'none'")
            && policy.contains("sandbox")
            && !policy.contains("script"),
        "{policy}"
    );
    let envelope =
        TestApp::expect_error(app.get("/api/files/attachments/none.png").await, 404).await;
    assert!(envelope.error.message.contains("attachments/none.png"));

    // Uploaded again unchanged, nothing is written; the missing file arriving, and a changed
    // one, render the notes that show them again.
    let report = app.import_ok(&[("vault.zip", &vault_zip())]).await;
    assert!(report.attachments.is_empty(), "{:?}", report.attachments);
    assert_eq!(report.unchanged_attachments.len(), 5);
    let arriving = std::fs::read(vault_root().join("linux/screen.png")).unwrap();
    let report = app
        .import_ok(&[
            ("attachments/missing.png", &arriving[..]),
            ("attachments/diagram.png", b"\x89PNG not the same"),
        ])
        .await;
    assert_eq!(report.attachments.len(), 2);
    let home = html_of(&app, "home").await;
    assert!(
        home.contains(r#"<img src="/api/files/attachments/missing.png?v="#),
        "{home}"
    );
    let wanted: Vec<WantedPage> = app.get_json("/api/wanted").await;
    assert!(!wanted.iter().any(|w| w.file), "{wanted:?}");
    assert!(
        !home.contains(version),
        "the changed file's old address stays: {home}"
    );

    // The export is the vault, attachments included, byte for byte.
    let export = app.get("/api/export").await;
    let exported: std::collections::BTreeMap<String, Vec<u8>> =
        unzip(&export.bytes().await.unwrap()).into_iter().collect();
    assert_eq!(exported["attachments/clip.mp4"], clip);
    assert_eq!(exported["attachments/missing.png"], arriving);
    assert_eq!(
        exported["osx/screen.png"],
        std::fs::read(vault_root().join("osx/screen.png")).unwrap()
    );
}

fn vault_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vault")
}

#[tokio::test]
async fn the_vault_imported_by_the_command_line_exports_back_byte_for_byte_attachments_included() {
    let database =
        crate::databases::FreshDatabase::new(crate::databases::Engine::of_this_run()).await;
    let root = vault_root();
    let said = crate::processes::lore(&database.url, &["import", root.to_str().unwrap()], "");
    assert!(said.contains("7 created"), "{said}");
    assert!(
        said.contains("attachments: 5 stored, 0 unchanged"),
        "{said}"
    );
    let out = tempfile::tempdir().unwrap();
    crate::processes::lore(&database.url, &["export", out.path().to_str().unwrap()], "");
    let mut exported = Vec::new();
    collect(out.path(), out.path(), &mut exported);
    exported.sort();
    assert_eq!(exported, vault_notes());
}

/// Every file under `folder`, at its path below `root`.
fn collect(root: &Path, folder: &Path, files: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).unwrap().to_string_lossy();
            files.push((relative.replace('\\', "/"), std::fs::read(&path).unwrap()));
        }
    }
}

#[tokio::test]
async fn a_file_arriving_later_is_shown_by_the_notes_that_name_it_however_they_wrote_it() {
    let app = TestApp::spawn().await;
    let notes = [
        // Relative to the note, the file would be `notes/images/x.png`; it arrives at the top.
        (
            "notes/relative.md",
            &b"# Relative\n\n![x](images/x.png)\n"[..],
        ),
        ("notes/by-path.md", b"# By path\n\n[the x](images/x.png)\n"),
    ];
    let report = app.import_ok(&notes).await;
    assert_eq!(report.missing_files.len(), 2, "{:?}", report.missing_files);
    app.import_ok(&[("images/x.png", b"\x89PNG x")]).await;
    let relative = html_of(&app, "relative").await;
    assert!(
        relative.contains(r#"<img src="/api/files/images/x.png?v="#),
        "{relative}"
    );
    let by_path = html_of(&app, "by-path").await;
    assert!(
        by_path.contains(r#"href="/api/files/images/x.png?v="#),
        "{by_path}"
    );
    // A second file of that name, nearer the note, is what it means now.
    app.import_ok(&[("notes/images/x.png", b"\x89PNG nearer")])
        .await;
    let relative = html_of(&app, "relative").await;
    assert!(
        relative.contains(r#"<img src="/api/files/notes/images/x.png?v="#),
        "{relative}"
    );
}

#[tokio::test]
async fn a_note_drawing_more_embeds_than_a_read_allows_shows_the_rest_as_links() {
    let app = TestApp::spawn().await;
    let many = format!("# Many\n\n{}", "![[Target]]\n\n".repeat(100));
    let report = app
        .import_as(
            &[
                ("Many.md", many.as_bytes()),
                ("Target.md", b"# Target\n\nThe embedded words.\n"),
            ],
            false,
            Some("obsidian"),
        )
        .await;
    assert_eq!(report.status(), 200);
    let html = html_of(&app, "many").await;
    assert_eq!(html.matches("The embedded words.").count(), 64);
    assert_eq!(
        html.matches(r#"<span class="embed" data-embed="target""#)
            .count(),
        36
    );
}

#[tokio::test]
async fn a_private_bases_files_are_kept_by_the_readers_browser_only() {
    let app = TestApp::spawn_with(crate::helpers::Options {
        access: Some(server::access::AccessPolicy {
            public_read: false,
            ..Default::default()
        }),
        ..Default::default()
    })
    .await;
    app.import_ok(&[("x.png", b"\x89PNG x")]).await;
    let hash = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(b"\x89PNG x"));
    let response = app
        .get(&format!("/api/files/x.png?v={}", &hash[..16]))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "cache-control"),
        "private, max-age=31536000, immutable"
    );
}

#[tokio::test]
async fn several_ranges_or_a_malformed_one_get_the_whole_file_and_files_go_uncompressed() {
    let app = TestApp::spawn().await;
    let svg = std::fs::read(vault_root().join("attachments/hostile.svg")).unwrap();
    app.import_ok(&[("pictures/hostile.svg", &svg[..])]).await;
    for range in ["bytes=0-1,-999999", "bytes=0-10,5-20", "bytes=abc"] {
        let answer = app
            .client
            .get(app.url("/api/files/pictures/hostile.svg"))
            .header("range", range)
            .header("accept-encoding", "gzip, br")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{range}");
        assert_eq!(header(&answer, "content-encoding"), "", "{range}");
        assert_eq!(answer.bytes().await.unwrap(), svg, "{range}");
    }
    // The client's own files are still compressed, as before.
    let page = app
        .client
        .get(app.url("/api/openapi.json"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&page, "content-encoding"), "gzip");
}

#[tokio::test]
async fn a_wikilink_becomes_ambiguous_when_a_second_note_of_its_name_arrives_and_not_when_it_goes()
{
    let app = TestApp::spawn().await;
    let home: (&str, &[u8]) = ("Home.md", b"# Home\n\nSee [[top]].\n");
    let linux: (&str, &[u8]) = ("linux/top.md", b"# top on Linux\n");
    let imported = app.import_as(&[home, linux], false, Some("obsidian")).await;
    assert_eq!(imported.status(), 200);
    let home = html_of(&app, "home").await;
    assert!(home.contains(r#"<a href="/notes/top""#), "{home}");
    // A second `top.md`: the link no longer knows which, and says so.
    let osx: (&str, &[u8]) = ("osx/top.md", b"# top on macOS\n");
    let imported = app.import_as(&[osx], false, Some("obsidian")).await;
    assert_eq!(imported.status(), 200);
    let home = html_of(&app, "home").await;
    assert!(home.contains(r#"<a href="/search?q=top""#), "{home}");
    // It goes to the trash: the name is one note's again.
    app.service().delete("osx-top").await.unwrap();
    let home = html_of(&app, "home").await;
    assert!(home.contains(r#"<a href="/notes/top""#), "{home}");
}
