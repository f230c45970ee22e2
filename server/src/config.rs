//! Lore's configuration: one typed struct parsed by clap from flags and environment variables.
//!
//! Every setting has a flag and an environment variable (listed in README.md). Values are
//! checked here, at start-up, and a bad one stops the program with a message naming the flag and
//! the variable, rather than failing later in the middle of a request.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where the database lives when nothing says otherwise: a SQLite file under `./data`, created
/// (with its folder) on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:data/lore.db";

/// `lore`: a knowledge base for technical notes in Markdown.
#[derive(Debug, Parser)]
#[command(name = "lore", version, about, long_about = None)]
pub struct Cli {
    /// Database to use: `sqlite:PATH` (embedded; the file is created if missing) or
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (the database must exist).
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        default_value = DEFAULT_DATABASE_URL,
        hide_env_values = true // a PostgreSQL URL may carry a password: never echo it
    )]
    pub database_url: String,

    /// Connections to PostgreSQL this process keeps at most.
    #[arg(long, env = "LORE_DATABASE_MAX_CONNECTIONS", global = true, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub database_max_connections: u32,

    /// How long a request waits for a database connection before the database counts as
    /// unavailable (503, and `/api/ready` fails).
    #[arg(long, env = "LORE_DATABASE_TIMEOUT", global = true, default_value = "5s", value_parser = humantime::parse_duration)]
    pub database_timeout: Duration,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// How this process uses its database.
    pub fn database(&self) -> crate::store::DatabaseSettings {
        crate::store::DatabaseSettings {
            max_connections: self.database_max_connections,
            acquire_timeout: self.database_timeout,
        }
    }
}

/// The `lore` subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the built browser client.
    Serve(Box<ServeArgs>),
    /// Import Markdown files and folders (recursively) into the knowledge base.
    Import(ImportArgs),
    /// Write every document to a folder as Markdown with front matter.
    Export(ExportArgs),
    /// Copy a whole knowledge base into another, empty database (SQLite to PostgreSQL, say),
    /// and check the copy against the original.
    Copy(CopyArgs),
    /// Manage accounts: add, list, passwd, role, remove.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens: create, list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// `lore user ...`. Passwords are read from a prompt, or from standard input when it is not a
/// terminal (one line), never from the command line, where other users of the machine and the
/// shell's history would see them.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account.
    Add {
        /// Its name: lowercase letters, digits, `.`, `_`, `-`.
        name: String,
        /// What it may do: reader, editor or admin.
        #[arg(long, default_value = "editor", value_parser = parse_role)]
        role: app::contract::Role,
    },
    /// List every account.
    List,
    /// Set an account's password (its sessions end).
    Passwd {
        /// The account.
        name: String,
    },
    /// Change an account's role.
    Role {
        /// The account.
        name: String,
        /// reader, editor or admin.
        #[arg(value_parser = parse_role)]
        role: app::contract::Role,
    },
    /// Remove an account with its sessions and tokens; its revisions keep its name.
    Remove {
        /// The account.
        name: String,
    },
}

/// `lore token ...`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make an API token for an account; its secret is printed once.
    Create {
        /// The account it acts as.
        user: String,
        /// What it is for.
        #[arg(long, default_value = "command line")]
        name: String,
        /// read (GET only) or write.
        #[arg(long, default_value = "read", value_parser = parse_scope)]
        scope: app::contract::TokenScope,
        /// Days until it stops working (default: never).
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// List an account's tokens.
    List {
        /// The account.
        user: String,
    },
    /// Revoke one of an account's tokens.
    Revoke {
        /// The account.
        user: String,
        /// The token's number, from `lore token list`.
        id: i64,
    },
}

fn parse_role(text: &str) -> Result<app::contract::Role, String> {
    app::contract::Role::named(text)
        .ok_or_else(|| format!("`{text}` is not a role: use reader, editor or admin"))
}

