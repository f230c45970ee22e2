//! `/new` and `/notes/:id/edit`: the editor.
//!
//! Front-matter fields as a form, the Markdown body beside a live preview rendered by the
//! server's own renderer, and saves that name the revision they were made on. When someone
//! else saved first, the server refuses with their version, and the editor shows both side by
//! side so the writer merges instead of losing either. Until a save succeeds, every change is
//! kept in the browser's local storage, with the revision it was based on, so a reload, a
//! crash or a closed tab loses nothing (and a restored draft still cannot overwrite a newer
//! save unseen). A save refused because the session ended keeps the text too, and says how to
//! sign in again without leaving the page.

use crate::api::{Api, ClientError};
use crate::components::{PageMeta, loaded, request};
use crate::contract::{
    CreateNote, EditableNote, Flavor, NoteDraft, PreviewRequest, Problem, Related, SearchQuery,
    UpdateNote,
};
use crate::local_storage;
use crate::session::{Session, use_session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;

/// How long typing must pause before the preview is rendered again.
pub const PREVIEW_DEBOUNCE_MS: u64 = 300;

/// Unsaved changes, as kept in local storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredDraft {
    /// The fields and body as last typed.
    pub draft: NoteDraft,
    /// The revision they were made on (`None` for a new note).
    pub base_revision: Option<u64>,
}

/// Where the unsaved changes to `id` (or to a new note) are kept.
pub fn draft_key(id: Option<&str>) -> String {
    format!("lore-draft:{}", id.unwrap_or(":new"))
}

