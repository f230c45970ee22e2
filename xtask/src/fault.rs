//! `cargo xtask fault`: the N-tier deployment under a bounded mixed load while its parts fail.
//!
//! PostgreSQL of its own, three replicas and nginx ([`crate::cluster`]). Writers (each a
//! signed-in user with a session cookie, saving notes of their own), readers (notes, pages,
//! searches) and one import run through nginx the whole time, while, one phase after another,
//! replica 1 gets SIGTERM (it drains: nobody may see a failure), replica 2 gets SIGKILL in the
//! middle of an import sent to it directly, and the database is stopped for a few seconds and
//! started again. Then both replicas come back and the load goes on.
//!
//! It reports, per phase, the requests sent and failed, and then checks what a user is owed:
//! every acknowledged save is in the database with its content (none lost), the sessions made at
//! the start work on every replica, and the killed replica's import is whole or absent. It fails
//! on a lost save, a failed request while every replica is up, through the SIGTERM or after
//! recovery, a session refused, or half an import.

use crate::cluster::{self, Cluster, Settings};
use crate::http::{self, Answer, Request};
use crate::{Result, cargo, step, workspace_root};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Phases, in order.
const PHASES: [&str; 5] = [
    "all replicas up",
    "replica-1 gets SIGTERM and drains",
    "replica-2 gets SIGKILL mid-import",
    "the database stops for 3 s and restarts",
    "both replicas back, after recovery",
];

/// Which phases must not fail a single request.
const MUST_NOT_FAIL: [bool; 5] = [true, true, false, false, true];

const WRITERS: usize = 4;
const READERS: usize = 4;
/// Notes each writer owns and saves in turn.
const NOTES_PER_WRITER: usize = 5;
/// Notes in the import sent to the replica that is killed: enough (9 MB) that its transaction
/// lasts a while.
const KILLED_IMPORT_NOTES: usize = 6000;
const PASSWORD: &str = "correct horse battery staple";

/// Counts per phase.
#[derive(Default)]
struct Tally {
    sent: [usize; 5],
    failed: [usize; 5],
    /// The slowest failed request per phase, in ms (how fast a failure is reported).
    slowest_failure_ms: [u128; 5],
    /// The first few failures per phase, to show.
    examples: Vec<String>,
}

/// What the load shares.
struct Load {
    balancer: SocketAddr,
    phase: AtomicUsize,
    stop: AtomicBool,
    tally: Mutex<Tally>,
    /// Every acknowledged save: note id, revision, the marker its body carried.
    acknowledged: Mutex<Vec<(String, u64, String)>>,
}

impl Load {
    /// Sends one request through nginx and counts it in the phase it ended in (a request cut by
    /// a fault ends after the fault, even when it started before).
    fn send(&self, request: &Request) -> Option<Answer> {
        let started = Instant::now();
        let result = http::send(self.balancer, request, Duration::from_secs(30));
        let phase = self.phase.load(Ordering::Relaxed);
        let mut tally = self.tally.lock().unwrap_or_else(|e| e.into_inner());
        tally.sent[phase] += 1;
        match result {
            Ok(answer) if answer.status < 400 => Some(answer),
            outcome => {
                tally.failed[phase] += 1;
                let ms = started.elapsed().as_millis();
                tally.slowest_failure_ms[phase] = tally.slowest_failure_ms[phase].max(ms);
                if tally.examples.len() < 12 {
                    let what = match outcome {
                        Ok(answer) => format!(
                            "{} {}",
                            answer.status,
                            answer.body.chars().take(120).collect::<String>()
                        ),
                        Err(e) => e,
                    };
                    tally.examples.push(format!(
                        "[{}] {} {}: {what} after {ms} ms",
                        PHASES[phase], request.method, request.path
                    ));
                }
                None
            }
        }
    }
}

