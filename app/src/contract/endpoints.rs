//! The list of Lore's API endpoints and the types they exchange.
//!
//! Adding an endpoint means one line in the `endpoints!` table below plus its types; the server
//! then has to route it (a test walks [`ENDPOINTS`] and fails on any path it does not serve).
//! Each line names the [`Permission`] the endpoint needs, which the server enforces before any
//! handler runs.

use super::{
    CollectionSummary, CreateNote, DeletedNote, Diff, DiffQuery, DocumentId, DocumentQuery,
    DocumentSummary, DocumentView, EditableNote, FilePath, Graph, GraphQuery, ImportReport,
    NoteAction, Page, Preview, PreviewRequest, RestoreRevision, Revision, RevisionId,
    RevisionSummary, Saved, SearchQuery, SearchResults, TagCount, UpdateNote, WantedPage,
};
use super::{
    CreatedToken, Credentials, FirstAdmin, NewToken, NewUser, PasswordChange, SessionInfo, TokenId,
    TokenSummary, UserChange, UserName, UserSummary,
};
use super::{Endpoint, EndpointInfo, Method, Permission};
use serde::{Deserialize, Serialize};

/// Declares each endpoint as a unit struct implementing [`Endpoint`], and lists them all in
/// [`ENDPOINTS`]. A macro so that the method, the path and the permission are written exactly
/// once; a line without a [`Permission`] does not match it, so an endpoint cannot be added
/// without saying who may call it.
macro_rules! endpoints {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $method:ident $path:literal, $permission:ident, $request:ty => $response:ty;
    )*) => {
        $(
            $(#[doc = $doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;

            impl Endpoint for $name {
                const METHOD: Method = Method::$method;
                const PATH: &'static str = $path;
                const PERMISSION: Permission = Permission::$permission;
                type Request = $request;
                type Response = $response;
            }
        )*

        /// Every endpoint of the API, in declaration order.
        pub const ENDPOINTS: &[EndpointInfo] = &[
            $(EndpointInfo {
                name: stringify!($name),
                method: Method::$method,
                path: $path,
                permission: Permission::$permission,
            },)*
        ];

        /// Every endpoint with its documentation and the schemas of what it exchanges, for the
        /// OpenAPI description ([`super::openapi`]).
        #[cfg(feature = "openapi")]
        pub fn described_endpoints() -> Vec<super::openapi::Described> {
            vec![$(
                super::openapi::Described::of::<$request, $response>(
                    EndpointInfo {
                        name: stringify!($name),
                        method: Method::$method,
                        path: $path,
                        permission: Permission::$permission,
                    },
                    &[$($doc),*],
                ),
            )*]
        }
    };
}

