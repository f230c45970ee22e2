//! `cargo xtask cluster`: the N-tier deployment on one machine. A PostgreSQL cluster of its own
//! on a loopback port (Debian's `initdb` and `postgres`; the machine's shared server on 5432 is
//! never touched), N `lore serve` replicas on it, and nginx in front (`deploy/nginx.conf`), with a
//! health checker that keeps nginx's list of replicas to those whose `/api/ready` answers 200.
//! Everything is a child process of this one, stopped by PID.
//!
//! The same pieces serve the fault test ([`crate::fault`]) and the balancer's benchmark: they
//! start a [`Cluster`], then signal its processes one by one.

use crate::http;
use crate::{Result, cargo, step, wait_until, workspace_root};
use std::fs;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the health checker asks every replica's `/api/ready`. A replica's `--drain-delay`
/// must be longer than this plus an nginx reload, or requests reach it after it stopped
/// listening.
const CHECK_EVERY: Duration = Duration::from_millis(200);

/// What a replica's `--drain-delay` is in the cluster: several check intervals.
pub const DRAIN_DELAY: &str = "2s";

/// What to start.
pub struct Settings {
    /// The `lore` binary the replicas run.
    pub lore: PathBuf,
    /// The built browser client, if pages should hydrate.
    pub dist: Option<PathBuf>,
    pub replicas: usize,
    /// The port nginx listens on.
    pub port: u16,
    /// Whether an empty base gets the demo notes.
    pub demo: bool,
    /// Whether replica N runs on core N-1 alone (`taskset`), for measuring how replicas scale.
    pub pinned: bool,
    /// Whether the database, the replicas and nginx each get a network namespace of their own
    /// (see [`Network`]); otherwise all listen on loopback.
    pub namespaces: bool,
}

/// The running deployment. Dropping it stops every process and removes its state folder.
pub struct Cluster {
    pub state: PathBuf,
    /// Where nginx listens: where users connect.
    pub balancer: SocketAddr,
    pub postgres: OwnPostgres,
    pub replicas: Vec<Replica>,
    pub nginx: Nginx,
    pub settings: Settings,
    /// Whether dropping it leaves the state folder (logs, data) in place, as after a failure.
    pub keep_state: bool,
    checker: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
    /// Replicas (0-based) nginx may use whatever their health, when a measurement says so.
    only: Arc<Mutex<Option<Vec<usize>>>>,
    /// Dropped after the processes in it have stopped (fields drop after `Drop::drop`).
    network: Option<Network>,
}

impl Cluster {
    /// Starts the database, then the first replica alone (it creates the tables and, if asked,
    /// the demo notes), then the others, then nginx and its health checker; returns when nginx
    /// answers.
    pub fn start(settings: Settings) -> Result<Cluster> {
        let state = std::env::temp_dir().join(format!("lore-cluster-{}", std::process::id()));
        let _ = fs::remove_dir_all(&state);
        fs::create_dir_all(&state).map_err(|e| format!("cannot make {}: {e}", state.display()))?;
        let network = if settings.namespaces {
            Some(Network::create()?)
        } else {
            None
        };
        let net = network.as_ref();
        let postgres = OwnPostgres::start(&state, net)?;
        let mut replicas = Vec::new();
        for number in 1..=settings.replicas {
            let addr = match net {
                // A namespace of their own: every port is free.
                Some(network) => {
                    SocketAddr::new(network.address(Tier::Replicas), 3000 + number as u16)
                }
                None => SocketAddr::from(([127, 0, 0, 1], crate::bench::free_port()?)),
            };
            let replica =
                Replica::start(&settings, &postgres.url("lore"), number, addr, &state, net)?;
            if number == 1 {
                replica.wait_ready(Duration::from_secs(120))?;
            }
            replicas.push(replica);
        }
        for replica in &replicas {
            replica.wait_ready(Duration::from_secs(60))?;
        }
        let balancer = SocketAddr::new(address(net, Tier::Balancer), settings.port);
        let nginx = Nginx::start(&state, balancer, &replicas, net)?;
        let mut cluster = Cluster {
            state,
            balancer,
            postgres,
            replicas,
            nginx,
            settings,
            keep_state: std::env::var_os("LORE_CLUSTER_KEEP").is_some(),
            checker: None,
            only: Arc::default(),
            network,
        };
        cluster.checker = Some(HealthChecker::spawn(&cluster));
        Ok(cluster)
    }

