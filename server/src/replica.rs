//! This process as one replica among several behind a load balancer: the name it gives in every
//! response's `X-Served-By` (so a reader, a test or an operator can see which replica answered),
//! and whether it is draining.
//!
//! Draining is the first step of a graceful stop (`--drain-delay`): on SIGTERM the replica keeps
//! serving every request, but `/api/ready` answers 503, so a load balancer that checks it stops
//! sending new work here before the listener closes. Only then does the server stop accepting
//! connections and finish what is in flight ([`startup`](crate::startup)).

use axum::http::HeaderValue;
use std::sync::atomic::{AtomicBool, Ordering};

/// The header naming the replica that served a response.
pub const SERVED_BY: &str = "x-served-by";

/// One replica's name and state, shared by every request it serves.
#[derive(Debug)]
pub struct Replica {
    name: HeaderValue,
    draining: AtomicBool,
}

impl Replica {
    /// A replica called `name`; a name that cannot be a header value (control characters) is
    /// refused with the reason.
    pub fn named(name: &str) -> Result<Self, String> {
        if name.is_empty() || name.len() > 200 {
            return Err(format!(
                "a replica name has 1 to 200 characters, not {}",
                name.len()
            ));
        }
        let name = HeaderValue::from_str(name)
            .map_err(|_| format!("`{name}` cannot be sent in a header: use printable ASCII"))?;
        Ok(Self {
            name,
            draining: AtomicBool::new(false),
        })
    }

    /// The name `lore serve` gives itself unless told (`--replica-name`): this host's name and
    /// the port it listens on, which tells apart replicas on one machine and on several.
    pub fn default_name(port: u16) -> String {
        let host = gethostname::gethostname();
        let host = host.to_string_lossy();
        let host = host.trim();
        format!("{}:{port}", if host.is_empty() { "lore" } else { host })
    }

    /// Its name, as sent in `X-Served-By`.
    pub fn name(&self) -> &HeaderValue {
        &self.name
    }

    /// From now on, `/api/ready` fails while requests are still served.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Whether [`start_draining`](Self::start_draining) was called.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }
}

impl Default for Replica {
    fn default() -> Self {
        Self::named("lore").expect("a valid name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_cannot_be_a_header_is_refused_with_the_reason() {
        assert!(
            Replica::named("web\n1")
                .unwrap_err()
                .contains("printable ASCII")
        );
        assert!(Replica::named("").is_err());
        assert_eq!(Replica::named("web-1").unwrap().name(), "web-1");
    }

    #[test]
    fn the_default_name_ends_with_the_port() {
        assert!(Replica::default_name(3001).ends_with(":3001"));
    }
}
