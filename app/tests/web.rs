//! Browser tests: real components mounted into a real DOM in headless Chromium
//! (`wasm-pack test --headless --chrome app`).
//!
//! The components read through the [`Api`] context like in production. Where a test needs a
//! particular answer, the one fake [`LoreApi`] ([`FakeApi`]) is configured to give it; where it needs a real failed fetch, the
//! real [`Api::http`] is used against the test runner's own web server, which has no `/api`.
#![cfg(target_arch = "wasm32")]

use app::App;
use app::api::{Api, ClientError, LoreApi};
use app::contract::{
    CollectionRef, CollectionSummary, CreateNote, DeletedNote, Diff, DiffQuery, DocumentQuery,
    DocumentSummary, DocumentView, EditableNote, ErrorCode, ErrorEnvelope, Graph, GraphQuery,
    Heading, HelloResponse, NoteAction, NoteDraft, Page, Preview, PreviewRequest, Problem,
    ReadyResponse, Related, RestoreRevision, RevisionSummary, Saved, SearchHit, SearchQuery,
    SearchResults, TagCount, UpdateNote, WantedPage,
};
use app::contract::{
    CreatedToken, Credentials, FirstAdmin, NewToken, NewUser, PasswordChange, Role, SessionInfo,
    TokenSummary, UserChange, UserSummary,
};
use app::pages::HomePage;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

/// The one fake of the data interface every test mounts: a small knowledge base (`http` and
/// `tcp`, with one relationship to each and one to a wanted `quic`) whose answers a test
/// configures where it needs to: greetings scripted one by one, greetings held back until a
/// gate opens, searches counted, who the browser is signed in as. Writes answer as the server
/// would refuse them (a blank title, a save that lost the race, or one whose session ended),
/// which is what the editor tests need; API tokens are kept, as made. One account exists: `ada`, password [`ADA_PASSWORD`].
struct FakeApi {
    greetings: Mutex<VecDeque<Result<HelloResponse, ClientError>>>,
    /// While this is false, `hello` waits.
    gate: Option<Arc<AtomicBool>>,
    searches: Arc<AtomicUsize>,
    /// What `session` answers: an editor unless a test says otherwise. Signing in and out
    /// change it, as on the server.
    session: Mutex<SessionInfo>,
    /// Saves are refused with 401, as when the session ended while the writer typed.
    session_ended: bool,
    /// The signed-in user's API tokens; creating one adds to them.
    tokens: Mutex<Vec<TokenSummary>>,
}

/// The password of the fake's one account, `ada`.
const ADA_PASSWORD: &str = "correct horse battery staple";

impl FakeApi {
    /// Signed in as ada, an editor.
    fn new() -> Self {
        Self {
            greetings: Mutex::default(),
            gate: None,
            searches: Arc::default(),
            session: Mutex::new(session_as(Some(Role::Editor))),
            session_ended: false,
            tokens: Mutex::default(),
        }
    }

    /// Signed in as ada with `role`, or (`None`) an anonymous visitor.
    fn signed_in_as(self, role: Option<Role>) -> Self {
        Self {
            session: Mutex::new(session_as(role)),
            ..self
        }
    }

    /// Refuses every save with 401: the session has ended.
    fn with_session_ended(self) -> Self {
        Self {
            session_ended: true,
            ..self
        }
    }

    /// Answers each `hello` with the next of `greetings`, in order.
    fn greetings(
        self,
        greetings: impl IntoIterator<Item = Result<HelloResponse, ClientError>>,
    ) -> Self {
        Self {
            greetings: Mutex::new(greetings.into_iter().collect()),
            ..self
        }
    }

    /// Holds every `hello` back until `gate` is set.
    fn held_until(self, gate: Arc<AtomicBool>) -> Self {
        Self {
            gate: Some(gate),
            ..self
        }
    }

    /// Counts every search (as you type or not) in `searches`.
    fn counting_searches(self, searches: Arc<AtomicUsize>) -> Self {
        Self { searches, ..self }
    }

    fn api(self) -> Api {
        Api::new(self)
    }
}

