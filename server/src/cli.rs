//! What each `lore` subcommand does, given parsed [`config`](crate::config).

use crate::config::{Cli, Command, ExportArgs, ImportArgs, ServeArgs};
use crate::cpu::CpuPool;
use crate::documents::import::{ImportError, import};
use crate::documents::{demo, export, sources};
use crate::startup::{serve, shutdown_signal};
use crate::{AppState, routes, store};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

/// Runs the subcommand the user asked for.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => run_serve(&cli.database_url, args).await,
        Command::Import(args) => run_import(&cli.database_url, args).await,
        Command::Export(args) => run_export(&cli.database_url, args).await,
    }
}

async fn run_import(database_url: &str, args: ImportArgs) -> anyhow::Result<()> {
    let store = store::connect(database_url).await?;
    let found = sources::from_disk(&args.paths)?;
    for skipped in &found.skipped {
        eprintln!("skipped {skipped}");
    }
    let files = found.files;
    let mut problems = found.problems;
    if files.is_empty() && problems.is_empty() {
        anyhow::bail!("no Markdown files (.md, .markdown) found in the paths given");
    }
    if !problems.is_empty() && !args.skip_invalid {
        return Err(refused(&problems));
    }
    let cpu = CpuPool::per_core();
    let progress = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} steps ({per_sec})")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    progress.set_message(format!("importing {} files", files.len()));
    let started = std::time::Instant::now();
    let result = import(
        store.as_ref(),
        &cpu,
        files,
        args.skip_invalid,
        progress.clone(),
    )
    .await;
    progress.finish_and_clear();
    match result {
        Ok(mut report) => {
            report.skipped.splice(0..0, problems);
            for problem in &report.skipped {
                eprintln!("skipped {problem}");
            }
            let elapsed = started.elapsed();
            let files = report.created.len() + report.updated.len() + report.unchanged.len();
            println!(
                "imported in {elapsed:.1?} ({:.0} notes/s): {} created, {} updated, {} unchanged, {} skipped{}",
                files as f64 / elapsed.as_secs_f64().max(1e-9),
                report.created.len(),
                report.updated.len(),
                report.unchanged.len(),
                report.skipped.len(),
                peak_memory()
                    .map(|m| format!("; peak memory {m}"))
                    .unwrap_or_default()
            );
            if !report.wanted.is_empty() {
                println!(
                    "wanted pages (referenced, not written yet): {}",
                    report.wanted.join(", ")
                );
            }
            Ok(())
        }
        Err(ImportError::Invalid(found)) => {
            problems.extend(found);
            Err(refused(&problems))
        }
        Err(other) => Err(other.into()),
    }
}

/// Prints every problem and says that nothing was imported.
fn refused(problems: &[app::contract::Problem]) -> anyhow::Error {
    for problem in problems {
        eprintln!("{problem}");
    }
    anyhow::anyhow!(
        "{} problem(s); nothing was imported (fix them, or pass --skip-invalid to import the rest)",
        problems.len()
    )
}

async fn run_export(database_url: &str, args: ExportArgs) -> anyhow::Result<()> {
    let store = store::connect(database_url).await?;
    let sources = store.sources().await?;
    let files: Vec<export::ExportFile> = sources
        .iter()
        .map(|s| export::ExportFile::new(&s.source_path, &s.layout, &s.body))
        .collect();
    let written = export::write_folder(&args.dir, &files)
        .with_context(|| format!("cannot export to {}", args.dir.display()))?;
    println!("exported {written} documents to {}", args.dir.display());
    Ok(())
}

async fn run_serve(database_url: &str, args: ServeArgs) -> anyhow::Result<()> {
    let client = args
        .client_dir()?
        .map(|dir| crate::client_files::ClientBundle::read(&dir))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--dist (LORE_DIST): {e}"))?;
    let store = store::connect(database_url).await?;
    let cpu_jobs = args.cpu_jobs();
    let cpu = CpuPool::new(cpu_jobs);
    if !args.no_demo
        && demo::load_if_empty(store.as_ref(), &cpu)
            .await
            .context("cannot load the demo notes")?
    {
        tracing::info!("loaded the demo notes into the new database (--no-demo to start empty)");
    }
    let rendered = crate::documents::import::rerender_stale(store.as_ref(), &cpu).await?;
    if rendered > 0 {
        tracing::info!(
            documents = rendered,
            "rendered documents again for this version of Lore"
        );
    }
    let state = AppState::new(store, args.cache_revalidate).with_limits(args.limits(), cpu_jobs);
    let app = routes::router(state, client.clone());

    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on --addr (LORE_ADDR) {}", args.addr))?;
    let address = listener.local_addr()?;
    match &client {
        Some(client) => {
            tracing::info!(client = %client.dir.display(), "serving pages and the browser client");
        }
        None => tracing::warn!(
            "no built client (no dist/index.html): pages are served without scripts; run `cargo xtask run`"
        ),
    }
    // Printed, not only logged: this is the line a person starting Lore looks for.
    println!("Lore is listening on http://{address}");
    serve(
        listener,
        app,
        args.connections(),
        shutdown_signal(),
        args.shutdown_timeout,
    )
    .await
    .context("the server stopped with an error")
}

/// The process's peak resident memory, where the platform reports it (Linux: `VmHWM`).
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(format!("{:.0} MiB", kib as f64 / 1024.0))
}
