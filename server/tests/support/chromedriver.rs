//! A chromedriver process driving Debian's headless Chromium, for the end-to-end tests
//! (`tests/browser.rs`) and the first-paint benchmark (`benches/first_paint.rs`).

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A chromedriver process on a free loopback port, killed when dropped, with a fresh browser
/// profile folder.
pub struct Chromedriver {
    process: Child,
    url: String,
    profile: tempfile::TempDir,
}

impl Chromedriver {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = Command::new(std::env::var("CHROMEDRIVER").unwrap_or("chromedriver".into()))
            .arg(format!("--port={port}"))
            // Its own process group, so Drop can take the browsers it starts down with it even
            // when a failed assertion skipped closing the session.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver on PATH (installed by `cargo xtask setup --browser`)");
        // Ready means its /status says so: an open port alone can still reset the first request.
        let status = format!("http://127.0.0.1:{port}/status");
        for _ in 0..500 {
            let ready = match reqwest::get(&status).await {
                Ok(response) => response
                    .json::<serde_json::Value>()
                    .await
                    .is_ok_and(|body| body["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Self {
            process,
            url: format!("http://127.0.0.1:{port}"),
            profile: tempfile::tempdir().unwrap(),
        }
    }

    /// A fresh headless browser session that records the console.
    pub async fn browser(&self) -> Client {
        self.session(true).await
    }

    /// Slows `browser`'s network to `network` from now on (chromedriver's network conditions,
    /// which it keeps for the session's later navigations).
    #[allow(dead_code)] // only the benchmark throttles
    pub async fn emulate_network(&self, browser: &Client, network: &Network) {
        let session = browser
            .session_id()
            .await
            .expect("the session's id")
            .expect("an open session");
        let response = reqwest::Client::new()
            .post(format!(
                "{}/session/{session}/chromium/network_conditions",
                self.url
            ))
            .json(&json!({
                "network_conditions": {
                    "offline": false,
                    "latency": network.latency.as_millis() as u64,
                    "download_throughput": network.download_bytes_per_second,
                    "upload_throughput": network.upload_bytes_per_second,
                }
            }))
            .send()
            .await
            .expect("chromedriver answers");
        assert!(
            response.status().is_success(),
            "chromedriver refused the network conditions: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// A session with JavaScript switched off, as some readers and every link preview have.
    #[allow(dead_code)] // the benchmark reads with JavaScript only
    pub async fn browser_without_javascript(&self) -> Client {
        self.session(false).await
    }

    async fn session(&self, javascript: bool) -> Client {
        let mut capabilities = Capabilities::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1200,800",
                    format!("--user-data-dir={}", self.profile.path().display()),
                ],
                "prefs": {
                    "profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 }
                }
            }),
        );
        capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a chromedriver session")
    }
}

/// Network conditions for a browser to emulate.
#[allow(dead_code)] // only the benchmark throttles
pub struct Network {
    /// Added to every round trip.
    pub latency: Duration,
    pub download_bytes_per_second: u64,
    pub upload_bytes_per_second: u64,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let group = format!("-{}", self.process.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
