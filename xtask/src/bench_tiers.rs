//! What the load balancer tier costs and what a second replica buys, measured in one run on the
//! N-tier deployment of [`crate::cluster`] (release build, the demo notes, PostgreSQL of its own).
//!
//! - Overhead: one replica, read directly and through nginx (a note's JSON, its page).
//! - Scaling: through nginx, one replica against two, each replica pinned to its own core with
//!   `taskset`, so that on a 2-core machine the second replica has a core the first does not use.
//!   nginx and wrk are not pinned: on two cores they share them with the replicas, which is what
//!   the numbers must be read with.

use crate::Result;
use crate::bench::{EVERY_REQUEST_NEW, free_port, wrk};
use crate::cluster::{Cluster, Settings};
use std::path::Path;

/// The demo note read in every measurement.
const NOTE: &str = "proxy";
const DURATION: &str = "5s";

/// Runs the measurements with `lore`; returns the lines to print.
pub fn measure(lore: &Path) -> Result<Vec<String>> {
    let cluster = Cluster::start(Settings {
        lore: lore.to_owned(),
        dist: None,
        replicas: 2,
        port: free_port()?,
        demo: true,
        pinned: true,
        namespaces: false,
    })?;
    let balancer = cluster.balancer;
    let every_request_new = cluster.state.join("every-request-new.lua");
    std::fs::write(&every_request_new, EVERY_REQUEST_NEW)
        .map_err(|e| format!("cannot write the wrk script: {e}"))?;
    let page = format!("/notes/{NOTE}");
    let cases = [
        ("a note's JSON", format!("/api/documents/{NOTE}"), None),
        ("its page", page.clone(), None),
        // The replica's CPU is what limits this one, not nginx's or wrk's.
        (
            "its page rendered on every request",
            page,
            Some(every_request_new.as_path()),
        ),
    ];
    let direct = cluster.replicas[0].addr;
    let mut lines = Vec::new();
    for (what, path, script) in cases {
        // Warm both replicas' caches and connections first.
        for addr in cluster.replicas.iter().map(|r| r.addr) {
            wrk(&format!("http://{addr}{path}"), "1s", None)?;
        }
        cluster.route_only(Some(vec![0]))?;
        let alone = wrk(&format!("http://{direct}{path}"), DURATION, script)?;
        let through = wrk(&format!("http://{balancer}{path}"), DURATION, script)?;
        cluster.route_only(None)?;
        let both = wrk(&format!("http://{balancer}{path}"), DURATION, script)?;
        lines.push(format!(
            "{what}: one replica direct {alone:.0} req/s, through nginx {through:.0} (ratio {:.2}); \
             two replicas through nginx {both:.0} (ratio {:.2} to one)",
            through / alone,
            both / through
        ));
    }
    Ok(lines)
}

/// `cargo xtask bench-tiers`: only this part of the benchmark (a release build first).
pub fn run_alone() -> Result {
    crate::tools::debian_packages(&[("wrk", "wrk"), ("nginx", "nginx")])?;
    crate::step(
        "building lore (release)",
        crate::cargo().args(["build", "--release", "--package", "server", "--bin", "lore"]),
    )?;
    let lines = measure(&crate::workspace_root().join("target/release/lore"))?;
    println!("\nxtask: the balancer and the replicas");
    for line in lines {
        println!("  tiers: {line}");
    }
    Ok(())
}
