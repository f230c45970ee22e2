//! `cargo xtask bench`: Lore's performance numbers, measured in one run on this machine and
//! reported as ratios where a ratio is what matters (README.md quotes them).
//!
//! 1. Import: a generated corpus of 10,000 notes in chapters of ten (front matter with tags and
//!    relationships, headings, a table, a code block, links between notes) into a fresh SQLite database with
//!    `lore import`, in notes per second, with the process's peak memory.
//! 2. Reading: `GET /api/documents/{id}` against `GET /api/hello` on the same server with the
//!    same load generator (wrk, same threads, connections and duration), as a ratio; and the
//!    server-rendered page of the same note against the API's JSON of it.
//! 3. Search: latency of `GET /api/search` over the same corpus (median and 95th percentile).
//! 4. The client bundles: the gzip size of the release wasm and js of the hydrating build that
//!    `lore serve` ships and of the client-only build `trunk serve` makes, both built here.
//! 5. First paint: a note page's first and largest contentful paint in headless Chromium,
//!    server-rendered against client-only (`server/benches/first_paint.rs`).
//! 6. Hostile requests: peak memory through archive bombs, and `/api/health` latency while
//!    diffs, nesting bombs, cache-missing renders and tarballs of zeros run
//!    (`server/benches/hostile.rs`).

use crate::tools::debian_packages;
use crate::{
    Rendering, Result, build_release_client, cargo, fetch_crates, step, tools, workspace_root,
};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const NOTES: usize = 10_000;
const FOLDERS: usize = 20;
/// The note every reading measurement asks for: mid-corpus, with a reading path.
const NOTE: &str = "note-05005";

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
    generate_corpus(&corpus).map_err(|e| format!("cannot write the corpus: {e}"))?;
    let database = format!("sqlite:{}", scratch.join("bench.db").display());

    // Everything is built before anything is measured, so no compiler shares the machine with
    // a measurement. The client-only build first, so the hydrating one in dist/ stays built.
    let client_only = scratch.join("client-only");
    let hydrating = workspace_root().join("dist");
    fetch_crates()?;
    build_release_client(&client_only, Rendering::ClientOnly)?;
    build_release_client(&hydrating, Rendering::Hydrating)?;
    step(
        "building the first-paint benchmark (release)",
        first_paint_bench().arg("--no-run"),
    )?;
    step(
        "building the hostile-requests benchmark (release)",
        hostile_bench().arg("--no-run"),
    )?;

    println!("\nxtask: importing {NOTES} generated notes");
    let import = Command::new(&lore)
        .args(["--database-url", &database, "import"])
        .arg(&corpus)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run lore import: {e}"))?;
    let import_line = String::from_utf8_lossy(&import.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    if !import.status.success() {
        return Err(format!("lore import failed: {import_line}"));
    }

    let port = free_port()?;
    let mut server = Command::new(&lore)
        .args([
            "--database-url",
            &database,
            "serve",
            "--no-demo",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--dist",
        ])
        .arg(&hydrating)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start lore serve: {e}"))?;
    let result = measure_reads(port, &scratch).and_then(|reads| Ok((reads, measure_search(port)?)));
    let _ = server.kill();
    let _ = server.wait();
    let (reads, (median, p95, searches)) = result?;

    let first_paint = measure_first_paint(&database, &hydrating, &client_only)?;
    let hostile = measure_hostile()?;
    // After both were served, so both have their brotli copies.
    let bundles = format!(
        "hydrating {}; client-only {}",
        bundle_sizes(&hydrating)?,
        bundle_sizes(&client_only)?
    );
    let _ = std::fs::remove_dir_all(&scratch);

    println!("\nxtask: results");
    println!("  import:  {import_line}");
    println!(
        "  reading: GET /api/hello {hello:.0} req/s, GET /api/documents/{{id}} {document:.0} req/s, ratio {:.2}",
        reads.document / reads.hello,
        hello = reads.hello,
        document = reads.document,
    );
    println!(
        "  pages:   GET /notes/{{id}} {page:.0} req/s, ratio to the API's JSON of the note {:.2}; \
         rendered on every request (cache missed on purpose) {rendered:.0} req/s",
        reads.page / reads.document,
        page = reads.page,
        rendered = reads.page_rendered,
    );
    println!(
        "  search:  {searches} queries one after another: median {median:.2} ms, p95 {p95:.2} ms (round trip on loopback)"
    );
    println!("  bundles: {bundles}");
    println!("  paint:   {first_paint}");
    for line in hostile {
        println!("  hostile: {line}");
    }
    Ok(())
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
const EVERY_REQUEST_NEW: &str = r#"
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

fn measure_reads(port: u16, scratch: &Path) -> Result<Reads> {
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
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
/// line it prints.
fn measure_first_paint(database: &str, hydrating: &Path, client_only: &Path) -> Result<String> {
    println!("\nxtask: first paint in headless Chromium (server-rendered and client-only)");
    let out = cargo()
        .args(["bench", "--package", "server", "--bench", "first_paint"])
        .current_dir(workspace_root())
        .env("PATH", tools::path_with_local_bins())
        .env("LORE_BENCH_DATABASE", database)
        .env("LORE_BENCH_HYDRATING", hydrating)
        .env("LORE_BENCH_CLIENT_ONLY", client_only)
        .env("LORE_BENCH_PAGE", format!("/notes/{NOTE}"))
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo bench: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("the first-paint benchmark failed:\n{text}"));
    }
    text.lines()
        .find(|line| line.starts_with("first paint"))
        .map(str::to_owned)
        .ok_or_else(|| format!("the first-paint benchmark printed no result:\n{text}"))
}

