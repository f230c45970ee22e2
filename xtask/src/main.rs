//! `cargo xtask`: Lore's two set-up commands, written in Rust so they need nothing a Rust user
//! does not already have.
//!
//! - `cargo xtask run [-- LORE_SERVE_ARGS]`: install what is missing, build the browser client in
//!   release mode, start `lore serve` with the embedded SQLite, and print the URL.
//! - `cargo xtask test`: install what is missing, then run every check and test: formatting,
//!   clippy (native and wasm32), native tests (the HTTP and store tests on SQLite, then again on
//!   the PostgreSQL server at 127.0.0.1:5432), the fault test (`cargo xtask fault`), schemathesis against a real server (bounded,
//!   seeded), browser tests (`wasm-pack test --headless --chrome`), and the end-to-end test
//!   against the release build in headless Chromium.
//! - `cargo xtask setup [--browser]`: only the installs.
//! - `cargo xtask fuzz [EXAMPLES]`: schemathesis against a real server, long (300 examples
//!   per operation and phase unless told; `cargo xtask test` runs 25, seeded).
//! - `cargo xtask fuzz-parsers [RUNS] [TARGET...]`: the parsers' libFuzzer targets (`fuzz/`),
//!   10,000,000 executions each unless told.
//! - `cargo xtask bench`: the performance numbers quoted in README.md.
//! - `cargo xtask bench-before REV`: anonymous reads served by REV's `lore` and by this tree's,
//!   side by side in one run: what a change since REV costs a reader.
//! - `cargo xtask bench-search PORT`: only the search part of the bench, against a Lore already
//!   serving the corpus on loopback port PORT (any engine, any size): a minute, not the whole
//!   bench's twenty, to see what a change to search did.
//! - `cargo xtask cluster [--replicas N] [--port P]`: the N-tier deployment on this machine: a
//!   PostgreSQL cluster of its own, N replicas, nginx in front (see [`cluster`]).
//! - `cargo xtask fault`: that deployment under a mixed load while its parts fail (see
//!   [`fault`]).
//! - `cargo xtask bench-tiers`: only the N-tier part of the bench: nginx's overhead, and one
//!   replica against two, each pinned to its own core.
//! - `cargo xtask corpus DIR [NOTES] [--vault]`: write the benchmark's corpus (10,000 notes
//!   unless told), to try Lore or a change on notes shaped like a team's; `--vault` writes it
//!   as an Obsidian vault, with wikilinks, callouts and a folder of images.
//!
//! Every install is guarded by a version check, so the second run skips them. Versions are pinned
//! here, except wasm-bindgen's, which is read from Cargo.lock (the CLI must match the library).

mod before;
mod bench;
mod bench_tiers;
mod cluster;
mod cores;
mod corpus;
mod fault;
mod fuzz;
mod http;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("setup") => tools::install(args.iter().any(|a| a == "--browser")),
        Some("fuzz") => fuzz_api(&args[1..]),
        Some("fuzz-parsers") => fuzz_parsers(&args[1..]),
        Some("bench") => bench::run(),
        Some("bench-search") => bench::search_only(&args[1..]),
        Some("bench-tiers") => bench_tiers::run_alone(),
        Some("bench-before") => before::run(&args[1..]),
        Some("corpus") => write_corpus(&args[1..]),
        Some("cluster") => cluster::run(&args[1..]),
        Some("fault") => fault::run(args.iter().any(|a| a == "--namespaces")),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage:
  cargo xtask run [-- ARGS]   install what is missing, build the client, run `lore serve ARGS`
  cargo xtask test            install what is missing, run every check and test
  cargo xtask setup [--browser]  only install (with --browser: what the tests need too)
  cargo xtask fuzz [EXAMPLES]  schemathesis against the API (default 300 examples per operation)
  cargo xtask fuzz-parsers [RUNS] [TARGET...]  the parsers' fuzz targets (default 10,000,000 runs)
  cargo xtask bench           measure import, reads, pages, search, bundle sizes and first paint
  cargo xtask bench-before REV   anonymous reads of REV's lore and this tree's, side by side
  cargo xtask bench-search PORT  time the bench's searches against a Lore serving its corpus
  cargo xtask bench-tiers     nginx's overhead, and one replica against two (each on its own core)
  cargo xtask corpus DIR [N] [--vault]  write the benchmark's corpus of N notes (default 10000)
                              into DIR; --vault: as an Obsidian vault, with wikilinks and images
  cargo xtask cluster [--replicas N] [--port P] [--debug] [--namespaces]  PostgreSQL of its own,
                              N replicas (3), nginx (each tier in its own network namespace)
                              on 127.0.0.1:P (8080), until Enter
  cargo xtask fault [--namespaces]  that deployment under load while a replica drains, one is killed
                              and the database restarts: no acknowledged save lost";

