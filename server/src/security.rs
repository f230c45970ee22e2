//! The headers that tell a browser what a response may do, on every response.
//!
//! Pages get a Content-Security-Policy that lets them run script from Lore's own origin and,
//! of inline scripts, only those the server itself wrote: the one that loads the wasm and
//! hydrates the page, and the data leptos serializes after the document for the browser to
//! hydrate from. Each is allowed by its SHA-256 hash, not by a per-request nonce, because a
//! rendered page is cached and served to many readers. Any other script, whatever slipped into
//! a page (a `<script>` in a title that escaped its escaping, an `onerror=` attribute), does not
//! run: that is what would have stopped the `<title>` injection that leptos_meta allowed.
//!
//! Everything else gets a policy that allows nothing to run at all, plus the usual headers:
//! no MIME sniffing (so a note's raw Markdown is never run as HTML), no framing.

use axum::extract::Request;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The policy of responses that are not pages: JSON, Markdown, assets. Nothing in them is
/// meant to run or be shown as a document.
const NOT_A_PAGE: HeaderValue =
    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; sandbox");

/// Adds the headers every response carries; pages already have their own policy (see
/// [`PagePolicy`]).
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(CONTENT_SECURITY_POLICY, NOT_A_PAGE);
    }
    response
}

/// How a rendered page's policy is made: which of its inline scripts are the server's own.
#[derive(Debug, Clone, Default)]
pub struct PagePolicy {
    /// `'sha256-…'` of each script that loads a client's wasm and hydrates (the whole
    /// client's and the reader's), when a client is served.
    hydration: Vec<String>,
}

impl PagePolicy {
    /// A policy for pages whose hydration script is the first inline script of one of
    /// `rendered` (the `HydrationScripts` component rendered alone, once per build), or for
    /// pages without one (no builds).
    pub fn new<'a>(rendered_hydration: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            hydration: rendered_hydration
                .into_iter()
                .filter_map(|html| inline_scripts(html).next())
                .map(source_hash)
                .collect(),
        }
    }

    /// The Content-Security-Policy of `page`.
    pub fn for_page(&self, page: &str) -> HeaderValue {
        let mut scripts = String::from("'self' 'wasm-unsafe-eval'");
        for hash in self
            .hydration
            .iter()
            .cloned()
            .chain(serialized_data(page).map(source_hash))
        {
            scripts.push(' ');
            scripts.push_str(&hash);
        }
        let policy = format!(
            "default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data: https: http:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        HeaderValue::from_str(&policy).expect("hashes are base64, the rest is ASCII")
    }

    /// Sets `page`'s policy on its response headers when it is HTML.
    pub fn apply(&self, headers: &mut HeaderMap, page: &[u8]) {
        let is_html = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if is_html {
            let page = String::from_utf8_lossy(page);
            headers.insert(CONTENT_SECURITY_POLICY, self.for_page(&page));
        }
    }
}

/// `'sha256-<base64>'` of a script's or style sheet's source, as CSP spells an allowed inline
/// one.
pub fn source_hash(source: &str) -> String {
    let digest = Sha256::digest(source.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The sources of the inline scripts leptos appends after the document's last `</html>`: the
/// data the page was rendered from. leptos writes each `<` inside them as `\u003c`, so nothing
/// in a note can end one of them early or write another after them; whatever a note smuggled
/// into the document itself comes before that `</html>`, and is not hashed.
fn serialized_data(page: &str) -> impl Iterator<Item = &str> {
    let after = page.rfind("</html>").map_or("", |end| &page[end..]);
    inline_scripts(after)
}

/// The sources of the `<script>` elements without `src` in `html`, in order.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || {
        loop {
            let open = rest.find("<script")?;
            let tag_end = open + rest[open..].find('>')?;
            let tag = &rest[open..tag_end];
            let source_start = tag_end + 1;
            let close = source_start + rest[source_start..].find("</script>")?;
            let source = &rest[source_start..close];
            rest = &rest[close + "</script>".len()..];
            if !tag.contains(" src=") {
                return Some(source);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = concat!(
        "<!DOCTYPE html><html><head><script type=\"module\" nonce=\"n\">hydrate()</script>",
        "<title>&lt;/title&gt;</title></head><body><p>note</p>",
        "<script>alert('smuggled')</script></body></html>",
        "<script nonce=\"n\">__RESOLVED_RESOURCES=[\"\\u003cb\\u003e\"];</script>",
        "<script>__SERIALIZED_ERRORS=[];</script>",
    );

    #[test]
    fn a_page_may_run_its_hydration_script_and_its_data_and_nothing_else() {
        let policy = PagePolicy::new(["<script type=\"module\">hydrate()</script>"]);
        let header = policy.for_page(PAGE);
        let header = header.to_str().unwrap();
        assert!(header.contains(&source_hash("hydrate()")), "{header}");
        assert!(
            header.contains(&source_hash("__RESOLVED_RESOURCES=[\"\\u003cb\\u003e\"];")),
            "{header}"
        );
        assert!(
            header.contains(&source_hash("__SERIALIZED_ERRORS=[];")),
            "{header}"
        );
        assert!(
            !header.contains(&source_hash("alert('smuggled')")),
            "{header}"
        );
        assert!(!header.contains("unsafe-inline"), "{header}");
        assert_eq!(header.matches("'sha256-").count(), 3, "{header}");
    }

    #[test]
    fn the_hash_is_the_one_browsers_compute() {
        // From the CSP specification's example: `alert('Hello, world.');`.
        assert_eq!(
            source_hash("alert('Hello, world.');"),
            "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"
        );
    }
}
