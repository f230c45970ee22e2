//! The route table: every path Lore answers, in one place.
//!
//! - `/api/...`: the JSON API. Paths and methods come from `app::contract`, so the server and
//!   the client cannot disagree on them. Unknown API paths get a JSON 404 and wrong methods a
//!   JSON 405, never the HTML shell.
//! - everything else: pages, rendered on the server from `app`'s components
//!   ([`pages`](crate::pages)), and the built client's assets under `/pkg`.
//!
//! Cross-cutting layers (request ids, tracing, security headers, who is acting, compression)
//! wrap both; each API endpoint's permission is checked by [`access::authorize`] after routing.

use crate::api::{accounts, documents, editing, files, meta, search, transfer};
use crate::client_files::ClientBundle;
use crate::error::{ApiError, method_not_allowed, no_such_endpoint};
use crate::{AppState, access, pages, security};
use app::contract::{
    ChangePassword, CreateDocument, CreateToken, CreateUser, DeleteDocument, EditDocument,
    Endpoint, ExportArchive, GetApiReference, GetDiff, GetDocument, GetDocumentRaw, GetFile,
    GetGraph, GetOpenApi, GetRevision, GetSession, Health, Hello, ImportFiles, ListCollections,
    ListDocuments, ListRevisions, ListTags, ListTokens, ListTrash, ListUsers, ListWanted, Method,
    PreviewMarkdown, Ready, RemoveUser, RestoreDocument, RestoreToRevision, RevokeToken, Search,
    SetUp, SignIn, SignOut, UpdateDocument, UpdateUser,
};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::extract::{MatchedPath, Request};
use axum::handler::Handler;
use axum::http::HeaderName;
use axum::http::{Extensions, HeaderMap, StatusCode, Version};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, any, on};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

