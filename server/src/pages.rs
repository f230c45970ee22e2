//! Pages, rendered on the server from `app`'s own components by leptos_axum, and hydrated in
//! the browser by the trunk-built client.
//!
//! Every path that is not `/api/...` or a client asset is a page. The route list comes from
//! `app::App`'s `<Routes>`; each is rendered whole before the response starts (`SsrMode::Async`
//! in the app), so the first response holds the note, its title and meta tags, and the data
//! the page read, serialized for the browser, which therefore does not ask again. Pages read
//! through [`StoreApi`]: the store, not HTTP. A path no route matches, or a note that does not
//! exist, is the app's not-found page with status 404.
//!
//! Rendered pages are kept in the replica's response cache ([`crate::cache`]) until the
//! database's revision moves: a page is a function of its address, the host it was asked under
//! and the knowledge base, nothing per user (who is signed in, and what only they see, is filled
//! in by the browser after hydration; [`crate::access`] decides who may read before the cache
//! is asked), so the thousandth reader of a note gets the first reader's HTML without a render.

use crate::AppState;
use crate::cache::CachedResponse;
use crate::client_files::{self, ASSETS_PATH, ClientBundle, READER_DIR};
use crate::security::PagePolicy;
use crate::service::Actor;
use crate::store_api::StoreApi;
use app::api::Api;
use app::pages::needs_whole_client;
use app::response::{ResponseStatus, SiteOrigin};
use app::{App, shell};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, ResponseOptions, generate_route_list};
use std::sync::OnceLock;

/// The page router, with the client's assets under `/pkg` when one is built. Without a client,
/// pages are still served, as plain HTML.
///
/// A built client is two: the whole one, and the reader's (under `/pkg/reader`, when built),
/// which hydrates only a reading page's islands ([`app::islands`]). Each page is rendered for
/// one of them ([`app::pages::needs_whole_client`] decides), as islands for the reader's.
pub fn router(state: AppState, client: Option<ClientBundle>) -> Router {
    let whole = hydration_options(
        client
            .as_ref()
            .map_or("frontend", |c| c.output_name.as_str()),
        ASSETS_PATH,
    );
    let reader = client
        .as_ref()
        .and_then(|c| c.reader_output_name.as_deref())
        .map(|name| hydration_options(name, &format!("{ASSETS_PATH}/{READER_DIR}")));
    let routes = page_routes(&StoreApi::api(state.clone(), Actor::Anonymous));
    let stylesheet = client.as_ref().and_then(|c| c.stylesheet.clone());
    let scripts = client.is_some();
    // Called for each request, in its reactive owner: the page reads for whoever asked.
    let page = {
        let (whole, reader, state) = (whole.clone(), reader.clone(), state.clone());
        move || {
            let parts = use_context::<axum::http::request::Parts>();
            let actor = parts.as_ref().map(Actor::of).unwrap_or_default();
            let (options, islands) = match (&reader, &parts) {
                (Some(reader), Some(parts)) if !needs_whole_client(parts.uri.path()) => {
                    (reader, true)
                }
                _ => (&whole, false),
            };
            let api = StoreApi::api(state.clone(), actor);
            shell(options.clone(), api, stylesheet.clone(), scripts, islands)
        }
    };
    let context = PageContext {
        state,
        policy: page_policy(
            scripts
                .then_some((&whole, false))
                .into_iter()
                .chain(reader.as_ref().map(|reader| (reader, true))),
        ),
    };
    let mut pages = Router::new()
        .leptos_routes_with_context(&whole, routes, per_request, page.clone())
        .fallback(leptos_axum::render_app_async_with_context(
            per_request,
            page,
        ))
        .layer(middleware::from_fn_with_state(context, rendered_page));
    if let Some(client) = client {
        pages = pages.nest_service(ASSETS_PATH, client_files::assets(&client.dir));
    }
    pages.with_state(whole)
}

/// What leptos needs to write the scripts that load a client: its files' stem and the address
/// of their folder.
fn hydration_options(output_name: &str, folder: &str) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(output_name)
        .site_pkg_dir(folder.trim_start_matches('/'))
        .build()
}

/// The paths of `App`'s routes, found by rendering it once (without loading data) the first
/// time a router is built in this process, and reused after.
///
/// Once, because of how leptos finds them: while it renders the app for its route list it stops
/// every resource in the process from loading (one global flag, `SuppressResourceLoad`), so a
/// page rendered on another thread meanwhile would wait forever. `lore serve` builds its router
/// before it serves; the tests start servers while others render, and hung until this.
fn page_routes(api: &Api) -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES
        .get_or_init(|| {
            let api = api.clone();
            generate_route_list(move || view! { <App api=api.clone() /> })
        })
        .clone()
}