#[async_trait::async_trait(?Send)]
impl LoreApi for FakeApi {
    async fn hello(&self) -> Result<HelloResponse, ClientError> {
        if let Some(gate) = &self.gate {
            while !gate.load(Ordering::SeqCst) {
                TimeoutFuture::new(5).await;
            }
        }
        self.greetings
            .lock()
            .unwrap()
            .pop_front()
            .expect("the test scripted fewer greetings than the page asked for")
    }

    async fn ready(&self) -> Result<ReadyResponse, ClientError> {
        Ok(ReadyResponse {
            status: "ready".to_owned(),
            database: "sqlite".to_owned(),
        })
    }

    async fn documents(&self, _: DocumentQuery) -> Result<Page<DocumentSummary>, ClientError> {
        Ok(Page {
            items: vec![summary("tcp", "TCP")],
            total: 1,
            offset: 0,
            limit: 50,
        })
    }

    async fn document(&self, id: String) -> Result<DocumentView, ClientError> {
        match id.as_str() {
            "http" => Ok(view_of(
                "http",
                "HTTP and HTTPS",
                "<h1 id=\"http-and-https\">HTTP and HTTPS</h1><h2 id=\"status-codes\">Status codes</h2><p>Requests and responses.</p>",
                vec![related("tcp", "TCP", true), related("quic", "quic", false)],
            )),
            "tcp" => Ok(view_of(
                "tcp",
                "TCP",
                "<h1 id=\"tcp\">TCP</h1><p>Reliable streams.</p>",
                vec![],
            )),
            _ => Err(not_found(&id)),
        }
    }

    async fn tags(&self) -> Result<Vec<TagCount>, ClientError> {
        Ok(vec![TagCount {
            tag: "networking".into(),
            count: 1,
        }])
    }

    async fn collections(&self) -> Result<Vec<CollectionSummary>, ClientError> {
        Ok(vec![CollectionSummary {
            id: "networking".into(),
            title: "Networking".into(),
            count: 1,
        }])
    }

    async fn graph(&self, _query: GraphQuery) -> Result<Graph, ClientError> {
        Ok(Graph {
            nodes: vec![],
            edges: vec![],
            total: 0,
        })
    }

    async fn wanted(&self) -> Result<Vec<WantedPage>, ClientError> {
        Ok(vec![])
    }

    async fn search(&self, query: SearchQuery) -> Result<SearchResults, ClientError> {
        self.searches.fetch_add(1, Ordering::SeqCst);
        let hits = [("tcp", "TCP"), ("http", "HTTP and HTTPS")]
            .into_iter()
            .filter(|(id, _)| id.starts_with(query.q.trim()))
            .map(|(id, title)| SearchHit {
                document: summary(id, title),
                snippet: format!("<mark>{id}</mark> …"),
            })
            .collect();
        Ok(SearchResults {
            hits,
            did_you_mean: None,
        })
    }

    async fn search_as_you_type(&self, query: SearchQuery) -> Result<SearchResults, ClientError> {
        self.search(query).await
    }

    async fn editable(&self, id: String) -> Result<EditableNote, ClientError> {
        match id.as_str() {
            "tcp" => Ok(EditableNote {
                draft: NoteDraft {
                    id,
                    title: "TCP".into(),
                    body: "# TCP\n".into(),
                    ..NoteDraft::default()
                },
                revision: 3,
                references: Vec::new(),
            }),
            _ => Err(not_found(&id)),
        }
    }

    /// Every new note is refused for its title, as the server does a blank one.
    async fn create(&self, _: CreateNote) -> Result<Saved, ClientError> {
        if self.session_ended {
            return Err(unauthenticated());
        }
        let mut envelope = ErrorEnvelope::new(ErrorCode::InvalidInput, "1 problem");
        envelope.error.problems = vec![Problem::in_field("title", "A note needs a title.")];
        Err(ClientError::Api {
            status: 422,
            envelope,
        })
    }

    /// Every save loses the race: someone saved revision 4 first.
    async fn update(&self, note: UpdateNote) -> Result<Saved, ClientError> {
        if self.session_ended {
            return Err(unauthenticated());
        }
        let mut theirs = self.editable(note.id).await?;
        theirs.revision = 4;
        theirs.draft.body = "their words\n".into();
        let mut envelope = ErrorEnvelope::new(ErrorCode::Conflict, "changed meanwhile");
        envelope.error.current = Some(Box::new(theirs));
        Err(ClientError::Api {
            status: 409,
            envelope,
        })
    }

