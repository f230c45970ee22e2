//! The UI's data interface answered on the server: [`LoreApi`] over the [service](crate::service),
//! without HTTP.
//!
//! `app`'s components read only through the `Api` in their context. In the browser that is
//! HTTP; when the server renders pages itself (with leptos_axum), it is this. Each call runs the
//! very service method the HTTP endpoint runs, for the same acting party (one `StoreApi` is made
//! per request), so both sides answer alike, errors included: an [`ApiError`] becomes the
//! [`ClientError`] the browser would have decoded from the envelope. Rendering a page never
//! writes, so the writing calls are refused.

use crate::AppState;
use crate::error::ApiError;
use crate::service::{Actor, Service};
use app::api::{Api, ClientError, LoreApi};
use app::contract::{
    CollectionSummary, CreateNote, DeletedNote, Diff, DiffQuery, DocumentQuery, DocumentSummary,
    DocumentView, EditableNote, ErrorCode, ErrorEnvelope, Graph, GraphQuery, HelloResponse,
    NoteAction, Page, Preview, PreviewRequest, ReadyResponse, RestoreRevision, RevisionSummary,
    Saved, SearchQuery, SearchResults, TagCount, UpdateNote, WantedPage,
};
use app::contract::{
    CreatedToken, Credentials, FirstAdmin, NewToken, NewUser, PasswordChange, SessionInfo,
    TokenSummary, UserChange, UserSummary,
};

/// [`LoreApi`] over this server's service, for one acting party.
#[derive(Clone)]
pub struct StoreApi {
    service: Service,
}

impl StoreApi {
    /// The data interface for a page rendered by this server for `actor`.
    pub fn api(state: AppState, actor: Actor) -> Api {
        Api::new(Self {
            service: Service::new(state, actor),
        })
    }
}

/// The error a browser would have decoded from the response to `error`.
pub fn client_error(error: ApiError) -> ClientError {
    let (status, envelope) = error.into_envelope();
    ClientError::Api {
        status: status.as_u16(),
        envelope,
    }
}

/// What a service call answered, as the client would see it.
fn answer<T>(reply: Result<T, ApiError>) -> Result<T, ClientError> {
    reply.map_err(client_error)
}

fn read_only() -> ClientError {
    ClientError::Api {
        status: 405,
        envelope: ErrorEnvelope::new(
            ErrorCode::MethodNotAllowed,
            "Pages rendered on the server only read; changes go through the HTTP API.",
        ),
    }
}

#[async_trait::async_trait]
impl LoreApi for StoreApi {
    async fn hello(&self) -> Result<HelloResponse, ClientError> {
        Ok(self.service.hello())
    }

    async fn ready(&self) -> Result<ReadyResponse, ClientError> {
        answer(self.service.ready().await)
    }

    async fn documents(&self, query: DocumentQuery) -> Result<Page<DocumentSummary>, ClientError> {
        answer(self.service.documents(&query).await)
    }

    /// A renamed note's old id answers with the note, as the browser's fetch follows the
    /// redirect; the page then shows the note's current address.
    async fn document(&self, id: String) -> Result<DocumentView, ClientError> {
        answer(self.service.document_following_renames(&id).await)
    }

    async fn tags(&self) -> Result<Vec<TagCount>, ClientError> {
        answer(self.service.tags().await)
    }

    async fn collections(&self) -> Result<Vec<CollectionSummary>, ClientError> {
        answer(self.service.collections().await)
    }

    async fn graph(&self, query: GraphQuery) -> Result<Graph, ClientError> {
        answer(self.service.graph(&query).await)
    }

    async fn wanted(&self) -> Result<Vec<WantedPage>, ClientError> {
        answer(self.service.wanted().await)
    }

    async fn search(&self, query: SearchQuery) -> Result<SearchResults, ClientError> {
        answer(self.service.search(&query).await)
    }

    async fn search_as_you_type(&self, query: SearchQuery) -> Result<SearchResults, ClientError> {
        self.search(query).await
    }

    async fn editable(&self, id: String) -> Result<EditableNote, ClientError> {
        answer(self.service.editable(&id).await)
    }

    async fn create(&self, _: CreateNote) -> Result<Saved, ClientError> {
        Err(read_only())
    }

    async fn update(&self, _: UpdateNote) -> Result<Saved, ClientError> {
        Err(read_only())
    }

    async fn delete(&self, _: NoteAction) -> Result<DeletedNote, ClientError> {
        Err(read_only())
    }

    async fn trash(&self) -> Result<Vec<DeletedNote>, ClientError> {
        answer(self.service.trash().await)
    }

    async fn undelete(&self, _: NoteAction) -> Result<Saved, ClientError> {
        Err(read_only())
    }

    async fn revisions(&self, id: String) -> Result<Vec<RevisionSummary>, ClientError> {
        answer(self.service.revisions(&id).await)
    }

    async fn diff(&self, query: DiffQuery) -> Result<Diff, ClientError> {
        answer(self.service.diff(&query.id, query.from, query.to).await)
    }

    async fn restore_revision(&self, _: RestoreRevision) -> Result<Saved, ClientError> {
        Err(read_only())
    }

    async fn preview(&self, request: PreviewRequest) -> Result<Preview, ClientError> {
        answer(self.service.preview(request.body, request.flavor).await)
    }

    // A page is rendered once for everyone who may read it and kept in the shared cache, so
    // nothing about the person asking may go into it: who is signed in, their tokens and the
    // list of users are read by the browser after hydration, never here.

    async fn session(&self) -> Result<SessionInfo, ClientError> {
        Err(per_person())
    }

    async fn sign_in(&self, _: Credentials) -> Result<SessionInfo, ClientError> {
        Err(read_only())
    }

    async fn sign_out(&self) -> Result<SessionInfo, ClientError> {
        Err(read_only())
    }

    async fn change_password(&self, _: PasswordChange) -> Result<SessionInfo, ClientError> {
        Err(read_only())
    }

    async fn set_up(&self, _: FirstAdmin) -> Result<SessionInfo, ClientError> {
        Err(read_only())
    }

    async fn users(&self) -> Result<Vec<UserSummary>, ClientError> {
        Err(per_person())
    }

    async fn create_user(&self, _: NewUser) -> Result<UserSummary, ClientError> {
        Err(read_only())
    }

    async fn update_user(&self, _: UserChange) -> Result<UserSummary, ClientError> {
        Err(read_only())
    }

    async fn remove_user(&self, _: String) -> Result<UserSummary, ClientError> {
        Err(read_only())
    }

    async fn tokens(&self) -> Result<Vec<TokenSummary>, ClientError> {
        Err(per_person())
    }

    async fn create_token(&self, _: NewToken) -> Result<CreatedToken, ClientError> {
        Err(read_only())
    }

    async fn revoke_token(&self, _: i64) -> Result<TokenSummary, ClientError> {
        Err(read_only())
    }
}

/// What a page rendered on the server answers when asked for something per person.
fn per_person() -> ClientError {
    ClientError::Api {
        status: 405,
        envelope: ErrorEnvelope::new(
            ErrorCode::MethodNotAllowed,
            "Pages rendered on the server are the same for everyone; what is yours is read by the browser.",
        ),
    }
}
