//! `cargo xtask bench-before REV`: what this tree costs an anonymous reader compared with an
//! earlier commit, measured in one run: `GET /api/hello`, a note's JSON and its page (from the
//! page cache, and rendered for every request), served by REV's `lore` and by this tree's from
//! the same corpus, with the same wrk settings.
//!
//! A number from an earlier run cannot answer "did this change slow reading down?": on this
//! machine two runs a day apart differ by 20%. So both servers run side by side, and their rounds
//! alternate (REV, this tree, this tree, REV, …) so that drift during the run falls on both
//! alike; each side's median is reported, with this tree's as a ratio of REV's.
//!
//! REV is checked out with `git worktree` under `target/bench-before/` and built into the
//! workspace's own target directory, so only the workspace's crates are compiled again. Cargo
//! names a workspace's artifacts by their path inside the workspace, so REV's `app` and this
//! tree's share names there; each build therefore starts by cleaning the workspace's crates,
//! or the second would link the first's. This tree's base has an account (as any base with
//! accounts does); the readers are anonymous.

use crate::bench::{EVERY_REQUEST_NEW, NOTE, NOTES, free_port, import_into, serve, wrk};
use crate::tools::debian_packages;
use crate::{Result, cargo, corpus, step, workspace_root};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Rounds per side and request; the median of them is reported.
const ROUNDS: usize = 5;

/// Runs the comparison against `args[0]`, a commit, tag or branch.
pub fn run(args: &[String]) -> Result {
    let Some(rev) = args.first() else {
        return Err("which commit? `cargo xtask bench-before REV`".to_owned());
    };
    debian_packages(&[("wrk", "wrk")])?;
    let root = workspace_root();
    let before_binary = build_before(&root, rev)?;
    clean_workspace_crates(&root.join("Cargo.toml"), &root)?;
    step(
        "building lore (release)",
        cargo().args(["build", "--release", "--package", "server", "--bin", "lore"]),
    )?;
    let after_binary = root.join("target/release/lore");

    let scratch = std::env::temp_dir().join(format!("lore-bench-before-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let notes = scratch.join("corpus");
    corpus::generate(&notes, NOTES).map_err(|e| format!("cannot write the corpus: {e}"))?;
    let before_base = format!("sqlite:{}", scratch.join("before.db").display());
    let after_base = format!("sqlite:{}", scratch.join("after.db").display());
    println!("\nxtask: importing {NOTES} generated notes with each binary");
    import_into(&before_binary, &before_base, &notes)?;
    import_into(&after_binary, &after_base, &notes)?;
    add_an_admin(&after_binary, &after_base)?;

    let every_request_new = scratch.join("every-request-new.lua");
    std::fs::write(&every_request_new, EVERY_REQUEST_NEW)
        .map_err(|e| format!("cannot write the wrk script: {e}"))?;

    let dist = root.join("dist");
    let before = Server::start(&before_binary, &before_base, &dist)?;
    let after = Server::start(&after_binary, &after_base, &dist)?;
    let result = compare(&before, &after, rev, &every_request_new);
    drop((before, after));
    let _ = std::fs::remove_dir_all(&scratch);
    let lines = result?;
    println!("\nxtask: results (anonymous readers, {rev} → this tree)");
    for line in lines {
        println!("  before: {line}");
    }
    Ok(())
}

/// Checks REV out beside the workspace and builds its `lore`; the binary, copied out of the
/// target directory (this tree's build will take its place there).
fn build_before(root: &Path, rev: &str) -> Result<PathBuf> {
    let label: String = rev
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let folder = root.join("target/bench-before");
    let tree = folder.join(&label);
    if !tree.exists() {
        step(
            &format!("checking out {rev}"),
            Command::new("git")
                .args(["worktree", "add", "--force", "--detach"])
                .arg(&tree)
                .arg(rev),
        )?;
    }
    clean_workspace_crates(&tree.join("Cargo.toml"), root)?;
    step(
        &format!("building lore at {rev} (release)"),
        cargo()
            .args(["build", "--release", "--package", "server", "--bin", "lore"])
            .arg("--manifest-path")
            .arg(tree.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(root.join("target")),
    )?;
    let binary = folder.join(format!("lore-{label}"));
    std::fs::copy(root.join("target/release/lore"), &binary)
        .map_err(|e| format!("cannot keep {rev}'s lore: {e}"))?;
    Ok(binary)
}

/// Removes the release artifacts of the workspace's own crates (see the module's documentation).
fn clean_workspace_crates(manifest: &Path, root: &Path) -> Result {
    step(
        "cleaning the workspace's crates (release)",
        cargo()
            .args([
                "clean",
                "--release",
                "--package",
                "app",
                "--package",
                "server",
            ])
            .arg("--manifest-path")
            .arg(manifest)
            .arg("--target-dir")
            .arg(root.join("target")),
    )
}

/// An admin on `database`, made the way an operator would, so the base has accounts.
fn add_an_admin(lore: &Path, database: &str) -> Result {
    use std::io::Write;
    let mut child = Command::new(lore)
        .args([
            "--database-url",
            database,
            "user",
            "add",
            "ada",
            "--role",
            "admin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run lore user add: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "a long benchmark password").map_err(|e| e.to_string())?;
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("lore user add failed ({status})"))
}

/// A `lore serve` on a free loopback port, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(lore: &Path, database: &str, dist: &Path) -> Result<Self> {
        let port = free_port()?;
        let child = serve(lore, database, port, dist.is_dir().then_some(dist), false)?;
        Ok(Self { child, port })
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Each request's median req/s on both servers, as report lines.
/// `every_request_new`: the wrk script that makes each page address new, so that every request
/// misses the page cache and is rendered.
fn compare(
    before: &Server,
    after: &Server,
    rev: &str,
    every_request_new: &Path,
) -> Result<Vec<String>> {
    let page = format!("/notes/{NOTE}");
    let requests = [
        ("GET /api/hello", "/api/hello".to_owned(), None),
        (
            "GET /api/documents/{id}",
            format!("/api/documents/{NOTE}"),
            None,
        ),
        ("GET /notes/{id}", page.clone(), None),
        (
            "GET /notes/{id} rendered on every request",
            page,
            Some(every_request_new),
        ),
    ];
    let mut lines = Vec::new();
    for (name, path, script) in &requests {
        let (before_url, after_url) = (before.url(path), after.url(path));
        wrk(&before_url, "2s", *script)?;
        wrk(&after_url, "2s", *script)?;
        let (mut before_rates, mut after_rates) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            // Alternate who goes first, so a machine getting slower or faster during the run
            // weighs on both sides alike.
            if round % 2 == 0 {
                before_rates.push(wrk(&before_url, "5s", *script)?);
                after_rates.push(wrk(&after_url, "5s", *script)?);
            } else {
                after_rates.push(wrk(&after_url, "5s", *script)?);
                before_rates.push(wrk(&before_url, "5s", *script)?);
            }
        }
        let (was, is) = (median(&mut before_rates), median(&mut after_rates));
        lines.push(format!(
            "{name}: {rev} {was:.0} req/s, this tree {is:.0} req/s, ratio {:.2}",
            is / was
        ));
    }
    Ok(lines)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
