//! The UI's data interface answered on the server: [`LoreApi`] over the store, without HTTP.
//!
//! `app`'s components read only through the `Api` in their context. In the browser that is
//! HTTP; when the server renders pages itself (with leptos_axum), it is this. Each call runs
//! the very handler the HTTP endpoint runs, so both sides answer alike, errors included: an
//! [`ApiError`] becomes the [`ClientError`] the browser would have decoded from the envelope.
//! Rendering a page never writes, so the writing calls are refused.

use crate::AppState;
use crate::api::editing::{self, DiffRange};
use crate::api::{Body, Path, Query, documents, meta, search};
use crate::error::ApiError;
use app::api::{Api, ClientError, LoreApi};
use app::contract::{
    CollectionSummary, CreateNote, DeletedNote, Diff, DiffQuery, DocumentId, DocumentQuery,
    DocumentSummary, DocumentView, EditableNote, ErrorCode, ErrorEnvelope, Graph, GraphQuery,
    HelloResponse, NoteAction, Page, Preview, PreviewRequest, ReadyResponse, RestoreRevision,
    RevisionSummary, Saved, SearchQuery, SearchResults, TagCount, UpdateNote, WantedPage,
};
use axum::Json;
use axum::extract::State;

/// [`LoreApi`] over this server's store.
#[derive(Clone)]
pub struct StoreApi {
    state: AppState,
}

impl StoreApi {
    /// The data interface for pages rendered by this server.
    pub fn api(state: AppState) -> Api {
        Api::new(Self { state })
    }

    fn state(&self) -> State<AppState> {
        State(self.state.clone())
    }
}

/// What a handler answered, as the client would see it.
fn answer<T>(reply: Result<Json<T>, ApiError>) -> Result<T, ClientError> {
    reply.map(|Json(value)| value).map_err(client_error)
}

/// The error a browser would have decoded from the response to `error`.
pub fn client_error(error: ApiError) -> ClientError {
    let (status, envelope) = error.into_envelope();
    ClientError::Api {
        status: status.as_u16(),
        envelope,
    }
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
        answer(meta::get_hello().await)
    }

    async fn ready(&self) -> Result<ReadyResponse, ClientError> {
        answer(meta::get_ready(self.state()).await)
    }

    async fn documents(&self, query: DocumentQuery) -> Result<Page<DocumentSummary>, ClientError> {
        answer(documents::list_documents(self.state(), Query(query)).await)
    }

    /// A renamed note's old id answers with the note, as the browser's fetch follows the
    /// redirect; the page then shows the note's current address.
    async fn document(&self, id: String) -> Result<DocumentView, ClientError> {
        let found = match documents::document_view(&self.state, id.clone()).await {
            Err(ApiError::DocumentNotFound(_)) => match self.state.store.redirect(&id).await {
                Ok(Some(new)) => documents::document_view(&self.state, new).await,
                Ok(None) => Err(ApiError::DocumentNotFound(id)),
                Err(error) => Err(error.into()),
            },
            other => other,
        };
        found.map_err(client_error)
    }

    async fn tags(&self) -> Result<Vec<TagCount>, ClientError> {
        answer(documents::list_tags(self.state()).await)
    }

    async fn collections(&self) -> Result<Vec<CollectionSummary>, ClientError> {
        answer(documents::list_collections(self.state()).await)
    }

    async fn graph(&self, query: GraphQuery) -> Result<Graph, ClientError> {
        answer(documents::get_graph(self.state(), Query(query)).await)
    }

    async fn wanted(&self) -> Result<Vec<WantedPage>, ClientError> {
        answer(documents::list_wanted(self.state()).await)
    }

    async fn search(&self, query: SearchQuery) -> Result<SearchResults, ClientError> {
        answer(search::search(self.state(), Query(query)).await)
    }

    async fn search_as_you_type(&self, query: SearchQuery) -> Result<SearchResults, ClientError> {
        self.search(query).await
    }

    async fn editable(&self, id: String) -> Result<EditableNote, ClientError> {
        answer(editing::edit_document(self.state(), Path(DocumentId { id })).await)
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
        answer(editing::list_trash(self.state()).await)
    }

    async fn undelete(&self, _: NoteAction) -> Result<Saved, ClientError> {
        Err(read_only())
    }

    async fn revisions(&self, id: String) -> Result<Vec<RevisionSummary>, ClientError> {
        answer(editing::list_revisions(self.state(), Path(DocumentId { id })).await)
    }

    async fn diff(&self, query: DiffQuery) -> Result<Diff, ClientError> {
        let range = DiffRange {
            from: query.from,
            to: query.to,
        };
        answer(
            editing::get_diff(
                self.state(),
                Path(DocumentId { id: query.id }),
                Query(range),
            )
            .await,
        )
    }

    async fn restore_revision(&self, _: RestoreRevision) -> Result<Saved, ClientError> {
        Err(read_only())
    }

    async fn preview(&self, body: String) -> Result<Preview, ClientError> {
        answer(editing::preview(self.state(), Body(PreviewRequest { body })).await)
    }
}