fn write_corpus(args: &[String]) -> Result {
    let Some(root) = args.first() else {
        return Err(format!("which folder?\n{USAGE}"));
    };
    let vault = args.iter().any(|a| a == "--vault");
    let counts: Vec<&String> = args[1..].iter().filter(|a| *a != "--vault").collect();
    let notes = match counts.first() {
        Some(count) => count
            .parse()
            .map_err(|_| format!("NOTES must be a whole number, not {count:?}"))?,
        None => 10_000,
    };
    let written = if vault {
        corpus::generate_vault(Path::new(root), notes)
    } else {
        corpus::generate(Path::new(root), notes)
    };
    written.map_err(|e| format!("cannot write the corpus into {root}: {e}"))?;
    println!(
        "{notes} notes written under {root}{}",
        if vault {
            ", as an Obsidian vault with images"
        } else {
            ""
        }
    );
    Ok(())
}

/// The native crates, which clippy checks and `cargo test` tests. Testing them also builds the
/// `lore` the API's fuzzing runs (the same packages, so the same features: nothing is built
/// twice).
pub(crate) const NATIVE_PACKAGES: &[&str] = &[
    "--package",
    "app",
    "--package",
    "server",
    "--package",
    "xtask",
];

/// Examples per operation and phase of the test's schemathesis run: bounded (about a minute),
/// seeded (the same cases every run).
const TEST_EXAMPLES: u32 = 25;
const TEST_SEED: u64 = 20261203;

fn fuzz_api(args: &[String]) -> Result {
    let examples = match args.first() {
        Some(count) => count
            .parse()
            .map_err(|_| format!("EXAMPLES must be a whole number, not {count:?}"))?,
        None => 300,
    };
    fuzz::api(fuzz::ApiRun {
        examples,
        seed: None,
    })
}

fn fuzz_parsers(args: &[String]) -> Result {
    let (runs, targets) = match args.first().map(|first| first.parse::<u64>()) {
        Some(Ok(runs)) => (runs, &args[1..]),
        _ => (10_000_000, args),
    };
    fuzz::parsers(runs, targets)
}

/// Errors are sentences for the person at the terminal.
type Result<T = ()> = std::result::Result<T, String>;

fn run(extra: &[String]) -> Result {
    tools::install(false)?;
    build_client()?;
    let extra = extra.strip_prefix(&["--".to_owned()]).unwrap_or(extra);
    step(
        "starting Lore (Ctrl-C stops it)",
        cargo()
            .args([
                "run",
                "--release",
                "--package",
                "server",
                "--bin",
                "lore",
                "--",
                "serve",
            ])
            .args(extra),
    )
}

