//! The 2-tier deployment: browsers talking HTTPS straight to `lore serve --tls-cert --tls-key`,
//! with no proxy in front, started as README shows it. The certificate is a self-signed one made
//! here (rcgen) and trusted by the test's client alone.

use crate::databases::{Engine, FreshDatabase};
use crate::processes::{Server, lore};
use std::io::Read;
use std::time::{Duration, Instant};

const PASSWORD: &str = "a long password over tls";

/// A self-signed certificate for 127.0.0.1 and localhost, its PEM files in a folder of their
/// own; the certificate's PEM, for the client to trust.
fn self_signed() -> (tempfile::TempDir, String) {
    let made =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let certificate = made.cert.pem();
    std::fs::write(folder.path().join("cert.pem"), &certificate).unwrap();
    std::fs::write(
        folder.path().join("key.pem"),
        made.signing_key.serialize_pem(),
    )
    .unwrap();
    (folder, certificate)
}

/// A client that trusts `certificate` (and nothing else).
fn client_trusting(certificate: &str) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(certificate.as_bytes()).unwrap())
}

#[tokio::test]
async fn lore_serves_https_offering_http2_and_marks_its_session_cookie_secure() {
    let database = FreshDatabase::new(Engine::of_this_run()).await;
    let url = database.url.as_str();
    lore(
        url,
        &["user", "add", "ann", "--role", "editor"],
        &format!("{PASSWORD}\n"),
    );
    let (folder, certificate) = self_signed();
    let (cert, key) = (
        folder.path().join("cert.pem"),
        folder.path().join("key.pem"),
    );
    let server = Server::start_with(
        url,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(
        server.address.starts_with("https://127.0.0.1:"),
        "{}",
        server.address
    );

    // A client that offers HTTP/2 gets it; one that offers only HTTP/1.1 gets that.
    let http2 = client_trusting(&certificate).build().unwrap();
    let health = http2.get(server.url("/api/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.version(), reqwest::Version::HTTP_2);
    let http1 = client_trusting(&certificate).http1_only().build().unwrap();
    let health = http1.get(server.url("/api/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.version(), reqwest::Version::HTTP_11);

    // Pages render over HTTP/2 too (it has no `Host` header: the site is in `:authority`).
    let page = http2.get(server.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<html"));

    // Signing in from the site's own page: the cookie is kept to HTTPS. Over HTTP/2 the
    // same-site check reads the site's name from `:authority`.
    let signed_in = http2
        .post(server.url("/api/session"))
        .header("origin", &server.address)
        .json(&serde_json::json!({"name": "ann", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("; HttpOnly"), "{cookie}");
    let forged = http2
        .post(server.url("/api/session"))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({"name": "ann", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    // A client that does not trust the certificate is not let through.
    let untrusting = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    assert!(
        untrusting
            .get(server.url("/api/health"))
            .send()
            .await
            .is_err()
    );
    server.stop();
}

#[tokio::test]
async fn plain_http_and_silent_connections_to_the_https_port_are_closed_without_an_answer() {
    let database = FreshDatabase::new(Engine::of_this_run()).await;
    let (folder, certificate) = self_signed();
    let (cert, key) = (
        folder.path().join("cert.pem"),
        folder.path().join("key.pem"),
    );
    let server = Server::start_with(
        &database.url,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--header-timeout",
            "1s",
        ],
    );
    let socket = server.address.trim_start_matches("https://").to_owned();

    // Plain HTTP gets no HTTP answer: the bytes are not a TLS handshake.
    let mut plain = std::net::TcpStream::connect(&socket).unwrap();
    std::io::Write::write_all(&mut plain, b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(
        !String::from_utf8_lossy(&answer).contains("HTTP/1.1 200"),
        "{answer:?}"
    );

    // A connection that never starts its handshake is closed at the header deadline, not
    // kept (with its slot) for ever.
    let mut silent = std::net::TcpStream::connect(&socket).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    let read = silent.read(&mut [0; 16]);
    assert!(
        matches!(read, Ok(0)) || read.is_err() && started.elapsed() < Duration::from_secs(9),
        "{read:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(9));

    // And the server still answers those who speak TLS.
    let client = client_trusting(&certificate).build().unwrap();
    let health = client.get(server.url("/api/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    server.stop();
}

#[test]
fn lore_serve_refuses_a_key_that_is_not_the_certificates_naming_both_flags() {
    let (folder, _) = self_signed();
    let (other, _) = self_signed();
    let database = format!("sqlite:{}", folder.path().join("lore.db").display());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_lore"))
        .args(["--database-url", &database, "serve", "--no-demo"])
        .args(["--addr", "127.0.0.1:0", "--tls-cert"])
        .arg(folder.path().join("cert.pem"))
        .arg("--tls-key")
        .arg(other.path().join("key.pem"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("--tls-cert and --tls-key cannot be served together"),
        "{said}"
    );
    assert!(!said.contains("PRIVATE KEY"), "{said}");
}