/// Runs in each request's reactive owner, after leptos_axum's own context: lets pages set the
/// response's status, and tells them the address they are served from (for canonical and Open
/// Graph links; see [`site_origin`]).
fn per_request() {
    let response = expect_context::<ResponseOptions>();
    provide_context(ResponseStatus::new(move |code| {
        response
            .set_status(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    }));
    if let Some(origin) = use_context::<axum::http::request::Parts>()
        .and_then(|parts| site_origin(&parts.headers, &parts.extensions))
    {
        provide_context(SiteOrigin(origin));
    }
}

/// The origin a request was made to: the `Host` the client asked for, with `https` when Lore
/// served it over TLS, else the scheme a TLS-terminating proxy reports in `X-Forwarded-Proto`
/// (else `http`).
fn site_origin(headers: &HeaderMap, extensions: &axum::http::Extensions) -> Option<String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = header("host")?;
    let scheme = if crate::startup::Transport::served_over_tls(extensions) {
        "https"
    } else {
        header("x-forwarded-proto").unwrap_or("http")
    };
    Some(format!("{scheme}://{host}"))
}

/// What the page middleware needs besides the state: how to make a page's security policy.
#[derive(Clone)]
struct PageContext {
    state: AppState,
    policy: PagePolicy,
}

/// Answers a page from the cache when this replica rendered it since the last change, else
/// renders it, gives it its Content-Security-Policy (which needs the whole page: the header
/// names the hashes of the scripts in it) and keeps a copy (see [`CachedResponse::keepable`]
/// for which answers are kept).
async fn rendered_page(
    State(context): State<PageContext>,
    request: Request,
    next: Next,
) -> Response {
    let PageContext { state, policy } = context;
    if request.method() != Method::GET {
        let response = next.run(request).await;
        return with_policy(response, &policy).await.0;
    }
    let key = page_key(&request);
    // A database that cannot say its revision gets the page rendered, not kept: the page then
    // shows what went wrong.
    let generation = match state.cache.find(state.store.as_ref(), &key).await {
        Ok(Ok(hit)) => return hit.into_response(),
        Ok(Err(generation)) => Some(generation),
        Err(_) => None,
    };
    let rendering = std::time::Instant::now();
    let (response, page) = with_policy(next.run(request).await, &policy).await;
    crate::timing::render(rendering.elapsed());
    if let (Some(generation), Some(page)) = (generation, page)
        && let Some(entry) =
            CachedResponse::keepable(response.status(), response.headers().clone(), page)
    {
        state.cache.keep(&key, generation, entry);
    }
    response
}

/// `response` with its whole body read and its policy set, and the body, unless reading it
/// failed (then the error is passed on and nothing is kept). leptos renders a page whole
/// before its first byte is sent (`SsrMode::Async`), so holding it back costs nothing.
async fn with_policy(response: Response, policy: &PagePolicy) -> (Response, Option<Bytes>) {
    let (mut parts, body) = response.into_parts();
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(page) => {
            policy.apply(&mut parts.headers, &page);
            (
                Response::from_parts(parts, Body::from(page.clone())),
                Some(page),
            )
        }
        Err(error) => {
            tracing::error!(%error, "a page failed while rendering");
            (StatusCode::INTERNAL_SERVER_ERROR.into_response(), None)
        }
    }
}

/// What a rendered page depends on besides the knowledge base: the origin it names in its
/// canonical and Open Graph links (see [`per_request`]), its path, and of its query only what
/// the page reads: `q` on `/search` (the last one, as the router reads it, also with a trailing
/// `/`). Every other query string renders the same page, so it shares the entry instead of
/// forcing a render per made-up address (`/graph?x=1`, `?x=2`...).
fn page_key(request: &Request) -> String {
    let uri = request.uri();
    let read = if uri.path().trim_end_matches('/') == "/search" {
        let q = uri.query().and_then(|query| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(query)
                .ok()?
                .into_iter()
                .rev()
                .find(|(name, _)| name == "q")
                .map(|(_, value)| value)
        });
        serde_urlencoded::to_string([("q", q.unwrap_or_default())]).unwrap_or_default()
    } else {
        String::new()
    };
    format!(
        "page {} {}?{read}",
        site_origin(request.headers(), request.extensions()).unwrap_or_default(),
        uri.path()
    )
}

/// The policy for pages served with `builds` of the client (none: pages without scripts), each
/// with whether it hydrates islands: each build's hydration script rendered once, alone, the
/// way the shell renders it, to hash exactly what the pages carry.
fn page_policy<'a>(builds: impl Iterator<Item = (&'a LeptosOptions, bool)>) -> PagePolicy {
    let rendered: Vec<String> = builds
        .map(|(options, islands)| {
            let options = options.clone();
            Owner::new().with(|| {
                use leptos::tachys::view::RenderHtml;
                view! { <HydrationScripts options defer=true islands /> }.to_html()
            })
        })
        .collect();
    PagePolicy::new(rendered.iter().map(String::as_str))
}
