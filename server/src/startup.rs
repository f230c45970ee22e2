//! Serving over HTTP or HTTPS, and stopping without dropping anyone's request.
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
//!
//! With a certificate ([`Tls`]) the same loop serves HTTPS: the 2-tier deployment, a browser
//! talking to Lore with no proxy in front. The TLS handshake says whether the client speaks
//! HTTP/2 (ALPN), so HTTP/2 is offered only there.

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::Sleep;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

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

/// A certificate chain and its private key, ready to serve HTTPS (`--tls-cert`, `--tls-key`).
#[derive(Clone)]
pub struct Tls(TlsAcceptor);

/// Why a certificate or key cannot be served. The key's contents never appear in it.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file is missing, unreadable or holds no PEM certificate.
    #[error("--tls-cert (LORE_TLS_CERT) {path}: {reason}")]
    Certificate {
        /// The file named.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The key file is missing, unreadable or holds no PEM private key.
    #[error("--tls-key (LORE_TLS_KEY) {path}: {reason}")]
    Key {
        /// The file named.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// rustls refused the pair (e.g. a key that is not the certificate's).
    #[error("--tls-cert and --tls-key cannot be served together: {0}")]
    Pair(String),
}

impl Tls {
    /// The certificate chain (leaf first) and private key in PEM files, as certbot or
    /// `openssl req` write them.
    pub fn from_pem_files(certificate: &Path, key: &Path) -> Result<Self, TlsError> {
        let chain = CertificateDer::pem_file_iter(certificate)
            .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
            .map_err(|error| TlsError::Certificate {
                path: certificate.display().to_string(),
                reason: error.to_string(),
            })?;
        if chain.is_empty() {
            return Err(TlsError::Certificate {
                path: certificate.display().to_string(),
                reason: "no PEM certificate (-----BEGIN CERTIFICATE-----) in it".to_owned(),
            });
        }
        let key = PrivateKeyDer::from_pem_file(key).map_err(|error| TlsError::Key {
            path: key.display().to_string(),
            reason: error.to_string(),
        })?;
        Self::new(chain, key)
    }

    /// Serves `chain` (leaf first) with `key`.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, TlsError> {
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
            .map_err(|error| TlsError::Pair(error.to_string()))?;
        // Preferred first: a browser that speaks both gets HTTP/2.
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Self(TlsAcceptor::from(Arc::new(config))))
    }
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tls { .. }")
    }
}

/// One connection being served, over plain TCP or TLS (whose streams differ in type), until it
/// closes.
type Connection =
    Pin<Box<dyn Future<Output = Result<(), Box<dyn std::error::Error + Send + Sync>>> + Send>>;

/// How a request reached this server: a request extension, set for every request. The
/// session cookie is marked `Secure` when it came over HTTPS (see `access::Client`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transport {
    /// Over TLS, served by this process.
    pub https: bool,
}

impl Transport {
    /// Whether the request with these `extensions` came over TLS served by this process (a
    /// request made without [`serve`], as in-process tests make, did not).
    pub fn served_over_tls(extensions: &axum::http::Extensions) -> bool {
        extensions
            .get::<Self>()
            .is_some_and(|transport| transport.https)
    }
}

/// Serves `app` on `listener` (over HTTPS with `tls`) within `limits` until `shutdown`
/// completes, then drains for at most `grace`.
pub async fn serve(
    listener: TcpListener,
    tls: Option<Tls>,
    app: Router,
    limits: Connections,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    // HTTP/1.1 only on plain TCP: telling it from cleartext HTTP/2 means waiting for the
    // client's first bytes with no deadline at all, and a connection that sends nothing would
    // be kept forever. HTTP/2 comes with TLS, where the handshake says which it is.
    let mut http1 = auto::Builder::new(TokioExecutor::new()).http1_only();
    http1
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut http2 = auto::Builder::new(TokioExecutor::new()).http2_only();
    http2
        .http2()
        .timer(TokioTimer::new())
        // A peer that stops answering pings is gone: its connection (one of `limits.max`)
        // is closed rather than kept.
        .keep_alive_interval(Some(limits.idle_timeout / 2))
        .keep_alive_timeout(limits.header_timeout)
        .max_concurrent_streams(100);
    let (http1, http2) = (Arc::new(http1), Arc::new(http2));
    let transport = Transport {
        https: tls.is_some(),
    };
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
                // HTTP/2 names the site in `:authority`, which hyper keeps in the URI, not in
                // a `Host` header; the rest of the server (same-site checks, page origins)
                // reads `Host`, as every HTTP/1.1 request has it.
                if !request.headers().contains_key(hyper::header::HOST)
                    && let Some(host) = request
                        .uri()
                        .authority()
                        .and_then(|authority| authority.as_str().parse().ok())
                {
                    request.headers_mut().insert(hyper::header::HOST, host);
                }
                let extensions = request.extensions_mut();
                extensions.insert(axum::extract::ConnectInfo(peer));
                extensions.insert(transport);
                request
            },
        ));
        let stream = Stalls::new(stream, limits.idle_timeout);
        let (tls, http1, http2) = (tls.clone(), http1.clone(), http2.clone());
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _slot = slot;
            let connection: Connection = match tls {
                None => Box::pin(
                    watcher.watch(
                        http1
                            .serve_connection(TokioIo::new(stream), service)
                            .into_owned(),
                    ),
                ),
                Some(Tls(tls)) => {
                    // The handshake runs in the connection's own task, under the header
                    // deadline: a client that connects and says nothing must not hold up
                    // anyone else, nor its slot for ever.
                    let stream =
                        match tokio::time::timeout(limits.header_timeout, tls.accept(stream)).await
                        {
                            Ok(Ok(stream)) => stream,
                            Ok(Err(error)) => {
                                tracing::debug!(%error, "TLS handshake failed");
                                return;
                            }
                            Err(_) => {
                                tracing::debug!("TLS handshake timed out");
                                return;
                            }
                        };
                    let builder = match stream.get_ref().1.alpn_protocol() {
                        Some(b"h2") => http2,
                        _ => http1,
                    };
                    Box::pin(
                        watcher.watch(
                            builder
                                .serve_connection(TokioIo::new(stream), service)
                                .into_owned(),
                        ),
                    )
                }
            };
            if let Err(error) = connection.await {
                // A client that went away or timed out: theirs to know, not an error of ours.
                tracing::debug!(error = %error, "connection ended");
            }
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
