//! How a failed request looks to a reader: what failed, why, and a way to try again.

use crate::api::ClientError;
use crate::islands::is_islands_page;
use leptos::prelude::*;

/// A readable error with a retry button (shown only when retrying could help).
#[component]
pub fn ErrorNotice(
    /// What the reader was waiting for that did not come.
    #[prop(into)]
    title: String,
    /// Why: its message is written for people.
    error: ClientError,
    /// Called when the reader asks to try again.
    #[prop(into)]
    on_retry: Callback<()>,
) -> impl IntoView {
    let retryable = error.is_retryable();
    // A page hydrated as islands does not run this component in the browser: trying again is
    // asking the server for the page again.
    let reloads = is_islands_page();
    view! {
        <div class="error-notice" role="alert">
            <p class="error-title">{title}</p>
            <p class="error-message">{error.to_string()}</p>
            <Show when=move || retryable>
                {if reloads {
                    view! { <a class="retry" href="">"Try again"</a> }.into_any()
                } else {
                    view! {
                        <button class="retry" on:click=move |_| on_retry.run(())>
                            "Try again"
                        </button>
                    }
                    .into_any()
                }}
            </Show>
        </div>
    }
}
