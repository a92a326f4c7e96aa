//! The development instance with the app around it, driven like a browser
//! would: the instance's tokens the app accepts, the demo accounts' roles
//! and plans, the handshake loop through the app's pages, step-up for the
//! admin API, the webhooks that keep the app's tables in step, and the
//! app's CSRF layer in front of the instance's writes. (The frontend API's
//! own rules are tested beside it, in `crates/clerk-dev/tests`.)

mod common;

use common::{
    browser::{
        backdate_verification, end_session, payload_of, reverify, session_id, sign_in, sign_up,
        token, Browser,
    },
    TestApp,
};
use reqwest::header;
use serde_json::{json, Value};

/// A fresh session token for `sid` from the instance.
async fn jwt_of(app: &TestApp, browser: &mut Browser, sid: &str) -> String {
    let res = token(app, browser, sid).await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["jwt"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_instances_tokens_are_accepted_by_the_app() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let client = sign_up(&app, &mut browser, "grace@example.com").await;
    let sid = session_id(&client);
    let res = token(&app, &mut browser, &sid).await;
    assert_eq!(res.status(), 200);
    let jwt = res.json::<Value>().await.unwrap()["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
    let payload = payload_of(&jwt);
    assert_eq!(payload["azp"], format!("http://{}", app.addr));

    let res = app
        .client
        .get(app.url("/api/session"))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["user_id"],
        payload["sub"]
    );
}

#[tokio::test]
async fn demo_users_sign_in_and_their_claims_carry_role_and_plan() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let res = sign_in(&app, &mut browser, "admin@inkpad.dev", "inkpad-admin-demo").await;
    assert_eq!(res.status(), 200);
    let client: Value = res.json().await.unwrap();
    let jwt = token(&app, &mut browser, &session_id(&client))
        .await
        .json::<Value>()
        .await
        .unwrap()["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .client
        .get(app.url("/api/session"))
        .bearer_auth(jwt)
        .send()
        .await
        .unwrap();
    let me: Value = res.json().await.unwrap();
    assert_eq!(
        (me["role"].as_str(), me["plan"].as_str()),
        (Some("admin"), Some("pro"))
    );
}

#[tokio::test]
async fn a_stale_page_load_goes_through_the_handshake_and_comes_back_signed_in() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    sign_up(&app, &mut browser, "grace@example.com").await;
    // The browser script would set these; here the client says "signed in"
    // but holds no session token, so the app must handshake.
    browser.cookies.insert("__client_uat".into(), "1".into());

    let res = browser.page(&app, "/dashboard?tab=posts").await;
    assert_eq!(res.status(), 307);
    let to = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let expected = format!(
        "http://{}/__clerk/v1/client/handshake?redirect_url=",
        app.addr
    );
    assert!(
        to.starts_with(&expected),
        "through the proxy on this origin: {to}"
    );

    assert!(
        to.contains("&format=nonce"),
        "the app can redeem a nonce: {to}"
    );

    // The instance answers with a one-time nonce, which the app's server
    // redeems through the Backend API for the cookies to set.
    let res = browser.send(&app, app.client.get(&to)).await;
    assert_eq!(res.status(), 307);
    let back = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(
        back.starts_with("/dashboard?tab=posts&__clerk_handshake_nonce="),
        "{back}"
    );
    assert!(!browser.cookies.contains_key("__session"), "no cookies yet");
    let res = browser.page(&app, &back).await;
    assert_eq!(res.status(), 307);
    assert_eq!(res.headers()[header::LOCATION], "/dashboard?tab=posts");
    assert!(browser.cookies.contains_key("__session"));
    // Spent: the same nonce again sets nothing.
    let mut replay = Browser::default();
    let res = replay.page(&app, &back).await;
    assert_eq!(res.status(), 307, "to sign-in");
    assert!(!replay.cookies.contains_key("__session"));
    assert_ne!(browser.cookies["__client_uat"], "1");
    // And under the instance's suffixed names, which clerk-js 6 also writes
    // and the app prefers: a stale suffixed copy would win otherwise.
    let instance = common::dev_instance(&app.db, app.addr).await;
    let suffix = inkpad::auth::request::cookie_suffix(instance.publishable_key().as_str());
    assert_eq!(
        browser.cookies[&format!("__session_{suffix}")],
        browser.cookies["__session"]
    );
    assert_eq!(
        browser.cookies[&format!("__client_uat_{suffix}")],
        browser.cookies["__client_uat"]
    );

    // Back on the page: signed in, so the dashboard itself.
    let res = browser.page(&app, "/dashboard?tab=posts").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Your posts"));
    let res = browser
        .send(&app, app.client.get(app.url("/api/session")))
        .await;
    assert_eq!(res.status(), 200);
}

