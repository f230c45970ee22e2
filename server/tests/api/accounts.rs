//! Who may do what, over real HTTP: every endpoint of the contract against every kind of
//! caller on a public and on a private base; sessions, tokens, the sign-in limit across two
//! servers, requests forged by other sites, the first admin, and pages that are the same for
//! everyone.

use crate::helpers::{ADMIN, Options, PASSWORD, TestApp};
use app::contract::{
    Credentials, ENDPOINTS, ErrorCode, ErrorEnvelope, Method, NewToken, PasswordChange, Permission,
    Role, SessionInfo, TokenScope,
};
use reqwest::header::{HeaderMap, HeaderValue};
use server::access::AccessPolicy;
use server::secrets::{random_secret, secret_hash};
use server::service::accounts::unix_now;

/// A kind of caller, and the headers that make a request theirs.
struct Party {
    name: &'static str,
    headers: HeaderMap,
    /// What the server should take them for.
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Not signed in, or with a session that has ended.
    Anonymous,
    /// A session of a user with this role.
    Session(Role),
    /// A token of an editor with this scope.
    Token(TokenScope),
    /// A token that no longer works.
    BadToken,
}

/// What `kind` should get from an endpoint needing `permission` with `method`: `None` for
/// "let in" (then it gets [`answer_when_let_in`]), else the refusal's status.
fn refusal(kind: Kind, permission: Permission, method: Method, public_read: bool) -> Option<u16> {
    let role = match kind {
        Kind::BadToken => return Some(401),
        Kind::Anonymous => None,
        Kind::Session(role) => Some(role),
        Kind::Token(_) => Some(Role::Editor),
    };
    let by_role = match (permission, role) {
        (Permission::Anyone, _) => return None,
        (Permission::Read, _) if public_read => None,
        (_, None) => Some(401),
        (Permission::Read | Permission::SignedIn, Some(_)) => None,
        (Permission::Write, Some(role)) => (!role.can_write()).then_some(403),
        (Permission::Admin, Some(role)) => (role != Role::Admin).then_some(403),
    };
    by_role
        .or_else(|| (kind == Kind::Token(TokenScope::Read) && method != Method::Get).then_some(403))
}

/// What an endpoint answers a caller it lets in, to the table test's request: its path with
/// `alpha` (a note), `1` (its revision), `nobody` (no account) and `images/alpha.png` (an
/// attachment) for the parameters, an empty
/// JSON object as the body of a `POST` or `PUT`, no body for a `DELETE`. Reads succeed. Writes
/// whose body lacks its fields are refused for the body (400), never for the caller; deleting
/// the note and bringing it back from the trash both succeed, in that order, so each party
/// finds the base as the one before it did.
fn answer_when_let_in(endpoint: &str) -> u16 {
    match endpoint {
        "Hello" | "Health" | "Ready" | "GetOpenApi" | "GetApiReference" | "ListDocuments"
        | "GetDocument" | "GetDocumentRaw" | "ListTags" | "ListCollections" | "GetGraph"
        | "ListWanted" | "ExportArchive" | "EditDocument" | "ListTrash" | "ListRevisions"
        | "GetRevision" | "GetSession" | "SignOut" | "ListUsers" | "ListTokens"
        | "DeleteDocument" | "RestoreDocument" | "GetFile" => 200,
        "Search" | "GetDiff" | "RevokeToken" | "ImportFiles" | "CreateDocument"
        | "UpdateDocument" | "RestoreToRevision" | "PreviewMarkdown" | "SignIn"
        | "ChangePassword" | "SetUp" | "CreateUser" | "UpdateUser" | "CreateToken" => 400,
        "RemoveUser" => 404,
        other => panic!("{other}: add what it answers to `answer_when_let_in`"),
    }
}

/// Headers a browser on our own page sends: its origin, and the cookie.
fn browser(app: &TestApp, cookie: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("origin", HeaderValue::from_str(&app.address).unwrap());
    if let Some(cookie) = cookie {
        headers.insert(
            "cookie",
            HeaderValue::from_str(&format!("lore_session={cookie}")).unwrap(),
        );
    }
    headers
}

fn bearer(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    headers
}

/// A token of `name`'s.
async fn token_of(app: &TestApp, name: &str, scope: TokenScope) -> String {
    app.service()
        .create_token_of(
            name,
            &NewToken {
                name: "test".to_owned(),
                scope,
                expires_in_days: None,
            },
        )
        .await
        .unwrap()
        .secret
}

