//! `cargo xtask bench`: Lore's performance numbers, measured in one run on this machine and
//! reported as ratios where a ratio is what matters (README.md quotes them).
//!
//! Each measurement runs on both engines (SQLite, and PostgreSQL at `LORE_BENCH_POSTGRES`,
//! default `postgres://postgres@127.0.0.1:5432`, in databases made and dropped here) where the
//! database takes part:
//!
//! 1. Import: a generated corpus of 10,000 notes shaped like a real team's (see `corpus.rs`)
//!    into a fresh database with `lore import`, in notes per second, with peak memory; the same
//!    notes as an Obsidian vault with 500 images, and those images alone (MB/s). Each import
//!    runs three times into a fresh database; the median run is reported with the range.
//! 2. Reading: `GET /api/documents/{id}` against `GET /api/hello` on the same server with the
//!    same load generator (wrk, same threads, connections and duration), as a ratio; and the
//!    server-rendered page of the same note against the API's JSON of it.
//! 3. Search: latency of `GET /api/search` over the same corpus (median and 95th percentile).
//!    Saves: `PUT /api/documents/{id}` latency on a base of 1,000 notes and of 10,000
//!    (`server/benches/saves.rs`).
//! 4. The client bundles: the gzip size of the release wasm and js of the hydrating build that
//!    `lore serve` ships and of the client-only build `trunk serve` makes, both built here.
//! 5. First paint: a note page's first and largest contentful paint in headless Chromium,
//!    server-rendered against client-only, on loopback and over a slow phone's network (there
//!    also the bytes transferred and when the page became interactive;
//!    `server/benches/first_paint.rs`).
//! 6. Hostile requests: peak memory through archive bombs, and `/api/health` latency while
//!    diffs, nesting bombs, cache-missing renders and tarballs of zeros run
//!    (`server/benches/hostile.rs`).
//! 7. Accounts: a note read anonymously, signed in and with a token, and sign-in latency
//!    (`server/benches/accounts.rs`).

use crate::corpus;
use crate::tools::debian_packages;
use crate::{
    Rendering, Result, build_hydrating_clients, build_release_client, cargo, fetch_crates, step,
    tools, workspace_root,
};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) const NOTES: usize = 10_000;
/// The note every reading measurement asks for: mid-corpus, with a reading path.
pub(crate) const NOTE: &str = "note-05005";

