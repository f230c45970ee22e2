//! The UI's single data interface: what the pages may ask of the server, and how it can fail.
//!
//! Pages and components read through an [`Api`] taken from Leptos context and never issue
//! requests themselves. In the browser the implementation is [`HttpApi`], one generic `fetch`
//! over the [`contract`](crate::contract); on the server (for server-side rendering) another
//! implementation can answer straight from the store, and in component tests a fake one can
//! answer with fixed data. Swapping it never touches a component.

use crate::contract::{
    CollectionSummary, CreateNote, DeletedNote, Diff, DiffQuery, DocumentQuery, DocumentSummary,
    DocumentView, EditableNote, ErrorCode, ErrorEnvelope, Graph, GraphQuery, HelloResponse,
    NoteAction, Page, Preview, PreviewRequest, ReadyResponse, RestoreRevision, RevisionSummary,
    Saved, SearchQuery, SearchResults, TagCount, UpdateNote, WantedPage,
};
use crate::contract::{
    CreatedToken, Credentials, FirstAdmin, NewToken, NewUser, PasswordChange, SessionInfo,
    TokenSummary, UserChange, UserSummary,
};
use std::sync::Arc;

/// Everything the UI asks of the server, one method per endpoint it uses.
///
/// Futures are `Send` on the host (where a multi-threaded server drives them) but not in the
/// browser, where the fetch futures hold JavaScript values and wasm is single-threaded.
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
pub trait LoreApi: Send + Sync {
    /// The server's greeting (`GET /api/hello`).
    async fn hello(&self) -> Result<HelloResponse, ClientError>;
    /// Whether the server's database tier is reachable (`GET /api/ready`).
    async fn ready(&self) -> Result<ReadyResponse, ClientError>;
    /// A page of documents (`GET /api/documents`).
    async fn documents(&self, query: DocumentQuery) -> Result<Page<DocumentSummary>, ClientError>;
    /// One document (`GET /api/documents/{id}`).
    async fn document(&self, id: String) -> Result<DocumentView, ClientError>;
    /// Every tag (`GET /api/tags`).
    async fn tags(&self) -> Result<Vec<TagCount>, ClientError>;
    /// Every collection (`GET /api/collections`).
    async fn collections(&self) -> Result<Vec<CollectionSummary>, ClientError>;
    /// The graph, or its most connected part (`GET /api/graph`).
    async fn graph(&self, query: GraphQuery) -> Result<Graph, ClientError>;
    /// Wanted pages (`GET /api/wanted`).
    async fn wanted(&self) -> Result<Vec<WantedPage>, ClientError>;
    /// Full-text search (`GET /api/search`).
    async fn search(&self, query: SearchQuery) -> Result<SearchResults, ClientError>;
    /// [`search`](Self::search) while someone types: a newer call abandons the one still in
    /// flight, so fast typing never leaves a queue of requests for answers nobody will see.
    /// Only searches made this way cancel each other; a results page's search is never cut.
    async fn search_as_you_type(&self, query: SearchQuery) -> Result<SearchResults, ClientError>;
    /// A note as the editor opens it (`GET /api/documents/{id}/edit`).
    async fn editable(&self, id: String) -> Result<EditableNote, ClientError>;
    /// Creates a note (`POST /api/documents`).
    async fn create(&self, note: CreateNote) -> Result<Saved, ClientError>;
    /// Saves a change (`PUT /api/documents/{id}`); a 409 carries the current version.
    async fn update(&self, note: UpdateNote) -> Result<Saved, ClientError>;
    /// Moves a note to the trash (`DELETE /api/documents/{id}`).
    async fn delete(&self, action: NoteAction) -> Result<DeletedNote, ClientError>;
    /// The trash (`GET /api/trash`).
    async fn trash(&self) -> Result<Vec<DeletedNote>, ClientError>;
    /// Brings a note back from the trash (`POST /api/trash/{id}/restore`).
    async fn undelete(&self, action: NoteAction) -> Result<Saved, ClientError>;
    /// A note's history (`GET /api/documents/{id}/revisions`).
    async fn revisions(&self, id: String) -> Result<Vec<RevisionSummary>, ClientError>;
    /// What changed between two revisions (`GET /api/documents/{id}/diff`).
    async fn diff(&self, query: DiffQuery) -> Result<Diff, ClientError>;
    /// Makes an old revision current again (`POST .../revisions/{number}/restore`).
    async fn restore_revision(&self, request: RestoreRevision) -> Result<Saved, ClientError>;
    /// Markdown rendered by the server's renderer (`POST /api/preview`).
    async fn preview(&self, request: PreviewRequest) -> Result<Preview, ClientError>;
    /// Who the browser acts as (`GET /api/session`).
    async fn session(&self) -> Result<SessionInfo, ClientError>;
    /// Signs in, the server setting the session cookie (`POST /api/session`).
    async fn sign_in(&self, credentials: Credentials) -> Result<SessionInfo, ClientError>;
    /// Signs out (`DELETE /api/session`).
    async fn sign_out(&self) -> Result<SessionInfo, ClientError>;
    /// A new password for the signed-in user, who stays signed in with a new session while
    /// every other session of theirs ends (`PUT /api/session/password`).
    async fn change_password(&self, change: PasswordChange) -> Result<SessionInfo, ClientError>;
    /// Makes the first admin with the set-up link's code, and signs in (`POST /api/setup`).
    async fn set_up(&self, first: FirstAdmin) -> Result<SessionInfo, ClientError>;
    /// Every account (`GET /api/users`, admins only).
    async fn users(&self) -> Result<Vec<UserSummary>, ClientError>;
    /// A new account (`POST /api/users`).
    async fn create_user(&self, user: NewUser) -> Result<UserSummary, ClientError>;
    /// A new role or password for an account (`PUT /api/users/{name}`).
    async fn update_user(&self, change: UserChange) -> Result<UserSummary, ClientError>;
    /// Removes an account (`DELETE /api/users/{name}`).
    async fn remove_user(&self, name: String) -> Result<UserSummary, ClientError>;
    /// The signed-in user's API tokens (`GET /api/tokens`).
    async fn tokens(&self) -> Result<Vec<TokenSummary>, ClientError>;
    /// A new API token, its secret shown once (`POST /api/tokens`).
    async fn create_token(&self, token: NewToken) -> Result<CreatedToken, ClientError>;
    /// Revokes a token (`DELETE /api/tokens/{id}`).
    async fn revoke_token(&self, id: i64) -> Result<TokenSummary, ClientError>;
}

