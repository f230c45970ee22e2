//! How busy the machine's cores were while a command ran, and how much of that was the
//! command's own process: read from Linux's `/proc`, so that a benchmark can tell an import
//! that waits (on the disk, on a lock, on a slow step nobody overlaps) from one that is bound
//! by the cores it has.
//!
//! `lore import` into PostgreSQL runs on two processes of the same machine, Lore's and the
//! database's, and on a machine with few cores the two share them. Its notes a second alone do
//! not say whether it could go faster by overlapping its work better or only by doing less of
//! it; the cores' busy share does. Elsewhere than Linux nothing is measured and nothing printed.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A command's exit, its standard output, and what it cost the cores.
pub(crate) struct Measured {
    pub status: ExitStatus,
    pub stdout: String,
    /// `None` where `/proc` cannot tell.
    pub cores: Option<CoreUse>,
}

/// The machine's cores over one command's run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CoreUse {
    /// The share of the cores' time that was busy, 0 to 1.
    pub busy_share: f64,
    /// Core-seconds of the command's own process.
    pub own_seconds: f64,
    /// Core-seconds of every other process (the database's, for an import into PostgreSQL).
    pub others_seconds: f64,
}

impl std::fmt::Display for CoreUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cores {:.0}% busy: lore {:.1} core-s, the rest {:.1}",
            100.0 * self.busy_share,
            self.own_seconds,
            self.others_seconds
        )
    }
}

/// Runs `command` (its standard error inherited) to its end.
pub(crate) fn run(command: &mut Command) -> std::io::Result<Measured> {
    let before = Ticks::now();
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    // Read on a thread of its own, so that a command that writes more than a pipe holds
    // does not wait for this one, which waits for it to end.
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let own = ended_ticks(&child);
    let after = Ticks::now();
    let elapsed = started.elapsed();
    let status = child.wait()?;
    let stdout = reader.join().unwrap_or_default();
    let cores = match (before, after, own) {
        (Some(before), Some(after), Some(own)) => before.until(after, own, elapsed),
        _ => None,
    };
    Ok(Measured {
        status,
        stdout,
        cores,
    })
}

/// The machine's cores' time so far, in clock ticks, from `/proc/stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ticks {
    busy: u64,
    idle: u64,
    /// How many cores the totals are of (the `cpuN` lines).
    cores: usize,
}

impl Ticks {
    fn now() -> Option<Self> {
        Self::parse(&std::fs::read_to_string("/proc/stat").ok()?)
    }

    /// The first line, `cpu  user nice system idle iowait irq softirq steal ...`, is every
    /// core's together: waiting for the disk counts as idle (nothing ran), and time the host
    /// gave another machine (steal) is left out.
    fn parse(stat: &str) -> Option<Self> {
        let mut lines = stat.lines();
        let mut fields = lines.next()?.split_whitespace();
        if fields.next()? != "cpu" {
            return None;
        }
        let numbers: Vec<u64> = fields
            .take(7)
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        let [user, nice, system, idle, iowait, irq, softirq] = numbers[..] else {
            return None;
        };
        let cores = lines
            .take_while(|line| line.starts_with("cpu"))
            .count()
            .max(1);
        Some(Self {
            busy: user + nice + system + irq + softirq,
            idle: idle + iowait,
            cores,
        })
    }

    /// What the cores did from `self` to `after`, `elapsed` apart, of which the command's
    /// process spent `own` ticks. The clock tick's length cancels out of the shares; it is
    /// measured, as every core's ticks over the time they took, for the core-seconds.
    fn until(self, after: Ticks, own: u64, elapsed: Duration) -> Option<CoreUse> {
        let busy = after.busy.checked_sub(self.busy)?;
        let all = busy + after.idle.checked_sub(self.idle)?;
        if all == 0 || elapsed.is_zero() {
            return None;
        }
        let ticks_a_second = all as f64 / self.cores as f64 / elapsed.as_secs_f64();
        let own = own.min(busy);
        Some(CoreUse {
            busy_share: busy as f64 / all as f64,
            own_seconds: own as f64 / ticks_a_second,
            others_seconds: (busy - own) as f64 / ticks_a_second,
        })
    }
}

/// Waits until `child` has ended, and returns the clock ticks it ran, user and system: read
/// while it is a zombie, ended but not yet waited for, when `/proc` still holds its times.
/// Without `/proc`, returns `None` at once, and the caller's wait for the child does the waiting.
fn ended_ticks(child: &Child) -> Option<u64> {
    let path = format!("/proc/{}/stat", child.id());
    loop {
        let stat = std::fs::read_to_string(&path).ok()?;
        // The command's name, in parentheses, may hold spaces: the fields start after it.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        if fields.first() == Some(&"Z") {
            let utime: u64 = fields.get(11)?.parse().ok()?;
            let stime: u64 = fields.get(12)?.parse().ok()?;
            return Some(utime + stime);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cores_time_counts_waiting_for_the_disk_as_idle_and_leaves_out_steal() {
        let stat = "cpu  100 5 20 300 7 1 2 50 0 0\ncpu0 50 5 10 150 3 1 1 25 0 0\n\
                    cpu1 50 0 10 150 4 0 1 25 0 0\nintr 12345\n";
        let ticks = Ticks::parse(stat).unwrap();
        assert_eq!(
            ticks,
            Ticks {
                busy: 128,
                idle: 307,
                cores: 2
            }
        );
        assert_eq!(Ticks::parse("cpu0 1 2 3 4 5 6 7"), None);
        assert_eq!(Ticks::parse("cpu  1 2 3"), None);
    }

    #[test]
    fn shares_and_core_seconds_come_from_the_ticks_between_two_readings() {
        // Each of 4 cores ticked 100 times in one second; three quarters of all ticks were
        // busy, a third of those the command's.
        let before = Ticks {
            busy: 1_000,
            idle: 1_000,
            cores: 4,
        };
        let after = Ticks {
            busy: 1_300,
            idle: 1_100,
            ..before
        };
        let used = before.until(after, 100, Duration::from_secs(1)).unwrap();
        assert!((used.busy_share - 0.75).abs() < 1e-9);
        assert!((used.own_seconds - 1.0).abs() < 1e-9);
        assert!((used.others_seconds - 2.0).abs() < 1e-9);
        assert_eq!(before.until(before, 0, Duration::from_secs(1)), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_commands_own_time_is_read_once_it_has_ended() {
        let busy_loop = "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo done";
        let measured = run(Command::new("sh").args(["-c", busy_loop])).unwrap();
        assert!(measured.status.success());
        assert_eq!(measured.stdout, "done\n");
        let cores = measured.cores.expect("Linux's /proc tells");
        assert!(cores.own_seconds > 0.0, "{cores}");
        assert!((0.0..=1.0).contains(&cores.busy_share), "{cores}");
    }
}
