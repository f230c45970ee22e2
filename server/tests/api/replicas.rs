//! A `lore serve` process as one replica behind a load balancer: every answer names it
//! (`X-Served-By`); on SIGTERM it drains (`--drain-delay`): `/api/ready` fails at once so the
//! balancer moves traffic away, while requests are still served until the listener closes; and
//! once a save through one replica has been acknowledged, no replica answers the old version.

use crate::databases::{Engine, FreshDatabase};
use crate::processes::{Server, lore};
use std::time::{Duration, Instant};

#[tokio::test]
async fn every_answer_names_the_replica_that_served_it() {
    let database = FreshDatabase::new(Engine::of_this_run()).await;
    let named = Server::start_with(&database.url, &["--replica-name", "web-2"]);
    let client = reqwest::Client::new();
    for path in [
        "/api/health",
        "/api/documents",
        "/api/nowhere",
        "/notes/nowhere",
    ] {
        let response = client.get(named.url(path)).send().await.unwrap();
        assert_eq!(response.headers()["x-served-by"], "web-2", "{path}");
    }
    named.stop();

    // Unnamed, it is this host and its port.
    let unnamed = Server::start_with(&database.url, &[]);
    let port = unnamed.address.rsplit(':').next().unwrap().to_owned();
    let response = client.get(unnamed.url("/api/health")).send().await.unwrap();
    let served_by = response.headers()["x-served-by"].to_str().unwrap();
    assert!(served_by.ends_with(&format!(":{port}")), "{served_by}");
    unnamed.stop();
}

#[tokio::test]
async fn on_sigterm_readiness_fails_at_once_while_requests_are_still_served_then_it_stops() {
    let database = FreshDatabase::new(Engine::of_this_run()).await;
    let mut server = Server::start_with(&database.url, &["--drain-delay", "3s"]);
    let client = reqwest::Client::new();
    let address = server.address.clone();
    let status = |path: &'static str| {
        let request = client.get(format!("{address}{path}"));
        async move { request.send().await.map(|r| r.status().as_u16()) }
    };
    assert_eq!(status("/api/ready").await.unwrap(), 200);

    server.terminate();
    let signalled = Instant::now();
    // Readiness fails within moments of the signal...
    let mut ready = 200;
    while ready == 200 && signalled.elapsed() < Duration::from_secs(2) {
        ready = status("/api/ready").await.unwrap();
    }
    assert_eq!(ready, 503);
    let body: serde_json::Value = client
        .get(format!("{address}/api/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    // ...while everything else is still answered, and new connections are still taken.
    assert_eq!(status("/api/health").await.unwrap(), 200);
    assert_eq!(status("/api/documents").await.unwrap(), 200);
    assert!(
        signalled.elapsed() < Duration::from_secs(3),
        "the checks above took the whole drain delay; nothing was tested"
    );

    // After the delay the process stops by itself, successfully.
    let exited = loop {
        if let Some(exited) = server.exited() {
            break exited;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(20),
            "still running 20 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exited.success(), "{exited}");
    assert!(signalled.elapsed() >= Duration::from_secs(3));
    assert!(status("/api/health").await.is_err());
}

#[tokio::test]
async fn a_server_whose_standard_output_is_closed_keeps_serving() {
    // A supervisor that started Lore and stopped reading its output: the address and the
    // set-up link (a new base has no account) are written into a closed pipe.
    let database = FreshDatabase::new(Engine::of_this_run()).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lore"))
        .args(["--database-url", &database.url, "serve", "--no-demo"])
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let health = format!("http://127.0.0.1:{port}/api/health");
    let started = Instant::now();
    let mut answered = 0;
    while answered < 5 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "lore serve stopped when it could not print"
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never answered"
        );
        if reqwest::get(&health).await.is_ok_and(|r| r.status() == 200) {
            answered += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn once_a_save_through_one_replica_returns_every_other_replica_answers_the_new_version() {
    let database = FreshDatabase::new(Engine::of_this_run()).await;
    let url = database.url.as_str();
    lore(
        url,
        &["user", "add", "ed", "--role", "editor"],
        "a long enough password\n",
    );
    let token = lore(url, &["token", "create", "ed", "--scope", "write"], "");
    let bearer = format!("Bearer {}", token.trim());
    // Three replicas with the default settings, on one database.
    let replicas: Vec<Server> = (0..3)
        .map(|_| Server::start_logging(url, &[], "warn"))
        .collect();
    let client = reqwest::Client::new();
    let draft = |version: usize| {
        serde_json::json!({
            "id": "fresh",
            "title": "Fresh",
            "body": format!("This is version {version} of the note."),
        })
    };
    let created = client
        .post(replicas[0].url("/api/documents"))
        .header("authorization", &bearer)
        .json(&serde_json::json!({ "draft": draft(0) }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    let mut stale = Vec::new();
    for version in 1..=1000 {
        // The writer changes every round, so each replica's cache is filled, then outdated by
        // another's write.
        let writer = &replicas[version % 3];
        let saved = client
            .put(writer.url("/api/documents/fresh"))
            .header("authorization", &bearer)
            .json(&serde_json::json!({
                "id": "fresh",
                "base_revision": version,
                "draft": draft(version),
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
        let expected = format!("This is version {version} of the note.");
        for (n, reader) in replicas.iter().enumerate() {
            if std::ptr::eq(reader, writer) {
                continue;
            }
            // Anonymous readers: no credential check to lean on. The note's JSON and its page
            // are both cached.
            for path in ["/api/documents/fresh", "/notes/fresh"] {
                let body = client
                    .get(reader.url(path))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                if !body.contains(&expected) {
                    stale.push(format!(
                        "version {version}: replica {n} answered {path} stale"
                    ));
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{} stale answers: {:?}",
        stale.len(),
        &stale[..stale.len().min(5)]
    );
}