fn parse_scope(text: &str) -> Result<app::contract::TokenScope, String> {
    app::contract::TokenScope::named(text)
        .ok_or_else(|| format!("`{text}` is not a scope: use read or write"))
}

/// Settings of `lore copy`.
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The database to copy (`sqlite:PATH` or `postgres://...`).
    #[arg(long, hide_env_values = true)]
    pub from: String,

    /// The empty database to copy into.
    #[arg(long, hide_env_values = true)]
    pub to: String,
}

/// Settings of `lore import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Markdown files, or folders to import recursively (paths inside a folder are kept, so
    /// relative links between notes resolve).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// Import the valid files and list the others, instead of importing nothing when any file
    /// has a problem.
    #[arg(long)]
    pub skip_invalid: bool,

    /// The Markdown dialect of the files: `markdown`, or `obsidian` for a vault's
    /// `[[wikilinks]]`, callouts, `#tags` and the rest. Without it, a file already in the base
    /// keeps its note's dialect, and the others are read as a vault's when a folder given holds
    /// an `.obsidian/` settings folder, else as plain Markdown.
    #[arg(long, value_parser = parse_flavor)]
    pub flavor: Option<app::contract::Flavor>,
}

fn parse_flavor(name: &str) -> Result<app::contract::Flavor, String> {
    app::contract::Flavor::from_name(name)
        .ok_or_else(|| format!("`{name}` is not a flavour: say `markdown` or `obsidian`"))
}

/// Settings of `lore export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The folder to write into (created if missing; files at the same paths are replaced).
    pub dir: PathBuf,
}

/// Settings of `lore serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "LORE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Folder of the trunk-built client (holding index.html). Defaults to `dist` if that
    /// exists; without a client the server answers the API only.
    #[arg(long, env = "LORE_DIST")]
    pub dist: Option<PathBuf>,

    /// How stale a read answered from this replica's cache may be: how long a revision check
    /// stays good for writes made through other replicas. `0s` (the default): every read waits
    /// for a check that started after it arrived (concurrent reads share one), so once a save
    /// has returned, no replica answers the old version. Writes through this replica are seen
    /// at once either way.
    #[arg(long, env = "LORE_CACHE_REVALIDATE", default_value = "0s", value_parser = humantime::parse_duration)]
    pub cache_revalidate: Duration,

    /// Start empty: do not load the demo notes into a new, empty database.
    #[arg(long, env = "LORE_NO_DEMO")]
    pub no_demo: bool,

    /// On SIGINT/SIGTERM, how long in-flight requests may take to finish before the server
    /// stops anyway (e.g. `10s`, `500ms`).
    #[arg(long, env = "LORE_SHUTDOWN_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub shutdown_timeout: Duration,

    /// How long a client has to send a request's headers, counted from when its connection
    /// opens or its last answer was sent; idle connections are closed after it too.
    #[arg(long, env = "LORE_HEADER_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_timeout: Duration,

    /// How long a request body may stop arriving, and an answer wait for a client that stopped
    /// reading it, before the connection is dropped.
    #[arg(long, env = "LORE_IDLE_TIMEOUT", default_value = "60s", value_parser = humantime::parse_duration)]
    pub idle_timeout: Duration,

    /// How long one request may take in all, its body included (503 past it).
    #[arg(long, env = "LORE_REQUEST_TIMEOUT", default_value = "300s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,

    /// How many connections are served at once; more wait until one closes.
    #[arg(long, env = "LORE_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// How many CPU-heavy jobs (rendering, diffs, unpacking archives) run at once; others wait
    /// their turn. Defaults to the number of cores.
    #[arg(long, env = "LORE_CPU_JOBS", value_parser = clap::value_parser!(u32).range(1..))]
    pub cpu_jobs: Option<u32>,

    /// The most Markdown files one upload to the import page or `POST /api/import` may hold,
    /// counting those inside archives.
    #[arg(long, env = "LORE_IMPORT_MAX_FILES", default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub import_max_files: u32,

    /// The most one upload may unpack to, e.g. `128MiB`, `1GiB` (archives compress: the upload
    /// itself is at most 64 MiB).
    #[arg(long, env = "LORE_IMPORT_MAX_BYTES", default_value = "128MiB", value_parser = parse_bytes)]
    pub import_max_bytes: u64,

    /// Whether visitors who are not signed in may read (`--public-read=false`: every page and
    /// API call then needs a signed-in user or an API token).
    #[arg(long, env = "LORE_PUBLIC_READ", default_value_t = true, action = clap::ArgAction::Set)]
    pub public_read: bool,

    /// Addresses of proxies (nginx, a load balancer) whose `X-Forwarded-For` and
    /// `X-Forwarded-Proto` are believed; repeat or separate with commas.
    #[arg(long, env = "LORE_TRUSTED_PROXY", value_delimiter = ',')]
    pub trusted_proxy: Vec<std::net::IpAddr>,

    /// This replica's name, sent in every response's `X-Served-By`; default: this host's name
    /// and the port Lore listens on.
    #[arg(long, env = "LORE_REPLICA_NAME")]
    pub replica_name: Option<String>,

    /// On SIGTERM or Ctrl-C, how long to keep serving while `/api/ready` answers 503, so that a
    /// load balancer checking it moves traffic away before the listener closes.
    #[arg(long, env = "LORE_DRAIN_DELAY", default_value = "0s", value_parser = humantime::parse_duration)]
    pub drain_delay: Duration,

    /// Serve HTTPS (HTTP/2 and HTTP/1.1) with this PEM certificate chain, leaf first; needs
    /// --tls-key. Without it Lore serves plain HTTP, for a proxy in front to encrypt.
    #[arg(long, env = "LORE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The PEM private key of --tls-cert.
    #[arg(long, env = "LORE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