endpoints! {
    /// `GET /api/hello`: the seed note's Flask example (`return 'Hello, client!'`), done the typed way.
    Hello: Get "/api/hello", Anyone, () => HelloResponse;
    /// `GET /api/health`: liveness. Answers 200 while the process can serve requests at all;
    /// a load balancer that gets no answer restarts or drops the replica.
    Health: Get "/api/health", Anyone, () => HealthResponse;
    /// `GET /api/ready`: readiness. 200 when the database tier answers, 503 (with the error
    /// envelope) when it does not, so a load balancer stops routing to this replica meanwhile.
    Ready: Get "/api/ready", Anyone, () => ReadyResponse;
    /// `GET /api/openapi.json`: the API's OpenAPI 3.1 description, made from this table: every
    /// endpoint, its parameters, bodies, answers and failures, and how to authenticate.
    GetOpenApi: Get "/api/openapi.json", Anyone, () => FileDownload;
    /// `GET /api/reference`: the same description as a page to read (HTML, no script).
    GetApiReference: Get "/api/reference", Anyone, () => FileDownload;
    /// `GET /api/documents?tag=&collection=&sort=&offset=&limit=`: a page of documents.
    ListDocuments: Get "/api/documents", Read, DocumentQuery => Page<DocumentSummary>;
    /// `GET /api/documents/{id}`: one document, rendered, with its relationships, backlinks and
    /// reading path. 404 when there is none.
    GetDocument: Get "/api/documents/{id}", Read, DocumentId => DocumentView;
    /// `GET /api/documents/{id}/raw`: the document as a Markdown file with front matter
    /// (`text/markdown`, not JSON).
    GetDocumentRaw: Get "/api/documents/{id}/raw", Read, DocumentId => FileDownload;
    /// `GET /api/tags`: every tag with its number of documents.
    ListTags: Get "/api/tags", Read, () => Vec<TagCount>;
    /// `GET /api/collections`: every collection with its number of documents.
    ListCollections: Get "/api/collections", Read, () => Vec<CollectionSummary>;
    /// `GET /api/graph?limit=`: every document and typed edge, for the graph view (with a
    /// limit, the most connected documents and the edges between them).
    GetGraph: Get "/api/graph", Read, GraphQuery => Graph;
    /// `GET /api/wanted`: pages that are referenced but do not exist, then the files notes
    /// show that are not there (`file: true`).
    ListWanted: Get "/api/wanted", Read, () => Vec<WantedPage>;
    /// `POST /api/import`: a `multipart/form-data` upload of `.md` files or one `.zip` /
    /// `.tar.gz`, plus an optional `skip_invalid=true` field and an optional `flavor` field
    /// (`markdown`, `obsidian`, or `auto`: a stored note keeps its own, the others are a vault's
    /// when the upload holds an `.obsidian/` folder).
    /// 422 with every problem when any file is invalid (and nothing is written).
    ImportFiles: Post "/api/import", Write, FileUpload => ImportReport;
    /// `GET /api/export`: the whole base as a `.zip` (not JSON): every note as its Markdown
    /// file and every attachment as it was imported, at their paths.
    ExportArchive: Get "/api/export", Read, () => FileDownload;
    /// `GET /api/files/{path}?v=`: the attachment at `path` (an image, audio, video, PDF), as
    /// its media type, with byte ranges for seeking; cacheable for good when `v` is the start
    /// of its content's hash, as the addresses in rendered notes are. 404 when there is none.
    GetFile: Get "/api/files/{*path}", Read, FilePath => FileDownload;
    /// `GET /api/search?q=&tag=&collection=&limit=`: full-text search over every note.
    Search: Get "/api/search", Read, SearchQuery => SearchResults;
    /// `POST /api/documents`: a new note, revision 1. 422 with a problem per field when the
    /// draft is invalid; 409 when its id is taken (by a note or one in the trash).
    CreateDocument: Post "/api/documents", Write, CreateNote => Saved;
    /// `GET /api/documents/{id}/edit`: the note as the editor opens it, with its revision.
    EditDocument: Get "/api/documents/{id}/edit", Read, DocumentId => EditableNote;
    /// `PUT /api/documents/{id}`: saves a change made on `base_revision`. 409 `conflict`, with
    /// the current version in the envelope, when another save came first; 422 per field.
    /// A new id renames the note, and the old id redirects to it.
    UpdateDocument: Put "/api/documents/{id}", Write, UpdateNote => Saved;
    /// `DELETE /api/documents/{id}`: moves the note to the trash; its history is kept.
    DeleteDocument: Delete "/api/documents/{id}", Write, NoteAction => DeletedNote;
    /// `GET /api/trash`: deleted notes, most recent first.
    ListTrash: Get "/api/trash", Read, () => Vec<DeletedNote>;
    /// `POST /api/trash/{id}/restore`: brings a deleted note back as it was, as a new revision.
    RestoreDocument: Post "/api/trash/{id}/restore", Write, NoteAction => Saved;
    /// `GET /api/documents/{id}/revisions`: the note's history, newest first.
    ListRevisions: Get "/api/documents/{id}/revisions", Read, DocumentId => Vec<RevisionSummary>;
    /// `GET /api/documents/{id}/revisions/{number}`: one revision's whole file.
    GetRevision: Get "/api/documents/{id}/revisions/{number}", Read, RevisionId => Revision;
    /// `GET /api/documents/{id}/diff?from=&to=`: what changed between two revisions.
    GetDiff: Get "/api/documents/{id}/diff", Read, DiffQuery => Diff;
    /// `POST /api/documents/{id}/revisions/{number}/restore`: makes an old revision current
    /// again, as a new revision (nothing in between is lost). 409 like a save.
    RestoreToRevision: Post "/api/documents/{id}/revisions/{number}/restore", Write, RestoreRevision => Saved;
    /// `POST /api/preview`: Markdown rendered by the server's renderer, for the editor's preview.
    PreviewMarkdown: Post "/api/preview", Write, PreviewRequest => Preview;
    /// `GET /api/session`: who this request acts as, and whether the base is public.
    GetSession: Get "/api/session", Anyone, () => SessionInfo;
    /// `POST /api/session`: signs in, setting the session cookie. 401 for a wrong name or
    /// password (the same answer for both); 429 with `Retry-After` after too many failures.
    SignIn: Post "/api/session", Anyone, Credentials => SessionInfo;
    /// `DELETE /api/session`: signs out; the session ends on every replica.
    SignOut: Delete "/api/session", Anyone, () => SessionInfo;
    /// `PUT /api/session/password`: the signed-in user's new password. Ends every session of
    /// theirs and answers with a new one for this browser. 422 when the current password is
    /// wrong (counted like a failed sign-in, so 429 past the limit) or the new one too short;
    /// 403 for an API token, which may not change its user's password.
    ChangePassword: Put "/api/session/password", SignedIn, PasswordChange => SessionInfo;
    /// `POST /api/setup`: makes the first admin with the one-time code of the set-up link,
    /// and signs them in. 403 once the base has a user or when the code is not the link's.
    SetUp: Post "/api/setup", Anyone, FirstAdmin => SessionInfo;
    /// `GET /api/users`: every account.
    ListUsers: Get "/api/users", Admin, () => Vec<UserSummary>;
    /// `POST /api/users`: a new account. 409 when the name is taken, 422 for a bad name or a
    /// short password.
    CreateUser: Post "/api/users", Admin, NewUser => UserSummary;
    /// `PUT /api/users/{name}`: a new role or password; takes effect on the next request.
    UpdateUser: Put "/api/users/{name}", Admin, UserChange => UserSummary;
    /// `DELETE /api/users/{name}`: removes an account, its sessions and tokens; its revisions
    /// keep its name.
    RemoveUser: Delete "/api/users/{name}", Admin, UserName => UserSummary;
    /// `GET /api/tokens`: the signed-in user's API tokens.
    ListTokens: Get "/api/tokens", SignedIn, () => Vec<TokenSummary>;
    /// `POST /api/tokens`: a new API token for the signed-in user; its secret is in this answer
    /// only.
    CreateToken: Post "/api/tokens", SignedIn, NewToken => CreatedToken;
    /// `DELETE /api/tokens/{id}`: revokes one of the signed-in user's tokens.
    RevokeToken: Delete "/api/tokens/{id}", SignedIn, TokenId => TokenSummary;
}

/// Marks an endpoint whose response body is a file (Markdown, a zip), not JSON: clients link
/// to it rather than decode it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileDownload;

/// Marks an endpoint whose request is a `multipart/form-data` upload rather than JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileUpload;

/// The greeting the server sends to a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HelloResponse {
    /// Always `Hello, client!`.
    pub text: String,
}

/// The answer to a liveness probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthResponse {
    /// Always `ok`: if the process could not say it, there would be no response at all.
    pub status: String,
    /// The server's version (the `server` crate's), so operators see what each replica runs.
    pub version: String,
}

/// The answer to a readiness probe when the database tier is reachable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadyResponse {
    /// Always `ready`; the not-ready case is a 503 error envelope.
    pub status: String,
    /// Which database tier answered, e.g. `sqlite`.
    pub database: String,
}
