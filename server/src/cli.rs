//! What each `lore` subcommand does, given parsed [`config`](crate::config).

use crate::config::{Cli, Command, ServeArgs};
use crate::startup::{serve, shutdown_signal};
use crate::{AppState, routes, store};
use anyhow::Context;

/// Runs the subcommand the user asked for.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => run_serve(&cli.database_url, args).await,
    }
}

async fn run_serve(database_url: &str, args: ServeArgs) -> anyhow::Result<()> {
    let client_dir = args.client_dir()?;
    let store = store::connect(database_url).await?;
    let state = AppState { store };
    let app = routes::router(state, client_dir.as_deref());

    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on --addr (LORE_ADDR) {}", args.addr))?;
    let address = listener.local_addr()?;
    match &client_dir {
        Some(dir) => tracing::info!(client = %dir.display(), "serving the browser client"),
        None => tracing::warn!(
            "no built client (no dist/index.html): serving the API only; run `cargo xtask run` or `trunk serve`"
        ),
    }
    // Printed, not only logged: this is the line a person starting Lore looks for.
    println!("Lore is listening on http://{address}");
    serve(listener, app, shutdown_signal(), args.shutdown_timeout)
        .await
        .context("the server stopped with an error")
}