/// `512`, `64KiB`, `128MiB`, `1GiB` (also `KB`, `MB`, `GB` as powers of 1,000).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size: write a number, e.g. 128MiB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "kib" => 1 << 10,
        "mb" => 1_000_000,
        "mib" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use KiB, MiB or GiB"
            ));
        }
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

impl ServeArgs {
    /// The certificate to serve HTTPS with, read from its files; none for plain HTTP.
    pub fn tls(&self) -> Result<Option<crate::startup::Tls>, crate::startup::TlsError> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(certificate), Some(key)) => {
                crate::startup::Tls::from_pem_files(certificate, key).map(Some)
            }
            // clap requires both or neither.
            _ => Ok(None),
        }
    }

    /// Who may read, and which proxies to believe.
    pub fn access(&self) -> crate::access::AccessPolicy {
        crate::access::AccessPolicy {
            public_read: self.public_read,
            trusted_proxies: self.trusted_proxy.clone().into(),
        }
    }

    /// The limits these settings give a request.
    pub fn limits(&self) -> crate::Limits {
        crate::Limits {
            unpack: crate::documents::sources::UnpackLimits {
                max_files: self.import_max_files as usize,
                max_bytes: self.import_max_bytes,
            },
            body_timeout: self.idle_timeout,
            request_timeout: self.request_timeout,
        }
    }

    /// The limits these settings give connections.
    pub fn connections(&self) -> crate::startup::Connections {
        crate::startup::Connections {
            header_timeout: self.header_timeout,
            idle_timeout: self.idle_timeout,
            max: self.max_connections as usize,
        }
    }

    /// How many CPU jobs run at once.
    pub fn cpu_jobs(&self) -> usize {
        self.cpu_jobs.map_or_else(
            || std::thread::available_parallelism().map_or(2, usize::from),
            |jobs| jobs as usize,
        )
    }
}

/// The folder the client is served from when `--dist` is not given.
pub const DEFAULT_DIST: &str = "dist";

/// A setting that parsed but cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--dist` names a folder without the client's index.html.
    #[error(
        "--dist (LORE_DIST) is {path:?}, which holds no index.html; build the client with `trunk build` or `cargo xtask run`"
    )]
    MissingClient {
        /// The folder given.
        path: PathBuf,
    },
}