/// A cheaply clonable handle to whichever [`LoreApi`] this side of the wire uses; provided as
/// Leptos context by [`App`](crate::App).
#[derive(Clone)]
pub struct Api(Arc<dyn LoreApi>);

impl Api {
    /// Wraps an implementation.
    pub fn new(api: impl LoreApi + 'static) -> Self {
        Self(Arc::new(api))
    }

    /// The browser's implementation: HTTP to the same origin that served the page.
    #[cfg(target_arch = "wasm32")]
    pub fn http() -> Self {
        Self::new(HttpApi)
    }
}

impl std::ops::Deref for Api {
    type Target = dyn LoreApi;

    fn deref(&self) -> &Self::Target {
        self.0.as_ref()
    }
}

/// Why a call to the server did not produce the expected response. `Clone` because Leptos
/// resources hand their value to every reader; serializable because a page rendered on the
/// server carries its resources' values, errors included, to the browser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum ClientError {
    /// No HTTP response at all: the server is down, or the network is.
    #[error("The Lore server could not be reached ({0}).")]
    Unreachable(String),
    /// The server answered with its error envelope.
    #[error("{}", .envelope.error.message)]
    Api {
        /// The HTTP status.
        status: u16,
        /// The decoded envelope.
        envelope: ErrorEnvelope,
    },
    /// The server answered, but not with what the contract promises (for example an HTML page
    /// from a proxy in front of it, or a body of the wrong shape).
    #[error(
        "The server answered with status {status}, but not in the form Lore expects ({detail})."
    )]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// What did not match, for the curious reader and the bug report.
        detail: String,
    },
}

