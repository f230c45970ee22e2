//! The typed contract between Lore's browser client and its API server.
//!
//! Each endpoint is declared once, in [`endpoints`], as a zero-sized type implementing
//! [`Endpoint`]: its HTTP method, its path, and the Rust types of its request and response. The
//! server mounts its handlers at `E::PATH` with `E::METHOD` and returns `E::Response`; the client
//! builds its requests from the same constants and decodes into the same types. Every failure
//! comes back as one JSON shape, the [`ErrorEnvelope`].

mod accounts;
mod documents;
mod editing;
mod endpoints;
mod error;
#[cfg(feature = "openapi")]
pub mod openapi;

pub use accounts::*;
pub use documents::*;
pub use editing::*;
pub use endpoints::*;
pub use error::{ErrorBody, ErrorCode, ErrorEnvelope};

use serde::{Serialize, de::DeserializeOwned};

/// The HTTP methods Lore's API uses. Our own enum rather than `http::Method` so the contract has
/// no HTTP-library dependency and can be matched exhaustively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Read; the request travels in the query string.
    Get,
    /// Create or act; the request travels as a JSON body.
    Post,
    /// Replace; the request travels as a JSON body.
    Put,
    /// Remove; the request travels in the query string.
    Delete,
}

impl Method {
    /// The method's name as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// Whether the request is sent as a JSON body (otherwise as a query string).
    pub const fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put)
    }
}

/// One API endpoint: where it lives and what goes in and out.
///
/// Implemented only by the types [`endpoints`] declares, so the list there is the complete API.
pub trait Endpoint {
    /// The HTTP method the server routes and the client sends.
    const METHOD: Method;
    /// The absolute path, starting with `/api/`.
    const PATH: &'static str;
    /// Who may call it.
    const PERMISSION: Permission;
    /// What the client sends: `()` for none.
    type Request: Serialize + DeserializeOwned;
    /// What the server answers with on success (status 2xx).
    type Response: Serialize + DeserializeOwned;
}

/// A summary of one endpoint, for code that walks the whole API (route coverage tests, docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointInfo {
    /// The endpoint type's name, e.g. `Hello`.
    pub name: &'static str,
    /// Its HTTP method.
    pub method: Method,
    /// Its path.
    pub path: &'static str,
    /// Who may call it.
    pub permission: Permission,
}

impl EndpointInfo {
    /// Its path as OpenAPI writes it: a parameter that takes the rest of the path (`{*path}`,
    /// as the router writes it) is written like any other (`{path}`).
    pub fn described_path(&self) -> String {
        self.path.replace("{*", "{")
    }
}

/// Why a request could not be turned into a URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the request cannot be written as a query string: {0}")]
pub struct QueryEncodingError(String);

/// The URL (path and query) a client requests for `request` on endpoint `E`.
///
/// A field whose name appears in the path as `{name}` fills that segment. For methods without a
/// body the other fields become the query string (a `()` request adds nothing); for methods with
/// a body they travel in it.
pub fn request_url<E: Endpoint>(request: &E::Request) -> Result<String, QueryEncodingError> {
    Ok(request_parts::<E>(request)?.0)
}

/// [`request_url`], and for a method with a body, the request as the JSON body to send.
///
/// Only the encoding is generic; placing the fields in the path is one function for every
/// endpoint, so the browser's bundle does not carry a copy of it per endpoint.
pub fn request_parts<E: Endpoint>(
    request: &E::Request,
) -> Result<(String, Option<serde_json::Value>), QueryEncodingError> {
    if E::METHOD.has_body() {
        let value = serde_json::to_value(request).map_err(|e| QueryEncodingError(e.to_string()))?;
        Ok((path_from_body(E::PATH, &value)?, Some(value)))
    } else {
        let encoded =
            serde_urlencoded::to_string(request).map_err(|e| QueryEncodingError(e.to_string()))?;
        Ok((url_from_query(E::PATH, &encoded)?, None))
    }
}

/// `path` with its placeholders filled from a JSON body's top-level fields. The body may nest
/// (a draft inside a save), which a query string cannot hold, so nothing else is taken out.
fn path_from_body(path: &str, body: &serde_json::Value) -> Result<String, QueryEncodingError> {
    let mut path = path.to_owned();
    for (name, field) in body.as_object().into_iter().flatten() {
        let placeholder = format!("{{{name}}}");
        let text = match field {
            serde_json::Value::String(text) => text.clone(),
            serde_json::Value::Number(number) => number.to_string(),
            _ => continue,
        };
        if path.contains(&placeholder) {
            let encoded = serde_urlencoded::to_string([("", text.as_str())])
                .map_err(|e| QueryEncodingError(e.to_string()))?;
            path = path.replace(&placeholder, &path_segment(&encoded[1..]));
        }
    }
    filled(path, Vec::new())
}

/// `path` with its placeholders filled from a form-encoded request, and the pairs it does not
/// name as the query string.
fn url_from_query(path: &str, encoded: &str) -> Result<String, QueryEncodingError> {
    let mut path = path.to_owned();
    let mut query: Vec<&str> = Vec::new();
    for pair in encoded.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let placeholder = format!("{{{name}}}");
        // `{*name}` takes the rest of the path: its slashes stay slashes.
        let rest = format!("{{*{name}}}");
        if path.contains(&placeholder) {
            path = path.replace(&placeholder, &path_segment(value));
        } else if path.contains(&rest) {
            path = path.replace(&rest, &path_segment(value).replace("%2F", "/"));
        } else {
            query.push(pair);
        }
    }
    filled(path, query)
}

/// The address of a filled `path` and `query`, or which placeholder no field filled.
fn filled(path: String, query: Vec<&str>) -> Result<String, QueryEncodingError> {
    if let Some(missing) = path.split('{').nth(1) {
        return Err(QueryEncodingError(format!(
            "the request has no field for {{{}",
            missing.split('}').next().unwrap_or(missing)
        )));
    }
    Ok(if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    })
}

/// A form-encoded value as a path segment: form encoding writes spaces as `+`, which a path
/// does not decode, so they become `%20`.
fn path_segment(form_encoded: &str) -> String {
    form_encoded.replace('+', "%20")
}