fn test() -> Result {
    let started = Instant::now();
    tools::install(true)?;
    step(
        "formatting",
        cargo().args(["fmt", "--all", "--", "--check"]),
    )?;
    step(
        "clippy, native",
        cargo()
            .arg("clippy")
            .args(NATIVE_PACKAGES)
            .args(["--all-targets", "--", "-D", "warnings"]),
    )?;
    step(
        "clippy, wasm32",
        cargo().args([
            "clippy",
            "--package",
            "app",
            "--package",
            "frontend",
            "--all-targets",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        // The reader's: what it leaves out must leave nothing unused behind.
        "clippy, wasm32, hydrating reader's client",
        cargo().args([
            "clippy",
            "--package",
            "frontend",
            "--no-default-features",
            "--features",
            "hydrate,reader",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step("native tests", cargo().arg("test").args(NATIVE_PACKAGES))?;
    step(
        "HTTP and store tests again, on PostgreSQL (127.0.0.1:5432, a fresh database per test)",
        cargo()
            .args(["test", "--package", "server", "--test", "api"])
            .env("LORE_TEST_DATABASE", "postgres"),
    )?;
    // As root (CI is), each tier in a network namespace of its own: every hop crosses a
    // network interface. Elsewhere, all on loopback.
    fault::run(tools::is_root())?;
    fuzz::api(fuzz::ApiRun {
        examples: TEST_EXAMPLES,
        seed: Some(TEST_SEED),
    })?;
    step(
        "browser tests (wasm-bindgen-test in headless Chromium)",
        Command::new("wasm-pack").args([
            "test",
            "--headless",
            "--chrome",
            "--mode",
            "no-install",
            "app",
        ]),
    )?;
    build_client()?;
    step(
        "end-to-end test (the release build in headless Chromium)",
        cargo()
            .args([
                "test",
                "--package",
                "server",
                "--test",
                "browser",
                "--",
                "--ignored",
            ])
            .env("LORE_E2E_DIST", workspace_root().join("dist")),
    )?;
    println!(
        "\nxtask: every check and test passed in {:.0?}",
        started.elapsed()
    );
    Ok(())
}

/// `trunk build --release` of the hydrating clients, the whole one into `dist/` and the
/// reader's into `dist/reader/`, which `lore serve` serves under `/pkg` (`trunk serve` builds
/// the client-rendered one into `target/trunk-dev/`).
pub(crate) fn build_client() -> Result {
    fetch_crates()?;
    build_hydrating_clients(&workspace_root().join("dist"))
}

/// Where in `dist/` the reader's client is built, as `lore serve` looks for it
/// (`server::client_files::READER_DIR`).
pub(crate) const READER_DIR: &str = "reader";

/// Both hydrating builds into `dist`: the whole client first, since trunk empties the folder
/// it builds into, then the reader's inside it.
pub(crate) fn build_hydrating_clients(dist: &Path) -> Result {
    build_release_client(dist, Rendering::Hydrating)?;
    build_release_client(&dist.join(READER_DIR), Rendering::Reader)
}

/// Trunk runs cargo --offline (Trunk.toml), so the crates must be here before it builds.
pub(crate) fn fetch_crates() -> Result {
    step("fetching crates", cargo().arg("fetch"))
}

/// Which of `frontend`'s builds: the one that hydrates server-rendered pages (`hydrate`), the
/// reading pages' islands alone (`reader`), or the one that renders from an empty page
/// (`csr`, its default feature).
#[derive(Clone, Copy)]
pub(crate) enum Rendering {
    Hydrating,
    Reader,
    ClientOnly,
}

/// `trunk build --release` of `frontend` into `dist` (crates fetched first, see
/// [`fetch_crates`]).
pub(crate) fn build_release_client(dist: &Path, rendering: Rendering) -> Result {
    let (name, features): (&str, &[&str]) = match rendering {
        Rendering::Hydrating => (
            "building the browser client (release, hydrating)",
            &["--no-default-features", "--features", "hydrate"],
        ),
        Rendering::Reader => (
            "building the reader's browser client (release, the reading pages' islands)",
            &["--no-default-features", "--features", "hydrate,reader"],
        ),
        Rendering::ClientOnly => (
            "building the client-only browser client (release, csr)",
            &[],
        ),
    };
    step(
        name,
        // The path first: trunk's `--offline` and `--no-default-features` take optional values.
        Command::new("trunk")
            .args(["build", "frontend/index.html", "--release", "--dist"])
            .arg(dist)
            .args(features),
    )
}

/// Runs one named step (from the workspace root, unless the command says where), echoing it,
/// and fails with its name.
pub(crate) fn step(name: &str, command: &mut Command) -> Result {
    println!("\nxtask: {name}: {}", render(command));
    let started = Instant::now();
    if command.get_current_dir().is_none() {
        command.current_dir(workspace_root());
    }
    let status = command
        .env("PATH", tools::path_with_local_bins())
        .status()
        .map_err(|e| format!("{name}: cannot start {:?}: {e}", command.get_program()))?;
    if status.success() {
        println!("xtask: {name}: done in {:.1?}", started.elapsed());
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}

fn render(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Asks `done` every `every` until it says yes or `within` has passed; whether it said yes.
pub(crate) fn wait_until(
    within: Duration,
    every: Duration,
    mut done: impl FnMut() -> bool,
) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(every);
    }
    false
}

pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one folder below the workspace root")
        .to_owned()
}