/// Signs `name` in over HTTP, as the browser does; the session cookie's value.
async fn sign_in(app: &TestApp, name: &str) -> String {
    let response = app
        .anonymous()
        .post(app.url("/api/session"))
        .headers(browser(app, None))
        .json(&Credentials {
            name: name.to_owned(),
            password: PASSWORD.to_owned(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{name} could not sign in");
    cookie_of(&response).expect("a session cookie")
}

/// The session cookie a response sets, if any.
fn cookie_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("lore_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .filter(|v| !v.is_empty())
}

/// Every kind of caller, on `app`.
async fn parties(app: &TestApp) -> Vec<Party> {
    for (name, role) in [
        ("rita", Role::Reader),
        ("eddie", Role::Editor),
        ("late", Role::Reader),
        ("left", Role::Editor),
        ("gone", Role::Editor),
    ] {
        app.add_user(name, role).await;
    }
    let expired = random_secret();
    let late_id = app
        .store
        .accounts()
        .password_of("late")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    app.store
        .accounts()
        .add_session(
            &secret_hash(&expired),
            late_id,
            unix_now() - 100,
            unix_now() - 10,
        )
        .await
        .unwrap();
    let revoked = sign_in(app, "left").await;
    let response = app
        .anonymous()
        .delete(app.url("/api/session"))
        .headers(browser(app, Some(&revoked)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let removed = token_of(app, "gone", TokenScope::Write).await;
    app.service().remove_user("gone").await.unwrap();

    vec![
        Party {
            name: "anonymous",
            headers: browser(app, None),
            kind: Kind::Anonymous,
        },
        Party {
            name: "reader",
            headers: browser(app, Some(&sign_in(app, "rita").await)),
            kind: Kind::Session(Role::Reader),
        },
        Party {
            name: "editor",
            headers: browser(app, Some(&sign_in(app, "eddie").await)),
            kind: Kind::Session(Role::Editor),
        },
        Party {
            name: "admin",
            headers: browser(app, Some(&sign_in(app, ADMIN).await)),
            kind: Kind::Session(Role::Admin),
        },
        Party {
            name: "expired session",
            headers: browser(app, Some(&expired)),
            kind: Kind::Anonymous,
        },
        Party {
            name: "revoked session",
            headers: browser(app, Some(&revoked)),
            kind: Kind::Anonymous,
        },
        Party {
            name: "read token",
            headers: bearer(&token_of(app, "eddie", TokenScope::Read).await),
            kind: Kind::Token(TokenScope::Read),
        },
        Party {
            name: "write token",
            headers: bearer(&token_of(app, "eddie", TokenScope::Write).await),
            kind: Kind::Token(TokenScope::Write),
        },
        Party {
            name: "removed user's token",
            headers: bearer(&removed),
            kind: Kind::BadToken,
        },
    ]
}

/// Walks every endpoint for every party on a base whose reading is `public_read`.
async fn every_endpoint_answers_every_party_as_the_table_says(public_read: bool) {
    let app = TestApp::spawn_with(Options {
        access: Some(AccessPolicy {
            public_read,
            ..Default::default()
        }),
        ..Options::default()
    })
    .await;
    app.import_ok(&[
        ("alpha.md", b"---\nid: alpha\ntitle: Alpha\n---\nText\n"),
        ("images/alpha.png", b"\x89PNG alpha"),
    ])
    .await;
    let parties = parties(&app).await;
    // Signing out ends a party's session: it goes last.
    let mut endpoints: Vec<_> = ENDPOINTS.iter().collect();
    endpoints.sort_by_key(|e| e.name == "SignOut");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for party in &parties {
        for endpoint in &endpoints {
            let path = endpoint
                .path
                .replace("{id}", "alpha")
                .replace("{number}", "1")
                .replace("{name}", "nobody")
                .replace("{*path}", "images/alpha.png");
            let url = app.url(&path);
            let request = match endpoint.method {
                Method::Get => app.anonymous().get(url),
                Method::Post => app.anonymous().post(url).json(&serde_json::json!({})),
                Method::Put => app.anonymous().put(url).json(&serde_json::json!({})),
                Method::Delete => app.anonymous().delete(url),
            };
            let status = request
                .headers(party.headers.clone())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            let expected = refusal(
                party.kind,
                endpoint.permission,
                endpoint.method,
                public_read,
            );
            let context = format!(
                "{} {} {path} as {} on a {} base",
                endpoint.name,
                endpoint.method.as_str(),
                party.name,
                if public_read { "public" } else { "private" }
            );
            let expected = expected.unwrap_or_else(|| answer_when_let_in(endpoint.name));
            if status != expected {
                wrong.push(format!("{context}: {status}, expected {expected}"));
            }
            checked += 1;
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(checked, ENDPOINTS.len() * 9);
}

#[tokio::test]
async fn every_endpoint_answers_every_party_as_the_table_says_on_a_public_base() {
    every_endpoint_answers_every_party_as_the_table_says(true).await;
}

#[tokio::test]
async fn every_endpoint_answers_every_party_as_the_table_says_on_a_private_base() {
    every_endpoint_answers_every_party_as_the_table_says(false).await;
}

#[tokio::test]
async fn a_private_base_sends_anonymous_visitors_to_sign_in_and_lets_readers_in() {
    let app = TestApp::spawn_with(Options {
        access: Some(AccessPolicy {
            public_read: false,
            ..Default::default()
        }),
        ..Options::default()
    })
    .await;
    app.add_user("rita", Role::Reader).await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = no_redirects
        .get(app.url("/notes/alpha?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/sign-in?next=%2Fnotes%2Falpha%3Fx%3D1"
    );
    let sign_in_page = no_redirects.get(app.url("/sign-in")).send().await.unwrap();
    assert_eq!(sign_in_page.status(), 200);

    let cookie = sign_in(&app, "rita").await;
    let home = no_redirects
        .get(app.url("/"))
        .headers(browser(&app, Some(&cookie)))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
}

#[tokio::test]
async fn signing_in_sets_an_http_only_same_site_cookie_and_signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    app.add_user("eddie", Role::Editor).await;
    let response = app
        .anonymous()
        .post(app.url("/api/session"))
        .headers(browser(&app, None))
        .json(&Credentials {
            name: "Eddie ".to_owned(),
            password: PASSWORD.to_owned(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP: {set_cookie}");
    let cookie = cookie_of(&response).unwrap();
    let info: SessionInfo = response.json().await.unwrap();
    assert_eq!(info.user.unwrap().name, "eddie");

    let signed_in = session_of(&app, &cookie).await.user.unwrap();
    assert_eq!(signed_in.role, Role::Editor);

    let out = app
        .anonymous()
        .delete(app.url("/api/session"))
        .headers(browser(&app, Some(&cookie)))
        .send()
        .await
        .unwrap();
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(user_of(&app, &cookie).await, None, "the session ended");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_name_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let attempt = |name: &'static str, password: &'static str| {
        let app = &app;
        async move {
            let response = app
                .anonymous()
                .post(app.url("/api/session"))
                .json(&Credentials {
                    name: name.to_owned(),
                    password: password.to_owned(),
                })
                .send()
                .await
                .unwrap();
            assert!(cookie_of(&response).is_none());
            TestApp::expect_error(response, 401).await
        }
    };
    let wrong_password = attempt(ADMIN, "not the password").await;
    let unknown_name = attempt("nobody", "not the password").await;
    assert_eq!(wrong_password, unknown_name);
    assert_eq!(wrong_password.error.code, ErrorCode::Unauthenticated);
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_name_across_two_servers() {
    let first = TestApp::spawn().await;
    let second = TestApp::spawn_with(Options {
        database_url: Some(first.database_url.clone()),
        ..Options::default()
    })
    .await;
    let attempt = |app: &TestApp, password: &str| {
        app.anonymous()
            .post(app.url("/api/session"))
            .json(&Credentials {
                name: ADMIN.to_owned(),
                password: password.to_owned(),
            })
            .send()
    };
    for n in 0..10 {
        let app = if n % 2 == 0 { &first } else { &second };
        assert_eq!(attempt(app, "guess").await.unwrap().status(), 401);
    }
    // The eleventh, on either server, even with the right password.
    let refused = attempt(&first, PASSWORD).await.unwrap();
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    let envelope = TestApp::expect_error(refused, 429).await;
    assert_eq!(envelope.error.code, ErrorCode::TooManyRequests);
    assert_eq!(attempt(&second, PASSWORD).await.unwrap().status(), 429);
}

#[tokio::test]
async fn a_request_from_another_site_is_refused_even_with_a_valid_session() {
    let app = TestApp::spawn().await;
    let cookie = sign_in(&app, ADMIN).await;
    let note = serde_json::json!({"draft": {"id": "forged", "title": "Forged"}});
    let forged = |origin: Option<&'static str>, site: Option<&'static str>| {
        let app = &app;
        let (cookie, note) = (cookie.clone(), note.clone());
        async move {
            let mut request = app
                .anonymous()
                .post(app.url("/api/documents"))
                .header("cookie", format!("lore_session={cookie}"))
                .json(&note);
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            if let Some(site) = site {
                request = request.header("sec-fetch-site", site);
            }
            request.send().await.unwrap().status().as_u16()
        }
    };
    assert_eq!(forged(Some("https://evil.example"), None).await, 403);
    assert_eq!(forged(Some("null"), None).await, 403);
    assert_eq!(forged(None, Some("cross-site")).await, 403);
    assert_eq!(forged(None, Some("same-site")).await, 403);
    assert_eq!(forged(None, None).await, 403, "a cookie without any origin");
    // The multipart import alike.
    let form = reqwest::multipart::Form::new().part(
        "files",
        reqwest::multipart::Part::bytes(b"---\nid: x\ntitle: X\n---\n".to_vec()).file_name("x.md"),
    );
    let import = app
        .anonymous()
        .post(app.url("/api/import"))
        .header("cookie", format!("lore_session={cookie}"))
        .header("origin", "https://evil.example")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let envelope = TestApp::expect_error(import, 403).await;
    assert_eq!(envelope.error.code, ErrorCode::Forbidden);
    let list: serde_json::Value = app.get_json("/api/documents").await;
    assert_eq!(list["total"], 0, "nothing forged was written");

    let ours = app.address.clone();
    let ours: &'static str = Box::leak(ours.into_boxed_str());
    assert_eq!(forged(Some(ours), None).await, 201);
}

#[tokio::test]
async fn a_token_decides_when_a_request_carries_both_a_token_and_a_cookie() {
    let app = TestApp::spawn().await;
    let admin_cookie = sign_in(&app, ADMIN).await;
    let read_token = token_of(&app, ADMIN, TokenScope::Read).await;
    let mut headers = browser(&app, Some(&admin_cookie));
    headers.extend(bearer(&read_token));
    let create = app
        .anonymous()
        .post(app.url("/api/documents"))
        .headers(headers)
        .json(&serde_json::json!({"draft": {"id": "x", "title": "X"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        create.status(),
        403,
        "the read token decides, not the cookie"
    );

    let mut headers = browser(&app, Some(&admin_cookie));
    headers.extend(bearer("lore_not-a-token"));
    let read = app
        .anonymous()
        .get(app.url("/api/documents"))
        .headers(headers)
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.status(),
        401,
        "a bad token is refused, not replaced by the cookie"
    );
}

#[tokio::test]
async fn a_role_change_a_password_change_and_a_removal_take_effect_on_the_next_request() {
    let app = TestApp::spawn().await;
    app.add_user("rita", Role::Reader).await;
    let cookie = sign_in(&app, "rita").await;
    let token = token_of(&app, "rita", TokenScope::Write).await;
    let create = |headers: HeaderMap, id: &'static str| {
        let app = &app;
        async move {
            app.anonymous()
                .post(app.url("/api/documents"))
                .headers(headers)
                .json(&serde_json::json!({"draft": {"id": id, "title": id}}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(create(browser(&app, Some(&cookie)), "one").await, 403);
    let promote = app
        .client
        .put(app.url("/api/users/rita"))
        .json(&serde_json::json!({"name": "rita", "role": "editor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(promote.status(), 200);
    assert_eq!(create(browser(&app, Some(&cookie)), "one").await, 201);
    assert_eq!(create(bearer(&token), "two").await, 201);

    let new_password = app
        .client
        .put(app.url("/api/users/rita"))
        .json(&serde_json::json!({"name": "rita", "password": "another long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(new_password.status(), 200);
    assert_eq!(
        create(browser(&app, Some(&cookie)), "three").await,
        401,
        "the old session ended"
    );
    assert_eq!(create(bearer(&token), "three").await, 201, "tokens stay");

    let remove = app
        .client
        .delete(app.url("/api/users/rita"))
        .send()
        .await
        .unwrap();
    assert_eq!(remove.status(), 200);
    assert_eq!(create(bearer(&token), "four").await, 401);
    let history: Vec<serde_json::Value> = app.get_json("/api/documents/one/revisions").await;
    assert_eq!(
        history[0]["author"], "rita",
        "revisions keep a removed user's name"
    );
}

#[tokio::test]
async fn the_last_admin_cannot_be_removed_or_demoted() {
    let app = TestApp::spawn().await;
    let remove = app
        .client
        .delete(app.url(&format!("/api/users/{ADMIN}")))
        .send()
        .await
        .unwrap();
    TestApp::expect_error(remove, 409).await;
    let demote = app
        .client
        .put(app.url(&format!("/api/users/{ADMIN}")))
        .json(&serde_json::json!({"name": ADMIN, "role": "editor"}))
        .send()
        .await
        .unwrap();
    TestApp::expect_error(demote, 409).await;
}

#[tokio::test]
async fn a_new_account_needs_a_lowercase_name_a_long_password_and_a_free_name() {
    let app = TestApp::spawn().await;
    let add = |name: &'static str, password: &'static str| {
        app.client
            .post(app.url("/api/users"))
            .json(&serde_json::json!({"name": name, "password": password, "role": "reader"}))
            .send()
    };
    let envelope = TestApp::expect_error(add("Bad Name", "short").await.unwrap(), 422).await;
    let fields: Vec<_> = envelope
        .error
        .problems
        .iter()
        .map(|p| p.field.clone().unwrap())
        .collect();
    assert_eq!(fields, ["name", "password"]);
    assert_eq!(add("rita", PASSWORD).await.unwrap().status(), 201);
    let taken = TestApp::expect_error(add("rita", PASSWORD).await.unwrap(), 409).await;
    assert_eq!(taken.error.problems[0].field.as_deref(), Some("name"));
    let users: Vec<serde_json::Value> = app.get_json("/api/users").await;
    let text = serde_json::to_string(&users).unwrap();
    assert!(
        !text.contains(PASSWORD) && !text.contains("argon2"),
        "{text}"
    );
}

#[tokio::test]
async fn the_first_admin_is_made_once_with_the_set_up_link_code() {
    let app = TestApp::spawn_with(Options {
        no_accounts: true,
        ..Options::default()
    })
    .await;
    let info: SessionInfo = app.get_json("/api/session").await;
    assert!(info.needs_setup);
    let code = app.service().setup_code().await.unwrap().unwrap();
    let set_up = |code: String, name: &'static str| {
        let app = &app;
        async move {
            app.anonymous()
                .post(app.url("/api/setup"))
                .headers(browser(app, None))
                .json(&serde_json::json!({"code": code, "name": name, "password": PASSWORD}))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(set_up("made-up".to_owned(), "root").await.status(), 403);
    let made = set_up(code.clone(), "root").await;
    assert_eq!(made.status(), 201);
    assert!(cookie_of(&made).is_some(), "the first admin is signed in");
    let again = set_up(code, "mallory").await;
    assert_eq!(again.status(), 403, "once only");
    assert_eq!(app.service().setup_code().await.unwrap(), None);
    let names: Vec<_> = app
        .service()
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.name, u.role))
        .collect();
    assert_eq!(names, [("root".to_owned(), Role::Admin)]);
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_a_trusted_proxy_says_the_client_used_https() {
    let app = TestApp::spawn_with(Options {
        access: Some(AccessPolicy {
            public_read: true,
            trusted_proxies: ["127.0.0.1".parse().unwrap()].into(),
        }),
        ..Options::default()
    })
    .await;
    let response = app
        .anonymous()
        .post(app.url("/api/session"))
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-for", "203.0.113.7")
        .json(&Credentials {
            name: ADMIN.to_owned(),
            password: PASSWORD.to_owned(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );
}

#[tokio::test]
async fn pages_are_the_same_for_every_reader_and_never_name_the_signed_in_user() {
    let app = TestApp::spawn().await;
    app.import_ok(&[("alpha.md", b"---\nid: alpha\ntitle: Alpha\n---\nText\n")])
        .await;
    app.add_user("zebediah", Role::Editor).await;
    let cookie = sign_in(&app, "zebediah").await;
    for path in ["/", "/notes/alpha", "/notes/alpha/edit", "/trash"] {
        let signed_in = app
            .anonymous()
            .get(app.url(path))
            .headers(browser(&app, Some(&cookie)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let anonymous = app.anonymous().get(app.url(path)).send().await.unwrap();
        assert!(anonymous.headers().get("set-cookie").is_none());
        let anonymous = anonymous.text().await.unwrap();
        assert!(!signed_in.contains("zebediah"), "{path} names the user");
        assert_eq!(signed_in, anonymous, "{path} differs per user");
    }
}

#[tokio::test]
async fn a_client_cannot_escape_the_address_limit_by_naming_another_address() {
    // No trusted proxy: `X-Forwarded-For` is anyone's to write, so it is not believed.
    let app = TestApp::spawn().await;
    let attempt = |name: String, password: &'static str, claimed: String| {
        app.anonymous()
            .post(app.url("/api/session"))
            .header("x-forwarded-for", claimed)
            .json(&Credentials {
                name,
                password: password.to_owned(),
            })
            .send()
    };
    for n in 0..50 {
        let refused = attempt(format!("guess{n}"), "wrong", format!("198.51.100.{n}"))
            .await
            .unwrap();
        assert_eq!(refused.status(), 401, "attempt {n}");
    }
    let limited = attempt(ADMIN.to_owned(), PASSWORD, "198.51.100.200".to_owned())
        .await
        .unwrap();
    assert_eq!(limited.status(), 429, "fifty failures from this address");
}

/// What the server says of a request with `cookie`.
async fn session_of(app: &TestApp, cookie: &str) -> SessionInfo {
    app.anonymous()
        .get(app.url("/api/session"))
        .headers(browser(app, Some(cookie)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Who `cookie`'s session belongs to, if anyone.
async fn user_of(app: &TestApp, cookie: &str) -> Option<String> {
    session_of(app, cookie).await.user.map(|user| user.name)
}

#[tokio::test]
async fn a_user_changes_their_own_password_with_the_current_one_and_their_other_sessions_end() {
    const NEW_PASSWORD: &str = "a new and longer password";
    let app = TestApp::spawn().await;
    app.add_user("eddie", Role::Editor).await;
    let laptop = sign_in(&app, "eddie").await;
    let phone = sign_in(&app, "eddie").await;
    let change = |headers: HeaderMap, current: &str, new: &str| {
        app.anonymous()
            .put(app.url("/api/session/password"))
            .headers(headers)
            .json(&PasswordChange {
                current_password: current.to_owned(),
                password: new.to_owned(),
            })
            .send()
    };
    let field_of = |envelope: ErrorEnvelope| {
        envelope
            .error
            .problems
            .first()
            .and_then(|p| p.field.clone())
    };

    let wrong = change(
        browser(&app, Some(&laptop)),
        "not my password",
        NEW_PASSWORD,
    )
    .await;
    let wrong = TestApp::expect_error(wrong.unwrap(), 422).await;
    assert_eq!(field_of(wrong).as_deref(), Some("current_password"));
    let short = change(browser(&app, Some(&laptop)), PASSWORD, "short").await;
    let short = TestApp::expect_error(short.unwrap(), 422).await;
    assert_eq!(field_of(short).as_deref(), Some("password"));
    let token = token_of(&app, "eddie", TokenScope::Write).await;
    let by_token = change(bearer(&token), PASSWORD, NEW_PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        by_token.status(),
        403,
        "a script may not take the account over"
    );
    assert_eq!(user_of(&app, &phone).await.as_deref(), Some("eddie"));

    let changed = change(browser(&app, Some(&laptop)), PASSWORD, NEW_PASSWORD)
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let fresh = cookie_of(&changed).expect("a new session for this browser");
    assert_eq!(user_of(&app, &fresh).await.as_deref(), Some("eddie"));
    assert_eq!(user_of(&app, &laptop).await, None, "the old session ended");
    assert_eq!(
        user_of(&app, &phone).await,
        None,
        "every other session ended"
    );
    let sign_in_with = |password: &str| {
        app.anonymous()
            .post(app.url("/api/session"))
            .json(&Credentials {
                name: "eddie".to_owned(),
                password: password.to_owned(),
            })
            .send()
    };
    assert_eq!(sign_in_with(PASSWORD).await.unwrap().status(), 401);
    assert_eq!(sign_in_with(NEW_PASSWORD).await.unwrap().status(), 200);
}

#[tokio::test]
async fn guessing_the_current_password_of_an_open_session_counts_toward_the_sign_in_limit() {
    let app = TestApp::spawn().await;
    app.add_user("eddie", Role::Editor).await;
    let cookie = sign_in(&app, "eddie").await;
    let change = |current: &str| {
        app.anonymous()
            .put(app.url("/api/session/password"))
            .headers(browser(&app, Some(&cookie)))
            .json(&PasswordChange {
                current_password: current.to_owned(),
                password: "a new and longer password".to_owned(),
            })
            .send()
    };
    for n in 0..10 {
        let guess = change(&format!("guess number {n}")).await.unwrap();
        assert_eq!(guess.status(), 422);
    }
    assert_eq!(change(PASSWORD).await.unwrap().status(), 429);
    assert_eq!(user_of(&app, &cookie).await.as_deref(), Some("eddie"));
}
