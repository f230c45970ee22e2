//! Fuzzing: the API against its own OpenAPI description with schemathesis, and the parsers with
//! cargo-fuzz.
//!
//! - [`api`] starts a real `lore serve` on a fresh SQLite base with the demo notes and an
//!   editor's write token, and runs schemathesis's phases (examples, coverage, fuzzing,
//!   stateful) against `/api/openapi.json`, checking that no answer is a server error and that
//!   every status, content type and body is one the description declares. An admin's token
//!   fuzzes the accounts endpoints. `cargo xtask test` runs a bounded, seeded run; `cargo xtask
//!   fuzz` a long one with a fresh seed.
//! - [`parsers`] runs each libFuzzer target of `fuzz/` (front matter, renderer and sanitizer,
//!   archives, search queries) for a number of executions. cargo-fuzz needs nightly-only flags;
//!   stable rustc takes them under `RUSTC_BOOTSTRAP=1`, the one toolchain this machine has.
//!   AddressSanitizer is off (`--sanitizer none`): the code under test is safe Rust, where what
//!   fuzzing finds is a panic, and without it the targets run several times faster.

use crate::bench::{free_port, serve};
use crate::{NATIVE_PACKAGES, Result, cargo, step, tools, workspace_root};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Every check that a server which keeps its own description must pass. Left out:
/// `positive_data_acceptance` (a body can fit the schema and still be refused with 422, e.g.
/// front matter that is not YAML), `negative_data_rejection` for the same reason the other way
/// round, and the authorization checks that need a second account.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance";

/// How hard to fuzz the API.
pub struct ApiRun {
    /// Most test cases per operation and phase.
    pub examples: u32,
    /// A fixed seed (the test's run is the same every time), or a fresh one.
    pub seed: Option<u64>,
}

