//! CPU-bound work (rendering Markdown, diffing revisions, reading archives, planning imports),
//! kept off the async runtime and a bounded number at a time.
//!
//! The runtime's few threads answer every request; a job that holds one for seconds stops
//! `/api/health` from answering, and a load balancer then takes a busy replica for a dead one.
//! So such jobs run on the blocking pool, at most `--cpu-jobs` at once (one per core by
//! default: more would only share the cores more thinly). Others wait their turn without
//! holding a thread; once [`MAX_WAITING`] are waiting, more are refused with 503 rather than
//! queued without end, each holding its request's memory.
//!
//! A job cannot be interrupted once running, so each kind of job is bounded where it is written
//! (diffs have a deadline, notes a size and nesting limit, archives a byte budget); the runtime
//! itself is shut down with a timeout (`main.rs`), so a job still running cannot keep a
//! stopped server's process alive.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

/// How many jobs may wait for a turn before more are refused.
pub const MAX_WAITING: usize = 256;

/// The jobs running and waiting, shared by every request of one server.
#[derive(Debug, Clone)]
pub struct CpuPool {
    turns: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    jobs: usize,
}

/// Why a job did not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum CpuError {
    /// Too many jobs are waiting already.
    #[error("the server is busy with other work; try again shortly")]
    Busy,
    /// The job panicked (a bug: logged with the request).
    #[error("a background job failed: {0}")]
    Failed(String),
}

impl CpuPool {
    /// A pool running at most `jobs` jobs at once (at least one).
    pub fn new(jobs: usize) -> Self {
        let jobs = jobs.max(1);
        Self {
            turns: Arc::new(Semaphore::new(jobs)),
            waiting: Arc::new(AtomicUsize::new(0)),
            jobs,
        }
    }

    /// One job per core of this machine.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, usize::from))
    }

    /// How many jobs run at once.
    pub fn jobs(&self) -> usize {
        self.jobs
    }

    /// Runs `job` on the blocking pool when its turn comes, and returns what it returned.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, CpuError> {
        let turn = {
            // Counted down when dropped: also when the request is abandoned while it waits.
            let _waiting = Waiting::join(&self.waiting).ok_or(CpuError::Busy)?;
            self.turns.clone().acquire_owned().await
        };
        let turn = turn.map_err(|_| CpuError::Busy)?;
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            job()
        })
        .await
        .map_err(|error| CpuError::Failed(error.to_string()))
    }
}

impl CpuPool {
    /// Runs `job` like [`run`](Self::run), on as many turns as are free when its first comes
    /// (at least one, at most all): `job` is told how many threads it may use. A large job
    /// (planning an import) then uses the cores no one else needs, and never more than the
    /// pool allows; jobs that come later wait for its turns like any other.
    pub async fn run_wide<T: Send + 'static>(
        &self,
        job: impl FnOnce(usize) -> T + Send + 'static,
    ) -> Result<T, CpuError> {
        let mut turns = {
            let _waiting = Waiting::join(&self.waiting).ok_or(CpuError::Busy)?;
            self.turns
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| CpuError::Busy)?
        };
        let free = self.turns.available_permits().min(self.jobs - 1);
        if free > 0
            && let Ok(more) = self.turns.clone().try_acquire_many_owned(free as u32)
        {
            turns.merge(more);
        }
        let width = turns.num_permits();
        tokio::task::spawn_blocking(move || {
            let _turns = turns;
            job(width)
        })
        .await
        .map_err(|error| CpuError::Failed(error.to_string()))
    }
}

/// `f` applied to each of `items` on `threads` threads, the results in the items' order. Each
/// thread takes a contiguous share; for work like rendering notes, whose sizes vary but not in
/// runs, that balances well enough.
pub fn map_in_parallel<T: Send, R: Send>(
    items: Vec<T>,
    threads: usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.into_iter().map(f).collect();
    }
    map_on_threads(items, threads, || {}, f)
}

/// How much lower than the process's own priority work done ahead runs: nice 10 more, which
/// Linux's scheduler weighs at about a tenth of a thread at the process's priority.
const AHEAD_NICENESS: i32 = 10;

/// [`map_in_parallel`] for work done ahead of when it is needed, such as the next batch of an
/// import rendered while the last one is written: on threads of its own (even one) that give
/// way to every other thread that wants a core, and take the cores no one else does.
///
/// With the database on the same machine, the writing is an import's slower half:
/// PostgreSQL's processes, and the search index rows Lore builds for them. When the rendering
/// shared the cores with them equally, PostgreSQL waited up to 0.9 s a batch for the rows while
/// the next batch rendered (README, "PostgreSQL import"). With the database on a host of its
/// own it changes nothing: a lower priority matters only to threads that want the same core.
pub fn map_ahead<T: Send, R: Send>(
    items: Vec<T>,
    threads: usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    map_on_threads(items, threads, give_way, f)
}