    /// The database URL the replicas use (for `lore user add` and the like).
    pub fn database_url(&self) -> String {
        self.postgres.url("lore")
    }

    /// Starts replica `number` (1-based) again on its port, after it stopped or was killed.
    pub fn restart_replica(&mut self, number: usize) -> Result {
        let url = self.database_url();
        let replica = &mut self.replicas[number - 1];
        replica.wait_stopped(Duration::from_secs(30))?;
        *replica = Replica::start(
            &self.settings,
            &url,
            number,
            replica.addr,
            &self.state,
            self.network.as_ref(),
        )?;
        replica.wait_ready(Duration::from_secs(60))
    }

    /// Keeps nginx to these replicas (0-based), healthy ones among them, until called with
    /// `None`; returns once nginx's list says so.
    pub fn route_only(&self, replicas: Option<Vec<usize>>) -> Result {
        let wanted: Vec<String> = self
            .replicas
            .iter()
            .enumerate()
            .filter(|(n, _)| replicas.as_ref().is_none_or(|only| only.contains(n)))
            .map(|(_, r)| r.addr.to_string())
            .collect();
        *self.only.lock().unwrap_or_else(|e| e.into_inner()) = replicas;
        if !wait_until(Duration::from_secs(10), Duration::from_millis(50), || {
            self.in_rotation() == wanted
        }) {
            return Err(format!("nginx's list never became {wanted:?}"));
        }
        // nginx reloads after the list is written; give its new workers a moment.
        std::thread::sleep(Duration::from_millis(500));
        Ok(())
    }

    /// The replicas nginx sends requests to now.
    pub fn in_rotation(&self) -> Vec<String> {
        read_upstreams(&self.state)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some((stop, checker)) = self.checker.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = checker.join();
        }
        self.nginx.stop();
        // All drain at once, not one after another.
        for replica in &self.replicas {
            if let Some(pid) = replica.pid() {
                signal(pid, "TERM");
            }
        }
        for replica in &mut self.replicas {
            replica.wait_or_kill();
        }
        self.postgres.stop();
        if !self.keep_state {
            let _ = fs::remove_dir_all(&self.state);
        }
    }
}

/// A PostgreSQL cluster of our own: `initdb` into the state folder, `postgres` as a child
/// process on a free loopback port, TCP only. Run as the `postgres` user when we are root
/// (PostgreSQL refuses to run as root), as ourselves otherwise.
pub struct OwnPostgres {
    bin: PathBuf,
    /// Where it listens: loopback, or its namespace's address.
    pub host: IpAddr,
    /// Its network namespace, if it has one.
    namespace: Option<String>,
    data: PathBuf,
    log: PathBuf,
    pub port: u16,
    child: Option<Child>,
}

