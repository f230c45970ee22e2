//! The one way pages show data that is on its way: a loading line while the request runs, the
//! data once it arrives, or a readable error with a retry.

use super::{ErrorNotice, Loading, PageMeta};
use crate::api::{Api, ClientError};
use crate::response::ResponseStatus;
use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};
use std::future::Future;

/// A resource that asks the [`Api`] in context. `source` says what the request depends on (a
/// route parameter, say): it is tracked, and when it changes the request is made again with
/// its new value. `fetch` itself is not tracked.
///
/// A [`Resource`], not a browser-only `LocalResource`, so the same page can be rendered on the
/// server with its data and hydrated in the browser without asking again: hence the
/// serializable value and, in the browser, the [`SendWrapper`](send_wrapper::SendWrapper)
/// around futures that hold JavaScript values (wasm is single-threaded; it never moves them).
pub fn request<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetch: impl Fn(Api, S) -> Fut + Send + Sync + 'static,
) -> Resource<Result<T, ClientError>>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ClientError>> + MaybeSend + 'static,
{
    let api = expect_context::<Api>();
    Resource::new(source, move |key| sendable(fetch(api.clone(), key)))
}

/// `Send` where futures must be (on the host, where a multi-threaded server drives them);
/// anything in the browser.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send> MaybeSend for T {}
/// See the host's definition.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T> MaybeSend for T {}

#[cfg(not(target_arch = "wasm32"))]
fn sendable<F: Future + Send>(future: F) -> F {
    future
}

#[cfg(target_arch = "wasm32")]
fn sendable<F: Future>(future: F) -> send_wrapper::SendWrapper<F> {
    send_wrapper::SendWrapper::new(future)
}

/// Renders `resource` with `show` once it has loaded. `loading` says what is awaited;
/// `failure` is the error's title if it fails.
pub fn loaded<T, V>(
    resource: Resource<Result<T, ClientError>>,
    loading: &'static str,
    failure: &'static str,
    show: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let outcome = outcome(resource, failure, show);
    view! {
        <Suspense fallback=move || view! { <Loading label=loading /> }>
            {outcome}
        </Suspense>
    }
}

/// [`loaded`] for data the page changes and asks for again (a list after an addition): while
/// the new answer is on its way, the old one stays on screen (a `Transition`) instead of
/// giving way to the loading line.
pub fn reloaded<T, V>(
    resource: Resource<Result<T, ClientError>>,
    loading: &'static str,
    failure: &'static str,
    show: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let outcome = outcome(resource, failure, show);
    view! {
        <Transition fallback=move || view! { <Loading label=loading /> }>
            {outcome}
        </Transition>
    }
}

/// What [`loaded`] and [`reloaded`] show once `resource` has answered: `show`'s view, or the
/// error with a retry.
fn outcome<T, V>(
    resource: Resource<Result<T, ClientError>>,
    failure: &'static str,
    show: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl Fn() -> Suspend<AnyView> + Send + Sync + 'static
where
    T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    V: IntoView + 'static,
{
    // Taken now: inside the async block below the reactive owner may be gone.
    let status = use_context::<ResponseStatus>();
    move || {
        let show = show.clone();
        let status = status.clone();
        Suspend::new(async move {
            match resource.await {
                Ok(data) => show(data).into_any(),
                Err(error) => {
                    // The response says what the page shows: a note that does not exist is
                    // a 404, a failed read a 5xx (which is also never cached).
                    if let Some(status) = &status {
                        status.set(error.status());
                    }
                    let description = error.to_string();
                    view! {
                        <PageMeta title=failure description />
                        <ErrorNotice
                            title=failure
                            error
                            on_retry=move |_| resource.refetch()
                        />
                    }
                    .into_any()
                }
            }
        })
    }
}