/// Lowers the calling thread's priority by [`AHEAD_NICENESS`]: a thread's own on Linux;
/// elsewhere a nice value is the whole process's, which is left as it is.
fn give_way() {
    #[cfg(target_os = "linux")]
    {
        let thread = Some(rustix::thread::gettid());
        // Best effort: a thread that cannot be lowered (it is at the lowest already) runs as
        // it is.
        if let Ok(now) = rustix::process::getpriority_process(thread) {
            let _ = rustix::process::setpriority_process(thread, (now + AHEAD_NICENESS).min(19));
        }
    }
}

/// `f` applied to each of `items` on `threads` new threads (at least one), each taking a
/// contiguous share and calling `start` first, the results in the items' order.
fn map_on_threads<T: Send, R: Send>(
    items: Vec<T>,
    threads: usize,
    start: impl Fn() + Sync,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    let share = items.len().div_ceil(threads);
    let mut shares: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut items = items.into_iter();
    loop {
        let next: Vec<T> = items.by_ref().take(share).collect();
        if next.is_empty() {
            break;
        }
        shares.push(next);
    }
    let (f, start) = (&f, &start);
    std::thread::scope(|scope| {
        let running: Vec<_> = shares
            .into_iter()
            .map(|share| {
                scope.spawn(move || {
                    start();
                    share.into_iter().map(f).collect::<Vec<R>>()
                })
            })
            .collect();
        running
            .into_iter()
            .flat_map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// One place in the queue of waiting jobs, given back when dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    /// A place, or `None` when [`MAX_WAITING`] jobs wait already.
    fn join(waiting: &'a AtomicUsize) -> Option<Self> {
        let joined = Self(waiting);
        (waiting.fetch_add(1, Ordering::AcqRel) < MAX_WAITING).then_some(joined)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_jobs_than_allowed_run_at_once() {
        let pool = CpuPool::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..8)
            .map(|_| {
                let (pool, running, most) = (pool.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    pool.run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_wide_job_takes_the_free_turns_and_later_jobs_wait_for_them() {
        let pool = CpuPool::new(3);
        let (release, released) = std::sync::mpsc::channel::<()>();
        let narrow = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(move || released.recv().unwrap()).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let width = pool.run_wide(|width| width).await.unwrap();
        assert_eq!(width, 2, "one turn was taken");
        release.send(()).unwrap();
        narrow.await.unwrap().unwrap();
        assert_eq!(pool.run_wide(|width| width).await.unwrap(), 3);
        assert_eq!(pool.turns.available_permits(), 3, "every turn came back");
    }

    #[test]
    fn mapping_in_parallel_keeps_the_order_of_the_items() {
        let items: Vec<usize> = (0..1_001).collect();
        for threads in [1, 2, 3, 8, 5_000] {
            let doubled = map_in_parallel(items.clone(), threads, |n| n * 2);
            assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        }
        assert!(map_in_parallel(Vec::<u8>::new(), 4, |n| n).is_empty());
    }

    #[tokio::test]
    async fn jobs_abandoned_while_waiting_give_their_place_back() {
        let pool = CpuPool::new(1);
        let (release, released) = std::sync::mpsc::channel::<()>();
        let busy = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(move || released.recv().unwrap()).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        for _ in 0..2 * MAX_WAITING {
            // Each waits for the busy slot, then is dropped, as an abandoned request is.
            let waiting = pool.run(|| ());
            assert!(
                tokio::time::timeout(Duration::from_millis(1), waiting)
                    .await
                    .is_err()
            );
        }
        release.send(()).unwrap();
        busy.await.unwrap().unwrap();
        assert!(pool.run(|| ()).await.is_ok(), "the queue stayed full");
    }

    #[tokio::test]
    async fn a_job_that_panics_is_an_error_not_a_crash() {
        let pool = CpuPool::new(1);
        let result = pool.run(|| panic!("a bug")).await;
        assert!(matches!(result, Err(CpuError::Failed(_))), "{result:?}");
        assert_eq!(pool.run(|| 2 + 2).await.unwrap(), 4);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn work_done_ahead_runs_below_its_callers_priority_and_leaves_the_caller_as_it_was() {
        let priority = || rustix::process::getpriority_process(Some(rustix::thread::gettid()));
        let caller = priority().unwrap();
        for threads in [1, 2, 3] {
            let done = map_ahead((0..9).collect(), threads, |n: i32| (n, priority().unwrap()));
            let order: Vec<i32> = done.iter().map(|(n, _)| *n).collect();
            assert_eq!(order, (0..9).collect::<Vec<_>>(), "on {threads} threads");
            for (_, ahead) in done {
                assert_eq!(
                    ahead,
                    (caller + AHEAD_NICENESS).min(19),
                    "on {threads} threads"
                );
            }
            assert_eq!(
                priority().unwrap(),
                caller,
                "the caller's own priority changed"
            );
        }
        // Work that is waited for runs as its caller does.
        for (_, now) in map_in_parallel((0..4).collect(), 2, |n: i32| (n, priority().unwrap())) {
            assert_eq!(now, caller);
        }
    }
}