/// schemathesis against a real `lore serve`; fails on any failed check.
pub fn api(run: ApiRun) -> Result {
    let schemathesis = tools::schemathesis()?;
    step(
        "building lore (as the native tests build it)",
        cargo().arg("test").args(NATIVE_PACKAGES).arg("--no-run"),
    )?;
    let lore = workspace_root().join("target/debug/lore");
    let scratch = workspace_root().join("target/api-fuzz");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|e| format!("cannot make {scratch:?}: {e}"))?;
    let database = format!("sqlite:{}", scratch.join("lore.db").display());
    let editor = account_token(&lore, &database, "fuzzer", "editor")?;
    let admin = account_token(&lore, &database, "fuzz-admin", "admin")?;
    // The token travels in the environment, through the configuration, so that it is in no
    // command line and no log.
    let config = scratch.join("schemathesis.toml");
    std::fs::write(
        &config,
        "[headers]\nAuthorization = \"Bearer ${LORE_FUZZ_TOKEN}\"\n",
    )
    .map_err(|e| format!("cannot write {config:?}: {e}"))?;
    let port = free_port()?;
    let mut server = serve(&lore, &database, port, None, true)?;
    // Revoking a token is fuzzed after the rest: the stateful phase lists the caller's tokens
    // and revokes them, after which every request would be a 401. Accounts are fuzzed last, by
    // an admin (the editor is refused them in the first part), since an admin may remove the
    // editor.
    let parts: [(&str, &str, &[&str]); 3] = [
        (
            "every endpoint but revoking a token, as an editor",
            &editor,
            &["--exclude-operation-id", "RevokeToken"],
        ),
        (
            "the token endpoints, revoking included",
            &editor,
            &["--include-tag", "tokens"],
        ),
        (
            "the accounts endpoints, as an admin",
            &admin,
            &["--include-tag", "users"],
        ),
    ];
    let mut result = Ok(());
    for (name, token, selection) in parts {
        let mut command = Command::new(&schemathesis);
        command
            .arg("--config-file")
            .arg(&config)
            .arg("run")
            .arg(format!("http://127.0.0.1:{port}/api/openapi.json"))
            .args(selection)
            .args(["--checks", CHECKS])
            .args(["--max-examples", &run.examples.to_string()])
            .args([
                "--workers",
                "2",
                "--no-color",
                "--generation-database",
                "none",
            ])
            .args(["--report", "junit", "--report-dir"])
            .arg(scratch.join("report"))
            .env("LORE_FUZZ_TOKEN", token)
            // What it caches (`.schemathesis/`, `.hypothesis/`) stays in the scratch folder.
            .current_dir(&scratch);
        if let Some(seed) = run.seed {
            command.args(["--seed", &seed.to_string()]);
        }
        result = step(
            &format!(
                "schemathesis: {name} ({} examples per operation and phase)",
                run.examples
            ),
            &mut command,
        );
        if result.is_err() {
            break;
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    if result.is_ok() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    result
}

/// An account `name` with `role` in `database`, and a write token of theirs.
fn account_token(lore: &Path, database: &str, name: &str, role: &str) -> Result<String> {
    let run = |args: &[&str], input: &str| -> Result<String> {
        use std::io::Write;
        let mut child = Command::new(lore)
            .arg("--database-url")
            .arg(database)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", lore.display()))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(input.as_bytes())
                .map_err(|e| format!("cannot write to lore: {e}"))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("lore {args:?}: {e}"))?;
        if !out.status.success() {
            return Err(format!("lore {args:?} failed ({})", out.status));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    run(
        &["user", "add", name, "--role", role],
        "a long password for fuzzing\n",
    )?;
    let printed = run(&["token", "create", name, "--scope", "write"], "")?;
    printed
        .split_whitespace()
        .find(|word| word.starts_with("lore_"))
        .map(str::to_owned)
        .ok_or_else(|| format!("`lore token create` printed no token: {printed}"))
}

/// The libFuzzer targets of `fuzz/`.
const TARGETS: &[&str] = &["render", "front_matter", "archive", "search_query"];

/// Each of `targets` (all when empty, slowest first) for `runs` executions, two at a time,
/// starting from its committed seeds (`fuzz/seeds/TARGET`) and what earlier runs kept
/// (`fuzz/corpus/TARGET`).
pub fn parsers(runs: u64, targets: &[String]) -> Result {
    tools::cargo_fuzz()?;
    let fuzz = workspace_root().join("fuzz");
    let chosen: Vec<&str> = if targets.is_empty() {
        TARGETS.to_vec()
    } else {
        targets.iter().map(String::as_str).collect()
    };
    if let Some(unknown) = chosen.iter().find(|t| !TARGETS.contains(t)) {
        return Err(format!(
            "no fuzz target {unknown}; there are {}",
            TARGETS.join(", ")
        ));
    }
    step(
        "building the fuzz targets",
        fuzz_command().args([
            "build",
            "--sanitizer",
            "none",
            "--release",
            "--debug-assertions",
        ]),
    )?;
    // Two at a time, one per core; the next target starts when either finishes. Every one runs
    // to its end even when another crashed, so that no fuzzer is left running.
    // A target named twice runs as two processes on one corpus, each picking up what the other
    // finds (libFuzzer reloads the corpus folder): one slow target then has both cores.
    let mut waiting = chosen.iter().enumerate().map(|(index, target)| {
        let instance = chosen[..index].iter().filter(|t| *t == target).count();
        (*target, instance)
    });
    let mut running: Vec<(&str, PathBuf, Child)> = Vec::new();
    let mut failures = Vec::new();
    loop {
        while running.len() < 2
            && let Some((target, instance)) = waiting.next()
        {
            running.push(start_target(&fuzz, target, instance, runs)?);
        }
        if running.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        let mut index = 0;
        while index < running.len() {
            let (target, log, child) = &mut running[index];
            let Some(status) = child
                .try_wait()
                .map_err(|e| format!("cargo fuzz {target}: {e}"))?
            else {
                index += 1;
                continue;
            };
            let text = std::fs::read_to_string(&*log).unwrap_or_default();
            let stat = |name: &str| {
                text.lines()
                    .find_map(|line| line.strip_prefix(&format!("stat::{name}:")))
                    .map_or("?".to_owned(), |value| value.trim().to_owned())
            };
            let executions = stat("number_of_executed_units");
            if status.success() {
                println!(
                    "xtask: {target}: {executions} executions, {} per second, no crash",
                    stat("average_exec_per_sec")
                );
            } else {
                failures.push(format!(
                    "fuzz target {target} failed after {executions} executions; see {} and \
                     fuzz/artifacts/{target}/",
                    log.display()
                ));
            }
            running.remove(index);
        }
    }
    if !failures.is_empty() {
        return Err(failures.join("\n"));
    }
    Ok(())
}

/// Starts `cargo fuzz run` of `target` for `runs` executions, from its corpus and seeds, its
/// output into `fuzz/TARGET.log` (`fuzz/TARGET-N.log` for its Nth process beside the first).
fn start_target<'a>(
    fuzz: &Path,
    target: &'a str,
    instance: usize,
    runs: u64,
) -> Result<(&'a str, PathBuf, Child)> {
    let corpus = fuzz.join("corpus").join(target);
    std::fs::create_dir_all(&corpus).map_err(|e| format!("cannot make {corpus:?}: {e}"))?;
    let log = match instance {
        0 => fuzz.join(format!("{target}.log")),
        n => fuzz.join(format!("{target}-{}.log", n + 1)),
    };
    let mut command = fuzz_command();
    command
        .args([
            "run",
            "--sanitizer",
            "none",
            "--release",
            "--debug-assertions",
            target,
        ])
        .arg(&corpus)
        .arg(fuzz.join("seeds").join(target))
        // Inputs up to 1 KB: what breaks a parser shows in a few lines, and every byte more
        // costs time in each execution.
        .args([
            "--",
            &format!("-runs={runs}"),
            "-max_len=1024",
            "-print_final_stats=1",
        ])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).map_err(|e| format!("cannot write {log:?}: {e}"))?);
    println!(
        "xtask: fuzzing {target} for {runs} executions (log: {})",
        log.display()
    );
    let child = command
        .spawn()
        .map_err(|e| format!("cannot start cargo fuzz: {e}"))?;
    Ok((target, log, child))
}

/// `cargo fuzz` (of `fuzz/`), with the stable compiler's nightly flags allowed.
fn fuzz_command() -> Command {
    let mut command = cargo();
    command
        .arg("fuzz")
        .current_dir(workspace_root())
        .env("RUSTC_BOOTSTRAP", "1")
        .env("PATH", tools::path_with_local_bins());
    command
}