/// `cargo xtask fault [--namespaces]`: builds `lore` (debug: the test is about correctness, not
/// speed), runs the scenario (each tier in its own network namespace if asked) and prints the
/// report.
pub fn run(namespaces: bool) -> Result {
    crate::tools::debian_packages(&[("nginx", "nginx")])?;
    step(
        "fault test: building lore",
        cargo().args(["build", "--package", "server", "--bin", "lore"]),
    )?;
    println!("\nxtask: fault test: PostgreSQL of its own, three replicas, nginx, and failures");
    let started = Instant::now();
    let mut cluster = Cluster::start(Settings {
        lore: workspace_root().join("target/debug/lore"),
        dist: None,
        replicas: 3,
        port: if namespaces {
            80
        } else {
            crate::bench::free_port()?
        },
        demo: false,
        pinned: false,
        namespaces,
    })?;
    let balancer = cluster.balancer;
    println!(
        "xtask fault: PostgreSQL on 127.0.0.1:{}, replicas {}, nginx on {balancer}",
        cluster.postgres.port,
        cluster
            .replicas
            .iter()
            .map(|r| r.addr.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let outcome = scenario(&mut cluster, balancer);
    println!("xtask: fault test: done in {:.1?}", started.elapsed());
    if outcome.is_err() {
        // Keep the logs of a failed run where the message says.
        println!("xtask fault: logs in {}", cluster.state.display());
        cluster.keep_state = true;
    }
    outcome
}

fn scenario(cluster: &mut Cluster, balancer: SocketAddr) -> Result {
    let database = cluster.database_url();
    let lore = cluster.settings.lore.clone();
    let mut cookies = Vec::new();
    for writer in 1..=WRITERS {
        let name = format!("writer-{writer}");
        add_user(&lore, &database, &name)?;
        cookies.push(sign_in(balancer, &name)?);
    }
    let load = Arc::new(Load {
        balancer,
        phase: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        tally: Mutex::default(),
        acknowledged: Mutex::default(),
    });
    // Every writer's notes exist before the clock starts, so readers have something to read.
    let mut notes = Vec::new();
    for (writer, cookie) in cookies.iter().enumerate() {
        for n in 0..NOTES_PER_WRITER {
            let id = format!("w{}-n{n}", writer + 1);
            create_note(balancer, cookie, &id)?;
            notes.push(id);
        }
    }
    let mut threads = Vec::new();
    for (writer, cookie) in cookies.iter().enumerate() {
        let load = load.clone();
        let cookie = cookie.clone();
        threads.push(std::thread::spawn(move || {
            write_loop(&load, writer + 1, &cookie)
        }));
    }
    for reader in 0..READERS {
        let load = load.clone();
        let notes = notes.clone();
        threads.push(std::thread::spawn(move || read_loop(&load, reader, &notes)));
    }
    let importer = {
        let load = load.clone();
        let cookie = cookies[0].clone();
        std::thread::spawn(move || {
            let (boundary, body) = upload("imported", 200);
            let headers = upload_headers(&cookie, balancer, &boundary);
            load.send(&Request {
                method: "POST",
                path: "/api/import",
                headers: &headers,
                body: Some(&body),
            })
        })
    };

    let mut killed_import = None;
    let phases = (|| -> Result {
        std::thread::sleep(Duration::from_secs(5));

        enter(&load, 1);
        let pid = cluster.replicas[0]
            .pid()
            .ok_or("replica-1 is not running")?;
        cluster::signal(pid, "TERM");
        cluster.replicas[0].wait_stopped(Duration::from_secs(30))?;
        std::thread::sleep(Duration::from_secs(1));

        enter(&load, 2);
        let target = cluster.replicas[1].addr;
        let cookie = cookies[1].clone();
        let import = std::thread::spawn(move || {
            let (boundary, body) = upload("killed", KILLED_IMPORT_NOTES);
            let headers = upload_headers(&cookie, target, &boundary);
            http::send(
                target,
                &Request {
                    method: "POST",
                    path: "/api/import",
                    headers: &headers,
                    body: Some(&body),
                },
                Duration::from_secs(120),
            )
        });
        let in_transaction = cluster
            .postgres
            .wait_for_long_transaction(Duration::from_secs(30));
        let pid = cluster.replicas[1]
            .pid()
            .ok_or("replica-2 is not running")?;
        cluster::signal(pid, "KILL");
        match in_transaction {
            Ok(()) => println!("xtask fault: replica-2 killed inside the import's transaction"),
            Err(e) => println!("xtask fault: replica-2 killed, but not inside a transaction: {e}"),
        }
        cluster.replicas[1].wait_stopped(Duration::from_secs(10))?;
        killed_import = Some(import.join().map_err(|_| "the import thread panicked")?);
        std::thread::sleep(Duration::from_secs(2));

        enter(&load, 3);
        let down = Instant::now();
        cluster.postgres.stop();
        std::thread::sleep(Duration::from_secs(3));
        cluster.postgres.start_server()?;
        let recovered = wait_all_ready(cluster, Duration::from_secs(60))?;
        println!(
            "xtask fault: database back after {:.1?}; the replicas were ready again {:.1?} after it stopped",
            Duration::from_secs(3),
            recovered.duration_since(down)
        );

        cluster.restart_replica(1)?;
        cluster.restart_replica(2)?;
        wait_in_rotation(cluster, 3, Duration::from_secs(10))?;
        enter(&load, 4);
        std::thread::sleep(Duration::from_secs(5));
        Ok(())
    })();
    load.stop.store(true, Ordering::Relaxed);
    for thread in threads {
        let _ = thread.join();
    }
    let imported = importer.join().map_err(|_| "the import thread panicked")?;
    phases?;

    let report = report(&load);
    println!("{report}");
    let mut problems = Vec::new();
    let tally = load.tally.lock().unwrap_or_else(|e| e.into_inner());
    for (phase, must) in MUST_NOT_FAIL.iter().enumerate() {
        if *must && tally.failed[phase] > 0 {
            problems.push(format!(
                "{} request(s) failed while {}",
                tally.failed[phase], PHASES[phase]
            ));
        }
    }
    if imported.is_none() {
        problems.push("the import through nginx failed".into());
    }
    problems.extend(lost_saves(cluster, &load)?);
    problems.extend(sessions_everywhere(cluster, &cookies));
    let found = count_tagged(cluster.replicas[2].addr, "killed")?;
    let answered = match &killed_import {
        Some(Ok(answer)) => format!("answered {}", answer.status),
        Some(Err(_)) | None => "got no answer".into(),
    };
    println!(
        "xtask fault: the import sent to replica-2 as it was killed {answered}; {found} of its {KILLED_IMPORT_NOTES} notes are in the base"
    );
    if found != 0 && found != KILLED_IMPORT_NOTES {
        problems.push(format!(
            "the killed replica's import is partial: {found} of {KILLED_IMPORT_NOTES} notes"
        ));
    }
    if problems.is_empty() {
        println!(
            "xtask fault: no acknowledged save lost, no request failed where none may, sessions valid on every replica, the import whole or absent"
        );
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn enter(load: &Load, phase: usize) {
    println!("xtask fault: {}", PHASES[phase]);
    load.phase.store(phase, Ordering::Relaxed);
}

/// Waits until every replica's `/api/ready` answers 200; returns when.
fn wait_all_ready(cluster: &Cluster, within: Duration) -> Result<Instant> {
    let all_ready = || {
        cluster
            .replicas
            .iter()
            .filter(|r| r.pid().is_some())
            .all(|r| cluster::is_ready(r.addr))
    };
    if crate::wait_until(within, Duration::from_millis(50), all_ready) {
        Ok(Instant::now())
    } else {
        Err(format!(
            "the replicas were not ready within {within:?} of the database's return"
        ))
    }
}

/// Waits until nginx's list holds `count` replicas.
fn wait_in_rotation(cluster: &Cluster, count: usize, within: Duration) -> Result {
    if crate::wait_until(within, Duration::from_millis(50), || {
        cluster.in_rotation().len() == count
    }) {
        Ok(())
    } else {
        Err(format!(
            "nginx did not route to {count} replicas within {within:?}"
        ))
    }
}

/// One writer: saves its notes in turn, each save with a new marker in the body, and records
/// what was acknowledged. After a failed save (whose outcome it cannot know) it reads the
/// note's revision again before the next.
fn write_loop(load: &Load, writer: usize, cookie: &str) {
    let headers = [format!("Cookie: {cookie}"), origin(load.balancer)];
    let mut revisions = [None; NOTES_PER_WRITER];
    let mut round = 0usize;
    while !load.stop.load(Ordering::Relaxed) {
        let n = round % NOTES_PER_WRITER;
        round += 1;
        let id = format!("w{writer}-n{n}");
        let base = match revisions[n] {
            Some(revision) => revision,
            None => {
                let path = format!("/api/documents/{id}/edit");
                let Some(answer) = load.send(&Request {
                    method: "GET",
                    path: &path,
                    headers: &headers,
                    body: None,
                }) else {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                };
                match number_after(&answer.body, "\"revision\":") {
                    Some(revision) => revision,
                    None => continue,
                }
            }
        };
        let marker = format!("marker-{writer}-{round}");
        let body = format!(
            r#"{{"id":"{id}","base_revision":{base},"draft":{},"summary":"{marker}"}}"#,
            draft(&id, &marker)
        );
        let path = format!("/api/documents/{id}");
        let saved = load.send(&Request {
            method: "PUT",
            path: &path,
            headers: &headers,
            body: Some(&body),
        });
        revisions[n] = saved
            .as_ref()
            .and_then(|answer| number_after(&answer.body, "\"revision\":"));
        if let Some(revision) = revisions[n] {
            load.acknowledged
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((id, revision, marker));
        } else {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// One reader: a note's JSON, its Markdown file, a search, in turn.
fn read_loop(load: &Load, reader: usize, notes: &[String]) {
    let mut round = reader;
    while !load.stop.load(Ordering::Relaxed) {
        let id = &notes[round % notes.len()];
        let path = match round % 3 {
            0 => format!("/api/documents/{id}"),
            1 => format!("/api/documents/{id}/raw"),
            _ => "/api/search?q=replica".to_owned(),
        };
        if load.send(&Request::get(&path)).is_none() {
            std::thread::sleep(Duration::from_millis(50));
        }
        round += 1;
    }
}

fn draft(id: &str, marker: &str) -> String {
    format!(
        r#"{{"id":"{id}","title":"Note {id}","description":"Saved under load","tags":["fault"],"body":"A replica serves this note.\n\n{marker}\n"}}"#
    )
}

fn create_note(balancer: SocketAddr, cookie: &str, id: &str) -> Result {
    let body = format!(r#"{{"draft":{},"summary":"first"}}"#, draft(id, "marker-0"));
    let answer = http::send(
        balancer,
        &Request {
            method: "POST",
            path: "/api/documents",
            headers: &[format!("Cookie: {cookie}"), origin(balancer)],
            body: Some(&body),
        },
        Duration::from_secs(30),
    )?;
    if answer.status == 201 || answer.status == 200 {
        Ok(())
    } else {
        Err(format!(
            "creating {id} answered {}: {}",
            answer.status, answer.body
        ))
    }
}

fn origin(addr: SocketAddr) -> String {
    format!("Origin: http://{addr}")
}

/// `lore user add NAME --role editor`, the password on standard input.
fn add_user(lore: &std::path::Path, database: &str, name: &str) -> Result {
    use std::io::Write;
    let mut child = std::process::Command::new(lore)
        .args([
            "--database-url",
            database,
            "user",
            "add",
            name,
            "--role",
            "editor",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run lore user add: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = writeln!(stdin, "{PASSWORD}");
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("lore user add {name} failed ({status})"))
    }
}

/// Signs in through `addr`; returns the `lore_session=...` cookie.
fn sign_in(addr: SocketAddr, name: &str) -> Result<String> {
    let body = format!(r#"{{"name":"{name}","password":"{PASSWORD}"}}"#);
    let answer = http::send(
        addr,
        &Request {
            method: "POST",
            path: "/api/session",
            headers: &[origin(addr)],
            body: Some(&body),
        },
        Duration::from_secs(30),
    )?;
    answer
        .header("set-cookie")
        .and_then(|cookie| cookie.split(';').next())
        .filter(|_| answer.status == 200)
        .map(str::to_owned)
        .ok_or_else(|| {
            format!(
                "signing in {name} answered {}: {}",
                answer.status, answer.body
            )
        })
}

const PARAGRAPH: &str = "A replica serves this note through nginx; the database keeps it. Each save bumps a revision, and every replica checks it before answering from its cache.\n\n";

/// A multipart upload of `count` notes with ids `PREFIX-N`; returns its boundary and body.
fn upload(prefix: &str, count: usize) -> (String, String) {
    let boundary = format!("lore-fault-{prefix}-boundary");
    let mut body = String::new();
    for n in 0..count {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{prefix}/{n}.md\"\r\nContent-Type: text/markdown\r\n\r\n---\nid: {prefix}-{n}\ntitle: Imported {n}\ntags: [{prefix}]\nrelated: [{prefix}-{}]\n---\nAn imported note about replicas, number {n}.\n\n{}\r\n",
            (n + 1) % count,
            PARAGRAPH.repeat(8)
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (boundary, body)
}

fn upload_headers(cookie: &str, addr: SocketAddr, boundary: &str) -> Vec<String> {
    vec![
        format!("Cookie: {cookie}"),
        origin(addr),
        format!("Content-Type: multipart/form-data; boundary={boundary}"),
    ]
}

/// The number after the first `key` in `json`.
fn number_after(json: &str, key: &str) -> Option<u64> {
    let rest = &json[json.find(key)? + key.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Every acknowledged save, looked up in the note's history through a replica: its revision
/// must hold its marker.
fn lost_saves(cluster: &Cluster, load: &Load) -> Result<Vec<String>> {
    let addr = cluster.replicas[2].addr;
    let acknowledged = load.acknowledged.lock().unwrap_or_else(|e| e.into_inner());
    let mut lost = Vec::new();
    for (id, revision, marker) in acknowledged.iter() {
        let answer = http::get_ok(addr, &format!("/api/documents/{id}/revisions/{revision}"))?;
        if !answer.body.contains(marker.as_str()) {
            lost.push(format!("{id} revision {revision} does not hold {marker}"));
        }
    }
    println!(
        "xtask fault: {} acknowledged saves, {} of them found in the notes' histories",
        acknowledged.len(),
        acknowledged.len() - lost.len()
    );
    Ok(lost)
}

/// Every writer's session, asked of every replica directly.
fn sessions_everywhere(cluster: &Cluster, cookies: &[String]) -> Vec<String> {
    let mut refused = Vec::new();
    for replica in &cluster.replicas {
        for (n, cookie) in cookies.iter().enumerate() {
            let name = format!("writer-{}", n + 1);
            let answer = http::send(
                replica.addr,
                &Request {
                    method: "GET",
                    path: "/api/session",
                    headers: &[format!("Cookie: {cookie}")],
                    body: None,
                },
                Duration::from_secs(30),
            );
            let known = answer.is_ok_and(|a| a.body.contains(&format!("\"name\":\"{name}\"")));
            if !known {
                refused.push(format!(
                    "{}: {name}'s session is not signed in",
                    replica.name
                ));
            }
        }
    }
    println!(
        "xtask fault: {} sessions checked on {} replicas, {} refused",
        cookies.len(),
        cluster.replicas.len(),
        refused.len()
    );
    refused
}

/// How many notes tagged `tag` the base holds.
fn count_tagged(addr: SocketAddr, tag: &str) -> Result<usize> {
    let answer = http::get_ok(addr, &format!("/api/documents?tag={tag}&limit=1"))?;
    number_after(&answer.body, "\"total\":")
        .map(|total| total as usize)
        .ok_or_else(|| format!("no total in {}", answer.body))
}

fn report(load: &Load) -> String {
    let tally = load.tally.lock().unwrap_or_else(|e| e.into_inner());
    let mut text =
        String::from("\n| phase | requests | failed | slowest failure |\n|---|---|---|---|\n");
    for (phase, name) in PHASES.iter().enumerate() {
        let slowest = if tally.failed[phase] == 0 {
            "".to_owned()
        } else {
            format!("{} ms", tally.slowest_failure_ms[phase])
        };
        text.push_str(&format!(
            "| {name} | {} | {} | {slowest} |\n",
            tally.sent[phase], tally.failed[phase]
        ));
    }
    for example in &tally.examples {
        text.push_str(&format!("  {example}\n"));
    }
    text
}