impl ClientError {
    /// The HTTP status this error stands for: the server's, or 502 (Bad Gateway) when no
    /// usable answer came back. A page rendered on the server answers with it.
    pub fn status(&self) -> u16 {
        match self {
            ClientError::Api { status, .. } => *status,
            ClientError::UnexpectedResponse { status, .. } if *status >= 400 => *status,
            ClientError::UnexpectedResponse { .. } | ClientError::Unreachable(_) => 502,
        }
    }

    /// For a save refused because another came first: the note as it is now.
    pub fn conflict(&self) -> Option<&EditableNote> {
        match self {
            ClientError::Api { envelope, .. } if envelope.error.code == ErrorCode::Conflict => {
                envelope.error.current.as_deref()
            }
            _ => None,
        }
    }

    /// The problems the server found with what was sent (each naming a field or a file).
    pub fn problems(&self) -> &[crate::contract::Problem] {
        match self {
            ClientError::Api { envelope, .. } => &envelope.error.problems,
            _ => &[],
        }
    }

    /// Whether trying again later may succeed, so the UI offers a retry button only where it
    /// could help.
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Unreachable(_) | ClientError::UnexpectedResponse { .. } => true,
            ClientError::Api { status, envelope } => {
                *status >= 500
                    || matches!(
                        envelope.error.code,
                        ErrorCode::Unavailable | ErrorCode::Internal
                    )
            }
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use http::{HttpApi, upload};

#[cfg(target_arch = "wasm32")]
mod http {
    //! The browser implementation of [`LoreApi`]: one generic fetch per [`Endpoint`], with
    //! gloo-net. Compiled only for wasm32: it needs the browser's `fetch`.

    use super::{ClientError, LoreApi};
    use crate::contract::{
        ChangePassword, CreateToken, CreateUser, CreatedToken, Credentials, FirstAdmin, GetSession,
        ListTokens, ListUsers, NewToken, NewUser, PasswordChange, RemoveUser, RevokeToken,
        SessionInfo, SetUp, SignIn, SignOut, TokenId, TokenSummary, UpdateUser, UserChange,
        UserName, UserSummary,
    };
    use crate::contract::{
        CollectionSummary, CreateDocument, CreateNote, DeleteDocument, DeletedNote, Diff,
        DiffQuery, DocumentId, DocumentQuery, DocumentSummary, DocumentView, EditDocument,
        EditableNote, Endpoint, ErrorEnvelope, GetDiff, GetDocument, GetGraph, Graph, GraphQuery,
        Hello, HelloResponse, ImportFiles, ImportReport, ListCollections, ListDocuments,
        ListRevisions, ListTags, ListTrash, ListWanted, NoteAction, Page, Preview, PreviewMarkdown,
        PreviewRequest, Ready, ReadyResponse, RestoreDocument, RestoreRevision, RestoreToRevision,
        RevisionSummary, Saved, Search, SearchQuery, SearchResults, TagCount, UpdateDocument,
        UpdateNote, WantedPage, request_parts,
    };
    use gloo_net::http::{Request, RequestBuilder};

    /// Talks to the Lore API on the origin that served the page.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct HttpApi;

    #[async_trait::async_trait(?Send)]
    impl LoreApi for HttpApi {
        async fn hello(&self) -> Result<HelloResponse, ClientError> {
            pages_only::<Hello>(&()).await
        }

        async fn ready(&self) -> Result<ReadyResponse, ClientError> {
            pages_only::<Ready>(&()).await
        }

        async fn documents(
            &self,
            query: DocumentQuery,
        ) -> Result<Page<DocumentSummary>, ClientError> {
            pages_only::<ListDocuments>(&query).await
        }

        async fn document(&self, id: String) -> Result<DocumentView, ClientError> {
            pages_only::<GetDocument>(&DocumentId { id }).await
        }

        async fn tags(&self) -> Result<Vec<TagCount>, ClientError> {
            pages_only::<ListTags>(&()).await
        }

        async fn collections(&self) -> Result<Vec<CollectionSummary>, ClientError> {
            pages_only::<ListCollections>(&()).await
        }

        async fn graph(&self, query: GraphQuery) -> Result<Graph, ClientError> {
            pages_only::<GetGraph>(&query).await
        }

        async fn wanted(&self) -> Result<Vec<WantedPage>, ClientError> {
            pages_only::<ListWanted>(&()).await
        }