/// Runs the handshake back to `/dashboard`; returns the `__client_uat` it set
/// after checking the session token it set is not older than that.
async fn handshake_uat(app: &TestApp, browser: &mut Browser) -> i64 {
    let to = format!("http://{}/dashboard", app.addr);
    let path = format!(
        "/__clerk/v1/client/handshake?redirect_url={}",
        urlencode(&to)
    );
    let res = browser.send(app, app.client.get(app.url(&path))).await;
    assert_eq!(res.status(), 307);
    let uat: i64 = browser.cookies["__client_uat"].parse().unwrap();
    let iat = payload_of(&browser.cookies["__session"])["iat"]
        .as_i64()
        .unwrap();
    assert!(iat >= uat, "token iat {iat} older than __client_uat {uat}");
    uat
}

#[tokio::test]
async fn client_uat_is_when_the_client_last_changed_so_fresh_tokens_never_look_stale() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let client = sign_up(&app, &mut browser, "grace@example.com").await;
    let signed_up_at = client["client"]["updated_at"].as_i64().unwrap() / 1000;
    // A second later nothing about the client has changed, so neither has
    // its `__client_uat`; the page then loads without another handshake.
    assert_eq!(handshake_uat(&app, &mut browser).await, signed_up_at);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(handshake_uat(&app, &mut browser).await, signed_up_at);
    assert_eq!(browser.page(&app, "/dashboard").await.status(), 200);

    // Signing out and in again changes the client: a later `__client_uat`.
    let sid = session_id(&client);
    let res = end_session(&app, &mut browser, &sid).await;
    assert_eq!(res.status(), 200);
    let res = sign_in(
        &app,
        &mut browser,
        "grace@example.com",
        "correct horse battery",
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(handshake_uat(&app, &mut browser).await > signed_up_at);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_restarted_server_keeps_its_users_signed_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("app.db").display());
    let off = [("CLERK_DEV_WEBHOOK_URL", "off")];

    let first = TestApp::spawn_with(common::TestDb::reopen(&url).await, &off).await;
    let mut browser = Browser::default();
    let client = sign_up(&first, &mut browser, "grace@example.com").await;
    let sid = session_id(&client);
    drop(first); // the server stops

    let second = TestApp::spawn_with(common::TestDb::reopen(&url).await, &off).await;
    let res = token(&second, &mut browser, &sid).await;
    assert_eq!(
        res.status(),
        200,
        "same client cookie, same session, same signing key"
    );
    let jwt = res.json::<Value>().await.unwrap()["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = second
        .client
        .get(second.url("/api/session"))
        .bearer_auth(jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// Step-up through the instance: a backdated password check makes the
/// app's admin API answer Clerk's reverification error; once the password
/// is confirmed again (form-encoded, as clerk-js sends it), the next token
/// is fresh enough and the change lands.
#[tokio::test]
async fn admin_changes_need_a_fresh_password_check_from_the_instance() {
    let app = TestApp::spawn_with(
        common::sqlite_db().await,
        &[("CLERK_DEV_WEBHOOK_URL", "off")],
    )
    .await;
    let mut browser = Browser::default();
    let res = sign_in(&app, &mut browser, "admin@inkpad.dev", "inkpad-admin-demo").await;
    assert_eq!(res.status(), 200);
    let sid = session_id(&res.json().await.unwrap());

    // The console backdates the check (the rule itself never changes).
    backdate_verification(&app, &mut browser, &sid, 11).await;
    let stale = jwt_of(&app, &mut browser, &sid).await;

    let free = common::TestApp::sign_in(&app, "free@inkpad.dev", "inkpad-free-demo").await;
    let plan_path = format!("/api/admin/users/{}/plan", free.user_id);
    let change = |jwt: String| {
        app.client
            .post(app.url(&plan_path))
            .bearer_auth(jwt)
            .json(&json!({"plan": "pro"}))
            .send()
    };
    let refused = change(stale).await.unwrap();
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "Reverification required");
    assert_eq!(
        body["clerk_error"],
        json!({"type": "forbidden", "reason": "reverification-error", "metadata": {"reverification": "strict"}})
    );

    let res = reverify(
        &app,
        &mut browser,
        &sid,
        "second_factor",
        "inkpad-admin-demo",
    )
    .await;
    assert_eq!(res.status(), 200);
    let landed = change(jwt_of(&app, &mut browser, &sid).await)
        .await
        .unwrap();
    assert_eq!(landed.status(), 200);
    assert_eq!(landed.json::<Value>().await.unwrap()["plan"], "pro");
}

/// A user deletes their account through the instance: the `user.deleted`
/// webhook removes their profile and every post, and a token minted
/// before finds nothing.
#[tokio::test]
async fn a_deleted_account_is_removed_from_the_app_once_the_webhook_arrives() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let client = sign_up(&app, &mut browser, "leaving@example.com").await;
    let sid = session_id(&client);
    let user_id = client["client"]["sessions"][0]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let jwt = jwt_of(&app, &mut browser, &sid).await;
    let res = app
        .client
        .post(app.url("/api/protected/posts"))
        .bearer_auth(&jwt)
        .json(&json!({"title": "Goodbye", "content": "Soon gone."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    common::eventually("the user.created webhook", 15, || async {
        inkpad::db::users::get(&app.db, &user_id)
            .await
            .unwrap()
            .filter(|u| u.email.is_some())
    })
    .await;

    // Just signed up, so the password check is fresh: the account goes.
    let res = browser
        .send(&app, app.client.delete(app.url("/__clerk/v1/me")))
        .await;
    assert_eq!(res.status(), 200);

    common::eventually("the user.deleted webhook", 15, || async {
        inkpad::db::users::get(&app.db, &user_id)
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    let posts = inkpad::db::posts::all_by_author(&app.db, &user_id)
        .await
        .unwrap();
    assert!(posts.is_empty(), "posts left behind: {posts:?}");
    // The old token still verifies for its last seconds, but finds nothing.
    let res = app
        .client
        .get(app.url("/api/protected/posts"))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap();
    let listed: Value = res.json().await.unwrap_or_default();
    assert!(
        !listed.to_string().contains("Goodbye"),
        "a deleted user's post is still listed: {listed}"
    );
}

/// The instance leaves other sites to the app's CSRF layer, which guards
/// its writes as it guards the app's own: another site riding a signed-in
/// browser's cookies deletes no account, ends no session and touches no
/// environment, and the console's writes need the app's own origin.
#[tokio::test]
async fn the_apps_csrf_layer_refuses_other_sites_writes_to_the_instance() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let sid = session_id(&sign_up(&app, &mut browser, "target@example.com").await);
    let forged = |method: reqwest::Method, path: String| {
        app.bare_client
            .request(method, app.url(&path))
            .header(header::COOKIE, browser.header())
            .header(header::ORIGIN, "https://evil.example")
            .send()
    };
    for (method, path) in [
        (reqwest::Method::DELETE, "/__clerk/v1/me".to_owned()),
        (
            reqwest::Method::POST,
            format!("/__clerk/v1/me/sessions/{sid}/revoke"),
        ),
        (
            reqwest::Method::POST,
            "/__clerk/v1/environment?_method=PATCH".to_owned(),
        ),
        (
            reqwest::Method::POST,
            format!("/__clerk/v1/client/sessions/{sid}/end"),
        ),
    ] {
        let res = forged(method.clone(), path.clone()).await.unwrap();
        assert_eq!(res.status(), 403, "{method} {path}");
    }
    // Nothing ended: the session still mints tokens.
    assert_eq!(token(&app, &mut browser, &sid).await.status(), 200);
}

/// A page load of the instance's own handshake with stale app cookies is
/// not itself sent through the handshake by the app (no redirect loop).
#[tokio::test]
async fn the_instances_own_handshake_is_never_handshaken_by_the_app() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let sid = session_id(&sign_up(&app, &mut browser, "all@example.com").await);
    let jwt = jwt_of(&app, &mut browser, &sid).await;
    let res = app
        .bare_client
        .get(app.url("/__clerk/v1/client/handshake?redirect_url=%2F"))
        .header(header::ACCEPT, "text/html")
        // The client changed after this token: the app would handshake.
        .header(
            header::COOKIE,
            format!("__session={jwt}; __client_uat=4102444800"),
        )
        .send()
        .await
        .unwrap();
    let to = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(!to.contains("/v1/client/handshake"), "{to}");
}

/// Organizations: a session activates the seeded Acme as clerk-js's
/// `setActive({ organization })` does, its tokens carry Inkpad's `posts`
/// permissions, and the app follows: the session names Acme, and a post
/// written now is Acme's.
#[tokio::test]
async fn the_app_follows_the_organization_a_session_activates() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let res = sign_in(&app, &mut browser, "pro@inkpad.dev", "inkpad-pro-demo").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let sid = session_id(&body);
    let acme = body["client"]["sessions"][0]["user"]["organization_memberships"][0]["organization"]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = browser
        .send(
            &app,
            app.client
                .post(app.url(&format!("/__clerk/v1/client/sessions/{sid}/touch")))
                .form(&[("active_organization_id", acme.as_str())]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let jwt = jwt_of(&app, &mut browser, &sid).await;
    let claims = payload_of(&jwt);
    assert_eq!(
        claims["o"],
        json!({"id": acme, "slg": "acme", "rol": "member", "per": "read,create,manage", "fpm": "3"})
    );
    assert_eq!(claims["fea"], "o:posts");

    let res = app
        .request(reqwest::Method::GET, "/api/session", Some(&jwt))
        .send()
        .await
        .unwrap();
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["org"]["id"], acme.as_str());
    assert_eq!(me["org"]["role"], "org:member");
    // Tokens carry the custom permissions only, never Clerk's `org:sys_*`.
    assert_eq!(
        me["permissions"],
        json!(["org:posts:read", "org:posts:create"])
    );
    let res = app
        .request(reqwest::Method::POST, "/api/protected/posts", Some(&jwt))
        .json(&json!({"title": "For Acme", "content": "Team notes."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["org_id"], acme.as_str());
}

/// Deleting an organization through the Backend API: `organization.deleted`
/// reaches the app, which removes that organization's posts and nothing
/// else, and a token minted before the deletion cannot write there again.
#[tokio::test]
async fn deleting_an_organization_removes_its_posts_once_the_webhook_arrives() {
    let app = TestApp::spawn().await;
    let instance = common::dev_instance(&app.db, app.addr).await;
    let mut browser = Browser::default();
    let res = sign_in(&app, &mut browser, "pro@inkpad.dev", "inkpad-pro-demo").await;
    let body: Value = res.json().await.unwrap();
    let sid = session_id(&body);
    let user_id = body["client"]["sessions"][0]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let acme = body["client"]["sessions"][0]["user"]["organization_memberships"][0]["organization"]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let touch = format!("/__clerk/v1/client/sessions/{sid}/touch");
    let res = browser
        .send(
            &app,
            app.client
                .post(app.url(&touch))
                .form(&[("active_organization_id", acme.as_str())]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let jwt: Value = token(&app, &mut browser, &sid).await.json().await.unwrap();
    let in_acme = jwt["jwt"].as_str().unwrap().to_owned();
    let create = |token: String, title: &'static str| {
        app.request(reqwest::Method::POST, "/api/protected/posts", Some(&token))
            .json(&json!({"title": title, "content": "Words."}))
            .send()
    };
    let res = create(in_acme.clone(), "Acme's").await.unwrap();
    assert_eq!(res.status(), 201);
    let acme_post = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let personal = inkpad::db::posts::create(&app.db, &user_id, None, "Mine", "Words.")
        .await
        .unwrap();

    let delete = |id: String| {
        app.bare_client
            .delete(app.url(&format!("/__clerk/api/v1/organizations/{id}")))
            .bearer_auth(instance.secret_key().expose())
            .send()
    };
    assert_eq!(delete(acme.clone()).await.unwrap().status(), 200);
    assert_eq!(delete(acme.clone()).await.unwrap().status(), 404);

    common::eventually("Acme's post removed by the webhook", 15, || async {
        inkpad::db::posts::get(&app.db, acme_post)
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    assert!(inkpad::db::posts::get(&app.db, personal.id)
        .await
        .unwrap()
        .is_some());
    // The token from before the deletion still verifies for a few seconds,
    // but cannot write into the deleted organization.
    let res = create(in_acme, "Too late").await.unwrap();
    assert_eq!(res.status(), 403);
    // And the session's next token has no organization.
    let jwt: Value = token(&app, &mut browser, &sid).await.json().await.unwrap();
    assert!(payload_of(jwt["jwt"].as_str().unwrap()).get("o").is_none());
}