    async fn delete(&self, _: NoteAction) -> Result<DeletedNote, ClientError> {
        Err(not_scripted())
    }

    async fn trash(&self) -> Result<Vec<DeletedNote>, ClientError> {
        Ok(Vec::new())
    }

    async fn undelete(&self, _: NoteAction) -> Result<Saved, ClientError> {
        Err(not_scripted())
    }

    async fn revisions(&self, _: String) -> Result<Vec<RevisionSummary>, ClientError> {
        Err(not_scripted())
    }

    async fn diff(&self, _: DiffQuery) -> Result<Diff, ClientError> {
        Err(not_scripted())
    }

    async fn restore_revision(&self, _: RestoreRevision) -> Result<Saved, ClientError> {
        Err(not_scripted())
    }

    async fn preview(&self, request: PreviewRequest) -> Result<Preview, ClientError> {
        Ok(Preview {
            html: format!(
                "<p class=\"previewed\">{}</p>",
                request.body.replace('<', "&lt;")
            ),
            headings: Vec::new(),
        })
    }

    async fn session(&self) -> Result<SessionInfo, ClientError> {
        Ok(self.session.lock().unwrap().clone())
    }

    /// Ada with her password signs in as an editor; anything else is refused as the server
    /// does, with one answer for a wrong name and a wrong password.
    async fn sign_in(&self, credentials: Credentials) -> Result<SessionInfo, ClientError> {
        if credentials.name != "ada" || credentials.password != ADA_PASSWORD {
            return Err(ClientError::Api {
                status: 401,
                envelope: ErrorEnvelope::new(ErrorCode::Unauthenticated, "Wrong name or password."),
            });
        }
        let info = session_as(Some(Role::Editor));
        *self.session.lock().unwrap() = info.clone();
        Ok(info)
    }

    async fn sign_out(&self) -> Result<SessionInfo, ClientError> {
        let info = session_as(None);
        *self.session.lock().unwrap() = info.clone();
        Ok(info)
    }

    async fn set_up(&self, _: FirstAdmin) -> Result<SessionInfo, ClientError> {
        Err(not_scripted())
    }

    async fn users(&self) -> Result<Vec<UserSummary>, ClientError> {
        Ok(self.session.lock().unwrap().user.iter().cloned().collect())
    }

    async fn create_user(&self, _: NewUser) -> Result<UserSummary, ClientError> {
        Err(not_scripted())
    }

    async fn update_user(&self, _: UserChange) -> Result<UserSummary, ClientError> {
        Err(not_scripted())
    }

    async fn remove_user(&self, _: String) -> Result<UserSummary, ClientError> {
        Err(not_scripted())
    }

    async fn tokens(&self) -> Result<Vec<TokenSummary>, ClientError> {
        Ok(self.tokens.lock().unwrap().clone())
    }

    /// Every token's secret is `lore_s3cret`.
    async fn create_token(&self, token: NewToken) -> Result<CreatedToken, ClientError> {
        let mut tokens = self.tokens.lock().unwrap();
        let summary = TokenSummary {
            id: tokens.len() as i64 + 1,
            name: token.name,
            hint: "lore_s3…cret".into(),
            scope: token.scope,
            created_at: "2026-11-26T10:00:00Z".into(),
            expires_at: None,
            last_used_at: None,
        };
        tokens.push(summary.clone());
        Ok(CreatedToken {
            token: summary,
            secret: "lore_s3cret".into(),
        })
    }

    async fn revoke_token(&self, _: i64) -> Result<TokenSummary, ClientError> {
        Err(not_scripted())
    }

    async fn change_password(&self, _: PasswordChange) -> Result<SessionInfo, ClientError> {
        Err(not_scripted())
    }
}

/// What the server says of a browser signed in as ada with `role`, or of an anonymous one, on a
/// public base.
fn session_as(role: Option<Role>) -> SessionInfo {
    SessionInfo {
        user: role.map(|role| UserSummary {
            name: "ada".into(),
            role,
            created_at: "2026-11-01T09:00:00Z".into(),
        }),
        public_read: true,
        needs_setup: false,
    }
}

