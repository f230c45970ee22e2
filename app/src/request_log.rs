//! The reader's recent requests, tier by tier: what the architecture page draws.
//!
//! Every answer from Lore says in `Server-Timing` which replica served it and where its time
//! went on the server (`replica`, `database`, `render`, `cache`, `total`; nginx in front adds
//! `nginx`, its wait for the replica). The browser hands those to scripts through Resource
//! Timing, beside its own measure of the whole request, so the client can tell apart the network,
//! the balancer, the replica and the database without asking the server anything. A
//! `PerformanceObserver` started once by [`App`](crate::App) (in an effect: browser only) keeps
//! the latest [`KEPT`] in a signal, so the page is live while the reader clicks around.

use leptos::prelude::*;
use std::collections::VecDeque;

/// How many requests the log keeps, newest first.
pub const KEPT: usize = 40;

/// One `Server-Timing` entry as the browser hands it over.
#[derive(Clone, Debug, PartialEq)]
pub struct TimingEntry {
    /// `total`, `database`, `replica`...
    pub name: String,
    /// Milliseconds; 0 when it gave none.
    pub duration: f64,
    /// Its `desc`; empty when it gave none.
    pub description: String,
}

/// One request the browser made to Lore, with its time per tier in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedRequest {
    /// Path and query, without the origin.
    pub path: String,
    /// What the browser measured, from sending it to the last byte.
    pub browser: f64,
    /// nginx's wait for the replica, when nginx is in front.
    pub balancer: Option<f64>,
    /// The replica that answered.
    pub replica: Option<String>,
    /// The replica's whole time.
    pub server: f64,
    /// Its statements (outside a page's rendering).
    pub database: Option<f64>,
    /// Rendering a page, its reads included.
    pub render: Option<f64>,
    /// `hit` or `miss`, when the response cache was asked.
    pub cache: Option<String>,
}

/// One part of a request's time, for drawing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    /// `network`, `nginx`, `replica`, `render` or `database`.
    pub tier: &'static str,
    /// Its time, in milliseconds.
    pub ms: f64,
}

impl TimedRequest {
    /// The request measured at `browser` ms with these entries, or `None` when they do not come
    /// from Lore (no `total`: another origin's, or a browser that hides them).
    pub fn from_timing(path: String, browser: f64, entries: &[TimingEntry]) -> Option<Self> {
        let find = |name: &str| entries.iter().find(|entry| entry.name == name);
        let server = find("total")?.duration;
        let described = |name: &str| {
            find(name)
                .map(|entry| entry.description.clone())
                .filter(|description| !description.is_empty())
        };
        let balancer = find("nginx")
            .map(|entry| entry.duration)
            .filter(|ms| *ms > 0.0);
        Some(TimedRequest {
            path,
            // A browser that has not finished timing an entry can report less than nothing;
            // what it measured is at least what the tiers behind it reported.
            browser: browser.max(server).max(balancer.unwrap_or(0.0)),
            balancer,
            replica: described("replica"),
            server,
            database: find("database").map(|entry| entry.duration),
            render: find("render").map(|entry| entry.duration),
            cache: described("cache"),
        })
    }

    /// The request's time cut into tiers, each the part of the time its tier alone spent,
    /// outermost first: the network (and the browser's own queueing), nginx, the replica's
    /// own work, rendering, the database. The parts add up to what the browser measured.
    pub fn segments(&self) -> Vec<Segment> {
        let database = self.database.unwrap_or(0.0);
        let render = self.render.unwrap_or(0.0);
        let server = self.server.max(database + render);
        let upstream = self.balancer.unwrap_or(server).max(server);
        let browser = self.browser.max(upstream);
        let mut segments = vec![Segment {
            tier: "network",
            ms: browser - upstream,
        }];
        if self.balancer.is_some() {
            segments.push(Segment {
                tier: "nginx",
                ms: upstream - server,
            });
        }
        segments.push(Segment {
            tier: "replica",
            ms: server - database - render,
        });
        if self.render.is_some() {
            segments.push(Segment {
                tier: "render",
                ms: render,
            });
        }
        if self.database.is_some() {
            segments.push(Segment {
                tier: "database",
                ms: database,
            });
        }
        segments
    }
}

/// The path and query of a full URL (`https://host:8080/api/x?q=1` -> `/api/x?q=1`).
pub fn path_of(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => match rest.find('/') {
            Some(slash) => rest[slash..].to_owned(),
            None => "/".to_owned(),
        },
        None => url.to_owned(),
    }
}

/// The latest requests, newest first, shared through context.
#[derive(Clone, Copy)]
pub struct RequestLog {
    requests: RwSignal<VecDeque<TimedRequest>>,
    /// Whether the browser hands out server timings at all (it does only in a secure context:
    /// HTTPS, or a page on this machine).
    pub visible: RwSignal<Option<bool>>,
}

impl RequestLog {
    /// Makes the (empty) log and provides it; [`RequestLog::record`] starts filling it.
    pub fn provide() -> Self {
        let log = RequestLog {
            requests: RwSignal::new(VecDeque::new()),
            visible: RwSignal::new(None),
        };
        provide_context(log);
        log
    }

