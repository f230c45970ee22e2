//! The `lore` binary. Everything it does lives in the `server` library; this file only reads
//! the command line, starts logging, and reports a failure in words.

use clap::Parser;
use server::config::Cli;
use std::process::ExitCode;

/// mimalloc instead of glibc's allocator: rendering a note allocates and frees many small
/// strings and trees (comrak's, html5ever's, syntect's), and glibc's malloc and free were a
/// tenth of an import's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    server::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(server::cli::run(Cli::parse()));
    // A CPU job still running (one request's render or diff, each bounded) must not keep a
    // stopped server's process alive: dropping the runtime would wait for it without end.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
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
