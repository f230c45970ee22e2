//! Serving, and stopping without dropping anyone's request.
//!
//! Connections are served by hyper directly (hyper-util's server builder), not by axum's
//! `serve`, because a server on the open network needs limits that `serve` has no settings for
//! (see [`Connections`]): without them, 1,100 connections that sent half a header, or nothing,
//! were kept forever, took every file descriptor, and the server stopped answering anyone.
//!
//! On the shutdown trigger the server stops accepting connections and lets in-flight requests
//! finish, up to a grace period; after that it returns anyway, so a stuck client cannot hold a
//! deploy hostage. The trigger is passed in by the caller: `main` uses [`shutdown_signal`],
//! tests use a channel.

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::Sleep;

/// Limits on connections: settings of `lore serve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connections {
    /// How long a client has to send a request's headers, from when the connection opens or
    /// its previous response was sent: it closes connections that send nothing, or a header a
    /// byte at a time, and idle keep-alive connections.
    pub header_timeout: Duration,
    /// How long a request body may stop arriving, and an answer wait for a client that
    /// stopped reading it, before the connection is dropped.
    pub idle_timeout: Duration,
    /// How many connections are served at once. Past it, new ones wait in the kernel's queue
    /// until one closes, so the process never runs out of file descriptors (the usual limit is
    /// 1,024 per process, and the database and files need some).
    pub max: usize,
}

impl Default for Connections {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max: 512,
        }
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then drains for at
/// most `grace`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Connections,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    // HTTP/1.1 only on plain TCP: telling it from cleartext HTTP/2 means waiting for the
    // client's first bytes with no deadline at all, and a connection that sends nothing would
    // be kept forever. (HTTP/2 comes with TLS, where the handshake says which it is.)
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max.max(1)));
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors, or a connection reset before it was accepted: wait
                    // a moment rather than spin on the same error.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // The peer's address travels with each request, for the sign-in limit per client
        // (see `access::client_address`, which trusts `X-Forwarded-For` only from a proxy).
        let service = TowerToHyperService::new(tower::ServiceExt::map_request(
            app.clone(),
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                request
            },
        ));
        let connection = builder
            .serve_connection(
                TokioIo::new(Stalls::new(stream, limits.idle_timeout)),
                service,
            )
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                // A client that went away or timed out: theirs to know, not an error of ours.
                tracing::debug!(error = %error, "connection ended");
            }
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!(grace = ?grace, "shutting down: finishing in-flight requests");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(grace) => {
            tracing::warn!(grace = ?grace, "in-flight requests did not finish in time; stopping anyway");
        }
    }
    Ok(())
}

/// A connection whose writes fail once one has waited `limit` without any progress. hyper has
/// no such deadline: a client that stops reading its answer would hold its connection (and one
/// of [`Connections::max`]) forever. Reads are not timed here: waiting for the next request is
/// the header timeout's, and a body that stops arriving is the request body timeout's
/// ([`crate::routes`]); while a request is being answered, hyper also waits on reads, and a long
/// import must not end its own connection.
struct Stalls<T> {
    inner: T,
    limit: Duration,
    writing: Option<Pin<Box<Sleep>>>,
}

impl<T> Stalls<T> {
    fn new(inner: T, limit: Duration) -> Self {
        Self {
            inner,
            limit,
            writing: None,
        }
    }
}

/// `Ready` results pass and clear `deadline`; a `Pending` one starts it (if it is not running)
/// and turns into a timeout error once it has passed.
fn within<R>(
    deadline: &mut Option<Pin<Box<Sleep>>>,
    limit: Duration,
    cx: &mut Context<'_>,
    result: Poll<std::io::Result<R>>,
) -> Poll<std::io::Result<R>> {
    if result.is_ready() {
        *deadline = None;
        return result;
    }
    let sleep = deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
    match sleep.as_mut().poll(cx) {
        Poll::Ready(()) => Poll::Ready(Err(std::io::ErrorKind::TimedOut.into())),
        Poll::Pending => Poll::Pending,
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Stalls<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Stalls<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        within(&mut this.writing, this.limit, cx, result)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        within(&mut this.writing, this.limit, cx, result)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        let result = Pin::new(&mut this.inner).poll_flush(cx);
        within(&mut this.writing, this.limit, cx, result)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn a_write_that_waits_past_the_limit_fails() {
        // A pipe with room for 64 bytes that no one reads: the client that stopped reading.
        let (ours, _theirs) = tokio::io::duplex(64);
        let mut connection = Stalls::new(ours, Duration::from_millis(50));
        let error = connection.write_all(&[0; 1024]).await.unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn writes_that_make_progress_never_time_out() {
        let (ours, mut theirs) = tokio::io::duplex(64);
        let mut connection = Stalls::new(ours, Duration::from_millis(50));
        let reader = tokio::spawn(async move {
            let mut received = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut theirs, &mut received)
                .await
                .unwrap();
            received.len()
        });
        connection.write_all(&[0; 4096]).await.unwrap();
        connection.shutdown().await.unwrap();
        drop(connection);
        assert_eq!(reader.await.unwrap(), 4096);
    }
}