fn unauthenticated() -> ClientError {
    ClientError::Api {
        status: 401,
        envelope: ErrorEnvelope::new(
            ErrorCode::Unauthenticated,
            "Sign in to do this: your session has ended.",
        ),
    }
}

fn summary(id: &str, title: &str) -> DocumentSummary {
    DocumentSummary {
        id: id.into(),
        title: title.into(),
        description: Some(format!("About {title}")),
        collection: Some(CollectionRef {
            id: "networking".into(),
            title: "Networking".into(),
        }),
        tags: vec!["networking".into()],
        updated_at: Some("2026-11-26".into()),
        draft: false,
    }
}

fn related(id: &str, title: &str, exists: bool) -> Related {
    Related {
        id: id.into(),
        title: title.into(),
        exists,
    }
}

fn view_of(id: &str, title: &str, html: &str, prerequisites: Vec<Related>) -> DocumentView {
    DocumentView {
        summary: summary(id, title),
        author: Some("Lore".into()),
        created_at: Some("2026-11-01".into()),
        version: Some("1.0".into()),
        html: html.into(),
        headings: vec![
            Heading {
                level: 1,
                text: title.into(),
                anchor: "t".into(),
            },
            Heading {
                level: 2,
                text: "Status codes".into(),
                anchor: "status-codes".into(),
            },
        ],
        reading_path: prerequisites.iter().filter(|r| r.exists).cloned().collect(),
        prerequisites,
        successors: vec![],
        related: vec![],
        backlinks: vec![],
        cycles: vec![],
        source_path: format!("networking/{id}.md"),
    }
}

fn greeting(text: &str) -> Result<HelloResponse, ClientError> {
    Ok(HelloResponse {
        text: text.to_owned(),
    })
}

/// A mounted view, unmounted when dropped so its DOM and reactive work end with its test.
/// (A router's window listeners outlive it, which is why navigation here goes through history
/// events rather than clicks.)
struct Mounted {
    container: HtmlElement,
    _handle: Box<dyn std::any::Any>,
}

impl std::ops::Deref for Mounted {
    type Target = HtmlElement;

    fn deref(&self) -> &HtmlElement {
        &self.container
    }
}

fn fresh_container() -> HtmlElement {
    let document = document();
    let container: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&container).unwrap();
    container
}

/// Mounts the home page with `api` into a fresh container.
fn mount_home(api: Api) -> Mounted {
    let container = fresh_container();
    let handle = leptos::mount::mount_to(container.clone(), move || {
        provide_context(api);
        view! { <leptos_router::components::Router><HomePage /></leptos_router::components::Router> }
    });
    Mounted {
        container,
        _handle: Box::new(handle),
    }
}

/// Waits (up to 5 s of 10 ms polls) for `selector` to match inside `root`, and returns its text.
async fn text_of(root: &HtmlElement, selector: &str) -> String {
    for _ in 0..500 {
        if let Some(element) = root.query_selector(selector).unwrap() {
            return element.text_content().unwrap_or_default();
        }
        TimeoutFuture::new(10).await;
    }
    panic!(
        "nothing matched {selector:?}; the page shows: {}",
        root.inner_html()
    );
}

#[wasm_bindgen_test]
async fn the_home_page_shows_the_servers_greeting() {
    let page = mount_home(FakeApi::new().greetings([greeting("Hello, client!")]).api());

    assert_eq!(text_of(&page, ".greeting").await, "Hello, client!");
    assert_eq!(text_of(&page, ".database-ready").await, "sqlite is ready");
    assert!(page.query_selector(".error-notice").unwrap().is_none());
}

fn not_found(id: &str) -> ClientError {
    ClientError::Api {
        status: 404,
        envelope: ErrorEnvelope::new(
            ErrorCode::NotFound,
            format!("No document has the id `{id}`."),
        ),
    }
}

fn not_scripted() -> ClientError {
    ClientError::Unreachable("not scripted in this test".into())
}