impl OwnPostgres {
    fn start(state: &Path, net: Option<&Network>) -> Result<OwnPostgres> {
        let bin = postgres_bin()?;
        let data = state.join("postgres");
        fs::create_dir_all(&data).map_err(|e| format!("cannot make {}: {e}", data.display()))?;
        if let Some((uid, gid)) = postgres_user()? {
            std::os::unix::fs::chown(&data, Some(uid), Some(gid))
                .map_err(|e| format!("cannot give {} to postgres: {e}", data.display()))?;
        }
        let log = state.join("postgres.log");
        let initdb = as_postgres(Command::new(bin.join("initdb")), state)?
            .arg("--pgdata")
            .arg(&data)
            .args(["--username", "postgres", "--auth", "trust"])
            .args(["--encoding", "UTF8", "--no-sync"])
            .output()
            .map_err(|e| format!("cannot run initdb: {e}"))?;
        if !initdb.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&initdb.stderr)
            ));
        }
        if let Some(network) = net {
            // initdb trusts loopback only; the replicas and the tools come over the bridge.
            let hba = data.join("pg_hba.conf");
            let subnet = network.subnet_cidr();
            let mut rules = fs::read_to_string(&hba).map_err(|e| e.to_string())?;
            rules.push_str(&format!("host all all {subnet} trust\n"));
            fs::write(&hba, rules).map_err(|e| format!("cannot write {}: {e}", hba.display()))?;
        }
        let mut postgres = OwnPostgres {
            bin,
            host: address(net, Tier::Database),
            namespace: net.map(|network| network.namespace(Tier::Database)),
            data,
            log,
            port: match net {
                Some(_) => 5432,
                None => crate::bench::free_port()?,
            },
            child: None,
        };
        postgres.start_server()?;
        let created = Command::new(postgres.bin.join("createdb"))
            .args(["--username", "postgres", "--host"])
            .arg(postgres.host.to_string())
            .arg("--port")
            .arg(postgres.port.to_string())
            .arg("lore")
            .output()
            .map_err(|e| format!("cannot run createdb: {e}"))?;
        if !created.status.success() {
            return Err(format!(
                "createdb failed: {}",
                String::from_utf8_lossy(&created.stderr)
            ));
        }
        Ok(postgres)
    }

    /// `postgres://` URL of `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@{}:{}/{database}", self.host, self.port)
    }

    /// Starts the server (again, after [`OwnPostgres::stop`]) and waits until it accepts
    /// connections.
    pub fn start_server(&mut self) -> Result {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| format!("cannot open {}: {e}", self.log.display()))?;
        let state = self.data.parent().unwrap_or(&self.data).to_owned();
        let program = self.bin.join("postgres");
        let mut command = match &self.namespace {
            None => as_postgres(Command::new(program), &state)?,
            Some(namespace) => {
                // `ip netns exec` must run as root; setpriv then becomes postgres.
                let setpriv = ["setpriv", "--reuid=postgres", "--regid=postgres"]
                    .into_iter()
                    .chain(["--clear-groups", "--"])
                    .map(String::from)
                    .collect::<Vec<_>>();
                let mut command = launch(Some(namespace), &setpriv, &program);
                command.current_dir(&state);
                command
            }
        };
        let child = command
            .arg("-D")
            .arg(&self.data)
            .args(["-p", &self.port.to_string()])
            .arg("-c")
            .arg(format!("listen_addresses={}", self.host))
            .args(["-c", "unix_socket_directories="])
            .args(["-c", "max_connections=200"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start postgres: {e}"))?;
        self.child = Some(child);
        let accepting = wait_until(Duration::from_secs(60), Duration::from_millis(100), || {
            Command::new(self.bin.join("pg_isready"))
                .args(["--quiet", "--host"])
                .arg(self.host.to_string())
                .arg("--port")
                .arg(self.port.to_string())
                .status()
                .is_ok_and(|s| s.success())
        });
        if accepting {
            Ok(())
        } else {
            Err(format!(
                "PostgreSQL did not accept connections within a minute; see {}",
                self.log.display()
            ))
        }
    }

    /// Waits until some client's transaction has been open for 100 ms (the load's own last a few
    /// ms: this is an import writing).
    pub fn wait_for_long_transaction(&self, within: Duration) -> Result {
        let mut failure = None;
        let seen = wait_until(within, Duration::from_millis(20), || {
            let out = Command::new(self.bin.join("psql"))
                .arg(self.url("postgres"))
                .args(["-At", "-c"])
                .arg("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND xact_start < now() - interval '100 milliseconds'")
                .output();
            match out {
                Ok(out) => {
                    let open: u32 = String::from_utf8_lossy(&out.stdout)
                        .trim()
                        .parse()
                        .unwrap_or(0);
                    open > 0
                }
                Err(e) => {
                    failure = Some(format!("cannot run psql: {e}"));
                    false
                }
            }
        });
        match (seen, failure) {
            (true, _) => Ok(()),
            (false, Some(failure)) => Err(failure),
            (false, None) => Err(format!("no transaction lasted 100 ms within {within:?}")),
        }
    }

    /// Fast shutdown (SIGINT: connections are cut, what was committed stays), waiting for the
    /// server to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "INT");
            let _ = child.wait();
        }
    }
}

