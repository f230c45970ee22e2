//! What each `lore` subcommand does, given parsed [`config`](crate::config): each is an adapter
//! over the [service](crate::service), like the HTTP handlers.

use crate::config::{
    Cli, Command, CopyArgs, ExportArgs, ImportArgs, ServeArgs, TokenCommand, UserCommand,
};
use crate::documents::import::FlavorChoice;
use crate::documents::{export, sources};
use crate::error::ApiError;
use crate::replica::Replica;
use crate::service::{Actor, Service};
use crate::startup::{serve, shutdown_signal};
use crate::store::{DatabaseSettings, Store};
use crate::{AppState, routes, store};
use anyhow::Context;
use app::contract::{Credentials, Flavor, NewToken, NewUser, UserChange};
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

/// Runs the subcommand the user asked for.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let database = Database {
        url: cli.database_url.clone(),
        settings: cli.database(),
    };
    match cli.command {
        Command::Serve(args) => run_serve(&database, *args).await,
        Command::Import(args) => run_import(&database, args).await,
        Command::Export(args) => run_export(&database, args).await,
        Command::Copy(args) => run_copy(&database.settings, args).await,
        Command::User(command) => run_user(&database, command).await,
        Command::Token(command) => run_token(&database, command).await,
    }
}

async fn run_user(database: &Database, command: UserCommand) -> anyhow::Result<()> {
    let service = service_over(database).await?;
    match command {
        UserCommand::Add { name, role } => {
            let password = read_password(&name)?;
            let user = service
                .add_user(&NewUser {
                    credentials: Credentials { name, password },
                    role,
                })
                .await
                .map_err(explain)?;
            println!("added {} ({})", user.name, user.role);
        }
        UserCommand::List => {
            for user in service.users().await? {
                println!("{}\t{}\t{}", user.name, user.role, user.created_at);
            }
        }
        UserCommand::Passwd { name } => {
            let password = read_password(&name)?;
            service
                .change_user(&UserChange {
                    name: name.clone(),
                    role: None,
                    password: Some(password),
                })
                .await
                .map_err(explain)?;
            println!("set the password of {name}; their sessions have ended");
        }
        UserCommand::Role { name, role } => {
            let user = service
                .change_user(&UserChange {
                    name,
                    role: Some(role),
                    password: None,
                })
                .await
                .map_err(explain)?;
            println!("{} is now {}", user.name, user.role);
        }
        UserCommand::Remove { name } => {
            let user = service.remove_user(&name).await.map_err(explain)?;
            println!("removed {}; their revisions keep their name", user.name);
        }
    }
    Ok(())
}

async fn run_token(database: &Database, command: TokenCommand) -> anyhow::Result<()> {
    let service = service_over(database).await?;
    match command {
        TokenCommand::Create {
            user,
            name,
            scope,
            expires_in_days,
        } => {
            let created = service
                .create_token_of(
                    &user,
                    &NewToken {
                        name,
                        scope,
                        expires_in_days,
                    },
                )
                .await
                .map_err(explain)?;
            eprintln!(
                "token {} for {user} ({}); send it as `Authorization: Bearer <token>`. It is shown only now:",
                created.token.id,
                created.token.scope.as_str()
            );
            println!("{}", created.secret);
        }
        TokenCommand::List { user } => {
            for token in service.tokens_of(&user).await.map_err(explain)? {
                println!(
                    "{}\t{}\t{}\t{}\texpires {}\tlast used {}",
                    token.id,
                    token.hint,
                    token.scope.as_str(),
                    token.name,
                    token.expires_at.as_deref().unwrap_or("never"),
                    token.last_used_at.as_deref().unwrap_or("never")
                );
            }
        }
        TokenCommand::Revoke { user, id } => {
            let token = service.revoke_token_of(&user, id).await.map_err(explain)?;
            println!("revoked token {} ({})", token.id, token.hint);
        }
    }
    Ok(())
}

/// An error of a command in words, with each problem on its own line.
fn explain(error: ApiError) -> anyhow::Error {
    let problems = match &error {
        ApiError::InvalidAccount(problems) => problems
            .iter()
            .map(|p| format!("\n  {}: {}", p.field.as_deref().unwrap_or("-"), p.message))
            .collect(),
        _ => String::new(),
    };
    anyhow::anyhow!("{error}{problems}")
}

