//! How a failed request looks to a reader: what failed, why, and a way to try again.

use crate::api::ClientError;
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
    view! {
        <div class="error-notice" role="alert">
            <p class="error-title">{title}</p>
            <p class="error-message">{error.to_string()}</p>
            <Show when=move || retryable>
                <button class="retry" on:click=move |_| on_retry.run(())>
                    "Try again"
                </button>
            </Show>
        </div>
    }
}
