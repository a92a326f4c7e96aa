//! Forms without JavaScript over real HTTP: a browser's own form post to a
//! server function lands and comes back to its page (`302` to the
//! `Referer`), a refused one comes back with the error carried in the
//! address and shown on the page, and neither a forged nor an anonymous post
//! changes anything.

mod common;

use common::{TestApp, TestClerk};
use reqwest::{header, Response, StatusCode};
use serde_json::Value;

const USER: &str = "user_forms";

/// The cookies a signed-in browser holds (Clerk's `__client_uat` no later
/// than the token's `iat`).
fn cookies(token: &str) -> String {
    let uat = inkpad::clerk::verify::unix_now() - 5;
    format!("__session={token}; __client_uat={uat}")
}

/// A browser without scripts posting `form` to the server function at
/// `path` from the dashboard, with the session cookie.
async fn form_post(
    app: &TestApp,
    path: &str,
    token: &str,
    origin: &str,
    form: &[(&str, &str)],
) -> Response {
    app.bare_client
        .post(app.url(path))
        .header(header::COOKIE, cookies(token))
        .header(header::ORIGIN, origin)
        .header(header::REFERER, app.url("/dashboard"))
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn my_posts(app: &TestApp, token: &str) -> Vec<Value> {
    let res = app
        .request(reqwest::Method::GET, "/api/protected/posts", Some(token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

fn location(res: &Response) -> String {
    res.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_form_post_creates_edits_and_deletes_then_goes_back_to_the_page() {
    let app = TestApp::spawn_with_clerk().await;
    let token = TestClerk::get().member(USER);
    let own = app.origin();

    let res = form_post(
        &app,
        "/api/protected/create_post",
        &token,
        &own,
        &[("title", "Plain"), ("content", "Form")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(location(&res), app.url("/dashboard"));
    let posts = my_posts(&app, &token).await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["title"], "Plain");
    let id = posts[0]["id"].to_string();

    let res = form_post(
        &app,
        "/api/protected/update_post",
        &token,
        &own,
        &[("id", &id), ("title", "Plainer"), ("content", "Form")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(my_posts(&app, &token).await[0]["title"], "Plainer");

    let res = form_post(
        &app,
        "/api/protected/delete_post",
        &token,
        &own,
        &[("id", &id)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert!(my_posts(&app, &token).await.is_empty());
}

#[tokio::test]
async fn a_refused_form_post_comes_back_with_its_error_shown_on_the_page() {
    let app = TestApp::spawn_with_clerk().await;
    let token = TestClerk::get().member(USER);
    let res = form_post(
        &app,
        "/api/protected/create_post",
        &token,
        &app.origin(),
        &[("title", ""), ("content", "")],
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::FOUND,
        "a redirect, not the error's own status"
    );
    let back = location(&res);
    assert!(back.starts_with(&app.url("/dashboard?")), "{back}");
    assert!(back.contains("__err="), "{back}");
    assert!(my_posts(&app, &token).await.is_empty());

    // The page it goes back to shows the server's words under each field.
    let page = app
        .bare_client
        .get(&back)
        .header(header::COOKIE, cookies(&token))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Give your post a title."),
        "no title message in the page"
    );
    assert!(
        html.contains("Write something before saving."),
        "no content message in the page"
    );

    // The same call from the server-function client keeps its real status.
    let res = app
        .client
        .post(app.url("/api/protected/create_post"))
        .header(header::COOKIE, cookies(&token))
        .form(&[("title", ""), ("content", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn forged_and_anonymous_form_posts_change_nothing() {
    let app = TestApp::spawn_with_clerk().await;
    let token = TestClerk::get().member(USER);
    let forged = form_post(
        &app,
        "/api/protected/create_post",
        &token,
        "https://evil.example",
        &[("title", "Pwned"), ("content", "x")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Signed out, a form post lands on sign-in, coming back to the form.
    let anonymous = app
        .bare_client
        .post(app.url("/api/protected/create_post"))
        .header(header::REFERER, app.url("/dashboard"))
        .header(header::ACCEPT, "text/html")
        .header("sec-fetch-dest", "document")
        .form(&[("title", "Anonymous"), ("content", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&anonymous), "/sign-in?redirect_url=%2Fdashboard");
    // The server-function client (a script) still gets its 401.
    let scripted = app
        .client
        .post(app.url("/api/protected/create_post"))
        .form(&[("title", "Anonymous"), ("content", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(scripted.status(), StatusCode::UNAUTHORIZED);
    // Never back to another site, whatever the Referer says.
    let elsewhere = app
        .bare_client
        .post(app.url("/api/protected/create_post"))
        .header(header::REFERER, "https://evil.example/phish")
        .header(header::ACCEPT, "text/html")
        .form(&[("title", "Anonymous"), ("content", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::UNAUTHORIZED);
    assert!(my_posts(&app, &token).await.is_empty());

    // A member's plan-change form is refused by the server, whatever the
    // page hid: the no-access page, and nothing changed.
    let res = form_post(
        &app,
        "/api/admin/set_plan",
        &token,
        &app.origin(),
        &[("user_id", USER), ("plan", "pro")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/unauthorized");
    let audit = app
        .request(
            reqwest::Method::GET,
            "/api/admin/audit",
            Some(&TestClerk::get().admin("user_admin")),
        )
        .send()
        .await
        .unwrap();
    let audit: Value = audit.json().await.unwrap();
    assert_eq!(audit["total"], 0, "{audit}");
}

#[tokio::test]
async fn a_form_sent_after_the_token_lapsed_renews_the_session_and_asks_to_send_it_again() {
    let app = TestApp::spawn_with_clerk().await;
    let now = inkpad::clerk::verify::unix_now();
    let expired = TestClerk::get().token(
        USER,
        serde_json::json!({"iat": now - 120, "nbf": now - 130, "exp": now - 60}),
    );
    let res = app
        .bare_client
        .post(app.url("/api/protected/create_post"))
        .header(
            header::COOKIE,
            format!("__session={expired}; __client_uat={}", now - 200),
        )
        .header(header::ORIGIN, app.origin())
        .header(header::REFERER, app.url("/dashboard"))
        .header(header::ACCEPT, "text/html")
        .header("sec-fetch-dest", "document")
        .form(&[("title", "Typed for minutes"), ("content", "x")])
        .send()
        .await
        .unwrap();
    // 303, so the browser comes back with a GET and the post is not replayed.
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    let (handshake, query) = to.split_once('?').unwrap();
    assert_eq!(
        handshake,
        format!("{}/v1/client/handshake", TestClerk::ISSUER)
    );
    let back: String = url_param(query, "redirect_url");
    assert!(back.starts_with(&app.url("/dashboard?")), "{back}");
    assert!(
        back.contains("__path=%2Fapi%2Fprotected%2Fcreate_post")
            || back.contains("__path=/api/protected/create_post"),
        "{back}"
    );
    assert!(back.contains("__err="), "{back}");
    assert!(my_posts(&app, &TestClerk::get().member(USER))
        .await
        .is_empty());

    // Back on the page (cookies renewed), the form says what happened.
    let fresh = TestClerk::get().member(USER);
    let page = app
        .bare_client
        .get(&back)
        .header(header::COOKIE, cookies(&fresh))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("please send it again"),
        "no notice in the page"
    );
}

/// A query parameter, percent-decoded.
fn url_param(query: &str, name: &str) -> String {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8()
                .unwrap()
                .into_owned()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_form_post_goes_back_only_to_this_site() {
    let app = TestApp::spawn_with_clerk().await;
    // Another site's page posting to a public server function (no cookies,
    // so no CSRF check applies): Leptos would send the browser back to the
    // Referer; it goes to this site's home instead.
    let res = app
        .bare_client
        .post(app.url("/api/site_stats"))
        .header(header::REFERER, "https://evil.example/phish")
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(location(&res), "/");
    let res = app
        .bare_client
        .post(app.url("/api/site_stats"))
        .header(header::REFERER, app.url("/pricing?yearly=1"))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), app.url("/pricing?yearly=1"));
}
