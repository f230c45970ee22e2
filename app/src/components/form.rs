//! What the forms (signing in, setting up, tokens, users, import, the editor) share: knowing
//! when the page can handle a submit, reading a field or the files given to it, and saying what
//! went wrong.

use leptos::html::Input;
use leptos::prelude::*;

/// Whether the wasm has taken over the page: `false` on the server and while hydrating, `true`
/// once effects run. A form that must not be sent by the browser itself (a password would
/// otherwise go to the server as a plain form post) keeps its button disabled until then.
pub fn use_interactive() -> ReadSignal<bool> {
    let (interactive, set_interactive) = signal(false);
    Effect::new(move |_| set_interactive.set(true));
    interactive
}

/// The current text of `input`, read when the form is sent rather than tracked while typing:
/// what was typed before the page became interactive counts too.
pub fn input_value(input: NodeRef<Input>) -> String {
    input.get_untracked().map(|i| i.value()).unwrap_or_default()
}

/// The files of a file input, a paste or a drop, copied out of their `FileList` at once: the
/// list is live, and clearing the input (so the same file can be picked again) empties it.
pub fn files_in(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    list.map(|list| (0..list.length()).filter_map(|i| list.item(i)).collect())
        .unwrap_or_default()
}

/// Empties `input` (a password once used).
pub fn clear_input(input: NodeRef<Input>) {
    if let Some(input) = input.get_untracked() {
        input.set_value("");
    }
}

/// Why a form was refused, worded by the server (or by the form's own checks); nothing when
/// there is nothing to say. `role="alert"` so screen readers announce it.
#[component]
pub fn FormError(
    /// The message.
    #[prop(into)]
    message: Signal<Option<String>>,
) -> impl IntoView {
    move || {
        message
            .get()
            .map(|message| view! { <p class="form-error" role="alert">{message}</p> })
    }
}
