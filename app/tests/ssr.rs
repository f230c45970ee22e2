//! Pages as the server renders them (`cargo test -p app --features ssr`): one HTML for every
//! visitor, so nothing about who is asking may be in it. The account parts render as
//! "unknown", and the browser fills them in after hydration.
#![cfg(all(feature = "ssr", not(target_arch = "wasm32")))]
// The whole app's view type, rendered here, nests deeper than the default limit (as in `server`).
#![recursion_limit = "256"]

use app::App;
use app::api::{Api, ClientError, LoreApi};
use app::contract::{
    CollectionSummary, CreateNote, CreatedToken, Credentials, DeletedNote, Diff, DiffQuery,
    DocumentQuery, DocumentSummary, DocumentView, EditableNote, FirstAdmin, Graph, GraphQuery,
    HelloResponse, NewToken, NewUser, NoteAction, Page, PasswordChange, Preview, PreviewRequest,
    ReadyResponse, RestoreRevision, RevisionSummary, Saved, SearchQuery, SearchResults,
    SessionInfo, TagCount, TokenSummary, UpdateNote, UserChange, UserSummary, WantedPage,
};
use leptos::prelude::*;
use leptos_router::location::RequestUrl;

/// A data interface the account pages must not use while rendering on the server: every call
/// panics, naming itself.
struct NoCalls;

fn never<T>(call: &str) -> Result<T, ClientError> {
    panic!("the server-rendered page called `{call}`")
}

#[async_trait::async_trait]
impl LoreApi for NoCalls {
    async fn hello(&self) -> Result<HelloResponse, ClientError> {
        never("hello")
    }
    async fn ready(&self) -> Result<ReadyResponse, ClientError> {
        never("ready")
    }
    async fn documents(&self, _: DocumentQuery) -> Result<Page<DocumentSummary>, ClientError> {
        never("documents")
    }
    async fn document(&self, _: String) -> Result<DocumentView, ClientError> {
        never("document")
    }
    async fn tags(&self) -> Result<Vec<TagCount>, ClientError> {
        never("tags")
    }
    async fn collections(&self) -> Result<Vec<CollectionSummary>, ClientError> {
        never("collections")
    }
    async fn graph(&self, _: GraphQuery) -> Result<Graph, ClientError> {
        never("graph")
    }
    async fn wanted(&self) -> Result<Vec<WantedPage>, ClientError> {
        never("wanted")
    }
    async fn search(&self, _: SearchQuery) -> Result<SearchResults, ClientError> {
        never("search")
    }
    async fn search_as_you_type(&self, _: SearchQuery) -> Result<SearchResults, ClientError> {
        never("search_as_you_type")
    }
    async fn editable(&self, _: String) -> Result<EditableNote, ClientError> {
        never("editable")
    }
    async fn create(&self, _: CreateNote) -> Result<Saved, ClientError> {
        never("create")
    }
    async fn update(&self, _: UpdateNote) -> Result<Saved, ClientError> {
        never("update")
    }
    async fn delete(&self, _: NoteAction) -> Result<DeletedNote, ClientError> {
        never("delete")
    }
    async fn trash(&self) -> Result<Vec<DeletedNote>, ClientError> {
        never("trash")
    }
    async fn undelete(&self, _: NoteAction) -> Result<Saved, ClientError> {
        never("undelete")
    }
    async fn revisions(&self, _: String) -> Result<Vec<RevisionSummary>, ClientError> {
        never("revisions")
    }
    async fn diff(&self, _: DiffQuery) -> Result<Diff, ClientError> {
        never("diff")
    }
    async fn restore_revision(&self, _: RestoreRevision) -> Result<Saved, ClientError> {
        never("restore_revision")
    }
    async fn preview(&self, _: PreviewRequest) -> Result<Preview, ClientError> {
        never("preview")
    }
    async fn session(&self) -> Result<SessionInfo, ClientError> {
        never("session")
    }
    async fn sign_in(&self, _: Credentials) -> Result<SessionInfo, ClientError> {
        never("sign_in")
    }
    async fn sign_out(&self) -> Result<SessionInfo, ClientError> {
        never("sign_out")
    }
    async fn set_up(&self, _: FirstAdmin) -> Result<SessionInfo, ClientError> {
        never("set_up")
    }
    async fn users(&self) -> Result<Vec<UserSummary>, ClientError> {
        never("users")
    }
    async fn create_user(&self, _: NewUser) -> Result<UserSummary, ClientError> {
        never("create_user")
    }
    async fn update_user(&self, _: UserChange) -> Result<UserSummary, ClientError> {
        never("update_user")
    }
    async fn remove_user(&self, _: String) -> Result<UserSummary, ClientError> {
        never("remove_user")
    }
    async fn tokens(&self) -> Result<Vec<TokenSummary>, ClientError> {
        never("tokens")
    }
    async fn create_token(&self, _: NewToken) -> Result<CreatedToken, ClientError> {
        never("create_token")
    }
    async fn revoke_token(&self, _: i64) -> Result<TokenSummary, ClientError> {
        never("revoke_token")
    }
    async fn change_password(&self, _: PasswordChange) -> Result<SessionInfo, ClientError> {
        never("change_password")
    }
}

/// The HTML the server renders for `path` (resources aside, which these pages have none of).
fn rendered(path: &str) -> String {
    let owner = Owner::new();
    owner.with(|| {
        provide_context(RequestUrl::new(path));
        let api = Api::new(NoCalls);
        view! { <App api /> }.to_html()
    })
}

#[test]
fn the_account_menu_is_rendered_unknown_with_nothing_about_the_visitor() {
    let html = rendered("/sign-in?next=%2Fnotes%2Ftcp");

    assert!(
        html.contains(r#"<div data-session="unknown" class="account-menu">"#),
        "{html}"
    );
    for private in [
        "sign-in-link",
        "account-name",
        "sign-out",
        "New note",
        "/admin/users",
    ] {
        assert!(
            !html.contains(private),
            "{private} is in the shared page: {html}"
        );
    }
}

#[test]
fn the_sign_in_form_is_rendered_with_its_button_off_until_the_page_is_interactive() {
    let html = rendered("/sign-in");

    assert!(html.contains(r#"name="name""#), "{html}");
    assert!(
        html.contains(r#"name="password" type="password""#),
        "{html}"
    );
    assert!(html.contains(r#"method="post""#), "{html}");
    // The label is followed by a hydration marker (`<!>`) with erased view types, so only the
    // start of the button is compared.
    assert!(
        html.contains(r#"<button type="submit" disabled class="primary">Sign in"#),
        "{html}"
    );
}

#[test]
fn account_pages_load_nothing_on_the_server_and_say_they_are_checking() {
    for path in ["/account", "/admin/users"] {
        let html = rendered(path);
        assert!(html.contains("Checking who you are…"), "{path}: {html}");
        assert!(!html.contains("token-form"), "{path}: {html}");
        assert!(!html.contains("users-table"), "{path}: {html}");
    }
}

#[test]
fn the_set_up_page_takes_its_code_from_the_link() {
    let with_code = rendered("/setup?code=C0DE");
    assert!(
        with_code.contains(r#"name="password_again""#),
        "{with_code}"
    );
    assert!(!with_code.contains("has no set-up code"), "{with_code}");

    let without = rendered("/setup");
    assert!(
        without.contains("This address has no set-up code"),
        "{without}"
    );
}