/// A server left running by a failed start-up is stopped too.
impl Drop for OwnPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where Debian keeps the PostgreSQL server's binaries: the newest
/// `/usr/lib/postgresql/VERSION/bin`, or `LORE_POSTGRES_BIN`.
fn postgres_bin() -> Result<PathBuf> {
    if let Some(bin) = std::env::var_os("LORE_POSTGRES_BIN") {
        return Ok(bin.into());
    }
    let mut versions: Vec<u32> = fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("no PostgreSQL server binaries in /usr/lib/postgresql ({e}); install Debian's postgresql package or set LORE_POSTGRES_BIN"))?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    versions.sort_unstable();
    let version = versions
        .last()
        .ok_or("no PostgreSQL version under /usr/lib/postgresql")?;
    Ok(PathBuf::from(format!("/usr/lib/postgresql/{version}/bin")))
}

/// The `postgres` user's uid and gid when we are root (and must hand the server to it), `None`
/// when we are not root (and run it as ourselves).
fn postgres_user() -> Result<Option<(u32, u32)>> {
    let id = |args: &[&str]| -> Result<u32> {
        let out = Command::new("id")
            .args(args)
            .output()
            .map_err(|e| format!("cannot run id: {e}"))?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|_| format!("id {} answered nothing usable", args.join(" ")))
    };
    if id(&["-u"])? != 0 {
        return Ok(None);
    }
    Ok(Some((id(&["-u", "postgres"])?, id(&["-g", "postgres"])?)))
}

/// `command`, set to run as the `postgres` user if we are root, from a folder it may enter.
fn as_postgres(mut command: Command, folder: &Path) -> Result<Command> {
    if let Some((uid, gid)) = postgres_user()? {
        command.uid(uid).gid(gid);
    }
    command.current_dir(folder);
    Ok(command)
}

/// A command running `program` in network namespace `namespace` (if any), behind `wrappers`
/// (`taskset ...`, `setpriv ...`). `ip netns exec` and each wrapper exec the next, so the process
/// id stays the program's, ours to signal.
fn launch(namespace: Option<&str>, wrappers: &[String], program: &Path) -> Command {
    let mut chain: Vec<String> = Vec::new();
    if let Some(namespace) = namespace {
        chain.extend(["ip", "netns", "exec", namespace].map(String::from));
    }
    chain.extend_from_slice(wrappers);
    match chain.split_first() {
        Some((first, rest)) => {
            let mut command = Command::new(first);
            command.args(rest).arg(program);
            command
        }
        None => Command::new(program),
    }
}

/// Sends signal `name` (`TERM`, `KILL`, `INT`, `HUP`, `QUIT`) to process `pid`.
pub fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .args(["-s", name, &pid.to_string()])
        .status();
}

/// One `lore serve` on a free loopback port, logging to `replica-N.log` in the state folder.
pub struct Replica {
    pub name: String,
    pub addr: SocketAddr,
    child: Option<Child>,
}

