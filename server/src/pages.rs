//! Pages, rendered on the server from `app`'s own components by leptos_axum, and hydrated in
//! the browser by the trunk-built client.
//!
//! Every path that is not `/api/...` or a client asset is a page. The route list comes from
//! `app::App`'s `<Routes>`; each is rendered whole before the response starts (`SsrMode::Async`
//! in the app), so the first response holds the note, its title and meta tags, and the data
//! the page read, serialized for the browser, which therefore does not ask again. Pages read
//! through [`StoreApi`]: the store, not HTTP. A path no route matches, or a note that does not
//! exist, is the app's not-found page with status 404.

use crate::AppState;
use crate::client_files::{self, ASSETS_PATH, ClientBundle};
use crate::store_api::StoreApi;
use app::response::{ResponseStatus, SiteOrigin};
use app::{App, shell};
use axum::Router;
use axum::http::StatusCode;
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, ResponseOptions, generate_route_list};

/// The page router, with the client's assets under `/pkg` when one is built. Without a client,
/// pages are still served, as plain HTML.
pub fn router(state: AppState, client: Option<ClientBundle>) -> Router {
    let options = LeptosOptions::builder()
        .output_name(
            client
                .as_ref()
                .map_or_else(|| "frontend".to_owned(), |c| c.output_name.clone()),
        )
        .site_pkg_dir(ASSETS_PATH.trim_start_matches('/'))
        .build();
    let api = StoreApi::api(state);
    let routes = generate_route_list({
        let api = api.clone();
        move || view! { <App api=api.clone() /> }
    });
    let stylesheet = client.as_ref().and_then(|c| c.stylesheet.clone());
    let scripts = client.is_some();
    let page = {
        let options = options.clone();
        move || shell(options.clone(), api.clone(), stylesheet.clone(), scripts)
    };
    let mut pages = Router::new()
        .leptos_routes_with_context(&options, routes, per_request, page.clone())
        .fallback(leptos_axum::render_app_async_with_context(
            per_request,
            page,
        ));
    if let Some(client) = client {
        pages = pages.nest_service(ASSETS_PATH, client_files::assets(&client.dir));
    }
    pages.with_state(options)
}

/// Runs in each request's reactive owner, after leptos_axum's own context: lets pages set the
/// response's status, and tells them the address they are served from (for canonical and Open
/// Graph links): the `Host` the client asked for, with the scheme a TLS-terminating proxy
/// reports in `X-Forwarded-Proto`.
fn per_request() {
    let response = expect_context::<ResponseOptions>();
    provide_context(ResponseStatus::new(move |code| {
        response
            .set_status(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    }));
    if let Some(parts) = use_context::<axum::http::request::Parts>() {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        if let Some(host) = header("host") {
            let scheme = header("x-forwarded-proto").unwrap_or_else(|| "http".to_owned());
            provide_context(SiteOrigin(format!("{scheme}://{host}")));
        }
    }
}