    /// The requests, newest first.
    pub fn requests(&self) -> Vec<TimedRequest> {
        self.requests
            .with(|requests| requests.iter().cloned().collect())
    }

    /// Adds a request, forgetting the oldest past [`KEPT`].
    pub fn push(&self, request: TimedRequest) {
        self.requests.update(|requests| {
            requests.push_front(request);
            requests.truncate(KEPT);
        });
    }

    /// Starts observing the browser's timeline: every page load and fetch so far and from now
    /// on. Browser only: call it from an effect.
    pub fn record(self) {
        #[cfg(target_arch = "wasm32")]
        browser::observe(self);
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::{RequestLog, TimedRequest, TimingEntry, path_of};
    use leptos::prelude::*;
    use leptos::wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{
        PerformanceObserver, PerformanceObserverEntryList, PerformanceObserverInit,
        PerformanceResourceTiming, PerformanceServerTiming,
    };

    pub(super) fn observe(log: RequestLog) {
        let secure = window().is_secure_context();
        log.visible.set(Some(secure));
        if !secure {
            // `serverTiming` is not there at all outside a secure context.
            return;
        }
        let seen = Closure::<dyn FnMut(PerformanceObserverEntryList)>::new(
            move |list: PerformanceObserverEntryList| {
                for entry in list.get_entries() {
                    if let Some(request) = timed(entry) {
                        log.push(request);
                    }
                }
            },
        );
        let Ok(observer) = PerformanceObserver::new(seen.as_ref().unchecked_ref()) else {
            return;
        };
        // What happened before (the page load, the first fetches), then what happens next.
        if let Some(performance) = window().performance() {
            for kind in ["navigation", "resource"] {
                for entry in performance.get_entries_by_type(kind) {
                    if let Some(request) = timed(entry) {
                        log.push(request);
                    }
                }
            }
        }
        let kinds = web_sys::js_sys::Array::of2(&"navigation".into(), &"resource".into());
        observer.observe(&PerformanceObserverInit::new(&kinds));
        // The observer lives as long as the page.
        seen.forget();
    }

    fn timed(entry: leptos::wasm_bindgen::JsValue) -> Option<TimedRequest> {
        // A page load's entry is a resource entry too.
        let timing = entry.dyn_into::<PerformanceResourceTiming>().ok()?;
        let entries: Vec<TimingEntry> = timing
            .server_timing()
            .iter()
            .filter_map(|entry| entry.dyn_into::<PerformanceServerTiming>().ok())
            .map(|entry| TimingEntry {
                name: entry.name(),
                duration: entry.duration(),
                description: entry.description(),
            })
            .collect();
        TimedRequest::from_timing(path_of(&timing.name()), timing.duration(), &entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, duration: f64, description: &str) -> TimingEntry {
        TimingEntry {
            name: name.to_owned(),
            duration,
            description: description.to_owned(),
        }
    }

    #[test]
    fn a_request_through_nginx_is_cut_into_tiers_that_add_up_to_the_browsers_time() {
        let request = TimedRequest::from_timing(
            "/api/documents/proxy".to_owned(),
            9.0,
            &[
                entry("replica", 0.0, "replica-2"),
                entry("database", 2.5, ""),
                entry("cache", 0.0, "miss"),
                entry("total", 4.0, ""),
                entry("nginx", 5.0, "waiting for the replica"),
            ],
        )
        .unwrap();
        assert_eq!(request.replica.as_deref(), Some("replica-2"));
        assert_eq!(request.cache.as_deref(), Some("miss"));
        let segments = request.segments();
        let tiers: Vec<_> = segments.iter().map(|s| (s.tier, s.ms)).collect();
        assert_eq!(
            tiers,
            [
                ("network", 4.0),
                ("nginx", 1.0),
                ("replica", 1.5),
                ("database", 2.5)
            ]
        );
        assert_eq!(segments.iter().map(|s| s.ms).sum::<f64>(), 9.0);
    }

    #[test]
    fn without_a_balancer_or_a_total_there_is_no_nginx_tier_or_no_request_at_all() {
        let direct = TimedRequest::from_timing(
            "/notes/a".into(),
            3.0,
            &[entry("render", 1.0, ""), entry("total", 1.2, "")],
        )
        .unwrap();
        let tiers: Vec<_> = direct.segments().iter().map(|s| s.tier).collect();
        assert_eq!(tiers, ["network", "replica", "render"]);
        assert!(TimedRequest::from_timing("/x".into(), 3.0, &[entry("cdn", 1.0, "")]).is_none());
    }

    #[test]
    fn clocks_that_disagree_never_make_a_tier_negative() {
        // Rounded by the browser, a server's total can exceed what the browser measured.
        let request = TimedRequest::from_timing(
            "/".into(),
            1.0,
            &[entry("database", 0.8, ""), entry("total", 1.4, "")],
        )
        .unwrap();
        assert!(request.segments().iter().all(|s| s.ms >= 0.0));
    }

    #[test]
    fn the_path_is_what_follows_the_origin() {
        assert_eq!(
            path_of("https://lore.example:8443/api/search?q=a"),
            "/api/search?q=a"
        );
        assert_eq!(path_of("http://127.0.0.1:3000"), "/");
    }
}
