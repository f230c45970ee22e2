//! A fresh database for each test, on the engine the run is for: SQLite in a temporary folder,
//! or (with `LORE_TEST_DATABASE=postgres`) a new database on the PostgreSQL server at
//! `LORE_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432`), dropped when the test
//! ends. Nothing is mocked: each engine is the real one.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The engines a test can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// An embedded SQLite file.
    Sqlite,
    /// A database on the PostgreSQL server.
    Postgres,
}

impl Engine {
    /// The engine of this run: `LORE_TEST_DATABASE` (`sqlite`, the default, or `postgres`).
    pub fn of_this_run() -> Self {
        match std::env::var("LORE_TEST_DATABASE").as_deref() {
            Ok("postgres") => Engine::Postgres,
            Ok("sqlite") | Err(_) => Engine::Sqlite,
            Ok(other) => panic!("LORE_TEST_DATABASE is {other:?}: use sqlite or postgres"),
        }
    }
}

/// The PostgreSQL server the tests use, without a database name.
fn postgres_server() -> String {
    std::env::var("LORE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A database of its own for one test, removed when dropped.
pub struct FreshDatabase {
    /// Its URL, as `--database-url` takes it.
    pub url: String,
    /// The PostgreSQL database's name, to drop.
    postgres: Option<String>,
    _folder: tempfile::TempDir,
}

impl FreshDatabase {
    /// A new, empty database on `engine`.
    pub async fn new(engine: Engine) -> Self {
        let folder = tempfile::tempdir().expect("a temporary folder");
        match engine {
            Engine::Sqlite => Self {
                url: format!("sqlite:{}", folder.path().join("lore.db").display()),
                postgres: None,
                _folder: folder,
            },
            Engine::Postgres => {
                static MADE: AtomicUsize = AtomicUsize::new(0);
                let name = format!(
                    "lore_test_{}_{}_{}",
                    std::process::id(),
                    MADE.fetch_add(1, Ordering::SeqCst),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .subsec_nanos()
                );
                let admin = sqlx::PgPool::connect(&format!("{}/postgres", postgres_server()))
                    .await
                    .expect("PostgreSQL at LORE_TEST_POSTGRES (127.0.0.1:5432 by default)");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("a new database");
                admin.close().await;
                Self {
                    url: format!("{}/{name}", postgres_server()),
                    postgres: Some(name),
                    _folder: folder,
                }
            }
        }
    }

    /// Runs `sql` on the database, underneath Lore, as another program (or an older version
    /// of Lore) would. The statement must read the same on both engines.
    pub async fn execute(url: &str, sql: &str) {
        if url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        } else {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let Some(name) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own
        // with a runtime of its own drops the database.
        let server = postgres_server();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(admin) = sqlx::PgPool::connect(&format!("{server}/postgres")).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&admin)
                        .await;
                    admin.close().await;
                }
            });
        })
        .join();
    }
}
