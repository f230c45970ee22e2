//! Who the browser acts as, for the whole UI: the [`Session`] context, and the plain rules for
//! where signing in leads.
//!
//! Pages rendered on the server are the same for every visitor (they are cached and shared), so
//! nothing about the reader may be in them. The session starts *unknown* on the server and, for
//! hydration to match, in the browser too; an effect (which runs in the browser alone) then asks
//! the server (`GET /api/session`) and every part of the page that depends on the reader (the
//! account menu, edit buttons, account pages) appears. Hiding a button is a convenience only: the
//! server checks every request itself.

use crate::api::Api;
use crate::contract::{SessionInfo, UserSummary};
use leptos::prelude::*;

/// The session as the UI knows it: `None` until the browser has asked. `Copy`, so event handlers
/// and effects take it freely; provided by [`App`](crate::App), read with [`use_session`].
#[derive(Clone, Copy)]
pub struct Session {
    info: RwSignal<Option<SessionInfo>>,
    api: StoredValue<Api>,
    /// Bumped by every change; an answer to [`refresh`](Self::refresh) that arrives after a
    /// newer one (a sign-in answered first) is dropped instead of undoing it.
    generation: StoredValue<u64>,
}

impl Session {
    /// An unknown session that asks `api` when refreshed, provided as context.
    pub fn provide(api: Api) -> Self {
        let session = Self {
            info: RwSignal::new(None),
            api: StoredValue::new(api),
            generation: StoredValue::new(0),
        };
        provide_context(session);
        session
    }

    /// What the server last said (tracked); `None` while unknown.
    pub fn get(&self) -> Option<SessionInfo> {
        self.info.get()
    }

    /// Applies `f` to what the server last said (tracked), without cloning it.
    pub fn with<U>(&self, f: impl FnOnce(Option<&SessionInfo>) -> U) -> U {
        self.info.with(|info| f(info.as_ref()))
    }

    /// The signed-in user (tracked); `None` while unknown or for an anonymous visitor.
    pub fn user(&self) -> Option<UserSummary> {
        self.info
            .with(|info| info.as_ref().and_then(|i| i.user.clone()))
    }

    /// Whether the reader may change notes (tracked); `false` while unknown.
    pub fn can_write(&self) -> bool {
        self.info
            .with(|info| info.as_ref().is_some_and(SessionInfo::can_write))
    }

    /// Whether the reader manages users (tracked); `false` while unknown.
    pub fn is_admin(&self) -> bool {
        self.info
            .with(|info| info.as_ref().is_some_and(SessionInfo::is_admin))
    }

    /// One word for the session's state (tracked): `unknown`, `anonymous`, or the user's role.
    /// The account menu carries it as `data-session`, so style and end-to-end tests can tell
    /// when the browser has learnt who it is.
    pub fn state_name(&self) -> &'static str {
        self.info.with(|info| match info {
            None => "unknown",
            Some(SessionInfo { user: None, .. }) => "anonymous",
            Some(SessionInfo {
                user: Some(user), ..
            }) => user.role.as_str(),
        })
    }

    /// Takes `info` (the answer to signing in, out or setting up) as the session. Readers are
    /// notified only when it changed, so pages that depend on it are not rebuilt for nothing.
    pub fn set(&self, info: SessionInfo) {
        self.generation.try_update_value(|g| *g += 1);
        self.info.maybe_update(|current| {
            if current.as_ref() == Some(&info) {
                false
            } else {
                *current = Some(info);
                true
            }
        });
    }

    /// Asks the server who the browser acts as, and keeps the answer. Browser-only: call it
    /// from effects and event handlers. A failed request leaves the session as it was.
    pub fn refresh(&self) {
        let Some(api) = self.api.try_get_value() else {
            return;
        };
        let Some(ticket) = self.generation.try_update_value(|g| {
            *g += 1;
            *g
        }) else {
            return;
        };
        let session = *self;
        leptos::task::spawn_local(async move {
            if let Ok(info) = api.session().await
                && session.generation.try_get_value() == Some(ticket)
            {
                session.set(info);
            }
        });
    }
}

/// The [`Session`] provided by [`App`](crate::App).
pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Where to send a reader once they have signed in: `next` when it is a path on this site,
/// `/` otherwise. A `next` is anyone's to write into a link, so only a plain absolute path
/// passes: not `//host` or `/\host` (which browsers read as another site), nothing with
/// control characters (which browsers strip before reading the address), and not the sign-in
/// page itself.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(path) = next else {
        return "/".to_owned();
    };
    let elsewhere = !path.starts_with('/')
        || path.starts_with("//")
        || path.contains('\\')
        || path.chars().any(char::is_control);
    let sign_in = path == "/sign-in" || path.starts_with("/sign-in?");
    if elsewhere || sign_in {
        "/".to_owned()
    } else {
        path.to_owned()
    }
}

/// The sign-in link for a reader now at `path` with query `search` (without its `?`): back
/// here once signed in. On the sign-in page it stays as it is; from the set-up page it leads
/// home.
pub fn sign_in_href(path: &str, search: &str) -> String {
    let here = match (path, search) {
        ("/sign-in", "") => return "/sign-in".to_owned(),
        ("/sign-in", search) => return format!("/sign-in?{search}"),
        ("/setup", _) | ("/", "") => return "/sign-in".to_owned(),
        (path, "") => path.to_owned(),
        (path, search) => format!("{path}?{search}"),
    };
    serde_urlencoded::to_string([("next", here.as_str())])
        .map(|query| format!("/sign-in?{query}"))
        .unwrap_or_else(|_| "/sign-in".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_on_this_site_is_where_signing_in_leads() {
        assert_eq!(safe_next(Some("/notes/tcp")), "/notes/tcp");
        assert_eq!(safe_next(Some("/search?q=tcp")), "/search?q=tcp");
    }

    #[test]
    fn anything_that_could_lead_to_another_site_leads_home_instead() {
        for next in [
            None,
            Some(""),
            Some("https://evil.example/"),
            Some("//evil.example/"),
            Some("/\\evil.example/"),
            Some("/\t/evil.example/"),
            Some("javascript:alert(1)"),
            Some("notes/tcp"),
            Some("/sign-in"),
            Some("/sign-in?next=/"),
        ] {
            assert_eq!(safe_next(next), "/", "{next:?}");
        }
    }

    #[test]
    fn the_sign_in_link_brings_the_reader_back_to_where_they_were() {
        assert_eq!(
            sign_in_href("/notes/tcp", ""),
            "/sign-in?next=%2Fnotes%2Ftcp"
        );
        assert_eq!(
            sign_in_href("/search", "q=a b&tag=x"),
            "/sign-in?next=%2Fsearch%3Fq%3Da+b%26tag%3Dx"
        );
        assert_eq!(sign_in_href("/", ""), "/sign-in");
        assert_eq!(sign_in_href("/setup", "code=XY"), "/sign-in");
        assert_eq!(
            sign_in_href("/sign-in", "next=%2Fgraph"),
            "/sign-in?next=%2Fgraph"
        );
    }
}