/// A new password for `name`: asked twice at a terminal, else one line of standard input.
fn read_password(name: &str) -> anyhow::Result<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let password = rpassword::prompt_password(format!("Password for {name}: "))?;
        let again = rpassword::prompt_password("The same password again: ")?;
        anyhow::ensure!(
            password == again,
            "the two passwords differ; nothing was changed"
        );
        Ok(password)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        Ok(line.trim_end_matches(['\n', '\r']).to_owned())
    }
}

async fn run_copy(settings: &DatabaseSettings, args: CopyArgs) -> anyhow::Result<()> {
    let from = store::connect(&args.from, settings)
        .await
        .context("cannot open --from")?;
    let to = store::connect(&args.to, settings)
        .await
        .context("cannot open --to")?;
    let copied = crate::service::copying::copy(from.as_ref(), to.as_ref()).await?;
    println!(
        "copied {} notes, {} revisions, {} notes in the trash, {} redirects and {} attachments from {} to {}; every exported file matches (SHA-256 {})",
        copied.notes,
        copied.revisions,
        copied.trash,
        copied.redirects,
        copied.attachments,
        from.kind(),
        to.kind(),
        copied.checksum
    );
    Ok(())
}

/// The database a command works on.
struct Database {
    url: String,
    settings: DatabaseSettings,
}

impl Database {
    async fn open(&self) -> anyhow::Result<std::sync::Arc<dyn Store>> {
        Ok(store::connect(&self.url, &self.settings).await?)
    }
}

/// The workflows over `database`, for the person at the terminal: they hold the database
/// itself, so they act as the operator.
async fn service_over(database: &Database) -> anyhow::Result<Service> {
    let store = database.open().await?;
    // A command runs alone against its own process's view: nothing to revalidate.
    let state = AppState::new(store, Duration::ZERO);
    Ok(Service::new(state, Actor::Operator))
}

async fn run_import(database: &Database, args: ImportArgs) -> anyhow::Result<()> {
    let service = service_over(database).await?;
    let found = sources::from_disk(&args.paths)?;
    for skipped in &found.skipped {
        eprintln!("skipped {skipped}");
    }
    if found.files.is_empty() && found.attachments.is_empty() && found.problems.is_empty() {
        anyhow::bail!("no Markdown files (.md, .markdown) found in the paths given");
    }
    let attachment_bytes: usize = found.attachments.iter().map(|a| a.bytes.len()).sum();
    let progress = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} steps ({per_sec})")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let flavor = FlavorChoice::of(args.flavor, found.vault);
    if flavor == FlavorChoice::Detected(Flavor::Obsidian) {
        eprintln!(
            "an Obsidian vault (it has .obsidian/): reading its notes as Obsidian's Markdown"
        );
    }
    progress.set_message(format!("importing {} files", found.files.len()));
    let started = std::time::Instant::now();
    let result = service
        .import(
            found.files,
            found.attachments,
            flavor,
            found.problems,
            args.skip_invalid,
            progress.clone(),
        )
        .await;
    progress.finish_and_clear();
    match result {
        Ok(report) => {
            for problem in &report.skipped {
                eprintln!("skipped {problem}");
            }
            for problem in &report.ambiguous {
                eprintln!("ambiguous {problem}");
            }
            for problem in &report.missing_files {
                eprintln!("missing {problem}");
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
            let stored = report.attachments.len() + report.unchanged_attachments.len();
            if stored > 0 {
                println!(
                    "attachments: {} stored, {} unchanged ({:.1} MB read at {:.1} MB/s)",
                    report.attachments.len(),
                    report.unchanged_attachments.len(),
                    attachment_bytes as f64 / 1e6,
                    attachment_bytes as f64 / 1e6 / elapsed.as_secs_f64().max(1e-9)
                );
            }
            if !report.wanted.is_empty() {
                println!(
                    "wanted pages (referenced, not written yet): {}",
                    report.wanted.join(", ")
                );
            }
            Ok(())
        }
        Err(ApiError::InvalidImport(problems)) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            anyhow::bail!(
                "{} problem(s); nothing was imported (fix them, or pass --skip-invalid to import the rest)",
                problems.len()
            )
        }
        Err(other) => Err(other.into()),
    }
}

