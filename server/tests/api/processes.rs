//! Accounts across real `lore` processes: two servers on one database, with accounts and
//! tokens made by the command line as an operator would, and their logs read afterwards. Sessions
//! live in the database: what one process starts, the other knows at once; what one ends (or
//! the command line changes), the other refuses on the very next request, even though each
//! process trusts its cached notes for an hour here. No password, token or session ever reaches
//! a log line, even at `debug`.

use crate::databases::{Engine, FreshDatabase};
use app::contract::SessionInfo;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

const FIRST_PASSWORD: &str = "first long password";

/// How long each server trusts its cached reads without asking the database: far longer than
/// the test, so only the credential check, which does not wait for it, can make it pass.
const REVALIDATE: &str = "1h";
const SECOND_PASSWORD: &str = "second long password";

/// `lore` with `args` on `database`, `input` on its standard input; its standard output.
pub(crate) fn lore(database: &str, args: &[&str], input: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lore"))
        .arg("--database-url")
        .arg(database)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lore binary");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "lore {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A `lore serve` process, killed when dropped; its log is read by [`Server::stop`].
pub(crate) struct Server {
    child: Child,
    /// Where it listens, as it printed it (`http://...` or `https://...`).
    pub(crate) address: String,
    /// Its log so far. Read as it is written: a pipe nobody reads holds 64 KiB, and a server
    /// logging at `debug` (every SQL statement, the migrations' text) fills it and then waits
    /// on its next log line forever.
    log: std::thread::JoinHandle<String>,
}

impl Server {
    /// Starts `lore serve` on a free port, logging at `debug`.
    fn start(database: &str) -> Self {
        Self::start_with(database, &["--cache-revalidate", REVALIDATE])
    }

    /// Starts `lore serve` on a free port with `args` besides, logging at `debug`.
    pub(crate) fn start_with(database: &str, args: &[&str]) -> Self {
        Self::start_logging(database, args, "debug,hyper=info,hyper_util=info")
    }

    /// Starts `lore serve` on a free port with `args` besides, logging what `filter` lets
    /// through (its log is read only by [`Server::stop`], so a long test keeps it quiet).
    pub(crate) fn start_logging(database: &str, args: &[&str], filter: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lore"))
            .args(["--database-url", database, "serve", "--no-demo"])
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", filter)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the lore binary");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let mut stderr = child.stderr.take().unwrap();
        let log = std::thread::spawn(move || {
            let mut log = String::new();
            let _ = stderr.read_to_string(&mut log);
            log
        });
        let address = loop {
            line.clear();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "lore serve ended");
            if let Some(address) = line.trim().strip_prefix("Lore is listening on ") {
                break address.to_owned();
            }
        };
        Self {
            child,
            address,
            log,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends it SIGTERM, as a service manager stopping it does.
    pub(crate) fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// How it exited, if it has.
    pub(crate) fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Stops the process; everything it logged.
    pub(crate) fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The reader ends with the pipe, which the process's end closed.
        let log = std::mem::replace(&mut self.log, std::thread::spawn(String::new));
        log.join().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Signs `name` in on `server`; the session cookie, or the status.
async fn sign_in(server: &Server, name: &str, password: &str) -> Result<String, u16> {
    let response = reqwest::Client::new()
        .post(server.url("/api/session"))
        .header("origin", &server.address)
        .json(&serde_json::json!({"name": name, "password": password}))
        .send()
        .await
        .unwrap();
    if response.status() != 200 {
        return Err(response.status().as_u16());
    }
    Ok(response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned())
}

/// Who `cookie` is on `server`.
async fn who(server: &Server, cookie: &str) -> Option<String> {
    reqwest::Client::new()
        .get(server.url("/api/session"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .json::<SessionInfo>()
        .await
        .unwrap()
        .user
        .map(|u| u.name)
}

#[tokio::test]
async fn two_processes_share_sessions_tokens_and_the_sign_in_limit_and_log_no_secret() {
    let database = FreshDatabase::new(Engine::of_this_run()).await;
    let url = database.url.as_str();
    // The operator makes the account and a token; the password travels on standard input.
    let added = lore(
        url,
        &["user", "add", "ann", "--role", "editor"],
        &format!("{FIRST_PASSWORD}\n"),
    );
    assert!(added.contains("added ann (editor)"), "{added}");
    let token = lore(url, &["token", "create", "ann", "--scope", "write"], "")
        .trim()
        .to_owned();
    assert!(token.starts_with("lore_"), "{token}");
    let (a, b) = (Server::start(url), Server::start(url));

    // A session started on one process is good on the other, and ended on either.
    let cookie = sign_in(&a, "ann", FIRST_PASSWORD).await.unwrap();
    assert_eq!(who(&b, &cookie).await.as_deref(), Some("ann"));
    let out = reqwest::Client::new()
        .delete(b.url("/api/session"))
        .header("cookie", &cookie)
        .header("origin", &b.address)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert_eq!(
        who(&b, &cookie).await,
        None,
        "at once on the replica that ended it"
    );
    assert_eq!(who(&a, &cookie).await, None, "signed out on B, ended on A");

    // A new password from the command line ends the sessions on both, though both have just
    // seen the session.
    let cookie = sign_in(&b, "ann", FIRST_PASSWORD).await.unwrap();
    assert_eq!(who(&a, &cookie).await.as_deref(), Some("ann"));
    assert_eq!(who(&b, &cookie).await.as_deref(), Some("ann"));
    lore(
        url,
        &["user", "passwd", "ann"],
        &format!("{SECOND_PASSWORD}\n"),
    );
    assert_eq!(who(&a, &cookie).await, None);
    assert_eq!(who(&b, &cookie).await, None);

    // The token writes through either.
    let created = reqwest::Client::new()
        .post(b.url("/api/documents"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"draft": {"id": "from-b", "title": "From B"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    // A role taken away by the command line caps the token on both at once.
    let write = |server: &Server, id: &str| {
        reqwest::Client::new()
            .post(server.url("/api/documents"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"draft": {"id": id, "title": id}}))
            .send()
    };
    assert_eq!(write(&a, "from-a").await.unwrap().status(), 201);
    lore(url, &["user", "role", "ann", "reader"], "");
    assert_eq!(write(&a, "refused-a").await.unwrap().status(), 403);
    assert_eq!(write(&b, "refused-b").await.unwrap().status(), 403);

    // Guesses spread over the two count together.
    for n in 0..10 {
        let server = if n % 2 == 0 { &a } else { &b };
        assert_eq!(sign_in(server, "ann", "a wrong guess").await, Err(401));
    }
    assert_eq!(sign_in(&a, "ann", SECOND_PASSWORD).await, Err(429));
    assert_eq!(sign_in(&b, "ann", SECOND_PASSWORD).await, Err(429));

    for log in [a.stop(), b.stop()] {
        assert!(log.contains("/api/session"), "the requests were logged");
        for secret in [
            FIRST_PASSWORD,
            SECOND_PASSWORD,
            "a wrong guess",
            &token,
            &cookie,
        ] {
            assert!(!log.contains(secret), "the log holds {secret:?}");
        }
        let session = cookie.trim_start_matches("lore_session=");
        assert!(!log.contains(session), "the log holds the session");
    }
}