#[wasm_bindgen_test]
async fn the_home_page_says_it_is_loading_until_the_answer_arrives() {
    let open = Arc::new(AtomicBool::new(false));
    let page = mount_home(
        FakeApi::new()
            .greetings([greeting("Hello, client!")])
            .held_until(open.clone())
            .api(),
    );

    let loading = text_of(&page, ".tier .loading").await;
    assert_eq!(loading, "Asking the server for a greeting…");
    assert!(page.query_selector(".greeting").unwrap().is_none());

    open.store(true, Ordering::SeqCst);
    assert_eq!(text_of(&page, ".greeting").await, "Hello, client!");
    assert!(page.query_selector(".tier .loading").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn a_failed_fetch_is_explained_with_a_retry_button() {
    // The test runner's server has no /api: a real fetch that gets a non-JSON 404.
    let page = mount_home(Api::http());

    // The API server's tier (the second): the database's fails too, and either may fail first.
    let tier = ".tier:nth-child(2) .error-notice";
    let title = text_of(&page, &format!("{tier} .error-title")).await;
    assert_eq!(title, "The greeting did not arrive.");
    let message = text_of(&page, &format!("{tier} .error-message")).await;
    assert!(
        message.contains("404"),
        "the message should give the status: {message}"
    );
    assert!(
        page.query_selector(&format!("{tier} button.retry"))
            .unwrap()
            .is_some()
    );
    assert!(page.query_selector(".greeting").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn retrying_after_an_outage_shows_the_greeting() {
    let page = mount_home(
        FakeApi::new()
            .greetings([
                Err(ClientError::Unreachable("connection refused".to_owned())),
                greeting("Hello, client!"),
            ])
            .api(),
    );

    let message = text_of(&page, ".error-notice .error-message").await;
    assert!(message.contains("could not be reached"), "{message}");
    let retry: HtmlElement = page
        .query_selector(".error-notice button.retry")
        .unwrap()
        .expect("a retry button")
        .unchecked_into();
    retry.click();

    assert_eq!(text_of(&page, ".greeting").await, "Hello, client!");
    assert!(page.query_selector(".error-notice").unwrap().is_none());
}

/// Mounts the whole app (router included) at `path`, as if the reader had opened that URL.
fn mount_app_at(path: &str, api: Api) -> Mounted {
    window()
        .history()
        .unwrap()
        .push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
        .unwrap();
    let container = fresh_container();
    let handle = leptos::mount::mount_to(container.clone(), move || view! { <App api /> });
    Mounted {
        container,
        _handle: Box::new(handle),
    }
}

#[wasm_bindgen_test]
async fn a_note_shows_its_body_metadata_contents_and_relationships() {
    let page = mount_app_at("/notes/http", FakeApi::new().api());

    assert_eq!(text_of(&page, ".markdown h1").await, "HTTP and HTTPS");
    assert_eq!(
        text_of(&page, ".document-header .description").await,
        "About HTTP and HTTPS"
    );
    assert!(
        text_of(&page, ".document-header .meta")
            .await
            .contains("Networking"),
        "the collection is told with the rest of what is known about the note"
    );
    assert_eq!(text_of(&page, ".toc li").await, "Status codes");
    let prerequisites = text_of(&page, ".relations").await;
    assert!(
        prerequisites.contains("Prerequisites") && prerequisites.contains("TCP"),
        "{prerequisites}"
    );
    let wanted = page
        .query_selector(".relations a.wanted")
        .unwrap()
        .expect("the missing note is marked");
    assert_eq!(
        wanted.get_attribute("href").as_deref(),
        Some("/wanted/quic")
    );
    // The title comes first; the body repeats it as its first heading, which the stylesheet
    // hides on a page marked so.
    assert_eq!(
        text_of(&page, ".document-header h1").await,
        "HTTP and HTTPS"
    );
    assert!(
        page.query_selector("article.document.body-has-title")
            .unwrap()
            .is_some()
    );
}

#[wasm_bindgen_test]
async fn an_unknown_note_says_it_was_not_found_without_offering_a_pointless_retry() {
    let page = mount_app_at("/notes/nowhere", FakeApi::new().api());

    let message = text_of(&page, ".error-notice .error-message").await;
    assert_eq!(message, "No document has the id `nowhere`.");
    assert!(
        page.query_selector(".error-notice button.retry")
            .unwrap()
            .is_none()
    );
}

/// Types `text` into the search box as a person would: one input event per keystroke.
fn type_into(input: &web_sys::HtmlInputElement, text: &str) {
    let mut typed = String::new();
    for c in text.chars() {
        typed.push(c);
        input.set_value(&typed);
        input
            .dispatch_event(&web_sys::Event::new("input").unwrap())
            .unwrap();
    }
}

fn press(input: &web_sys::HtmlInputElement, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    input.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn typing_in_the_search_box_asks_once_per_pause_and_enter_opens_the_chosen_note() {
    let searches = Arc::new(AtomicUsize::new(0));
    let page = mount_app_at(
        "/",
        FakeApi::new()
            .greetings([greeting("Hello, client!")])
            .counting_searches(searches.clone())
            .api(),
    );
    let input: web_sys::HtmlInputElement = page
        .query_selector(".search-input")
        .unwrap()
        .expect("a search box in the header")
        .unchecked_into();

    type_into(&input, "tcp");

    assert_eq!(text_of(&page, ".search-hit .search-hit-title").await, "TCP");
    assert_eq!(
        searches.load(Ordering::SeqCst),
        1,
        "three keystrokes, one request"
    );
    press(&input, "ArrowDown");
    press(&input, "Enter");
    for _ in 0..300 {
        if window().location().pathname().unwrap() == "/notes/tcp" {
            break;
        }
        TimeoutFuture::new(10).await;
    }
    assert_eq!(window().location().pathname().unwrap(), "/notes/tcp");
}

#[wasm_bindgen_test]
async fn following_a_relationship_opens_the_related_note() {
    let page = mount_app_at("/notes/http", FakeApi::new().api());
    text_of(&page, ".markdown h1").await;
    let link = page
        .query_selector(".relations a[href='/notes/tcp']")
        .unwrap()
        .expect("a link to the prerequisite");
    assert_eq!(link.text_content().as_deref(), Some("TCP"));

    // The click itself is driven in Chromium end to end (server/tests/browser.rs): in this
    // page, routers mounted by earlier tests also listen on the window and would take it.
    // Here the browser's own history event moves every router, this test's included.
    window()
        .history()
        .unwrap()
        .push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/notes/tcp"))
        .unwrap();
    window()
        .dispatch_event(&web_sys::Event::new("popstate").unwrap())
        .unwrap();

    for _ in 0..300 {
        if text_of(&page, ".markdown h1").await == "TCP" {
            break;
        }
        TimeoutFuture::new(10).await;
    }
    assert_eq!(text_of(&page, ".markdown h1").await, "TCP");
}

/// Waits for an input or text area called `name` inside `root`.
async fn field(root: &HtmlElement, name: &str) -> web_sys::HtmlInputElement {
    text_of(root, &format!("[name='{name}']")).await;
    root.query_selector(&format!("[name='{name}']"))
        .unwrap()
        .unwrap()
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn unsaved_changes_in_the_editor_survive_a_reload() {
    let key = app::pages::draft_key(Some("tcp"));
    app::local_storage::remove(&key);
    let page = mount_app_at("/notes/tcp/edit", FakeApi::new().api());
    let title = field(&page, "title").await;
    assert_eq!(title.value(), "TCP");
    type_into(&title, "TCP, the transport");
    TimeoutFuture::new(50).await;
    let kept: app::pages::StoredDraft =
        app::local_storage::get_json(&key).expect("the change is kept in local storage");
    assert_eq!(kept.draft.title, "TCP, the transport");
    assert_eq!(kept.base_revision, Some(3));
    drop(page);

    // As after a reload: the editor opens with the stored note, then brings the changes back.
    let page = mount_app_at("/notes/tcp/edit", FakeApi::new().api());
    text_of(&page, ".draft-restored").await;
    assert_eq!(field(&page, "title").await.value(), "TCP, the transport");
    app::local_storage::remove(&key);
}

#[wasm_bindgen_test]
async fn a_save_refused_as_stale_shows_both_versions_to_merge() {
    app::local_storage::remove(&app::pages::draft_key(Some("tcp")));
    let page = mount_app_at("/notes/tcp/edit", FakeApi::new().api());
    let body = field(&page, "body").await;
    body.set_value("my words\n");
    body.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    let save: HtmlElement = page
        .query_selector("button[type='submit']")
        .unwrap()
        .unwrap()
        .unchecked_into();
    save.click();

    assert_eq!(text_of(&page, ".conflict-theirs").await, "their words\n");
    assert_eq!(text_of(&page, ".conflict-mine").await, "my words\n");
    assert!(text_of(&page, ".conflict").await.contains("Revision 4"));
    let merged = field(&page, "merged").await;
    assert_eq!(
        merged.value(),
        "my words\n",
        "the merge starts from the writer's text"
    );
    // Nothing was lost: the writer's text is still in local storage until a save succeeds.
    let kept: app::pages::StoredDraft =
        app::local_storage::get_json(&app::pages::draft_key(Some("tcp"))).unwrap();
    assert_eq!(kept.draft.body, "my words\n");
    app::local_storage::remove(&app::pages::draft_key(Some("tcp")));
}

#[wasm_bindgen_test]
async fn a_refused_new_note_shows_the_problem_next_to_its_field() {
    app::local_storage::remove(&app::pages::draft_key(None));
    let page = mount_app_at("/new", FakeApi::new().api());
    field(&page, "title").await;
    let save: HtmlElement = page
        .query_selector("button[type='submit']")
        .unwrap()
        .unwrap()
        .unchecked_into();
    save.click();
    assert_eq!(
        text_of(&page, ".field-error[data-field='title']").await,
        "A note needs a title."
    );
    assert!(
        page.query_selector(".field-error[data-field='id']")
            .unwrap()
            .is_none()
    );
    app::local_storage::remove(&app::pages::draft_key(None));
}

/// Waits until the account menu says the browser has learnt its session (`data-session`).
async fn session_known(root: &HtmlElement, state: &str) {
    text_of(root, &format!(".account-menu[data-session='{state}']")).await;
}

#[wasm_bindgen_test]
async fn a_reader_or_an_anonymous_visitor_sees_no_controls_for_changing_notes_but_an_editor_does() {
    for (role, state) in [(None, "anonymous"), (Some(Role::Reader), "reader")] {
        let page = mount_app_at("/notes/http", FakeApi::new().signed_in_as(role).api());
        session_known(&page, state).await;
        text_of(&page, ".markdown h1").await;
        // Whatever the session shows is drawn in the same pass as `data-session`; a moment more
        // so that an absence below is not just an update still on its way.
        TimeoutFuture::new(50).await;

        for selector in [
            ".document-actions .edit-link",
            ".document-actions button.danger",
            ".site-nav a[href='/new']",
            ".site-nav a[href='/import']",
            ".site-nav a[href='/admin/users']",
        ] {
            assert!(
                page.query_selector(selector).unwrap().is_none(),
                "a {state} visitor is offered {selector}"
            );
        }
        assert!(
            text_of(&page, ".document-actions")
                .await
                .contains("History"),
            "reading the history needs no account"
        );
    }
    let anonymous = mount_app_at("/notes/http", FakeApi::new().signed_in_as(None).api());
    let sign_in = text_of(&anonymous, ".account-menu a.sign-in-link").await;
    assert_eq!(sign_in, "Sign in");
    let link = anonymous
        .query_selector(".account-menu a.sign-in-link")
        .unwrap()
        .unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("/sign-in?next=%2Fnotes%2Fhttp"),
        "signing in comes back to the note"
    );
    drop(anonymous);

    let page = mount_app_at(
        "/notes/http",
        FakeApi::new().signed_in_as(Some(Role::Editor)).api(),
    );
    session_known(&page, "editor").await;
    assert_eq!(text_of(&page, ".document-actions .edit-link").await, "Edit");
    assert_eq!(text_of(&page, ".site-nav a[href='/new']").await, "New note");
    assert_eq!(text_of(&page, ".account-menu .account-name").await, "ada");
    assert_eq!(
        text_of(&page, ".account-menu button.sign-out").await,
        "Sign out"
    );
    assert!(
        page.query_selector(".site-nav a[href='/admin/users']")
            .unwrap()
            .is_none(),
        "managing users is for admins"
    );
}

/// Waits for the button matching `selector` to be enabled (the sign-in form's is disabled
/// until the page is interactive), then clicks it.
async fn click_when_enabled(root: &HtmlElement, selector: &str) {
    for _ in 0..500 {
        if let Some(button) = root.query_selector(selector).unwrap()
            && !button.has_attribute("disabled")
        {
            button.unchecked_into::<HtmlElement>().click();
            return;
        }
        TimeoutFuture::new(10).await;
    }
    panic!("{selector:?} never became clickable: {}", root.inner_html());
}

/// Fills the sign-in form with `name` and `password` and sends it.
async fn sign_in_with(page: &HtmlElement, name: &str, password: &str) {
    field(page, "name").await.set_value(name);
    field(page, "password").await.set_value(password);
    click_when_enabled(page, ".auth-form button[type='submit']").await;
}

#[wasm_bindgen_test]
async fn the_sign_in_page_shows_the_servers_message_for_a_wrong_password() {
    let page = mount_app_at(
        "/sign-in?next=%2Fnotes%2Ftcp",
        FakeApi::new().signed_in_as(None).api(),
    );

    sign_in_with(&page, "ada", "not her password").await;

    assert_eq!(
        text_of(&page, ".auth-form .form-error[role='alert']").await,
        "Wrong name or password."
    );
    assert_eq!(
        field(&page, "password").await.value(),
        "",
        "the wrong password is cleared for the next try"
    );
    assert_eq!(field(&page, "name").await.value(), "ada");
    assert_eq!(window().location().pathname().unwrap(), "/sign-in");
}

#[wasm_bindgen_test]
async fn signing_in_leads_back_to_the_page_the_visitor_was_sent_from() {
    let page = mount_app_at(
        "/sign-in?next=%2Fnotes%2Ftcp",
        FakeApi::new().signed_in_as(None).api(),
    );
    session_known(&page, "anonymous").await;

    sign_in_with(&page, "ada", ADA_PASSWORD).await;

    assert_eq!(text_of(&page, ".account-menu .account-name").await, "ada");
    for _ in 0..300 {
        if window().location().pathname().unwrap() == "/notes/tcp" {
            break;
        }
        TimeoutFuture::new(10).await;
    }
    assert_eq!(window().location().pathname().unwrap(), "/notes/tcp");
    assert_eq!(text_of(&page, ".markdown h1").await, "TCP");
}

#[wasm_bindgen_test]
async fn a_save_refused_because_the_session_ended_keeps_the_text_and_says_how_to_sign_in_again() {
    let key = app::pages::draft_key(Some("tcp"));
    app::local_storage::remove(&key);
    let page = mount_app_at("/notes/tcp/edit", FakeApi::new().with_session_ended().api());
    let body = field(&page, "body").await;
    body.set_value("words worth keeping\n");
    body.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();

    click_when_enabled(&page, ".editor button[type='submit']").await;

    let message = text_of(&page, ".session-ended[role='alert']").await;
    assert_eq!(
        message,
        "Your session has ended. Sign in again in another tab, then save again: your text is kept here."
    );
    let link = page
        .query_selector(".session-ended a")
        .unwrap()
        .expect("a link to sign in");
    assert_eq!(link.get_attribute("href").as_deref(), Some("/sign-in"));
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(field(&page, "body").await.value(), "words worth keeping\n");
    let kept: app::pages::StoredDraft =
        app::local_storage::get_json(&key).expect("the text is still in local storage");
    assert_eq!(kept.draft.body, "words worth keeping\n");
    app::local_storage::remove(&key);
}

#[wasm_bindgen_test]
async fn a_new_api_token_shows_its_secret_once_and_joins_the_list() {
    let page = mount_app_at("/account", FakeApi::new().api());
    assert_eq!(
        text_of(&page, ".account-page .empty").await,
        "You have no API tokens."
    );

    field(&page, "name").await.set_value("backup script");
    click_when_enabled(&page, ".token-form button[type='submit']").await;

    assert_eq!(text_of(&page, ".token-secret").await, "lore_s3cret");
    assert!(
        text_of(&page, ".token-created")
            .await
            .contains("it will not be shown again")
    );
    assert!(
        text_of(&page, ".tokens-table tbody")
            .await
            .contains("backup script")
    );
    assert!(
        page.query_selector(".token-secret").unwrap().is_some(),
        "the list reloading does not take the secret away before it is copied"
    );
}

#[wasm_bindgen_test]
async fn the_users_page_tells_an_editor_it_is_for_admins() {
    let page = mount_app_at("/admin/users", FakeApi::new().api());

    assert_eq!(
        text_of(&page, ".users-page .not-allowed").await,
        "Only admins manage users."
    );
    assert!(page.query_selector(".users-table").unwrap().is_none());
}
