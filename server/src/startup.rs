//! Serving, and stopping without dropping anyone's request.
//!
//! On the shutdown trigger the server stops accepting connections and lets in-flight requests
//! finish, up to a grace period; after that it returns anyway, so a stuck client cannot hold a
//! deploy hostage. The trigger is passed in by the caller: `main` uses [`shutdown_signal`],
//! tests use a channel.

use axum::Router;
use std::future::{Future, IntoFuture};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Serves `app` on `listener` until `shutdown` completes, then drains for at most `grace`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (draining_tx, mut draining_rx) = watch::channel(false);
    let trigger = async move {
        shutdown.await;
        tracing::info!(grace = ?grace, "shutting down: finishing in-flight requests");
        let _ = draining_tx.send(true);
    };
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(trigger)
        .into_future();
    let deadline = async move {
        // Err means the trigger was dropped unsent, which only happens once the server is done.
        if draining_rx.wait_for(|draining| *draining).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server => result,
        () = deadline => {
            tracing::warn!(grace = ?grace, "in-flight requests did not finish in time; stopping anyway");
            Ok(())
        }
    }
}

/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `kill` and service managers send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
