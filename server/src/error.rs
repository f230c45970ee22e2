//! The server's one error type and how it becomes an HTTP response.
//!
//! Every failure a handler can return is an [`ApiError`] variant. Client mistakes map to
//! explicit 4xx statuses with a message saying what to change; server-side trouble maps to 5xx
//! with a generic message, and its cause is logged here, once, never sent to the client. The
//! body is always the contract's [`ErrorEnvelope`], which the browser client decodes.

use crate::cpu::CpuError;
use crate::store::StoreError;
use app::contract::{EditableNote, ErrorCode, ErrorEnvelope, Problem};
use axum::Json;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// Everything that can go wrong while answering an API request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No endpoint has this path.
    #[error("No API endpoint {method} {path}.")]
    NoSuchEndpoint {
        /// The request's method.
        method: Method,
        /// The request's path.
        path: String,
    },
    /// The endpoint exists but not for this method.
    #[error("{path} does not accept {method}.")]
    MethodNotAllowed {
        /// The request's method.
        method: Method,
        /// The request's path.
        path: String,
    },
    /// The database tier does not answer.
    #[error("The database is not reachable; try again shortly.")]
    DatabaseUnavailable(#[source] StoreError),
    /// This replica is stopping (`--drain-delay`): it still serves requests, but tells a load
    /// balancer asking `/api/ready` to send new ones elsewhere.
    #[error("This replica is shutting down; send requests to another one.")]
    Draining,
    /// Too much work is queued on this replica already; the client should retry later.
    #[error("The server is busy; try again shortly.")]
    Busy,
    /// The request took longer than the server allows (`--request-timeout`).
    #[error("The request took longer than the {0:?} the server allows (--request-timeout).")]
    TimedOut(std::time::Duration),
    /// No document has this id.
    #[error("No document has the id `{0}`.")]
    DocumentNotFound(String),
    /// Something other than a document is missing (a revision); the message says what.
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// The request body is over the limit.
    #[error("The upload is larger than the server accepts ({0}).")]
    PayloadTooLarge(String),
    /// Imported files have problems; nothing was written.
    #[error("{} problem(s) in the imported files; nothing was imported.", .0.len())]
    InvalidImport(Vec<Problem>),
    /// The request needs a signed-in user or a token and had none that is valid; the message
    /// says which (never signed in, or the session ended).
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is known but may not do this; the message says what it would take.
    #[error("{0}")]
    Forbidden(String),
    /// Too many failed sign-ins for this name or from this address.
    #[error("Too many failed sign-ins; try again in {} second(s).", .retry_after.as_secs())]
    TooManyAttempts {
        /// When the next attempt may succeed (sent as `Retry-After`).
        retry_after: std::time::Duration,
    },
    /// An account request has problems, each naming its field; nothing was changed.
    #[error("Nothing was changed: {} problem(s).", .0.len())]
    InvalidAccount(Vec<Problem>),
    /// A note from the editor has problems, each naming its field; nothing was saved.
    #[error("The note was not saved: {} problem(s).", .0.len())]
    InvalidNote(Vec<Problem>),
    /// A write that would undo or clash with another: a save on an old revision (`current` is
    /// the note as it is now), or an id or path that is taken.
    #[error("{message}")]
    Conflict {
        /// What clashed, and what to do.
        message: String,
        /// For a stale save: the note now.
        current: Option<Box<EditableNote>>,
        /// The field at fault, when there is one.
        problems: Vec<Problem>,
    },
    /// The database failed while answering.
    #[error("The server failed to answer; the problem is in its log.")]
    Store(StoreError),
    /// Something else failed on the server.
    #[error("The server failed to answer; the problem is in its log.")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() {
            ApiError::DatabaseUnavailable(error)
        } else {
            ApiError::Store(error)
        }
    }
}

impl ApiError {
    /// The HTTP status and envelope code for this error.
    pub fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            ApiError::NoSuchEndpoint { .. } => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            ApiError::MethodNotAllowed { .. } => {
                (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed)
            }
            ApiError::DatabaseUnavailable(_)
            | ApiError::Draining
            | ApiError::Busy
            | ApiError::TimedOut(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable),
            ApiError::DocumentNotFound(_) | ApiError::NotFound(_) => {
                (StatusCode::NOT_FOUND, ErrorCode::NotFound)
            }
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
            ApiError::PayloadTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
            }
            ApiError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            ApiError::TooManyAttempts { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyRequests)
            }
            ApiError::InvalidImport(_) | ApiError::InvalidNote(_) | ApiError::InvalidAccount(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidInput)
            }
            ApiError::Conflict { .. } => (StatusCode::CONFLICT, ErrorCode::Conflict),
            ApiError::Store(_) | ApiError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
            }
        }
    }

    /// A multipart upload that could not be read: too large, or malformed.
    pub fn from_multipart(error: axum::extract::multipart::MultipartError) -> Self {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(error.body_text())
        } else {
            ApiError::BadRequest(format!(
                "The upload could not be read: {}",
                error.body_text()
            ))
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            ApiError::TooManyAttempts { retry_after } => Some(retry_after.as_secs().max(1)),
            _ => None,
        };
        let (status, envelope) = self.into_envelope();
        let mut response = (status, Json(envelope)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl ApiError {
    /// The status and the envelope a client receives; a server-side failure is logged here.
    pub fn into_envelope(self) -> (StatusCode, ErrorEnvelope) {
        let (status, code) = self.status_and_code();
        // Draining is a planned stop, told to every readiness probe: not a failure to log.
        if status.is_server_error() && !matches!(self, ApiError::Draining) {
            // The one place a server-side failure is logged. `{:#}`-style chains would need
            // anyhow; walking `source()` keeps the cause without it.
            let mut causes = Vec::new();
            let mut source = std::error::Error::source(&self);
            while let Some(cause) = source {
                causes.push(cause.to_string());
                source = cause.source();
            }
            if let ApiError::Internal(detail) = &self {
                causes.push(detail.clone());
            }
            tracing::error!(error = %self, causes = ?causes, "request failed");
        }
        let mut envelope = ErrorEnvelope::new(code, self.to_string());
        match self {
            ApiError::InvalidImport(problems)
            | ApiError::InvalidNote(problems)
            | ApiError::InvalidAccount(problems) => {
                envelope.error.problems = problems;
            }
            ApiError::Conflict {
                current, problems, ..
            } => {
                envelope.error.current = current;
                envelope.error.problems = problems;
            }
            _ => {}
        }
        (status, envelope)
    }
}

impl From<crate::documents::sources::LimitExceeded> for ApiError {
    fn from(limit: crate::documents::sources::LimitExceeded) -> Self {
        ApiError::PayloadTooLarge(limit.to_string())
    }
}

impl From<CpuError> for ApiError {
    fn from(error: CpuError) -> Self {
        match error {
            CpuError::Busy => ApiError::Busy,
            CpuError::Failed(detail) => ApiError::Internal(detail),
        }
    }
}

/// Fallback for `/api/...` paths no endpoint matches: a JSON 404, never the HTML shell.
pub async fn no_such_endpoint(method: Method, uri: Uri) -> ApiError {
    ApiError::NoSuchEndpoint {
        method,
        path: uri.path().to_owned(),
    }
}

/// Fallback for a known path requested with the wrong method: a JSON 405.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed {
        method,
        path: uri.path().to_owned(),
    }
}