impl ServeArgs {
    /// The client folder to serve, if any: the one given (which must hold index.html), else
    /// `dist` when it exists, else none.
    pub fn client_dir(&self) -> Result<Option<PathBuf>, ConfigError> {
        match &self.dist {
            Some(path) if path.join("index.html").is_file() => Ok(Some(path.clone())),
            Some(path) => Err(ConfigError::MissingClient { path: path.clone() }),
            None => {
                let default = PathBuf::from(DEFAULT_DIST);
                Ok(default.join("index.html").is_file().then_some(default))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve(args: &[&str]) -> Result<ServeArgs, clap::Error> {
        let cli = Cli::try_parse_from(["lore", "serve"].iter().chain(args))?;
        match cli.command {
            Command::Serve(args) => Ok(*args),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn reading_is_public_unless_switched_off() {
        assert!(serve(&[]).unwrap().access().public_read);
        let private = serve(&[
            "--public-read=false",
            "--trusted-proxy",
            "10.0.0.1,10.0.0.2",
        ])
        .unwrap();
        assert!(!private.access().public_read);
        assert_eq!(private.trusted_proxy.len(), 2);
    }

    #[test]
    fn a_malformed_address_is_refused_naming_the_flag() {
        let error = serve(&["--addr", "localhost"]).unwrap_err().to_string();
        assert!(error.contains("--addr"), "{error}");
    }

    #[test]
    fn a_client_folder_without_index_html_is_refused_naming_flag_and_variable() {
        let empty = std::env::temp_dir();
        let args = serve(&["--dist", empty.to_str().unwrap()]).unwrap();
        let error = args.client_dir().unwrap_err().to_string();
        assert!(error.contains("--dist (LORE_DIST)"), "{error}");
    }

    #[test]
    fn durations_read_as_people_write_them() {
        let args = serve(&["--shutdown-timeout", "1500ms", "--cache-revalidate", "0s"]).unwrap();
        assert_eq!(args.shutdown_timeout, Duration::from_millis(1500));
        assert_eq!(args.cache_revalidate, Duration::ZERO);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_bytes("512"), Ok(512));
        assert_eq!(parse_bytes("128MiB"), Ok(128 << 20));
        assert_eq!(parse_bytes("2 GB"), Ok(2_000_000_000));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("5 parsecs").unwrap_err().contains("parsecs"));
        let args = serve(&["--import-max-bytes", "1GiB", "--import-max-files", "10"]).unwrap();
        assert_eq!(args.limits().unpack.max_bytes, 1 << 30);
        assert_eq!(args.limits().unpack.max_files, 10);
    }

    #[test]
    fn the_defaults_match_the_libraries_defaults() {
        let args = serve(&[]).unwrap();
        let (limits, defaults) = (args.limits(), crate::Limits::default());
        assert_eq!(limits.unpack, defaults.unpack);
        assert_eq!(limits.body_timeout, defaults.body_timeout);
        assert_eq!(limits.request_timeout, defaults.request_timeout);
        assert_eq!(args.connections(), crate::startup::Connections::default());
    }

    #[test]
    fn a_certificate_without_its_key_is_refused_naming_the_missing_flag() {
        let error = serve(&["--tls-cert", "cert.pem"]).unwrap_err().to_string();
        assert!(error.contains("--tls-key"), "{error}");
        let error = serve(&["--tls-key", "key.pem"]).unwrap_err().to_string();
        assert!(error.contains("--tls-cert"), "{error}");
    }

    #[test]
    fn an_unreadable_certificate_is_named_with_its_flag() {
        let args = serve(&[
            "--tls-cert",
            "/nowhere/cert.pem",
            "--tls-key",
            "/nowhere/key.pem",
        ])
        .unwrap();
        let error = args.tls().unwrap_err().to_string();
        assert!(
            error.starts_with("--tls-cert (LORE_TLS_CERT) /nowhere/cert.pem:"),
            "{error}"
        );
    }
}
