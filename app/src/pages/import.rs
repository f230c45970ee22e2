//! `/import`: drop Markdown files or an archive on the page (or pick them), and see what was
//! imported or, when nothing was, every problem with its file, line and column.
//!
//! Client-rendered only: an upload needs the browser, and the page is about writing, not
//! reading.

use crate::api::ClientError;
use crate::components::{ErrorNotice, PageMeta};
use crate::contract::ImportReport;
use leptos::prelude::*;
use leptos_router::components::A;

/// Where an upload stands.
#[derive(Debug, Clone, PartialEq)]
// Only the browser build uploads, so only it builds the outcomes.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
enum Upload {
    Idle,
    Sending(usize),
    Done(ImportReport),
    Failed(ClientError),
}

/// The import page.
#[component]
pub fn ImportPage() -> impl IntoView {
    let (state, set_state) = signal(Upload::Idle);
    let (skip_invalid, set_skip_invalid) = signal(false);
    // `auto`, `markdown` or `obsidian`, as the API's `flavor` field takes it.
    let (flavor, set_flavor) = signal(String::from("auto"));
    let (dragging, set_dragging) = signal(false);

    let send = move |list: Option<web_sys::FileList>| {
        let files = crate::components::files_in(list);
        if files.is_empty() {
            return;
        }
        set_state.set(Upload::Sending(files.len()));
        #[cfg(target_arch = "wasm32")]
        {
            let skip = skip_invalid.get_untracked();
            let flavor = flavor.get_untracked();
            leptos::task::spawn_local(async move {
                let result = async {
                    let form = web_sys::FormData::new().map_err(|_| {
                        ClientError::Unreachable("the browser cannot build a form".into())
                    })?;
                    for file in &files {
                        form.append_with_blob_and_filename("files", file, &file.name())
                            .map_err(|_| {
                                ClientError::Unreachable("the browser cannot read a file".into())
                            })?;
                    }
                    if skip {
                        let _ = form.append_with_str("skip_invalid", "true");
                    }
                    let _ = form.append_with_str("flavor", &flavor);
                    crate::api::upload(form).await
                }
                .await;
                set_state.set(match result {
                    Ok(report) => Upload::Done(report),
                    Err(error) => Upload::Failed(error),
                });
            });
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = (files, skip_invalid, flavor);
    };

    view! {
        <PageMeta title="Import" description="Import Markdown notes into Lore." />
        <section class="import-page">
            <h1>"Import Markdown"</h1>
            <p class="lede">
                "Markdown files with front matter (YAML or TOML) and the images, audio, video and PDFs they show, or a .zip / .tar.gz of a folder of them. "
                "Nothing is imported if any file has a problem, unless you ask to skip invalid files."
            </p>
            <div
                class="dropzone"
                class:dragging=dragging
                on:dragover=move |event: leptos::ev::DragEvent| {
                    event.prevent_default();
                    set_dragging.set(true);
                }
                on:dragleave=move |_| set_dragging.set(false)
                on:drop=move |event: leptos::ev::DragEvent| {
                    event.prevent_default();
                    set_dragging.set(false);
                    send(event.data_transfer().and_then(|d| d.files()));
                }
            >
                <p>"Drop files here, or"</p>
                <label class="file-picker">
                    "choose files"
                    <input
                        type="file"
                        name="files"
                        multiple
                        accept=".md,.markdown,.zip,.tar.gz,.tgz,image/*,audio/*,video/*,.pdf,.canvas"
                        on:change=move |event| {
                            let input: web_sys::HtmlInputElement = event_target(&event);
                            send(input.files());
                            input.set_value("");
                        }
                    />
                </label>
            </div>
            <label class="option">
                <input
                    type="checkbox"
                    prop:checked=skip_invalid
                    on:change=move |event| set_skip_invalid.set(event_target_checked(&event))
                />
                " Import the valid files and skip the others"
            </label>
            <label class="option">
                "Written as "
                <select
                    name="flavor"
                    prop:value=flavor
                    on:change=move |event| set_flavor.set(event_target_value(&event))
                >
                    <option value="auto">"detected: an archive with .obsidian/ is a vault"</option>
                    <option value="markdown">"plain Markdown"</option>
                    <option value="obsidian">"an Obsidian vault ([[wikilinks]], callouts, #tags)"</option>
                </select>
            </label>
            <div class="import-result" aria-live="polite">
                {move || match state.get() {
                    Upload::Idle => ().into_any(),
                    Upload::Sending(count) => view! { <p class="loading" role="status">{format!("Importing {count} file(s)…")}</p> }.into_any(),
                    Upload::Done(report) => view! { <ReportView report /> }.into_any(),
                    Upload::Failed(error) => view! { <FailureView error on_retry=move || set_state.set(Upload::Idle) /> }.into_any(),
                }}
            </div>
            <p><a href="/api/export" rel="external" download="lore-export.zip">"Export everything as a .zip"</a></p>
        </section>
    }
}

#[component]
fn ReportView(report: ImportReport) -> impl IntoView {
    let mut summary = format!(
        "Imported: {} new, {} updated, {} unchanged, {} skipped.",
        report.created.len(),
        report.updated.len(),
        report.unchanged.len(),
        report.skipped.len()
    );
    let files = report.attachments.len() + report.unchanged_attachments.len();
    if files > 0 {
        summary.push_str(&format!(
            " Attachments: {} stored, {} unchanged.",
            report.attachments.len(),
            report.unchanged_attachments.len()
        ));
    }
    view! {
        <div class="import-report">
            <p class="import-summary">{summary}</p>
            <ul class="created">
                {report.created.into_iter().chain(report.updated).map(|id| view! {
                    <li><A href=format!("/notes/{id}")>{id.clone()}</A></li>
                }).collect_view()}
            </ul>
            {(!report.skipped.is_empty()).then(|| view! {
                <h2>"Skipped"</h2>
                <ProblemList problems=report.skipped />
            })}
            {(!report.ambiguous.is_empty()).then(|| view! {
                <h2>"Links that could mean several notes or files"</h2>
                <ProblemList problems=report.ambiguous />
            })}
            {(!report.missing_files.is_empty()).then(|| view! {
                <h2>"Files shown but not imported"</h2>
                <div class="missing-files"><ProblemList problems=report.missing_files /></div>
            })}
            {(!report.wanted.is_empty()).then(|| view! {
                <p class="wanted-note">
                    "Referenced but not written yet: "
                    {report.wanted.join(", ")}
                    ". "
                    <A href="/wanted">"See wanted pages"</A>
                </p>
            })}
        </div>
    }
}

#[component]
fn FailureView(error: ClientError, on_retry: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let problems = match &error {
        ClientError::Api { envelope, .. } => envelope.error.problems.clone(),
        _ => Vec::new(),
    };
    if problems.is_empty() {
        return view! { <ErrorNotice title="The import failed." error on_retry=move |_| on_retry() /> }.into_any();
    }
    view! {
        <div class="error-notice import-problems" role="alert">
            <p class="error-title">{error.to_string()}</p>
            <ProblemList problems />
        </div>
    }
    .into_any()
}

#[component]
fn ProblemList(problems: Vec<crate::contract::Problem>) -> impl IntoView {
    view! {
        <ul class="problems">
            {problems.into_iter().map(|p| view! { <li><code>{p.to_string()}</code></li> }).collect_view()}
        </ul>
    }
}
