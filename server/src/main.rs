//! The `lore` binary. Everything it does lives in the `server` library; this file only reads
//! the command line, starts logging, and reports a failure in words.

use clap::Parser;
use server::config::Cli;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::telemetry::init();
    server::cli::run(Cli::parse()).await
}
