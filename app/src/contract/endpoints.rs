//! The list of Lore's API endpoints and the types they exchange.
//!
//! Adding an endpoint means one line in the `endpoints!` table below plus its types; the server
//! then has to route it (a test walks [`ENDPOINTS`] and fails on any path it does not serve).

use super::{
    CollectionSummary, CreateNote, DeletedNote, Diff, DiffQuery, DocumentId, DocumentQuery,
    DocumentSummary, DocumentView, EditableNote, Graph, GraphQuery, ImportReport, NoteAction, Page,
    Preview, PreviewRequest, RestoreRevision, Revision, RevisionId, RevisionSummary, Saved,
    SearchQuery, SearchResults, TagCount, UpdateNote, WantedPage,
};
use super::{Endpoint, EndpointInfo, Method};
use serde::{Deserialize, Serialize};

/// Declares each endpoint as a unit struct implementing [`Endpoint`], and lists them all in
/// [`ENDPOINTS`]. A macro so that the method and path are written exactly once.
macro_rules! endpoints {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $method:ident $path:literal, $request:ty => $response:ty;
    )*) => {
        $(
            $(#[doc = $doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;

            impl Endpoint for $name {
                const METHOD: Method = Method::$method;
                const PATH: &'static str = $path;
                type Request = $request;
                type Response = $response;
            }
        )*

        /// Every endpoint of the API, in declaration order.
        pub const ENDPOINTS: &[EndpointInfo] = &[
            $(EndpointInfo { name: stringify!($name), method: Method::$method, path: $path },)*
        ];
    };
}

endpoints! {
    /// `GET /api/hello`: the seed note's Flask example (`return 'Hello, client!'`), done the typed way.
    Hello: Get "/api/hello", () => HelloResponse;
    /// `GET /api/health`: liveness. Answers 200 while the process can serve requests at all;
    /// a load balancer that gets no answer restarts or drops the replica.
    Health: Get "/api/health", () => HealthResponse;
    /// `GET /api/ready`: readiness. 200 when the database tier answers, 503 (with the error
    /// envelope) when it does not, so a load balancer stops routing to this replica meanwhile.
    Ready: Get "/api/ready", () => ReadyResponse;
    /// `GET /api/documents?tag=&collection=&sort=&offset=&limit=`: a page of documents.
    ListDocuments: Get "/api/documents", DocumentQuery => Page<DocumentSummary>;
    /// `GET /api/documents/{id}`: one document, rendered, with its relationships, backlinks and
    /// reading path. 404 when there is none.
    GetDocument: Get "/api/documents/{id}", DocumentId => DocumentView;
    /// `GET /api/documents/{id}/raw`: the document as a Markdown file with front matter
    /// (`text/markdown`, not JSON).
    GetDocumentRaw: Get "/api/documents/{id}/raw", DocumentId => FileDownload;
    /// `GET /api/tags`: every tag with its number of documents.
    ListTags: Get "/api/tags", () => Vec<TagCount>;
    /// `GET /api/collections`: every collection with its number of documents.
    ListCollections: Get "/api/collections", () => Vec<CollectionSummary>;
    /// `GET /api/graph?limit=`: every document and typed edge, for the graph view (with a
    /// limit, the most connected documents and the edges between them).
    GetGraph: Get "/api/graph", GraphQuery => Graph;
    /// `GET /api/wanted`: pages that are referenced but do not exist.
    ListWanted: Get "/api/wanted", () => Vec<WantedPage>;
    /// `POST /api/import`: a `multipart/form-data` upload of `.md` files or one `.zip` /
    /// `.tar.gz`, plus an optional `skip_invalid=true` field. 422 with every problem when any
    /// file is invalid (and nothing is written).
    ImportFiles: Post "/api/import", FileUpload => ImportReport;
    /// `GET /api/export`: the whole base as a `.zip` of Markdown files (not JSON).
    ExportArchive: Get "/api/export", () => FileDownload;
    /// `GET /api/search?q=&tag=&collection=&limit=`: full-text search over every note.
    Search: Get "/api/search", SearchQuery => SearchResults;
    /// `POST /api/documents`: a new note, revision 1. 422 with a problem per field when the
    /// draft is invalid; 409 when its id is taken (by a note or one in the trash).
    CreateDocument: Post "/api/documents", CreateNote => Saved;
    /// `GET /api/documents/{id}/edit`: the note as the editor opens it, with its revision.
    EditDocument: Get "/api/documents/{id}/edit", DocumentId => EditableNote;
    /// `PUT /api/documents/{id}`: saves a change made on `base_revision`. 409 `conflict`, with
    /// the current version in the envelope, when another save came first; 422 per field.
    /// A new id renames the note, and the old id redirects to it.
    UpdateDocument: Put "/api/documents/{id}", UpdateNote => Saved;
    /// `DELETE /api/documents/{id}?author=`: moves the note to the trash; its history is kept.
    DeleteDocument: Delete "/api/documents/{id}", NoteAction => DeletedNote;
    /// `GET /api/trash`: deleted notes, most recent first.
    ListTrash: Get "/api/trash", () => Vec<DeletedNote>;
    /// `POST /api/trash/{id}/restore`: brings a deleted note back as it was, as a new revision.
    RestoreDocument: Post "/api/trash/{id}/restore", NoteAction => Saved;
    /// `GET /api/documents/{id}/revisions`: the note's history, newest first.
    ListRevisions: Get "/api/documents/{id}/revisions", DocumentId => Vec<RevisionSummary>;
    /// `GET /api/documents/{id}/revisions/{number}`: one revision's whole file.
    GetRevision: Get "/api/documents/{id}/revisions/{number}", RevisionId => Revision;
    /// `GET /api/documents/{id}/diff?from=&to=`: what changed between two revisions.
    GetDiff: Get "/api/documents/{id}/diff", DiffQuery => Diff;
    /// `POST /api/documents/{id}/revisions/{number}/restore`: makes an old revision current
    /// again, as a new revision (nothing in between is lost). 409 like a save.
    RestoreToRevision: Post "/api/documents/{id}/revisions/{number}/restore", RestoreRevision => Saved;
    /// `POST /api/preview`: Markdown rendered by the server's renderer, for the editor's preview.
    PreviewMarkdown: Post "/api/preview", PreviewRequest => Preview;
}

/// Marks an endpoint whose response body is a file (Markdown, a zip), not JSON: clients link
/// to it rather than decode it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDownload;

/// Marks an endpoint whose request is a `multipart/form-data` upload rather than JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileUpload;

/// The greeting the server sends to a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelloResponse {
    /// Always `Hello, client!`.
    pub text: String,
}

/// The answer to a liveness probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthResponse {
    /// Always `ok`: if the process could not say it, there would be no response at all.
    pub status: String,
    /// The server's version (the `server` crate's), so operators see what each replica runs.
    pub version: String,
}

/// The answer to a readiness probe when the database tier is reachable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadyResponse {
    /// Always `ready`; the not-ready case is a 503 error envelope.
    pub status: String,
    /// Which database tier answered, e.g. `sqlite`.
    pub database: String,
}