/// Runs every benchmark and prints a summary.
pub fn run() -> Result {
    tools::install(true)?;
    debian_packages(&[("wrk", "wrk")])?;
    step(
        "building lore (release)",
        cargo().args(["build", "--release", "--package", "server", "--bin", "lore"]),
    )?;
    let lore = workspace_root().join("target/release/lore");
    let scratch = std::env::temp_dir().join(format!("lore-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let corpus = scratch.join("corpus");
    let small_corpus = scratch.join("corpus-1000");
    corpus::generate(&corpus, NOTES).map_err(|e| format!("cannot write the corpus: {e}"))?;
    corpus::generate(&small_corpus, 1_000).map_err(|e| format!("cannot write the corpus: {e}"))?;
    let vault = scratch.join("vault");
    corpus::generate_vault(&vault, NOTES).map_err(|e| format!("cannot write the vault: {e}"))?;

    // Everything is built before anything is measured, so no compiler shares the machine with
    // a measurement. The client-only build first, so the hydrating one in dist/ stays built.
    let client_only = scratch.join("client-only");
    let hydrating = workspace_root().join("dist");
    fetch_crates()?;
    build_release_client(&client_only, Rendering::ClientOnly)?;
    build_hydrating_clients(&hydrating)?;
    for (name, bench) in [
        ("first-paint", "first_paint"),
        ("hostile-requests", "hostile"),
        ("saves", "saves"),
        ("accounts", "accounts"),
    ] {
        step(
            &format!("building the {name} benchmark (release)"),
            server_bench(bench).arg("--no-run"),
        )?;
    }

    // The builds and the corpora leave gigabytes of written files for the kernel to write back
    // to disk: done first, it does not share the disk with an import's writes and syncs.
    step(
        "writing back what the builds wrote",
        &mut Command::new("sync"),
    )?;

    let mut engines = Vec::new();
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let database = engine.fresh_database(&scratch, "10000")?;
        let small = engine.fresh_database(&scratch, "1000")?;
        let measured = measure_engine(
            &lore,
            engine,
            &database,
            &small,
            &corpus,
            &small_corpus,
            &vault,
            &hydrating,
            &scratch,
        );
        if engine == Engine::Sqlite {
            // The first-paint run reads the SQLite base; keep it until then.
            engines.push((engine, measured, Some(database)));
        } else {
            engine.drop_database(&database);
            engines.push((engine, measured, None));
        }
        engine.drop_database(&small);
    }
    let sqlite_database = engines[0].2.clone().unwrap_or_default();

    let first_paint = measure_first_paint(&sqlite_database, &hydrating, &client_only)?;
    let hostile = measure_hostile()?;
    println!("\nxtask: the balancer and the replicas");
    let tiers = crate::bench_tiers::measure(&lore)?;
    println!("\nxtask: what accounts cost a reader, and signing in");
    let accounts = bench_lines(&mut server_bench("accounts"), "accounts", &["accounts:"])?;
    // After both were served, so both have their brotli copies.
    let bundles = format!(
        "hydrating, the reader's (sent with reading pages) {}; hydrating, the whole (sent with writing pages) {}; client-only {}",
        bundle_sizes(&hydrating.join(crate::READER_DIR))?,
        bundle_sizes(&hydrating)?,
        bundle_sizes(&client_only)?
    );
    let _ = std::fs::remove_dir_all(&scratch);

    println!("\nxtask: results");
    for (engine, measured, _) in engines {
        let EngineNumbers {
            import,
            vault_import,
            reads,
            search,
            saves,
        } = measured?;
        let name = engine.name();
        println!("  {name} import:  {import}");
        println!("  {name} vault import:  {vault_import}");
        println!(
            "  {name} reading: GET /api/hello {hello:.0} req/s, GET /api/documents/{{id}} {document:.0} req/s, ratio {:.2}",
            reads.document / reads.hello,
            hello = reads.hello,
            document = reads.document,
        );
        println!(
            "  {name} pages:   GET /notes/{{id}} {page:.0} req/s, ratio to the API's JSON of the note {:.2}; \
             rendered on every request (cache missed on purpose) {rendered:.0} req/s",
            reads.page / reads.document,
            page = reads.page,
            rendered = reads.page_rendered,
        );
        search.print(name);
        println!("  {name} {saves}");
    }
    println!("  bundles: {bundles}");
    println!("  paint:   {first_paint}");
    for line in hostile {
        println!("  hostile: {line}");
    }
    for line in tiers {
        println!("  tiers:   {line}");
    }
    for line in accounts {
        println!("  {line}");
    }
    Ok(())
}

/// The database engines the benchmark compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the benchmark makes its databases on, without a database name.
fn postgres_server() -> String {
    std::env::var("LORE_BENCH_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }

    /// A new, empty database's URL: a file in `scratch`, or a database made on the server.
    fn fresh_database(self, scratch: &Path, label: &str) -> Result<String> {
        match self {
            Engine::Sqlite => Ok(format!(
                "sqlite:{}",
                scratch.join(format!("bench-{label}.db")).display()
            )),
            Engine::Postgres => {
                let name = format!("lore_bench_{}_{label}", std::process::id());
                psql(&format!("DROP DATABASE IF EXISTS {name}"))?;
                psql(&format!("CREATE DATABASE {name}"))?;
                Ok(format!("{}/{name}", postgres_server()))
            }
        }
    }

    /// Removes a database `fresh_database` made: its files, or its database on the server.
    fn drop_database(self, url: &str) {
        match self {
            Engine::Sqlite => {
                let path = url.trim_start_matches("sqlite:");
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
            Engine::Postgres => {
                if let Some(name) = url.rsplit('/').next() {
                    let _ = psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// Runs one statement on the PostgreSQL server with `psql`.
fn psql(statement: &str) -> Result {
    let out = Command::new("psql")
        .arg(format!("{}/postgres", postgres_server()))
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", statement])
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "psql {statement:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// What one engine measured.
struct EngineNumbers {
    /// `lore import`'s summary line for the 10,000 notes.
    import: String,
    /// Its summaries of the same notes as a vault, with its images, and of the images alone.
    vault_import: String,
    reads: Reads,
    search: SearchNumbers,
    /// The save benchmark's line.
    saves: String,
}

/// Imports both corpora into `engine`'s two databases, serves the larger one and measures
/// reads and search, then saves on both.
#[allow(clippy::too_many_arguments)]
fn measure_engine(
    lore: &Path,
    engine: Engine,
    database: &str,
    small: &str,
    corpus: &Path,
    small_corpus: &Path,
    vault: &Path,
    hydrating: &Path,
    scratch: &Path,
) -> Result<EngineNumbers> {
    println!(
        "\nxtask: importing {NOTES} generated notes into {}",
        engine.name()
    );
    // The vault, then its folder of images alone, for the attachments' own rate.
    let mut vault_import = Vec::new();
    for (label, folder) in [
        ("vault", vault.to_owned()),
        ("images", vault.join("attachments")),
    ] {
        let line = median_import(lore, engine, scratch, label, &folder, None)?;
        vault_import.push(format!("{label}: {line}"));
    }
    let vault_import = vault_import.join(" | ");
    let import = median_import(lore, engine, scratch, "corpus", corpus, Some(database))?;
    import_into(lore, small, small_corpus)?;
    let port = free_port()?;
    let mut server = serve(lore, database, port, Some(hydrating), false)?;
    let result = measure_reads(port, scratch).and_then(|reads| Ok((reads, measure_search(port)?)));
    let _ = server.kill();
    let _ = server.wait();
    let (reads, search) = result?;
    let saves = measure_saves(small, database)?;
    Ok(EngineNumbers {
        import,
        vault_import,
        reads,
        search,
        saves,
    })
}

/// How many times each import is measured: one import's time moves by a fifth or more from
/// run to run on a shared 2-core machine (the disk's writeback of earlier work, neighbours).
const IMPORT_RUNS: usize = 3;

/// `lore import` of `folder`, [`IMPORT_RUNS`] times into a fresh database of `engine`, the last
/// into `keep` if given (it stays for the measurements after); returns the summary of the
/// median run by notes (or bytes) a second, and the range of all of them.
fn median_import(
    lore: &Path,
    engine: Engine,
    scratch: &Path,
    label: &str,
    folder: &Path,
    keep: Option<&str>,
) -> Result<String> {
    let mut runs = Vec::new();
    for run in 0..IMPORT_RUNS {
        let kept = keep.filter(|_| run + 1 == IMPORT_RUNS);
        let database = match kept {
            Some(database) => database.to_owned(),
            None => engine.fresh_database(scratch, label)?,
        };
        let line = import_into(lore, &database, folder);
        if kept.is_none() {
            engine.drop_database(&database);
        }
        let line = line?;
        runs.push((rate(&line)?, line));
    }
    runs.sort_by(|a, b| a.0.0.total_cmp(&b.0.0));
    let ((slowest, unit), (fastest, _)) = (runs[0].0, runs[runs.len() - 1].0);
    let range = format!(" [{IMPORT_RUNS} runs, median shown; {slowest:.0} to {fastest:.0} {unit}]");
    Ok(runs.swap_remove(IMPORT_RUNS / 2).1 + &range)
}

/// The rate in an import's summary, with its unit: notes a second, or for attachments alone MB
/// a second.
fn rate(summary: &str) -> Result<(f64, &'static str)> {
    let number_before = |text: &str, unit: &str| -> Option<f64> {
        let end = text.find(unit)?;
        let start = text[..end].rfind([' ', '('])? + 1;
        text[start..end].trim().parse().ok()
    };
    match number_before(summary, " notes/s)") {
        Some(notes) if notes > 0.0 => Ok((notes, "notes/s")),
        _ => number_before(summary, " MB/s)")
            .map(|megabytes| (megabytes, "MB/s"))
            .ok_or_else(|| format!("no rate in lore import's summary: {summary}")),
    }
}

/// `lore import` of `corpus` into `database`; returns its summary line, and how busy the
/// machine's cores were while it ran (the whole command: reading the files too).
pub(crate) fn import_into(lore: &Path, database: &str, corpus: &Path) -> Result<String> {
    let import = crate::cores::run(
        Command::new(lore)
            .args(["--database-url", database, "import"])
            .arg(corpus),
    )
    .map_err(|e| format!("cannot run lore import: {e}"))?;
    // The summary, and for a vault the attachments' (not the list of wanted pages).
    let mut line = import
        .stdout
        .lines()
        .filter(|l| l.starts_with("imported") || l.starts_with("attachments"))
        .collect::<Vec<_>>()
        .join("; ");
    if let Some(cores) = import.cores {
        line.push_str(&format!("; {cores}"));
    }
    if import.status.success() {
        Ok(line)
    } else {
        Err(format!("lore import failed: {line}"))
    }
}

/// `server/benches/saves.rs` over the 1,000- and the 10,000-note base of one engine.
fn measure_saves(small: &str, large: &str) -> Result<String> {
    let mut lines = bench_lines(
        server_bench("saves").env("LORE_BENCH_SAVES", format!("{small}|{large}")),
        "saves",
        &["saves on"],
    )?;
    Ok(lines.remove(0))
}

/// Requests per second, each measured with the same wrk settings against the same server.
struct Reads {
    /// `GET /api/hello`: the floor of what a request costs.
    hello: f64,
    /// `GET /api/documents/{NOTE}`: the note as JSON.
    document: f64,
    /// `GET /notes/{NOTE}`: the same note as the server-rendered page.
    page: f64,
    /// The same page when every request misses the cache (a host name no one asked for
    /// before), so each is rendered: what the first reader after a change waits for.
    page_rendered: f64,
}

/// A wrk script that asks for the page under a new host name every time, so none is
/// answered from the cache (a page's cache key holds the host its links are written for, but
/// not query strings the page does not read). Each wrk thread has its own Lua state, hence the
/// thread number in the name.
pub(crate) const EVERY_REQUEST_NEW: &str = r#"
local threads = 0
function setup(thread)
  thread:set("thread", threads)
  threads = threads + 1
end
local sent = 0
function request()
  sent = sent + 1
  return wrk.format(nil, wrk.path, { ["Host"] = "fresh-" .. thread .. "-" .. sent })
end
"#;

/// `lore serve` of `database` on loopback `port`, shipping the client in `dist` if given and
/// the demo notes into an empty base if `demo`,
/// logging only warnings; returns once it listens.
pub(crate) fn serve(
    lore: &Path,
    database: &str,
    port: u16,
    dist: Option<&Path>,
    demo: bool,
) -> Result<Child> {
    let mut command = Command::new(lore);
    command.args([
        "--database-url",
        database,
        "serve",
        "--addr",
        &format!("127.0.0.1:{port}"),
    ]);
    if !demo {
        command.arg("--no-demo");
    }
    if let Some(dist) = dist {
        command.arg("--dist").arg(dist);
    }
    let mut child = command
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", lore.display()))?;
    if crate::wait_until(Duration::from_secs(10), Duration::from_millis(50), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    }) {
        return Ok(child);
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(format!("{} never listened on {port}", lore.display()))
}

fn measure_reads(port: u16, scratch: &Path) -> Result<Reads> {
    let base = format!("http://127.0.0.1:{port}");
    let urls = [
        format!("{base}/api/hello"),
        format!("{base}/api/documents/{NOTE}"),
        format!("{base}/notes/{NOTE}"),
    ];
    // Warm up every path (connection pool, page cache, response cache) before measuring.
    for url in &urls {
        wrk(url, "2s", None)?;
    }
    let every_request_new = scratch.join("every-request-new.lua");
    std::fs::write(&every_request_new, EVERY_REQUEST_NEW)
        .map_err(|e| format!("cannot write the wrk script: {e}"))?;
    Ok(Reads {
        hello: wrk(&urls[0], "10s", None)?,
        document: wrk(&urls[1], "10s", None)?,
        page: wrk(&urls[2], "10s", None)?,
        page_rendered: wrk(&urls[2], "10s", Some(&every_request_new))?,
    })
}

/// `server/benches/first_paint.rs` over the benchmark's database and both builds; returns the
/// lines it prints (on loopback, then over a slow phone's network, then the reader's client
/// against the whole one there).
fn measure_first_paint(database: &str, hydrating: &Path, client_only: &Path) -> Result<String> {
    println!("\nxtask: first paint in headless Chromium (server-rendered and client-only)");
    let lines = bench_lines(
        server_bench("first_paint")
            .env("PATH", tools::path_with_local_bins())
            .env("LORE_BENCH_DATABASE", database)
            .env("LORE_BENCH_HYDRATING", hydrating)
            .env("LORE_BENCH_CLIENT_ONLY", client_only)
            .env("LORE_BENCH_PAGE", format!("/notes/{NOTE}")),
        "first-paint",
        &["first paint", "slow phone", "split clients"],
    )?;
    Ok(lines.join("\n           "))
}

/// `server/benches/hostile.rs`: peak memory under archive bombs, and health latency while
/// hostile requests run; returns the lines it prints.
fn measure_hostile() -> Result<Vec<String>> {
    println!("\nxtask: the server under hostile requests");
    bench_lines(
        &mut server_bench("hostile"),
        "hostile-requests",
        &["archive bomb", "health under load"],
    )
}

/// Runs a benchmark `command` and returns its result lines: one starting with each of
/// `results`, in that order.
fn bench_lines(command: &mut Command, name: &str, results: &[&str]) -> Result<Vec<String>> {
    let out = command
        .current_dir(workspace_root())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run the {name} benchmark: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("the {name} benchmark failed:\n{text}"));
    }
    results
        .iter()
        .map(|start| {
            text.lines()
                .find(|line| line.starts_with(start))
                .map(str::to_owned)
                .ok_or_else(|| format!("the {name} benchmark printed no {start:?} line:\n{text}"))
        })
        .collect()
}

/// `cargo bench` of one of `server/benches/`.
fn server_bench(name: &str) -> Command {
    let mut command = cargo();
    command.args(["bench", "--package", "server", "--bench", name]);
    command
}

/// `cargo xtask bench-search PORT`: the bench's searches timed against the Lore serving the
/// bench's corpus on `PORT`, with the same report.
pub fn search_only(args: &[String]) -> Result {
    let port = args
        .first()
        .and_then(|port| port.parse().ok())
        .ok_or("usage: cargo xtask bench-search PORT (a Lore serving the corpus on loopback)")?;
    measure_search(port)?.print(&format!("port {port}"));
    Ok(())
}

/// Latency of `GET /api/search` for a fixed list of queries in classes, as readers type them:
/// one letter, words in most notes, in some, in a handful, prefixes as typed, several words, a
/// phrase, filters by tag and collection, accents, misspellings that take the "did you mean"
/// path, and a note's exact title. Each is asked 20 times in turn, and must find something, so
/// none measures an empty answer.
fn measure_search(port: u16) -> Result<SearchNumbers> {
    let vocabulary = corpus::Vocabulary::new();
    let word = |rank: usize| vocabulary.at(rank).to_owned();
    let classes: Vec<(&str, Vec<String>)> = vec![
        // One letter is searched as a whole word (see `service::search`): `a` is in thousands
        // of notes, `s` in none.
        ("one letter", vec!["q=a".into()]),
        (
            "common word",
            vec![
                format!("q={}", word(0)),
                format!("q={}", word(6)),
                "q=server".into(),
            ],
        ),
        (
            "some notes",
            vec![
                format!("q={}", word(400)),
                "q=latency".into(),
                "q=replication".into(),
            ],
        ),
        (
            "rare word",
            vec![format!("q={}", word(3_000)), format!("q={}", word(12_000))],
        ),
        (
            "prefix",
            vec!["q=repl".into(), "q=la".into(), "q=load%20bal".into()],
        ),
        (
            "two words",
            vec![
                "q=cache%20timeout".into(),
                format!("q={}%20{}", word(2), word(40)),
            ],
        ),
        ("phrase", vec!["q=%22connection%20pool%22".into()]),
        (
            "filtered",
            vec![
                "q=query&tag=postgres".into(),
                "q=index&collection=area-03".into(),
            ],
        ),
        ("accents", vec!["q=caf%C3%A9".into()]),
        (
            "typo",
            vec!["q=laod%20balancre%20".into(), "q=replicaton%20".into()],
        ),
        (
            "exact title",
            vec![format!(
                "q={}",
                percent_encoded(&title_of(4_242, &vocabulary))
            )],
        ),
    ];
    for query in classes.iter().flat_map(|(_, queries)| queries) {
        let answer = crate::http::get_ok(loopback(port), &format!("/api/search?{query}"))?.body;
        if answer.contains(r#""hits":[]"#) {
            return Err(format!("the benchmark's search {query:?} found nothing"));
        }
    }
    let mut all = Vec::new();
    let mut per_class = vec![Vec::new(); classes.len()];
    let mut per_query: Vec<(String, Vec<f64>)> = Vec::new();
    for round in 0..21 {
        for ((_, queries), class_times) in classes.iter().zip(&mut per_class) {
            for query in queries {
                let started = std::time::Instant::now();
                crate::http::get_ok(loopback(port), &format!("/api/search?{query}"))?;
                // The first round warms the page cache and the connection path; not counted.
                if round == 0 {
                    per_query.push((query.clone(), Vec::new()));
                    continue;
                }
                let elapsed = started.elapsed().as_secs_f64() * 1000.0;
                all.push(elapsed);
                class_times.push(elapsed);
                if let Some((_, times)) = per_query.iter_mut().find(|(q, _)| q == query) {
                    times.push(elapsed);
                }
            }
        }
    }
    let slowest = per_query
        .into_iter()
        .map(|(query, mut times)| (query, percentile(&mut times, 0.5)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(query, median)| format!("{query}, median {median:.2} ms"))
        .unwrap_or_default();
    let classes = classes
        .iter()
        .zip(per_class)
        .map(|((name, _), mut times)| {
            format!(
                "{name} {:.1}/{:.1}",
                percentile(&mut times, 0.5),
                percentile(&mut times, 0.95)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    Ok(SearchNumbers {
        median: percentile(&mut all, 0.5),
        p95: percentile(&mut all, 0.95),
        count: all.len(),
        slowest,
        classes,
    })
}

/// The title of note `n` of the benchmark's corpus.
fn title_of(n: usize, vocabulary: &corpus::Vocabulary) -> String {
    let note = corpus::note(n, NOTES, vocabulary);
    note.lines()
        .find_map(|line| line.strip_prefix("title: "))
        .map(|title| title.trim_matches('"').to_owned())
        .unwrap_or_default()
}

/// `text` for a URL's query: every byte but letters and digits as `%XX`.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Search latencies, in milliseconds.
struct SearchNumbers {
    median: f64,
    p95: f64,
    /// How many searches were timed.
    count: usize,
    /// The query whose median was highest, and that median.
    slowest: String,
    /// Each class of query with its median and p95, `name p50/p95`.
    classes: String,
}

impl SearchNumbers {
    /// The report's two lines for the searches on `name` (an engine, or a server's port).
    fn print(&self, name: &str) {
        println!(
            "  {name} search:  {} queries one after another: median {:.2} ms, p95 {:.2} ms (round trip on loopback); slowest query {}",
            self.count, self.median, self.p95, self.slowest
        );
        println!("  {name} search by class (p50/p95 ms): {}", self.classes);
    }
}

/// The value below which `share` of `values` lie.
fn percentile(values: &mut [f64], share: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() as f64 * share) as usize).min(values.len() - 1)]
}

/// `wrk -t2 -c32 -d DURATION [-s SCRIPT] URL`, returning requests per second.
pub(crate) fn wrk(url: &str, duration: &str, script: Option<&Path>) -> Result<f64> {
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c32", "-d", duration]);
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    let out = command
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("Non-2xx") {
        return Err(format!("{url} answered errors under load:\n{text}"));
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("wrk printed no Requests/sec for {url}:\n{text}"))
}

fn loopback(port: u16) -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], port))
}

pub(crate) fn free_port() -> Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// Gzip sizes of the wasm and js of the release build in `dist`.
fn bundle_sizes(dist: &Path) -> Result<String> {
    let mut parts = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dist)
        .map_err(|e| format!("no build in {} to measure: {e}", dist.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wasm" || x == "js"))
        .collect();
    entries.sort();
    for path in entries {
        let raw = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let gzip = Command::new("gzip")
            .args(["-9", "-c"])
            .arg(&path)
            .output()
            .map_err(|e| format!("cannot run gzip: {e}"))?
            .stdout
            .len();
        let kind = path
            .extension()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        // The brotli copy `lore serve` writes at start-up and sends, where there is one.
        let sent = std::fs::metadata(format!("{}.br", path.display()))
            .map(|m| format!(", {:.1} KB brotli as sent", m.len() as f64 / 1000.0))
            .unwrap_or_default();
        parts.push(format!(
            "{kind} {:.1} KB ({:.1} KB gzip{sent})",
            raw as f64 / 1000.0,
            gzip as f64 / 1000.0
        ));
    }
    Ok(parts.join(" + "))
}

#[cfg(test)]
mod tests {
    use super::rate;

    #[test]
    fn an_import_summary_gives_its_notes_a_second() {
        let summary = "imported in 3.9s (2563 notes/s): 10000 created, 0 updated, 0 unchanged, \
                       0 skipped; peak memory 411 MiB; attachments: 500 stored, 0 unchanged \
                       (102.9 MB read at 26.7 MB/s)";
        assert_eq!(rate(summary), Ok((2563.0, "notes/s")));
    }

    #[test]
    fn a_summary_of_attachments_alone_gives_its_megabytes_a_second() {
        let summary = "imported in 815.4ms (0 notes/s): 0 created, 0 updated, 0 unchanged, \
                       0 skipped; attachments: 500 stored, 0 unchanged (102.9 MB read at 126.2 MB/s)";
        assert_eq!(rate(summary), Ok((126.2, "MB/s")));
    }

    #[test]
    fn a_summary_without_a_rate_is_an_error() {
        assert!(rate("lore import failed").is_err());
    }
}