/// The editor page: loads the note (unless it is new), then shows the [`Editor`].
#[component]
pub fn EditorPage() -> impl IntoView {
    let params = use_params_map();
    let note = request(
        move || params.read().get("id"),
        |api, id| async move {
            match id {
                Some(id) => api.editable(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        {loaded(note, "Opening the editor…", "The note could not be opened.", |note| view! { <Editor note /> })}
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Idle,
    Saving,
    Failed(String),
    /// The server answered 401: the session ended (signed out elsewhere, expired, password
    /// changed) while the writer was typing.
    SessionEnded,
}

/// The form itself, for an existing note or (`None`) a new one.
#[component]
pub fn Editor(note: Option<EditableNote>) -> impl IntoView {
    let api = expect_context::<Api>();
    let session = use_session();
    let navigate = use_navigate();
    let original_id = note.as_ref().map(|n| n.draft.id.clone());
    let key = draft_key(original_id.as_deref());
    let stored = note.as_ref().map(|n| n.draft.clone()).unwrap_or_default();
    let (draft, set_draft) = signal(stored.clone());
    let (base, set_base) = signal(note.as_ref().map(|n| n.revision));
    let (problems, set_problems) = signal(Vec::<Problem>::new());
    let (status, set_status) = signal(Status::Idle);
    let (conflict, set_conflict) = signal(None::<EditableNote>);
    let (restored, set_restored) = signal(false);
    let (summary, set_summary) = signal(String::new());
    let titles: HashMap<String, Related> = note
        .iter()
        .flat_map(|n| n.references.iter())
        .map(|r| (r.written.clone(), r.note.clone()))
        .collect();
    let titles = StoredValue::new(titles);
    let stored = StoredValue::new(stored);

    // Unsaved changes: restored on the first run (in the browser only), kept on every change
    // after, forgotten when they equal what is stored.
    {
        let key = key.clone();
        Effect::new(move |first: Option<()>| {
            let current = draft.get();
            let base_revision = base.get();
            if first.is_none() {
                if let Some(saved) = local_storage::get_json::<StoredDraft>(&key)
                    && saved.draft != current
                {
                    set_draft.set(saved.draft);
                    set_base.set(saved.base_revision.or(base_revision));
                    set_restored.set(true);
                }
                return;
            }
            if stored.with_value(|s| *s == current) {
                local_storage::remove(&key);
            } else {
                local_storage::set_json(
                    &key,
                    &StoredDraft {
                        draft: current,
                        base_revision,
                    },
                );
            }
        });
    }

    // The preview, rendered by the server once typing pauses; answers to older bodies are
    // dropped.
    let (preview, set_preview) = signal(String::new());
    {
        let api = api.clone();
        let latest = StoredValue::new(0_u64);
        let pending = StoredValue::new(None::<TimeoutHandle>);
        Effect::new(move |_| {
            let (body, flavor) = draft.with(|d| (d.body.clone(), d.flavor.unwrap_or_default()));
            let ticket = latest.get_value() + 1;
            latest.set_value(ticket);
            if let Some(handle) = pending.get_value() {
                handle.clear();
            }
            // Previewing is a writer's (the server refuses anyone else): nothing is asked until
            // the session is known to be one, and this runs again when it is.
            if !session.can_write() {
                return;
            }
            let api = api.clone();
            // The editor may be gone (saved, navigated away) by the time the timer fires or the
            // answer arrives: `try_` reads and writes then do nothing instead of panicking.
            let handle = set_timeout_with_handle(
                move || {
                    spawn_local(async move {
                        if let Ok(rendered) = api.preview(PreviewRequest { body, flavor }).await
                            && latest.try_get_value() == Some(ticket)
                        {
                            set_preview.try_set(rendered.html);
                        }
                    })
                },
                Duration::from_millis(PREVIEW_DEBOUNCE_MS),
            )
            .ok();
            pending.set_value(handle);
        });
        on_cleanup(move || {
            if let Some(handle) = pending.try_get_value().flatten() {
                handle.clear();
            }
        });
    }

    let save = {
        let api = api.clone();
        let key = key.clone();
        let original_id = original_id.clone();
        move || {
            if status.get_untracked() == Status::Saving {
                return;
            }
            set_status.set(Status::Saving);
            set_problems.set(Vec::new());
            let api = api.clone();
            let key = key.clone();
            let navigate = navigate.clone();
            let draft = draft.get_untracked();
            let session_had_ended = status.get_untracked() == Status::SessionEnded;
            let summary = summary.get_untracked();
            let request = (original_id.clone(), base.get_untracked());
            spawn_local(async move {
                let result = match request {
                    (Some(id), Some(base_revision)) => {
                        api.update(UpdateNote {
                            id,
                            base_revision,
                            draft,
                            summary,
                        })
                        .await
                    }
                    _ => api.create(CreateNote { draft, summary }).await,
                };
                match result {
                    Ok(saved) => {
                        local_storage::remove(&key);
                        set_status.try_set(Status::Idle);
                        // Signed in again in another tab: the header learns it too.
                        if session_had_ended {
                            session.refresh();
                        }
                        navigate(&format!("/notes/{}", saved.id), Default::default());
                    }
                    Err(error) => {
                        show_failure(&error, session, set_conflict, set_problems, set_status)
                    }
                }
            });
        }
    };

    let on_submit = {
        let save = save.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            save();
        }
    };
    let on_keydown = {
        let save = save.clone();
        move |event: leptos::ev::KeyboardEvent| {
            if (event.ctrl_key() || event.meta_key()) && event.key() == "s" {
                event.prevent_default();
                save();
            }
        }
    };

    let field = move |name: &'static str| {
        move || {
            problems.with(|all| {
                all.iter()
                    .filter(|p| p.field.as_deref() == Some(name))
                    .map(|p| view! { <p class="field-error" data-field=name>{p.message.clone()}</p> })
                    .collect_view()
            })
        }
    };
    let general = move || {
        problems.with(|all| {
            all.iter()
                .filter(|p| p.field.is_none())
                .map(|p| view! { <li>{p.to_string()}</li> })
                .collect_view()
        })
    };
    let set_text = move |apply: fn(&mut NoteDraft, String)| {
        move |event| {
            let value = event_target_value(&event);
            set_draft.update(|d| apply(d, value));
        }
    };
    let (tags_text, set_tags_text) = signal(draft.with_untracked(|d| d.tags.join(", ")));
    // When the whole draft is replaced (a restored draft, their version), the tags box follows.
    Effect::new(move |_| {
        let joined = draft.with(|d| d.tags.join(", "));
        let typed: Vec<String> = split_tags(&tags_text.get_untracked());
        if draft.with_untracked(|d| d.tags != typed) {
            set_tags_text.set(joined);
        }
    });

    let is_new = original_id.is_none();
    let server_revision = note.as_ref().map(|n| n.revision);
    let cancel_href = original_id
        .as_ref()
        .map_or_else(|| "/".to_owned(), |id| format!("/notes/{id}"));
    let discard = {
        let key = key.clone();
        move |_| {
            local_storage::remove(&key);
            set_draft.set(stored.get_value());
            set_base.set(server_revision);
            set_restored.set(false);
        }
    };

    view! {
        <PageMeta title={if is_new { "New note".to_owned() } else { format!("Edit {}", stored.with_value(|d| d.title.clone())) }} description="Write and change notes in Lore." />
        <form class="editor" on:submit=on_submit on:keydown=on_keydown novalidate>
            <header class="editor-header">
                <h1>{if is_new { "New note" } else { "Edit note" }}</h1>
                <div class="editor-actions">
                    <A href=cancel_href>"Cancel"</A>
                    <button type="submit" class="primary" disabled=move || status.get() == Status::Saving>
                        {move || if status.get() == Status::Saving { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </header>
            <Show when=move || restored.get()>
                <p class="notice draft-restored" role="status">
                    "Your unsaved changes were restored. "
                    <button type="button" class="link-button" on:click=discard.clone()>"Discard them"</button>
                </p>
            </Show>
            {move || match status.get() {
                Status::Failed(message) => Some(view! { <p class="error-notice" role="alert">{message}</p> }.into_any()),
                Status::SessionEnded => Some(view! { <SessionEnded /> }.into_any()),
                _ => None,
            }}
            // Known to be unable to save (and not already told why by a refused save).
            <Show when=move || {
                status.get() != Status::SessionEnded
                    && session.with(|info| info.is_some_and(|i| !i.can_write()))
            }>
                <p class="notice cannot-write" role="status">
                    "Saving needs an editor's account. "
                    <a href="/sign-in" target="_blank" rel="noopener">"Sign in as an editor in another tab"</a>
                    ", then save: your text is kept here."
                </p>
            </Show>
            <ul class="problems">{general}</ul>
            {move || conflict.get().map(|theirs| view! {
                <ConflictPanel theirs mine=draft set_draft set_base set_conflict save=Callback::new({
                    let save = save.clone();
                    move |_| save()
                }) />
            })}
            <div class="editor-fields">
                <label>
                    "Title"
                    <input name="title" type="text" required
                        prop:value=move || draft.with(|d| d.title.clone())
                        on:input=set_text(|d, v| d.title = v) />
                    {field("title")}
                </label>
                <label>
                    {if is_new { "Id (its address: /notes/id)" } else { "Id (changing it renames the note; links to the old id keep working)" }}
                    <input name="id" type="text" required pattern="[a-z0-9]+(-[a-z0-9]+)*"
                        prop:value=move || draft.with(|d| d.id.clone())
                        on:input=set_text(|d, v| d.id = v) />
                    {field("id")}
                </label>
                <label class="wide">
                    "Description"
                    <input name="description" type="text"
                        prop:value=move || draft.with(|d| d.description.clone())
                        on:input=set_text(|d, v| d.description = v) />
                    {field("description")}
                </label>
                <label class="wide">
                    "Tags (separated by commas)"
                    <input name="tags" type="text"
                        prop:value=move || tags_text.get()
                        on:input=move |event| {
                            let value = event_target_value(&event);
                            set_draft.update(|d| d.tags = split_tags(&value));
                            set_tags_text.set(value);
                        } />
                    {field("tags")}
                </label>
                <NotePicker label="Prerequisites" name="prerequisites" titles
                    values=Signal::derive(move || draft.with(|d| d.prerequisites.clone()))
                    on_change=Callback::new(move |list| set_draft.update(|d| d.prerequisites = list)) />
                {field("prerequisites")}
                <NotePicker label="Read next" name="successors" titles
                    values=Signal::derive(move || draft.with(|d| d.successors.clone()))
                    on_change=Callback::new(move |list| set_draft.update(|d| d.successors = list)) />
                {field("successors")}
                <NotePicker label="Related" name="related" titles
                    values=Signal::derive(move || draft.with(|d| d.related.clone()))
                    on_change=Callback::new(move |list| set_draft.update(|d| d.related = list)) />
                {field("related")}
            </div>
            <div class="editor-fields">
                <label>
                    "Written as"
                    // Each option says whether it is chosen: a `value` set on the select itself
                    // would be set before its options exist, when the editor is built in the
                    // browser.
                    <select name="flavor"
                        on:change=move |event| {
                            let flavor = Flavor::from_name(&event_target_value(&event));
                            set_draft.update(|d| d.flavor = flavor);
                        }>
                        <option value="markdown"
                            selected=move || draft.with(|d| d.flavor.unwrap_or_default() == Flavor::Markdown)>
                            "Markdown"
                        </option>
                        <option value="obsidian"
                            selected=move || draft.with(|d| d.flavor == Some(Flavor::Obsidian))>
                            "Obsidian's Markdown ([[wikilinks]], callouts, #tags)"
                        </option>
                    </select>
                </label>
            </div>
            <div class="editor-panes">
                <label class="editor-source">
                    "Markdown"
                    <textarea name="body" spellcheck="true"
                        prop:value=move || draft.with(|d| d.body.clone())
                        on:input=set_text(|d, v| d.body = v)
                        on:paste=move |event: web_sys::ClipboardEvent| {
                            let files = event.clipboard_data().and_then(|data| data.files());
                            attach_dropped(&event, files, set_draft, set_status);
                        }
                        on:dragover=move |event: web_sys::DragEvent| event.prevent_default()
                        on:drop=move |event: web_sys::DragEvent| {
                            let files = event.data_transfer().and_then(|data| data.files());
                            attach_dropped(&event, files, set_draft, set_status);
                        }></textarea>
                    <p class="hint">"Paste or drop an image, a clip or a PDF here to attach it."</p>
                    {field("body")}
                </label>
                <section class="editor-preview" aria-label="Preview">
                    <h2 class="visually-hidden">"Preview"</h2>
                    <div class="markdown" inner_html=move || preview.get()></div>
                </section>
            </div>
            <div class="editor-fields">
                <label class="wide">
                    "What changed"
                    <input name="summary" type="text" placeholder="Fixed the example"
                        prop:value=move || summary.get()
                        on:input=move |event| set_summary.set(event_target_value(&event)) />
                    {field("summary")}
                </label>
            </div>
        </form>
    }
}

/// Files pasted or dropped into the body (`event`'s `files`, if it carries any: text pasted is
/// left to the browser): each is stored as an attachment under `attachments/`, with a name of
/// its own so that no file already there is replaced, through the import (which takes single
/// attachments too), and a link to it is written where the cursor is.
fn attach_dropped(
    event: &web_sys::Event,
    files: Option<web_sys::FileList>,
    set_draft: WriteSignal<NoteDraft>,
    set_status: WriteSignal<Status>,
) {
    let files = crate::components::files_in(files);
    if files.is_empty() {
        return;
    }
    event.prevent_default();
    #[cfg(target_arch = "wasm32")]
    {
        use web_sys::wasm_bindgen::JsCast;
        let cursor = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
            .and_then(|area| area.selection_start().ok().flatten())
            .unwrap_or(u32::MAX);
        leptos::task::spawn_local(async move {
            let stamp = format!("{:x}", web_sys::js_sys::Date::now() as u64);
            let mut links = String::new();
            for (index, file) in files.iter().enumerate() {
                // Files dropped together may share a name: each gets its own.
                let path = attachment_path(&file.name(), &file.type_(), &format!("{stamp}{index}"));
                let sent = async {
                    let form = web_sys::FormData::new()
                        .map_err(|_| "the browser cannot build a form.".to_owned())?;
                    form.append_with_blob_and_filename("files", file, &path)
                        .map_err(|_| "the browser cannot read the file.".to_owned())?;
                    crate::api::upload(form).await.map_err(|e| e.to_string())
                }
                .await;
                let refused = match sent {
                    Ok(report)
                        if report.attachments.contains(&path)
                            || report.unchanged_attachments.contains(&path) =>
                    {
                        links.push_str(&attachment_link(&file.name(), &file.type_(), &path));
                        continue;
                    }
                    // The import took the upload but not as a file to keep.
                    Ok(_) => {
                        "only images, audio, video and PDFs of up to 32 MiB are kept.".to_owned()
                    }
                    Err(reason) => reason,
                };
                set_status.set(Status::Failed(format!(
                    "{} was not attached: {refused}",
                    file.name()
                )));
                return;
            }
            set_draft.update(|draft| {
                let at = utf16_to_byte_index(&draft.body, cursor);
                draft.body.insert_str(at, &links);
            });
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (set_draft, set_status);
}

/// Where a file pasted or dropped as `name` (of media type `media_type`) is stored:
/// `attachments/{its name, made safe}-{stamp}.{extension}`.
// Called from the browser's paste and drop handlers only (and the tests).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn attachment_path(name: &str, media_type: &str, stamp: &str) -> String {
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, extension.to_ascii_lowercase()),
        // A pasted screenshot may come without a name: its media type says what it is.
        _ => (
            "pasted",
            media_type
                .rsplit('/')
                .next()
                .unwrap_or("bin")
                .replace("jpeg", "jpg"),
        ),
    };
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("attachments/{}-{stamp}.{extension}", stem.trim_matches('-'))
}

/// The Markdown that shows the attachment at `path`: an image (or a player, for audio and
/// video) with the file's name as its description, or a link.
// Called from the browser's paste and drop handlers only (and the tests).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn attachment_link(name: &str, media_type: &str, path: &str) -> String {
    let shown = ["image/", "audio/", "video/"]
        .iter()
        .any(|kind| media_type.starts_with(kind));
    let label = name.replace(['[', ']'], "");
    if shown {
        format!("![{label}]({path})\n")
    } else {
        format!("[{label}]({path})\n")
    }
}

/// The byte index in `text` of the position a text box counts in UTF-16 code units (its end
/// when past it).
// Called from the browser's paste and drop handlers only (and the tests).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn utf16_to_byte_index(text: &str, units: u32) -> usize {
    let mut counted = 0u32;
    for (index, c) in text.char_indices() {
        if counted >= units {
            return index;
        }
        counted += c.len_utf16() as u32;
    }
    text.len()
}

fn split_tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What the writer sees when a save has ended its session: the text stays where it is (and in
/// local storage), and signing in happens in another tab so that nothing here is lost.
#[component]
fn SessionEnded() -> impl IntoView {
    view! {
        <p class="error-notice session-ended" role="alert">
            "Your session has ended. "
            <a href="/sign-in" target="_blank" rel="noopener">"Sign in again in another tab"</a>
            ", then save again: your text is kept here."
        </p>
    }
}

fn show_failure(
    error: &ClientError,
    session: Session,
    set_conflict: WriteSignal<Option<EditableNote>>,
    set_problems: WriteSignal<Vec<Problem>>,
    set_status: WriteSignal<Status>,
) {
    // Called once a request has come back: the editor may be gone by then.
    if error.status() == 401 {
        set_status.try_set(Status::SessionEnded);
        // The header stops offering what the server now refuses.
        session.refresh();
        return;
    }
    if let Some(current) = error.conflict() {
        set_conflict.try_set(Some(current.clone()));
        set_status.try_set(Status::Idle);
        return;
    }
    set_problems.try_set(error.problems().to_vec());
    set_status.try_set(Status::Failed(error.to_string()));
}

/// Shown when a save was refused because someone else saved first: their version beside this
/// writer's, the fields that differ, and a merged text to save on top of theirs.
#[component]
fn ConflictPanel(
    theirs: EditableNote,
    mine: ReadSignal<NoteDraft>,
    set_draft: WriteSignal<NoteDraft>,
    set_base: WriteSignal<Option<u64>>,
    set_conflict: WriteSignal<Option<EditableNote>>,
    save: Callback<()>,
) -> impl IntoView {
    let my_draft = mine.get_untracked();
    let (merged, set_merged) = signal(my_draft.body.clone());
    let differing = differing_fields(&theirs.draft, &my_draft);
    let revision = theirs.revision;
    let their_draft = theirs.draft.clone();
    let take_theirs = move |_| {
        set_draft.set(their_draft.clone());
        set_base.set(Some(revision));
        set_conflict.set(None);
    };
    let save_merged = move |_| {
        set_draft.update(|d| d.body = merged.get_untracked());
        set_base.set(Some(revision));
        // Saved before the panel is closed: closing it disposes what it owns.
        save.run(());
        set_conflict.set(None);
    };
    view! {
        <section class="conflict" role="alert" aria-labelledby="conflict-title">
            <h2 id="conflict-title">"Someone else saved this note while you were editing"</h2>
            <p>
                {format!("Revision {revision} is now the current one. ")}
                "Nothing of yours is lost: compare the two, put together the text to keep, and save it on top of theirs."
            </p>
            {(!differing.is_empty()).then(|| view! {
                <table class="conflict-fields">
                    <thead><tr><th>"Field"</th><th>"Theirs"</th><th>"Yours"</th></tr></thead>
                    <tbody>
                        {differing.into_iter().map(|(name, theirs, yours)| view! {
                            <tr><th>{name}</th><td>{theirs}</td><td>{yours}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            <div class="conflict-columns">
                <div>
                    <h3>{format!("Their version (revision {revision})")}</h3>
                    <pre class="conflict-theirs">{theirs.draft.body.clone()}</pre>
                </div>
                <div>
                    <h3>"Your version"</h3>
                    <pre class="conflict-mine">{my_draft.body.clone()}</pre>
                </div>
            </div>
            <label>
                "Merged text (starts as yours)"
                <textarea name="merged" prop:value=move || merged.get()
                    on:input=move |event| set_merged.set(event_target_value(&event))></textarea>
            </label>
            <div class="editor-actions">
                <button type="button" on:click=take_theirs>"Use their version"</button>
                <button type="button" class="primary" on:click=save_merged>"Save merged version"</button>
            </div>
        </section>
    }
}

/// `(field, theirs, yours)` for every form field (not the body) the two drafts disagree on.
fn differing_fields(theirs: &NoteDraft, mine: &NoteDraft) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    let mut compare = |name, a: String, b: String| {
        if a != b {
            out.push((name, a, b));
        }
    };
    compare("Id", theirs.id.clone(), mine.id.clone());
    compare("Title", theirs.title.clone(), mine.title.clone());
    compare(
        "Description",
        theirs.description.clone(),
        mine.description.clone(),
    );
    compare("Tags", theirs.tags.join(", "), mine.tags.join(", "));
    compare(
        "Prerequisites",
        theirs.prerequisites.join(", "),
        mine.prerequisites.join(", "),
    );
    compare(
        "Read next",
        theirs.successors.join(", "),
        mine.successors.join(", "),
    );
    compare(
        "Related",
        theirs.related.join(", "),
        mine.related.join(", "),
    );
    out
}

/// A list of references to other notes, with a search-as-you-type box to add one.
#[component]
fn NotePicker(
    label: &'static str,
    name: &'static str,
    values: Signal<Vec<String>>,
    on_change: Callback<Vec<String>>,
    titles: StoredValue<HashMap<String, Related>>,
) -> impl IntoView {
    let api = expect_context::<Api>();
    let (typed, set_typed) = signal(String::new());
    let (options, set_options) = signal(Vec::<(String, String)>::new());
    let latest = StoredValue::new(0_u64);
    let list_id = format!("picker-{name}");

    let add = move |reference: String| {
        let reference = reference.trim().to_owned();
        if reference.is_empty() {
            return;
        }
        if let Some(title) = options.with_untracked(|o| {
            o.iter()
                .find(|(id, _)| *id == reference)
                .map(|(_, t)| t.clone())
        }) {
            titles.update_value(|t| {
                t.insert(
                    reference.clone(),
                    Related {
                        id: reference.clone(),
                        title,
                        exists: true,
                    },
                );
            });
        }
        let mut list = values.get_untracked();
        if !list.contains(&reference) {
            list.push(reference);
            on_change.run(list);
        }
        set_typed.set(String::new());
    };
    let on_input = {
        move |event| {
            let value = event_target_value(&event);
            // Picking a suggestion fills the box with its id: take it at once.
            if options.with_untracked(|o| o.iter().any(|(id, _)| *id == value)) {
                add(value);
                return;
            }
            set_typed.set(value.clone());
            let ticket = latest.get_value() + 1;
            latest.set_value(ticket);
            if value.trim().is_empty() {
                set_options.set(Vec::new());
                return;
            }
            let api = api.clone();
            spawn_local(async move {
                let query = SearchQuery {
                    q: value,
                    limit: Some(8),
                    ..SearchQuery::default()
                };
                if let Ok(results) = api.search_as_you_type(query).await
                    && latest.try_get_value() == Some(ticket)
                {
                    set_options.try_set(
                        results
                            .hits
                            .into_iter()
                            .map(|h| (h.document.id, h.document.title))
                            .collect(),
                    );
                }
            });
        }
    };
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Enter" {
            // Enter adds what was typed (an id or a relative path) instead of saving the form.
            event.prevent_default();
            event.stop_propagation();
            add(typed.get_untracked());
        }
    };
    let remove = move |reference: String| {
        let list: Vec<String> = values
            .get_untracked()
            .into_iter()
            .filter(|r| *r != reference)
            .collect();
        on_change.run(list);
    };
    view! {
        <fieldset class="picker wide" data-picker=name>
            <legend>{label}</legend>
            <ul class="chips">
                {move || values.get().into_iter().map(|reference| {
                    let shown = titles.with_value(|t| t.get(&reference).map(|r| r.title.clone()))
                        .unwrap_or_else(|| reference.clone());
                    let target = reference.clone();
                    view! {
                        <li class="chip">
                            <span title=reference.clone()>{shown}</span>
                            <button type="button" aria-label=format!("Remove {reference}")
                                on:click=move |_| remove(target.clone())>"×"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <input type="text" name=format!("{name}-add") list=list_id.clone()
                placeholder="Add a note: type to search, Enter to add"
                prop:value=move || typed.get()
                on:input=on_input on:keydown=on_keydown />
            <datalist id=list_id>
                {move || options.get().into_iter().map(|(id, title)| view! {
                    <option value=id.clone()>{title}</option>
                }).collect_view()}
            </datalist>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_file_gets_a_safe_name_of_its_own_and_a_link_that_shows_it() {
        assert_eq!(
            attachment_path("Screen Shot 2026.PNG", "image/png", "19a2b"),
            "attachments/screen-shot-2026-19a2b.png"
        );
        assert_eq!(
            attachment_path("", "image/jpeg", "19a2b"),
            "attachments/pasted-19a2b.jpg"
        );
        assert_eq!(
            attachment_link("a [b].png", "image/png", "attachments/a-b-1.png"),
            "![a b.png](attachments/a-b-1.png)\n"
        );
        assert_eq!(
            attachment_link("paper.pdf", "application/pdf", "attachments/paper-1.pdf"),
            "[paper.pdf](attachments/paper-1.pdf)\n"
        );
    }

    #[test]
    fn a_text_box_position_in_utf16_units_is_found_in_the_text() {
        let text = "é😀x";
        assert_eq!(utf16_to_byte_index(text, 0), 0);
        assert_eq!(utf16_to_byte_index(text, 1), 2);
        assert_eq!(utf16_to_byte_index(text, 3), 6);
        assert_eq!(utf16_to_byte_index(text, 99), text.len());
    }
}