        async fn search(&self, query: SearchQuery) -> Result<SearchResults, ClientError> {
            pages_only::<Search>(&query).await
        }

        async fn search_as_you_type(
            &self,
            query: SearchQuery,
        ) -> Result<SearchResults, ClientError> {
            let controller = web_sys::AbortController::new().ok();
            SEARCH_IN_FLIGHT.with(|slot| {
                if let Some(previous) = slot.replace(controller.clone()) {
                    previous.abort();
                }
            });
            let signal = controller.as_ref().map(web_sys::AbortController::signal);
            fetch_with::<Search>(&query, signal.as_ref()).await
        }

        async fn editable(&self, id: String) -> Result<EditableNote, ClientError> {
            pages_only::<EditDocument>(&DocumentId { id }).await
        }

        async fn create(&self, note: CreateNote) -> Result<Saved, ClientError> {
            pages_only::<CreateDocument>(&note).await
        }

        async fn update(&self, note: UpdateNote) -> Result<Saved, ClientError> {
            pages_only::<UpdateDocument>(&note).await
        }

        async fn delete(&self, action: NoteAction) -> Result<DeletedNote, ClientError> {
            fetch::<DeleteDocument>(&action).await
        }

        async fn trash(&self) -> Result<Vec<DeletedNote>, ClientError> {
            pages_only::<ListTrash>(&()).await
        }

        async fn undelete(&self, action: NoteAction) -> Result<Saved, ClientError> {
            pages_only::<RestoreDocument>(&action).await
        }

        async fn revisions(&self, id: String) -> Result<Vec<RevisionSummary>, ClientError> {
            pages_only::<ListRevisions>(&DocumentId { id }).await
        }

        async fn diff(&self, query: DiffQuery) -> Result<Diff, ClientError> {
            pages_only::<GetDiff>(&query).await
        }

        async fn restore_revision(&self, request: RestoreRevision) -> Result<Saved, ClientError> {
            pages_only::<RestoreToRevision>(&request).await
        }

        async fn preview(&self, request: PreviewRequest) -> Result<Preview, ClientError> {
            pages_only::<PreviewMarkdown>(&request).await
        }

        async fn session(&self) -> Result<SessionInfo, ClientError> {
            fetch::<GetSession>(&()).await
        }

        async fn sign_in(&self, credentials: Credentials) -> Result<SessionInfo, ClientError> {
            pages_only::<SignIn>(&credentials).await
        }

        async fn sign_out(&self) -> Result<SessionInfo, ClientError> {
            fetch::<SignOut>(&()).await
        }

        async fn change_password(
            &self,
            change: PasswordChange,
        ) -> Result<SessionInfo, ClientError> {
            pages_only::<ChangePassword>(&change).await
        }

        async fn set_up(&self, first: FirstAdmin) -> Result<SessionInfo, ClientError> {
            pages_only::<SetUp>(&first).await
        }

        async fn users(&self) -> Result<Vec<UserSummary>, ClientError> {
            pages_only::<ListUsers>(&()).await
        }

        async fn create_user(&self, user: NewUser) -> Result<UserSummary, ClientError> {
            pages_only::<CreateUser>(&user).await
        }

        async fn update_user(&self, change: UserChange) -> Result<UserSummary, ClientError> {
            pages_only::<UpdateUser>(&change).await
        }

        async fn remove_user(&self, name: String) -> Result<UserSummary, ClientError> {
            pages_only::<RemoveUser>(&UserName { name }).await
        }

        async fn tokens(&self) -> Result<Vec<TokenSummary>, ClientError> {
            pages_only::<ListTokens>(&()).await
        }

        async fn create_token(&self, token: NewToken) -> Result<CreatedToken, ClientError> {
            pages_only::<CreateToken>(&token).await
        }

        async fn revoke_token(&self, id: i64) -> Result<TokenSummary, ClientError> {
            pages_only::<RevokeToken>(&TokenId { id }).await
        }
    }

    /// Uploads files to `POST /api/import` as `multipart/form-data` (the browser builds the
    /// body from `form`). Browser-only, like the import page that uses it.
    pub async fn upload(form: web_sys::FormData) -> Result<ImportReport, ClientError> {
        let request = RequestBuilder::new(ImportFiles::PATH)
            .method(gloo_net::http::Method::POST)
            .header("accept", "application/json")
            .body(form)
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        parse(exchange(request).await?)
    }