impl Replica {
    fn start(
        settings: &Settings,
        database: &str,
        number: usize,
        addr: SocketAddr,
        state: &Path,
        net: Option<&Network>,
    ) -> Result<Replica> {
        let name = format!("replica-{number}");
        let log_path = state.join(format!("{name}.log"));
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| format!("cannot open {}: {e}", log_path.display()))?;
        let mut wrappers: Vec<String> = Vec::new();
        if settings.pinned {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            wrappers.extend(["taskset".to_owned(), "--cpu-list".to_owned()]);
            wrappers.push(((number - 1) % cores).to_string());
        }
        let namespace = net.map(|network| network.namespace(Tier::Replicas));
        let mut command = launch(namespace.as_deref(), &wrappers, &settings.lore);
        let proxy = address(net, Tier::Balancer).to_string();
        command
            .args(["--database-url", database, "--database-timeout", "2s"])
            .args([
                "serve",
                "--addr",
                &addr.to_string(),
                "--replica-name",
                &name,
            ])
            .args(["--drain-delay", DRAIN_DELAY, "--trusted-proxy", &proxy]);
        if let Some(dist) = &settings.dist {
            command.arg("--dist").arg(dist);
        }
        if !settings.demo {
            command.arg("--no-demo");
        }
        let child = command
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("info,sqlx=warn".into()),
            )
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", settings.lore.display()))?;
        Ok(Replica {
            name,
            addr,
            child: Some(child),
        })
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn wait_ready(&self, within: Duration) -> Result {
        if wait_until(within, Duration::from_millis(100), || is_ready(self.addr)) {
            Ok(())
        } else {
            Err(format!(
                "{} was not ready within {within:?}; see its log",
                self.name
            ))
        }
    }

    /// Waits for the process to exit by itself (after a signal).
    pub fn wait_stopped(&mut self, within: Duration) -> Result {
        let Some(child) = &mut self.child else {
            return Ok(());
        };
        if wait_until(within, Duration::from_millis(50), || {
            matches!(child.try_wait(), Ok(Some(_)))
        }) {
            self.child = None;
            Ok(())
        } else {
            Err(format!("{} did not stop within {within:?}", self.name))
        }
    }

    /// Waits for the process to stop after a SIGTERM (it drains first; a second SIGTERM would
    /// cut that short), and kills it if it has not stopped in time.
    fn wait_or_kill(&mut self) {
        if self.wait_stopped(Duration::from_secs(20)).is_err()
            && let Some(mut child) = self.child.take()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A replica still running when dropped (a start-up that failed half-way) is killed.
impl Drop for Replica {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether `/api/ready` at `addr` answers 200 within half a second.
pub fn is_ready(addr: SocketAddr) -> bool {
    http::send(
        addr,
        &http::Request::get("/api/ready"),
        Duration::from_millis(500),
    )
    .is_ok_and(|answer| answer.status == 200)
}

/// nginx with `deploy/nginx.conf`, its placeholders filled in, as a child process (`daemon off`).
pub struct Nginx {
    child: Option<Child>,
}

impl Nginx {
    fn start(
        state: &Path,
        listen: SocketAddr,
        replicas: &[Replica],
        net: Option<&Network>,
    ) -> Result<Nginx> {
        let template = workspace_root().join("deploy/nginx.conf");
        let config = fs::read_to_string(&template)
            .map_err(|e| format!("cannot read {}: {e}", template.display()))?
            .replace("@STATE@", &state.display().to_string())
            .replace("@LISTEN@", &listen.to_string());
        let config_path = state.join("nginx.conf");
        fs::write(&config_path, config).map_err(|e| e.to_string())?;
        write_upstreams(
            state,
            &replicas.iter().map(|r| (r.addr, true)).collect::<Vec<_>>(),
        )?;
        let namespace = net.map(|network| network.namespace(Tier::Balancer));
        let child = launch(namespace.as_deref(), &[], &nginx_program())
            .arg("-c")
            .arg(&config_path)
            .args(["-p", &state.display().to_string(), "-g", "daemon off;"])
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start nginx: {e}"))?;
        let nginx = Nginx { child: Some(child) };
        if wait_until(Duration::from_secs(20), Duration::from_millis(100), || {
            is_ready(listen)
        }) {
            Ok(nginx)
        } else {
            Err(format!(
                "nginx did not answer on {listen}; see {}",
                state.join("nginx-error.log").display()
            ))
        }
    }

    /// The master process's id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Graceful stop (SIGQUIT), then waits.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "QUIT");
            let _ = child.wait();
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Debian installs nginx in /usr/sbin, which a user's PATH may lack.
fn nginx_program() -> PathBuf {
    let debian = PathBuf::from("/usr/sbin/nginx");
    if debian.exists() {
        debian
    } else {
        PathBuf::from("nginx")
    }
}

/// `upstream.conf`: a line per replica, `down` when it is not ready.
fn write_upstreams(state: &Path, replicas: &[(SocketAddr, bool)]) -> Result {
    let lines: String = replicas
        .iter()
        .map(|(addr, ready)| {
            let mark = if *ready { "" } else { " down" };
            format!("server {addr} max_fails=1 fail_timeout=1s{mark};\n")
        })
        .collect();
    let path = state.join("upstream.conf");
    let next = state.join("upstream.conf.next");
    fs::write(&next, lines)
        .and_then(|()| fs::rename(&next, &path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The replicas `upstream.conf` sends requests to.
fn read_upstreams(state: &Path) -> Vec<String> {
    fs::read_to_string(state.join("upstream.conf"))
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.contains(" down;"))
        .filter_map(|line| Some(line.split_whitespace().nth(1)?.to_owned()))
        .collect()
}

/// Which replicas nginx may use, given which are `ready` and which a measurement `chosen`
/// (0-based; `None`: all). With none left (the database is away), all are listed: each answers
/// a clear 503 of its own, and the first to recover serves at once, where an empty list would
/// get nginx's bare 502 until the next check.
fn in_rotation(ready: &[bool], chosen: Option<&[usize]>) -> Vec<bool> {
    let wanted: Vec<bool> = ready
        .iter()
        .enumerate()
        .map(|(n, ready)| *ready && chosen.is_none_or(|only| only.contains(&n)))
        .collect();
    if wanted.contains(&true) {
        wanted
    } else {
        vec![true; ready.len()]
    }
}

/// Asks each replica's `/api/ready` every [`CHECK_EVERY`] and, when the set of ready ones
/// changes, rewrites nginx's list and reloads it.
struct HealthChecker;

impl HealthChecker {
    fn spawn(cluster: &Cluster) -> (Arc<AtomicBool>, JoinHandle<()>) {
        let stop = Arc::new(AtomicBool::new(false));
        let replicas: Vec<(String, SocketAddr)> = cluster
            .replicas
            .iter()
            .map(|r| (r.name.clone(), r.addr))
            .collect();
        let state = cluster.state.clone();
        let nginx_pid = cluster.nginx.pid();
        let only = cluster.only.clone();
        let stopping = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut last: Vec<bool> = vec![true; replicas.len()];
            while !stopping.load(Ordering::Relaxed) {
                let chosen = only.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let ready: Vec<bool> = replicas.iter().map(|(_, addr)| is_ready(*addr)).collect();
                let now = in_rotation(&ready, chosen.as_deref());
                if now != last {
                    for ((name, _), (was, is)) in replicas.iter().zip(last.iter().zip(&now)) {
                        if was != is {
                            let news = if *is {
                                "ready: in rotation"
                            } else {
                                "not ready: out of rotation"
                            };
                            println!("xtask cluster: {name} {news}");
                        }
                    }
                    let list: Vec<(SocketAddr, bool)> = replicas
                        .iter()
                        .map(|(_, a)| *a)
                        .zip(now.iter().copied())
                        .collect();
                    if let Err(e) = write_upstreams(&state, &list) {
                        eprintln!("xtask cluster: {e}");
                    } else if let Some(pid) = nginx_pid {
                        signal(pid, "HUP");
                    }
                    last = now;
                }
                std::thread::sleep(CHECK_EVERY);
            }
        });
        (stop, handle)
    }
}

/// `cargo xtask cluster [--replicas N] [--port P] [--debug]`: builds the server (release, unless
/// `--debug`: minutes sooner) and the client, starts
/// the deployment, prints where it is, and stops it all on Enter (or Ctrl-C, which reaches every
/// process of the group).
pub fn run(args: &[String]) -> Result {
    let mut replicas = 3;
    let mut port = 8080;
    let mut profile = "release";
    let mut namespaces = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--debug" {
            profile = "debug";
            continue;
        }
        if arg == "--namespaces" {
            namespaces = true;
            continue;
        }
        let value = rest.next().ok_or(format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--replicas" => replicas = value.parse().map_err(|_| "--replicas takes a number")?,
            "--port" => port = value.parse().map_err(|_| "--port takes a port number")?,
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    if replicas == 0 {
        return Err("--replicas must be at least 1".into());
    }
    crate::tools::install(false)?;
    crate::tools::debian_packages(&[("nginx", "nginx")])?;
    crate::build_client()?;
    let mut build = cargo();
    build.args(["build", "--package", "server", "--bin", "lore"]);
    if profile == "release" {
        build.arg("--release");
    }
    step(&format!("building lore ({profile})"), &mut build)?;
    let root = workspace_root();
    let cluster = Cluster::start(Settings {
        lore: root.join("target").join(profile).join("lore"),
        dist: Some(root.join("dist")),
        replicas,
        port,
        demo: true,
        pinned: false,
        namespaces,
    })?;
    let balancer = cluster.balancer;
    println!(
        "\nLore is listening on http://{balancer} (nginx, pid {})",
        cluster.nginx.pid().unwrap_or_default()
    );
    for replica in &cluster.replicas {
        println!(
            "  {} on http://{} (pid {})",
            replica.name,
            replica.addr,
            replica.pid().unwrap_or_default()
        );
    }
    println!(
        "  PostgreSQL of its own on {}:{} (database lore, user postgres)",
        cluster.postgres.host, cluster.postgres.port
    );
    if let Some(link) = setup_link(&cluster.state) {
        println!("  make the first account: http://{balancer}/setup?code={link}");
    }
    println!(
        "  logs and data in {}\nPress Enter to stop everything.",
        cluster.state.display()
    );
    let _ = std::io::stdin().read_line(&mut String::new());
    drop(cluster);
    println!("xtask cluster: stopped");
    Ok(())
}

/// The one-time set-up code the first replica printed, if the base has no account yet.
fn setup_link(state: &Path) -> Option<String> {
    let log = fs::read_to_string(state.join("replica-1.log")).ok()?;
    let code = log.split("setup?code=").nth(1)?;
    Some(code.split_whitespace().next()?.to_owned())
}

/// The tiers that may each get a network namespace of their own.
#[derive(Clone, Copy)]
pub enum Tier {
    Database,
    Replicas,
    Balancer,
}

/// Each tier in a network namespace of its own, as if on hosts of its own: a bridge in the
/// host's namespace (address `.1`), and in each namespace a veth pair's end (`eth0`) joined to
/// it, the database at `.2`, the replicas at `.3` and nginx at `.4` of `10.77.N.0/24`. Every hop
/// (browser to nginx, nginx to a replica, a replica to PostgreSQL) crosses an interface, as in
/// the seed's picture. Needs root (`ip netns`, Debian's iproute2); removed when dropped.
pub struct Network {
    /// `N` in `10.77.N.0/24`, and in the names, so that two clusters do not meet.
    subnet: u8,
    made: Vec<String>,
}

impl Network {
    fn create() -> Result<Network> {
        let subnet = (std::process::id() % 250 + 1) as u8;
        let mut network = Network {
            subnet,
            made: Vec::new(),
        };
        let bridge = network.bridge();
        ip(&["link", "add", &bridge, "type", "bridge"])?;
        network.made.push(bridge.clone());
        ip(&[
            "addr",
            "add",
            &format!("10.77.{subnet}.1/24"),
            "dev",
            &bridge,
        ])?;
        ip(&["link", "set", &bridge, "up"])?;
        for tier in [Tier::Database, Tier::Replicas, Tier::Balancer] {
            let namespace = network.namespace(tier);
            ip(&["netns", "add", &namespace])?;
            network.made.push(namespace.clone());
            // The host's end is named for the namespace: interface names have 15 bytes at most.
            let host_end = format!("lore{subnet}{}", tier.short());
            ip(&[
                "link", "add", &host_end, "type", "veth", "peer", "name", "eth0", "netns",
                &namespace,
            ])?;
            ip(&["link", "set", &host_end, "master", &bridge, "up"])?;
            let inside = |args: &[&str]| {
                let mut all = vec!["netns", "exec", &namespace, "ip"];
                all.extend_from_slice(args);
                ip(&all)
            };
            inside(&[
                "addr",
                "add",
                &format!("{}/24", network.address(tier)),
                "dev",
                "eth0",
            ])?;
            inside(&["link", "set", "eth0", "up"])?;
            inside(&["link", "set", "lo", "up"])?;
        }
        Ok(network)
    }

    /// The whole subnet, as PostgreSQL's `pg_hba.conf` writes it.
    fn subnet_cidr(&self) -> String {
        format!("10.77.{}.0/24", self.subnet)
    }

    fn bridge(&self) -> String {
        format!("lore{}br", self.subnet)
    }

    /// The namespace `tier` runs in.
    pub fn namespace(&self, tier: Tier) -> String {
        format!("lore-{}-{}", self.subnet, tier.short())
    }

    /// `tier`'s address.
    pub fn address(&self, tier: Tier) -> IpAddr {
        let host = match tier {
            Tier::Database => 2,
            Tier::Replicas => 3,
            Tier::Balancer => 4,
        };
        IpAddr::V4(Ipv4Addr::new(10, 77, self.subnet, host))
    }
}

impl Tier {
    fn short(self) -> &'static str {
        match self {
            Tier::Database => "db",
            Tier::Replicas => "app",
            Tier::Balancer => "lb",
        }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        // Deleting a namespace deletes its veth pair, both ends.
        for made in self.made.iter().rev() {
            if made.starts_with("lore-") {
                let _ = ip(&["netns", "del", made]);
            } else {
                let _ = ip(&["link", "del", made]);
            }
        }
    }
}

/// Where `tier` listens: loopback, or its namespace's address.
fn address(net: Option<&Network>, tier: Tier) -> IpAddr {
    net.map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |network| {
        network.address(tier)
    })
}

/// `ip ARGS`, failing with what it said.
fn ip(args: &[&str]) -> Result {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip (Debian's iproute2): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_gets_the_ready_replicas_and_all_of_them_when_none_is_ready() {
        assert_eq!(in_rotation(&[true, false, true], None), [true, false, true]);
        assert_eq!(
            in_rotation(&[true, true, true], Some(&[1])),
            [false, true, false]
        );
        assert_eq!(in_rotation(&[false, false], None), [true, true]);
    }

    #[test]
    fn the_upstream_list_marks_unready_replicas_down_and_reads_back_the_others() {
        let state = std::env::temp_dir().join(format!("lore-upstreams-{}", std::process::id()));
        fs::create_dir_all(&state).unwrap();
        let a: SocketAddr = "127.0.0.1:3001".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:3002".parse().unwrap();
        write_upstreams(&state, &[(a, true), (b, false)]).unwrap();
        let written = fs::read_to_string(state.join("upstream.conf")).unwrap();
        assert_eq!(
            written,
            "server 127.0.0.1:3001 max_fails=1 fail_timeout=1s;\nserver 127.0.0.1:3002 max_fails=1 fail_timeout=1s down;\n"
        );
        assert_eq!(read_upstreams(&state), ["127.0.0.1:3001"]);
        fs::remove_dir_all(&state).unwrap();
    }
}
