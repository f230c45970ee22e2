//! Browser tests: real components mounted into a real DOM in headless Chromium
//! (`wasm-pack test --headless --chrome app`).
//!
//! The components read through the [`Api`] context like in production. Where a test needs a
//! particular answer, a scripted [`LoreApi`] gives it; where it needs a real failed fetch, the
//! real [`Api::http`] is used against the test runner's own web server, which has no `/api`.
#![cfg(target_arch = "wasm32")]

use app::api::{Api, ClientError, LoreApi};
use app::contract::{HelloResponse, ReadyResponse};
use app::pages::HomePage;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

/// Answers each `hello` with the next scripted result; the database is always ready.
struct ScriptedApi {
    greetings: Mutex<VecDeque<Result<HelloResponse, ClientError>>>,
}

impl ScriptedApi {
    fn api(greetings: impl IntoIterator<Item = Result<HelloResponse, ClientError>>) -> Api {
        Api::new(Self {
            greetings: Mutex::new(greetings.into_iter().collect()),
        })
    }
}

#[async_trait::async_trait(?Send)]
impl LoreApi for ScriptedApi {
    async fn hello(&self) -> Result<HelloResponse, ClientError> {
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
}

fn greeting(text: &str) -> Result<HelloResponse, ClientError> {
    Ok(HelloResponse {
        text: text.to_owned(),
    })
}

/// Mounts the home page with `api` into a fresh container and returns the container.
fn mount_home(api: Api) -> HtmlElement {
    let document = document();
    let container: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&container).unwrap();
    leptos::mount::mount_to(container.clone(), move || {
        provide_context(api);
        view! { <HomePage /> }
    })
    .forget();
    container
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
    let page = mount_home(ScriptedApi::api([greeting("Hello, client!")]));

    assert_eq!(text_of(&page, ".greeting").await, "Hello, client!");
    assert_eq!(text_of(&page, ".database-ready").await, "sqlite is ready");
    assert!(page.query_selector(".error-notice").unwrap().is_none());
}

/// Holds every greeting back until the test opens the gate.
struct GatedApi {
    open: Arc<AtomicBool>,
}

#[async_trait::async_trait(?Send)]
impl LoreApi for GatedApi {
    async fn hello(&self) -> Result<HelloResponse, ClientError> {
        while !self.open.load(Ordering::SeqCst) {
            TimeoutFuture::new(5).await;
        }
        greeting("Hello, client!")
    }

    async fn ready(&self) -> Result<ReadyResponse, ClientError> {
        ScriptedApi {
            greetings: Mutex::default(),
        }
        .ready()
        .await
    }
}

#[wasm_bindgen_test]
async fn the_home_page_says_it_is_loading_until_the_answer_arrives() {
    let open = Arc::new(AtomicBool::new(false));
    let page = mount_home(Api::new(GatedApi { open: open.clone() }));

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

    let title = text_of(&page, ".error-notice .error-title").await;
    assert_eq!(title, "The greeting did not arrive.");
    let message = text_of(&page, ".error-notice .error-message").await;
    assert!(
        message.contains("404"),
        "the message should give the status: {message}"
    );
    assert!(
        page.query_selector(".error-notice button.retry")
            .unwrap()
            .is_some()
    );
    assert!(page.query_selector(".greeting").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn retrying_after_an_outage_shows_the_greeting() {
    let page = mount_home(ScriptedApi::api([
        Err(ClientError::Unreachable("connection refused".to_owned())),
        greeting("Hello, client!"),
    ]));

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
