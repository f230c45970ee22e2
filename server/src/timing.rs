//! Where a request's time went, tier by tier, told to the client in `Server-Timing`:
//! `replica` (its name, as in `X-Served-By`: Resource Timing hands scripts this header but not
//! that one), `database` (its statements, summed), `render` (a page rendered on the server, the
//! reads it made included: the two overlap), `cache` (`hit` or `miss` for the replica's response
//! cache) and `total`. Browsers show it in their developer tools and hand it to scripts through
//! Resource Timing, so the client can draw which tier did what.
//!
//! The timings travel with the request's task (a task-local set by [`server_timing`]); work
//! handed to other tasks (jobs on the CPU pool, the reads leptos runs as tasks of their own
//! while rendering a page) is counted in the step that waits for it (`render`), not in
//! `database`. Taking a connection from the pool and committing are not statements and are not
//! counted.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

tokio::task_local! {
    static CURRENT: Arc<Timings>;
}

/// One request's timings so far.
#[derive(Debug, Default)]
struct Timings {
    database_micros: AtomicU64,
    render_micros: AtomicU64,
    /// 0: the cache was not asked; 1: hit; 2: miss.
    cache: AtomicU8,
}

/// What the response cache answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// Served from memory.
    Hit,
    /// Computed, from the database.
    Miss,
}

/// Runs `statement`, counting its time as the database's.
pub async fn database<T>(statement: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let answer = statement.await;
    add(started.elapsed(), |timings| &timings.database_micros);
    answer
}

/// Counts `took` as the time a page took to render.
pub fn render(took: Duration) {
    add(took, |timings| &timings.render_micros);
}

/// Notes what the response cache answered.
pub fn cache(answer: Cache) {
    let _ = CURRENT.try_with(|timings| {
        let code = match answer {
            Cache::Hit => 1,
            Cache::Miss => 2,
        };
        timings.cache.store(code, Ordering::Relaxed);
    });
}

fn add(took: Duration, field: impl Fn(&Timings) -> &AtomicU64) {
    let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
    // Outside a request (start-up, the command line) there is no one to tell.
    let _ = CURRENT.try_with(|timings| field(timings).fetch_add(micros, Ordering::Relaxed));
}

/// The `Server-Timing` entry naming the replica: `replica;desc="NAME"`, the name quoted as a
/// header's quoted string (a replica's name is printable ASCII, checked at start-up).
pub fn replica_entry(name: &str) -> Arc<str> {
    let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
    format!("replica;desc=\"{quoted}\"").into()
}

/// Middleware: times the request and adds its `Server-Timing`, led by `replica` (see
/// [`replica_entry`]).
pub async fn server_timing(
    State(replica): State<Arc<str>>,
    request: Request,
    next: Next,
) -> Response {
    let timings = Arc::new(Timings::default());
    let started = Instant::now();
    let mut response = CURRENT.scope(timings.clone(), next.run(request)).await;
    let value = format!("{replica}, {}", header(&timings, started.elapsed()));
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}

/// The header's value: the steps that took part, then the total, in milliseconds.
fn header(timings: &Timings, total: Duration) -> String {
    let millis = |micros: u64| micros as f64 / 1000.0;
    let mut parts = Vec::new();
    let database = timings.database_micros.load(Ordering::Relaxed);
    if database > 0 {
        parts.push(format!("database;dur={:.2}", millis(database)));
    }
    let render = timings.render_micros.load(Ordering::Relaxed);
    if render > 0 {
        parts.push(format!("render;dur={:.2}", millis(render)));
    }
    match timings.cache.load(Ordering::Relaxed) {
        1 => parts.push("cache;desc=hit".to_owned()),
        2 => parts.push("cache;desc=miss".to_owned()),
        _ => {}
    }
    parts.push(format!("total;dur={:.2}", total.as_secs_f64() * 1000.0));
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_only_the_steps_that_took_part_and_always_the_total() {
        let timings = Timings::default();
        assert_eq!(
            header(&timings, Duration::from_micros(1500)),
            "total;dur=1.50"
        );
        timings.database_micros.store(420, Ordering::Relaxed);
        timings.cache.store(2, Ordering::Relaxed);
        assert_eq!(
            header(&timings, Duration::from_millis(3)),
            "database;dur=0.42, cache;desc=miss, total;dur=3.00"
        );
    }

    #[test]
    fn the_replica_is_named_in_a_quoted_string_whatever_its_name_holds() {
        assert_eq!(&*replica_entry("web1:3001"), r#"replica;desc="web1:3001""#);
        assert_eq!(
            &*replica_entry(r#"a "b" \c"#),
            r#"replica;desc="a \"b\" \\c""#
        );
    }

    #[tokio::test]
    async fn time_outside_a_request_is_not_counted_anywhere() {
        // No scope: nothing to add to, and nothing panics.
        database(async {}).await;
        render(Duration::from_millis(1));
        cache(Cache::Hit);
    }
}