/// `server/benches/hostile.rs`: peak memory under archive bombs, and health latency while
/// hostile requests run; returns the lines it prints.
fn measure_hostile() -> Result<Vec<String>> {
    println!("\nxtask: the server under hostile requests");
    let out = hostile_bench()
        .current_dir(workspace_root())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo bench: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("the hostile-requests benchmark failed:\n{text}"));
    }
    let lines: Vec<String> = text
        .lines()
        .filter(|line| line.starts_with("archive bomb") || line.starts_with("health under load"))
        .map(str::to_owned)
        .collect();
    if lines.len() != 2 {
        return Err(format!(
            "the hostile-requests benchmark printed no result:\n{text}"
        ));
    }
    Ok(lines)
}

fn hostile_bench() -> Command {
    let mut command = cargo();
    command.args(["bench", "--package", "server", "--bench", "hostile"]);
    command
}

fn first_paint_bench() -> Command {
    let mut command = cargo();
    command.args(["bench", "--package", "server", "--bench", "first_paint"]);
    command
}

/// Latency of `GET /api/search` for a mix of queries (words, prefixes as typed, a phrase, a
/// filter, a misspelling that takes the "did you mean" path), each asked 20 times in turn:
/// returns the median and 95th percentile in milliseconds, and the number of queries.
fn measure_search(port: u16) -> Result<(f64, f64, usize)> {
    let queries = [
        "q=generated",
        "q=gen",
        "q=topic%207",
        "q=overview%20details",
        "q=expl",
        "q=%22generated%20note%22",
        "q=note&tag=bench",
        "q=exponential",
        "q=genrated%20nota%20",
        "q=value&collection=topic-03",
    ];
    let mut times = Vec::new();
    for round in 0..21 {
        for query in queries {
            let started = std::time::Instant::now();
            http_get(port, &format!("/api/search?{query}"))?;
            // The first round warms the page cache and the connection path; it is not counted.
            if round > 0 {
                times.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    Ok((at(0.5), at(0.95), times.len()))
}

/// A plain HTTP/1.1 GET on loopback, failing unless the answer is 200.
fn http_get(port: u16, path: &str) -> Result {
    use std::io::{Read, Write};
    let mut stream =
        std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).map_err(|e| e.to_string())?;
    if answer.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!(
            "GET {path}: {}",
            String::from_utf8_lossy(&answer[..answer.len().min(200)])
        ))
    }
}

/// `wrk -t2 -c32 -d DURATION [-s SCRIPT] URL`, returning requests per second.
fn wrk(url: &str, duration: &str, script: Option<&Path>) -> Result<f64> {
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

fn free_port() -> Result<u16> {
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

/// Writes the corpus: `NOTES` notes in `FOLDERS` folders, each linking to its neighbours.
fn generate_corpus(root: &Path) -> std::io::Result<()> {
    for n in 0..NOTES {
        let folder = root.join(format!("topic-{:02}", n % FOLDERS));
        std::fs::create_dir_all(&folder)?;
        std::fs::write(folder.join(format!("note-{n:05}.md")), note(n))?;
    }
    Ok(())
}

/// Note `n`. Notes come in chapters of ten, like the sections of a course: each note's
/// prerequisites are the note before it and its chapter's first, so reading paths are up to
/// nine notes long, as in real bases (a chain through all 10,000 notes would only measure the
/// size of a 10,000-entry reading path).
fn note(n: usize) -> String {
    let chapter_start = n - n % 10;
    let previous = n.saturating_sub(1).max(chapter_start);
    let earlier = chapter_start;
    let next = (n + 1) % NOTES;
    let mut text = String::new();
    let _ = write!(
        text,
        "---\nid: note-{n:05}\ntitle: Generated note {n}\ndescription: A note about topic {topic} for the import benchmark\n\
author: Bench\ncreated_at: 2026-01-{day:02}\nversion: 1.{minor}\ntags: [topic-{topic}, bench, group-{group}]\n\
relationships:\n  prerequisites: [note-{previous:05}, note-{earlier:05}]\n  successors: [note-{next:05}]\n  related:\n  - ../topic-{other:02}/note-{related:05}.md\n---\n\n\
# Generated note {n}\n\n## Overview\n\nThis note explains **topic {topic}** and links to [the next one](note-{next:05}.md) \
and to [an earlier one](../topic-{eprev:02}/note-{earlier:05}.md).\n\n## Details\n\n| key | value |\n|---|---|\n| n | {n} |\n| group | {group} |\n\n\
```rust\nfn note_{n}() -> usize {{\n    {n}\n}}\n```\n\n- [x] generated\n- [ ] read\n",
        topic = n % FOLDERS,
        day = n % 28 + 1,
        minor = n % 10,
        group = n % 50,
        other = (n + 3) % FOLDERS,
        related = (n + 3) % NOTES,
        eprev = earlier % FOLDERS,
    );
    text
}