async fn run_export(database: &Database, args: ExportArgs) -> anyhow::Result<()> {
    let service = service_over(database).await?;
    let files = service.export_files().await?;
    let written = export::write_folder(&args.dir, &files)
        .with_context(|| format!("cannot export to {}", args.dir.display()))?;
    println!("exported {written} documents to {}", args.dir.display());
    Ok(())
}

async fn run_serve(database: &Database, args: ServeArgs) -> anyhow::Result<()> {
    // Read before anything else happens: a wrong path or key is told at once.
    let tls = args.tls()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    // Bound first: the replica's default name is the port it got.
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on --addr (LORE_ADDR) {}", args.addr))?;
    let address = listener.local_addr()?;
    let replica = Replica::named(
        &args
            .replica_name
            .clone()
            .unwrap_or_else(|| Replica::default_name(address.port())),
    )
    .map_err(|reason| anyhow::anyhow!("--replica-name (LORE_REPLICA_NAME): {reason}"))?;
    let client = args
        .client_dir()?
        .map(|dir| crate::client_files::ClientBundle::read(&dir))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--dist (LORE_DIST): {e}"))?;
    let store = database.open().await?;
    let state = AppState::new(store, args.cache_revalidate)
        .with_limits(args.limits(), args.cpu_jobs())
        .with_access(args.access())
        .with_replica(replica);
    let service = Service::new(state.clone(), Actor::Operator);
    if !args.no_demo
        && service
            .load_demo_if_empty()
            .await
            .context("cannot load the demo notes")?
    {
        tracing::info!("loaded the demo notes into the new database (--no-demo to start empty)");
    }
    let backfilled = service.backfill_history().await?;
    if backfilled > 0 {
        tracing::info!(
            documents = backfilled,
            "gave notes stored before Lore kept history their first revision"
        );
    }
    let named = service.name_unnamed().await?;
    if named > 0 {
        tracing::info!(
            documents = named,
            "gave notes stored before Lore read vaults the names wikilinks find them by"
        );
    }
    let rendered = service.rerender_stale().await?;
    if rendered > 0 {
        tracing::info!(
            documents = rendered,
            "rendered documents again for this version of Lore"
        );
    }
    let replica = state.replica.clone();
    let app = routes::router(state, client.clone());

    match &client {
        Some(client) => {
            tracing::info!(client = %client.dir.display(), "serving pages and the browser client");
        }
        None => tracing::warn!(
            "no built client (no dist/index.html): pages are served without scripts; run `cargo xtask run`"
        ),
    }
    // Printed, not only logged: this is the line a person starting Lore looks for.
    say(&format!("Lore is listening on {scheme}://{address}"));
    if let Some(code) = service.setup_code().await? {
        // The one secret Lore ever prints: whoever holds it makes the first admin, once, within
        // a day. It is the way in for the person who just started the server.
        say(&format!(
            "No account yet: make the first admin at {scheme}://{address}/setup?code={code} (once, within 24 hours), or with `lore user add NAME --role admin`."
        ));
    }
    let drain_delay = args.drain_delay;
    let stopping = async move {
        shutdown_signal().await;
        if drain_delay.is_zero() {
            return;
        }
        replica.start_draining();
        tracing::info!(delay = ?drain_delay, "draining: /api/ready answers 503, requests are still served");
        // A second signal stops at once.
        tokio::select! {
            () = tokio::time::sleep(drain_delay) => {}
            () = shutdown_signal() => {}
        }
    };
    serve(
        listener,
        tls,
        app,
        args.connections(),
        stopping,
        args.shutdown_timeout,
    )
    .await
    .context("the server stopped with an error")
}

/// Prints `line` for the person who started the server. Unlike `println!`, a standard output
/// that is closed (a supervisor that read the first line and went away) is no reason to stop
/// serving.
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
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
