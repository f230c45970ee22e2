//! The JSON error envelope: the one shape every API failure takes.
//!
//! ```json
//! {"error": {"code": "not_found", "message": "No API endpoint GET /api/nope."}}
//! ```
//!
//! `code` is stable and machine-readable (clients branch on it); `message` is for people and may
//! change wording. The HTTP status carries the same information as `code`, for proxies and
//! tools that never read the body. The server builds it, the client decodes it; both use
//! these types.

use super::{EditableNote, Problem};
use serde::{Deserialize, Serialize};

/// The body of every non-2xx API response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorEnvelope {
    /// What went wrong.
    pub error: ErrorBody,
}

/// The contents of an [`ErrorEnvelope`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Machine-readable kind of failure.
    pub code: ErrorCode,
    /// A sentence for a person: what failed and, where it helps, what to do.
    pub message: String,
    /// For invalid input: every problem, located as `file:line:column` (an import) or by
    /// `field` (a save). Absent otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// For a 409 `conflict` on a save: the note as it is now, which the save did not start
    /// from. The editor shows it beside the person's version so they can merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Box<EditableNote>>,
}

/// Machine-readable kinds of failure, serialized in `snake_case`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the request is malformed (bad JSON, bad query string).
    BadRequest,
    /// 401: the endpoint needs a signed-in user or a token, and the request had none that is
    /// valid (never signed in, the session ended, the token was revoked or expired).
    Unauthenticated,
    /// 403: the caller is known but may not do this (a reader writing, an editor managing
    /// users, a read token writing, a request from another site).
    Forbidden,
    /// 429: too many failed sign-ins; `Retry-After` says when to try again.
    TooManyRequests,
    /// 404: no such endpoint or resource.
    NotFound,
    /// 405: the path exists but not with this method.
    MethodNotAllowed,
    /// 409: the change was made on a revision that is no longer current, or takes an id another
    /// note has; nothing was written.
    Conflict,
    /// 413: the request body is larger than the server accepts.
    PayloadTooLarge,
    /// 422: the request was understood but its content is invalid (`problems` says where).
    InvalidInput,
    /// 503: a tier this request needs (the database) is unreachable; retry later.
    Unavailable,
    /// 500: the server failed; details are in its log, never in the response.
    Internal,
    /// A code this client does not know yet (sent by a newer server). Decoding it as `Unknown`
    /// keeps old clients working when the server gains new codes.
    #[serde(other)]
    Unknown,
}

impl ErrorEnvelope {
    /// Builds an envelope from a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: ErrorBody {
                code,
                message: message.into(),
                problems: Vec::new(),
                current: None,
            },
        }
    }
}