    thread_local! {
        /// The search-as-you-type request in flight, if any.
        static SEARCH_IN_FLIGHT: std::cell::RefCell<Option<web_sys::AbortController>> =
            const { std::cell::RefCell::new(None) };
    }

    /// [`fetch`] for the endpoints only pages ask, never an island (see [`crate::islands`]).
    #[cfg(not(feature = "islands"))]
    use fetch as pages_only;

    /// The reader's client hydrates islands, not pages, so nothing in it asks these endpoints;
    /// as the data interface is one trait object, every method would otherwise be kept, and
    /// with it the code of every request and answer.
    #[cfg(feature = "islands")]
    async fn pages_only<E: Endpoint>(_: &E::Request) -> Result<E::Response, ClientError> {
        Err(ClientError::Unreachable(format!(
            "{} is asked only by pages, which the reader's client does not hydrate",
            E::PATH
        )))
    }

    /// Sends `request` to endpoint `E` and decodes its answer: `E::Response` on 2xx, the
    /// error envelope otherwise. Every request the client makes goes through here.
    pub async fn fetch<E: Endpoint>(request: &E::Request) -> Result<E::Response, ClientError> {
        fetch_with::<E>(request, None).await
    }

    /// [`fetch`], abandoned when `abort` fires.
    ///
    /// Only what depends on the endpoint's types is generic (its address and body going out,
    /// its answer coming back); sending and reading the answer is one function for all of
    /// them. Generic end to end, each of the three dozen endpoints carried its own copy of
    /// the whole exchange, a ninth of the wasm.
    async fn fetch_with<E: Endpoint>(
        request: &E::Request,
        abort: Option<&web_sys::AbortSignal>,
    ) -> Result<E::Response, ClientError> {
        let (url, body) =
            request_parts::<E>(request).map_err(|e| ClientError::UnexpectedResponse {
                status: 0,
                detail: e.to_string(),
            })?;
        parse(send(&url, method::<E>(), body, abort).await?)
    }

    /// A 2xx answer's status and body.
    struct Answer {
        status: u16,
        body: String,
    }

    /// Sends a request with `body` as its JSON, if any.
    async fn send(
        url: &str,
        method: gloo_net::http::Method,
        body: Option<serde_json::Value>,
        abort: Option<&web_sys::AbortSignal>,
    ) -> Result<Answer, ClientError> {
        let builder = RequestBuilder::new(url)
            .method(method)
            .header("accept", "application/json")
            .abort_signal(abort);
        let prepared = match body {
            Some(json) => builder
                .header("content-type", "application/json")
                .body(json.to_string()),
            None => builder.build(),
        };
        exchange(prepared.map_err(|e| ClientError::Unreachable(e.to_string()))?).await
    }

    /// Sends a prepared request: its answer when it succeeded, else the error it carries.
    async fn exchange(request: Request) -> Result<Answer, ClientError> {
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| ClientError::UnexpectedResponse {
                status,
                detail: e.to_string(),
            })?;
        if response.ok() {
            Ok(Answer { status, body })
        } else {
            match serde_json::from_str::<ErrorEnvelope>(&body) {
                Ok(envelope) => Err(ClientError::Api { status, envelope }),
                Err(e) => Err(ClientError::UnexpectedResponse {
                    status,
                    detail: e.to_string(),
                }),
            }
        }
    }

    /// A successful answer's body as the type its endpoint promises.
    fn parse<T: serde::de::DeserializeOwned>(answer: Answer) -> Result<T, ClientError> {
        serde_json::from_str(&answer.body).map_err(|e| ClientError::UnexpectedResponse {
            status: answer.status,
            detail: e.to_string(),
        })
    }

    fn method<E: Endpoint>() -> gloo_net::http::Method {
        use crate::contract::Method as M;
        use gloo_net::http::Method as G;
        match E::METHOD {
            M::Get => G::GET,
            M::Post => G::POST,
            M::Put => G::PUT,
            M::Delete => G::DELETE,
        }
    }
}