/// Builds the whole application: API, pages, client assets and layers. `client` is the built
/// browser client, or `None` to serve pages without scripts.
pub fn router(state: AppState, client: Option<ClientBundle>) -> Router {
    let api = Router::new()
        .route(Hello::PATH, endpoint::<Hello, _, _>(meta::get_hello))
        .route(Health::PATH, endpoint::<Health, _, _>(meta::get_health))
        .route(Ready::PATH, endpoint::<Ready, _, _>(meta::get_ready))
        .route(
            GetOpenApi::PATH,
            endpoint::<GetOpenApi, _, _>(meta::get_openapi),
        )
        .route(
            GetApiReference::PATH,
            endpoint::<GetApiReference, _, _>(meta::get_api_reference),
        )
        .route(
            ListDocuments::PATH,
            endpoint::<ListDocuments, _, _>(documents::list_documents).merge(endpoint::<
                CreateDocument,
                _,
                _,
            >(
                editing::create_document,
            )),
        )
        .route(
            GetDocument::PATH,
            endpoint::<GetDocument, _, _>(documents::get_document)
                .merge(endpoint::<UpdateDocument, _, _>(editing::update_document))
                .merge(endpoint::<DeleteDocument, _, _>(editing::delete_document)),
        )
        .route(
            EditDocument::PATH,
            endpoint::<EditDocument, _, _>(editing::edit_document),
        )
        .route(
            ListRevisions::PATH,
            endpoint::<ListRevisions, _, _>(editing::list_revisions),
        )
        .route(
            GetRevision::PATH,
            endpoint::<GetRevision, _, _>(editing::get_revision),
        )
        .route(
            RestoreToRevision::PATH,
            endpoint::<RestoreToRevision, _, _>(editing::restore_to_revision),
        )
        .route(GetDiff::PATH, endpoint::<GetDiff, _, _>(editing::get_diff))
        .route(
            ListTrash::PATH,
            endpoint::<ListTrash, _, _>(editing::list_trash),
        )
        .route(
            RestoreDocument::PATH,
            endpoint::<RestoreDocument, _, _>(editing::restore_document),
        )
        .route(
            PreviewMarkdown::PATH,
            endpoint::<PreviewMarkdown, _, _>(editing::preview),
        )
        .route(
            GetDocumentRaw::PATH,
            endpoint::<GetDocumentRaw, _, _>(documents::get_document_raw),
        )
        .route(
            ListTags::PATH,
            endpoint::<ListTags, _, _>(documents::list_tags),
        )
        .route(
            ListCollections::PATH,
            endpoint::<ListCollections, _, _>(documents::list_collections),
        )
        .route(
            GetGraph::PATH,
            endpoint::<GetGraph, _, _>(documents::get_graph),
        )
        .route(
            ListWanted::PATH,
            endpoint::<ListWanted, _, _>(documents::list_wanted),
        )
        .route(
            ImportFiles::PATH,
            endpoint::<ImportFiles, _, _>(transfer::import_files)
                .layer(DefaultBodyLimit::max(transfer::MAX_UPLOAD_BYTES)),
        )
        .route(
            ExportArchive::PATH,
            endpoint::<ExportArchive, _, _>(transfer::export_archive),
        )
        .route(GetFile::PATH, endpoint::<GetFile, _, _>(files::get_file))
        .route(Search::PATH, endpoint::<Search, _, _>(search::search))
        .route(
            GetSession::PATH,
            endpoint::<GetSession, _, _>(accounts::get_session)
                .merge(endpoint::<SignIn, _, _>(accounts::sign_in))
                .merge(endpoint::<SignOut, _, _>(accounts::sign_out)),
        )
        .route(
            ChangePassword::PATH,
            endpoint::<ChangePassword, _, _>(accounts::change_password),
        )
        .route(SetUp::PATH, endpoint::<SetUp, _, _>(accounts::set_up))
        .route(
            ListUsers::PATH,
            endpoint::<ListUsers, _, _>(accounts::list_users)
                .merge(endpoint::<CreateUser, _, _>(accounts::create_user)),
        )
        .route(
            UpdateUser::PATH,
            endpoint::<UpdateUser, _, _>(accounts::update_user)
                .merge(endpoint::<RemoveUser, _, _>(accounts::remove_user)),
        )
        .route(
            ListTokens::PATH,
            endpoint::<ListTokens, _, _>(accounts::list_tokens)
                .merge(endpoint::<CreateToken, _, _>(accounts::create_token)),
        )
        .route(
            RevokeToken::PATH,
            endpoint::<RevokeToken, _, _>(accounts::revoke_token),
        )
        // After routing, so it knows the endpoint; before any handler, so none runs unchecked.
        .route_layer(axum::middleware::from_fn_with_state(
            state.access.clone(),
            access::authorize,
        ))
        .route("/api", any(no_such_endpoint))
        .route("/api/", any(no_such_endpoint))
        .route("/api/{*rest}", any(no_such_endpoint))
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone());

    let limits = state.limits;
    let identify =
        axum::middleware::from_fn_with_state(std::sync::Arc::new(state.clone()), access::identify);
    let replica_name = String::from_utf8_lossy(state.replica.name().as_bytes()).into_owned();
    let served_by = SetResponseHeaderLayer::overriding(
        HeaderName::from_static(crate::replica::SERVED_BY),
        state.replica.name().clone(),
    );
    api.fallback_service(pages::router(state, client)).layer(
        ServiceBuilder::new()
            // Outermost: every answer names its replica, errors and timeouts included.
            .layer(served_by)
            .layer(axum::middleware::from_fn_with_state(
                crate::timing::replica_entry(&replica_name),
                crate::timing::server_timing,
            ))
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(request_span))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(axum::middleware::from_fn(security::headers))
            // Inside the request span (its logs name the route) and the deadline; outside the
            // page cache, so nobody reaches a cached page without being let in first.
            .layer(identify)
            .layer(axum::middleware::from_fn_with_state(
                limits.request_timeout,
                within_deadline,
            ))
            .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
            .layer(
                CompressionLayer::new().compress_when(DefaultPredicate::new().and(
                    // Attachments go as stored: a gzipped video would carry the ETag and byte
                    // ranges of the file, which are not the compressed body's.
                    |_: StatusCode, _: Version, _: &HeaderMap, extensions: &Extensions| {
                        extensions.get::<files::AsStored>().is_none()
                    },
                )),
            ),
    )
}

/// Answers 503 when a request takes longer than `--request-timeout`, its body included: a
/// body trickled in a byte at a time keeps resetting the idle timeout, not this one.
async fn within_deadline(
    State(deadline): State<std::time::Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::TimedOut(deadline).into_response(),
    }
}

/// Routes `handler` with endpoint `E`'s method, so the method is written only in the contract.
fn endpoint<E, H, T>(handler: H) -> MethodRouter<AppState>
where
    E: Endpoint,
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = match E::METHOD {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Delete => MethodFilter::DELETE,
    };
    on(filter, handler)
}

/// The span every request's logs belong to. It names the matched route (`/api/hello`, not the
/// raw path with ids in it) so logs group by endpoint, and the request id a client or load
/// balancer can quote. Query strings are left out: they may hold what people search for.
fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(pages)", MatchedPath::as_str);
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %request.method(), route, request_id)
}
