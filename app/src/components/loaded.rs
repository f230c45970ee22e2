//! The one way pages show data that is on its way: a loading line while the request runs, the
//! data once it arrives, or a readable error with a retry.

use super::{ErrorNotice, Loading};
use crate::api::{Api, ClientError};
use leptos::prelude::*;
use std::future::Future;

/// A resource that asks the [`Api`] in context. Signals read by `fetch` before its `async`
/// block (a route parameter, say) are tracked: when they change, the request is made again.
pub fn request<T, Fut>(fetch: impl Fn(Api) -> Fut + 'static) -> LocalResource<T>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    let api = expect_context::<Api>();
    LocalResource::new(move || fetch(api.clone()))
}

/// Renders `resource` with `show` once it has loaded. `loading` says what is awaited;
/// `failure` is the error's title if it fails.
pub fn loaded<T, V>(
    resource: LocalResource<Result<T, ClientError>>,
    loading: &'static str,
    failure: &'static str,
    show: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=move || view! { <Loading label=loading /> }>
            {move || {
                let show = show.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(data) => show(data).into_any(),
                        Err(error) => {
                            view! {
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
            }}
        </Suspense>
    }
}
