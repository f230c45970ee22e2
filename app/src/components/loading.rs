//! A loading indicator that says what is being waited for.

use leptos::prelude::*;

/// A spinner with a label; `role="status"` so screen readers announce it.
#[component]
pub fn Loading(
    /// What is being waited for, as a sentence.
    #[prop(into)]
    label: String,
) -> impl IntoView {
    view! {
        <p class="loading" role="status">
            <span class="spinner" aria-hidden="true"></span>
            {label}
        </p>
    }
}
