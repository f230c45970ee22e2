//! The `lore` binary. Everything it does lives in the `server` library; this file only reads
//! the command line, starts logging, and reports a failure in words.

use clap::Parser;
use server::config::Cli;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    server::telemetry::init();
    match server::cli::run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole cause chain on one line ("cannot listen on ...: Address in
            // use"); returning the error from main would print a backtrace when RUST_BACKTRACE
            // is set, which reads as a crash to someone who only mistyped a setting.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
