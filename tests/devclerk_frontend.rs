//! The development instance's frontend API over HTTP, driven like a browser
//! would: sign-up, sign-in and lockout, tokens the app accepts, sign-out,
//! the account name, and the handshake loop through the app.

mod common;

use common::{
    browser::{end_session, payload_of, session_id, sign_in, sign_up, token, Browser},
    TestApp,
};
use reqwest::header;
use serde_json::{json, Value};

#[tokio::test]
async fn sign_up_starts_a_session_on_an_httponly_client_cookie() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let res = browser
        .post(
            &app,
            "/__clerk/v1/client/sign_ups",
            json!({"email_address": "Grace@Example.com", "password": "correct horse battery", "first_name": "Grace"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let set_cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set_cookie.starts_with("__client=client_"), "{set_cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/__clerk"] {
        assert!(set_cookie.contains(attr), "{attr} in {set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain http on loopback");
    let body: Value = res.json().await.unwrap();
    let user = &body["client"]["sessions"][0]["user"];
    assert_eq!(
        user["email_addresses"][0]["email_address"],
        "grace@example.com"
    );
    assert_eq!(user["first_name"], "Grace");
    assert!(
        user.get("private_metadata").is_none(),
        "browsers never get private metadata: {user}"
    );

    let res = browser
        .send(&app, app.client.get(app.url("/__clerk/v1/client")))
        .await;
    let current: Value = res.json().await.unwrap();
    assert_eq!(
        current["client"]["last_active_session_id"],
        body["client"]["last_active_session_id"]
    );
}

#[tokio::test]
async fn sign_up_enforces_password_and_email_rules() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let cases = [
        (
            json!({"email_address": "a@example.com", "password": "short"}),
            "form_password_length_too_short",
        ),
        (
            json!({"email_address": "a@example.com", "password": "Password123"}),
            "form_password_pwned",
        ),
        (
            json!({"email_address": "not-an-email", "password": "correct horse"}),
            "form_param_format_invalid",
        ),
        (
            json!({"email_address": "ADMIN@inkpad.dev", "password": "correct horse"}),
            "form_identifier_exists",
        ),
    ];
    for (body, code) in cases {
        let res = browser
            .post(&app, "/__clerk/v1/client/sign_ups", body.clone())
            .await;
        assert_eq!(res.status(), 422, "{body}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["errors"][0]["code"], code, "{body}");
    }
    assert!(browser.cookies.is_empty(), "no client for failed sign-ups");
}

#[tokio::test]
async fn tokens_are_60_second_rs256_jwts_the_app_accepts() {
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

    let header = jsonwebtoken::decode_header(&jwt).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let payload = payload_of(&jwt);
    assert_eq!(
        payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap(),
        60
    );
    assert_eq!(
        payload["nbf"].as_i64().unwrap(),
        payload["iat"].as_i64().unwrap() - 10
    );
    assert_eq!(payload["sid"], sid);
    assert_eq!(payload["azp"], format!("http://{}", app.addr));
    assert_eq!(payload["v"], 2);
    assert_eq!(payload["metadata"], json!({}));

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

    // Another browser cannot mint tokens for this session.
    let mut stranger = Browser::default();
    assert_eq!(token(&app, &mut stranger, &sid).await.status(), 401);
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
async fn wrong_passwords_are_refused_and_five_failures_lock_the_account() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    for _ in 0..5 {
        let res = sign_in(&app, &mut browser, "free@inkpad.dev", "wrong-password").await;
        assert_eq!(res.status(), 422);
        let err: Value = res.json().await.unwrap();
        assert_eq!(
            err["errors"][0]["long_message"],
            "Email address or password is incorrect."
        );
    }
    // Locked now, even with the right password.
    let res = sign_in(&app, &mut browser, "free@inkpad.dev", "inkpad-free-demo").await;
    assert_eq!(res.status(), 429);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["errors"][0]["code"], "user_locked");
    assert!(err["errors"][0]["long_message"]
        .as_str()
        .unwrap()
        .contains("15 minute"));

    // Unknown accounts get the same answer as wrong passwords.
    let res = sign_in(&app, &mut browser, "nobody@inkpad.dev", "whatever1").await;
    assert_eq!(res.status(), 422);
    // Other accounts are unaffected.
    let res = sign_in(&app, &mut browser, "pro@inkpad.dev", "inkpad-pro-demo").await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn signing_out_ends_the_session_and_stops_its_tokens() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let client = sign_up(&app, &mut browser, "grace@example.com").await;
    let sid = session_id(&client);
    let res = end_session(&app, &mut browser, &sid).await;
    assert_eq!(res.status(), 200);
    let after: Value = res.json().await.unwrap();
    assert_eq!(after["client"]["sessions"], json!([]));
    assert_eq!(token(&app, &mut browser, &sid).await.status(), 401);
}

#[tokio::test]
async fn the_account_name_can_be_changed() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    sign_up(&app, &mut browser, "grace@example.com").await;
    let req = app
        .client
        .patch(app.url("/__clerk/v1/me"))
        .json(&json!({"first_name": "Amazing", "last_name": "Grace"}));
    let res = browser.send(&app, req).await;
    assert_eq!(res.status(), 200);
    let user: Value = res.json().await.unwrap();
    assert_eq!(
        (user["first_name"].as_str(), user["last_name"].as_str()),
        (Some("Amazing"), Some("Grace"))
    );
    let mut stranger = Browser::default();
    let req = app
        .client
        .patch(app.url("/__clerk/v1/me"))
        .json(&json!({"first_name": "Mallory"}));
    assert_eq!(stranger.send(&app, req).await.status(), 401);
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

#[tokio::test]
async fn the_handshake_signs_out_cleanly_and_only_returns_to_this_site() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let handshake = |target: &str| {
        format!(
            "/__clerk/v1/client/handshake?redirect_url={}",
            urlencode(target)
        )
    };
    let res = browser
        .send(
            &app,
            app.client
                .get(app.url(&handshake(&format!("http://{}/", app.addr)))),
        )
        .await;
    assert_eq!(res.status(), 307);
    assert_eq!(res.headers()[header::LOCATION], "/");
    assert_eq!(
        browser.cookies.get("__client_uat").map(String::as_str),
        Some("0")
    );
    assert!(!browser.cookies.contains_key("__session"));

    for evil in ["https://evil.example/", "//evil.example", "/\\evil.example"] {
        let res = browser
            .send(&app, app.client.get(app.url(&handshake(evil))))
            .await;
        assert_eq!(res.status(), 422, "{evil}");
        assert!(res.headers().get(header::LOCATION).is_none());
    }
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
/// app's admin API answer Clerk's reverification error; the right password
/// (form-encoded, as clerk-js sends it) brings `fva` back to 0 and the
/// change lands; a wrong one changes nothing and counts as a failure.
#[tokio::test]
async fn reverification_refreshes_fva_and_admin_changes_need_it() {
    let app = TestApp::spawn_with(
        common::sqlite_db().await,
        &[("CLERK_DEV_WEBHOOK_URL", "off")],
    )
    .await;
    let mut browser = Browser::default();
    let res = sign_in(&app, &mut browser, "admin@inkpad.dev", "inkpad-admin-demo").await;
    assert_eq!(res.status(), 200);
    let sid = session_id(&res.json().await.unwrap());
    let fva = |jwt: &str| payload_of(jwt)["fva"].clone();
    let fresh = token(&app, &mut browser, &sid)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(fva(fresh["jwt"].as_str().unwrap()), json!([0, -1]));

    // The console backdates the check (the rule itself never changes).
    let res = browser
        .post(
            &app,
            &format!("/__clerk/console/api/sessions/{sid}/verified"),
            json!({"minutes_ago": 11}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let stale = token(&app, &mut browser, &sid)
        .await
        .json::<Value>()
        .await
        .unwrap();
    let stale = stale["jwt"].as_str().unwrap().to_owned();
    assert_eq!(fva(&stale), json!([11, -1]));

    let free = common::TestApp::sign_in(&app, "free@inkpad.dev", "inkpad-free-demo").await;
    let plan_path = format!("/api/admin/users/{}/plan", free.user_id);
    let change = |jwt: String| {
        app.client
            .post(app.url(&plan_path))
            .bearer_auth(jwt)
            .json(&json!({"plan": "pro"}))
            .send()
    };
    let refused = change(stale.clone()).await.unwrap();
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "Reverification required");
    assert_eq!(
        body["clerk_error"],
        json!({"type": "forbidden", "reason": "reverification-error", "metadata": {"reverification": "strict"}})
    );

    // A wrong password: 422 in Clerk's words, and fva stays old.
    let verify = format!("/__clerk/v1/client/sessions/{sid}/verify");
    let attempt = format!("/__clerk/v1/client/sessions/{sid}/verify/attempt_first_factor");
    let res = browser
        .send(
            &app,
            app.client
                .post(app.url(&verify))
                .form(&[("level", "second_factor")]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let started: Value = res.json().await.unwrap();
    assert_eq!(started["response"]["status"], "needs_first_factor");
    assert_eq!(
        started["response"]["supported_first_factors"][0]["strategy"],
        "password"
    );
    let res = browser
        .send(
            &app,
            app.client
                .post(app.url(&attempt))
                .form(&[("strategy", "password"), ("password", "not my password")]),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "form_password_incorrect");
    let still = token(&app, &mut browser, &sid)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(fva(still["jwt"].as_str().unwrap()), json!([11, -1]));

    // The right one: complete, and the next token is fresh enough.
    let res = browser
        .send(
            &app,
            app.client
                .post(app.url(&attempt))
                .form(&[("strategy", "password"), ("password", "inkpad-admin-demo")]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["response"]["status"], "complete");
    assert_eq!(
        done["response"]["session"]["factor_verification_age"],
        json!([0, -1])
    );
    let renewed = token(&app, &mut browser, &sid)
        .await
        .json::<Value>()
        .await
        .unwrap();
    let renewed = renewed["jwt"].as_str().unwrap().to_owned();
    assert_eq!(fva(&renewed), json!([0, -1]));
    let landed = change(renewed).await.unwrap();
    assert_eq!(landed.status(), 200);
    assert_eq!(landed.json::<Value>().await.unwrap()["plan"], "pro");

    // Another browser cannot verify a session it does not hold.
    let mut stranger = Browser::default();
    let res = stranger
        .send(
            &app,
            app.client
                .post(app.url(&attempt))
                .form(&[("strategy", "password"), ("password", "inkpad-admin-demo")]),
        )
        .await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn deleting_ones_account_needs_a_fresh_password_and_the_webhook_removes_everything() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let client = sign_up(&app, &mut browser, "leaving@example.com").await;
    let sid = session_id(&client);
    let user_id = client["client"]["sessions"][0]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let jwt = token(&app, &mut browser, &sid)
        .await
        .json::<Value>()
        .await
        .unwrap()["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
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
    let delete = |browser_cookie: String, origin: &str| {
        app.bare_client
            .delete(app.url("/__clerk/v1/me"))
            .header(header::COOKIE, browser_cookie)
            .header(header::ORIGIN, origin.to_owned())
            .send()
    };
    let own = format!("http://{}", app.addr);

    // Another browser, and another site riding this browser's cookie: refused.
    assert_eq!(delete(String::new(), &own).await.unwrap().status(), 401);
    let forged = delete(browser.header(), "https://evil.example")
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    // A password confirmed more than ten minutes ago is not enough.
    let res = browser
        .post(
            &app,
            &format!("/__clerk/console/api/sessions/{sid}/verified"),
            json!({"minutes_ago": 11}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let stale = delete(browser.header(), &own).await.unwrap();
    assert_eq!(stale.status(), 403);
    let body: Value = stale.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "session_reverification_required");
    assert_eq!(token(&app, &mut browser, &sid).await.status(), 200);

    // Confirmed again, the account goes, with its sessions.
    let attempt = format!("/__clerk/v1/client/sessions/{sid}/verify/attempt_first_factor");
    let verify = format!("/__clerk/v1/client/sessions/{sid}/verify");
    let res = browser
        .send(
            &app,
            app.client
                .post(app.url(&verify))
                .form(&[("level", "first_factor")]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = browser
        .send(
            &app,
            app.client.post(app.url(&attempt)).form(&[
                ("strategy", "password"),
                ("password", "correct horse battery"),
            ]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = delete(browser.header(), &own).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["response"],
        json!({"object": "user", "id": user_id, "deleted": true})
    );
    assert_eq!(body["client"]["sessions"], json!([]));
    assert_eq!(token(&app, &mut browser, &sid).await.status(), 401);
    assert_eq!(
        sign_in(
            &app,
            &mut browser,
            "leaving@example.com",
            "correct horse battery"
        )
        .await
        .status(),
        422
    );

    // The user.deleted webhook removes the profile and every post.
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

#[tokio::test]
async fn the_environment_describes_this_instance_and_takes_clerk_js_method_override() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let res = browser
        .send(
            &app,
            app.client.get(app.url(
                "/__clerk/v1/environment?__clerk_api_version=2025-11-10&_clerk_js_version=6.40.0",
            )),
        )
        .await;
    assert_eq!(res.status(), 200);
    let env: Value = res.json().await.unwrap();
    assert_eq!(env["object"], "environment");
    assert_eq!(env["display_config"]["sign_in_url"], "/sign-in");
    assert_eq!(env["display_config"]["after_sign_up_url"], "/onboarding");
    assert_eq!(
        env["user_settings"]["attributes"]["email_address"]["used_for_first_factor"],
        true
    );
    assert_eq!(
        env["user_settings"]["attributes"]["phone_number"]["enabled"],
        false
    );

    // clerk-js's touch: POST ?_method=PATCH, form-encoded.
    let touch = app
        .client
        .post(app.url("/__clerk/v1/environment?_method=PATCH&_clerk_js_version=6.40.0"))
        .form(&[("", "")]);
    let res = browser.send(&app, touch).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), env);
    let res = browser
        .send(&app, app.client.post(app.url("/__clerk/v1/environment")))
        .await;
    assert_eq!(res.status(), 405);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "method_not_allowed");

    // The account, changed and deleted as clerk-js sends it.
    sign_up(&app, &mut browser, "override@example.com").await;
    let rename = app
        .client
        .post(app.url("/__clerk/v1/me?_method=PATCH"))
        .form(&[("first_name", "Ada"), ("last_name", "Byron")]);
    let res = browser.send(&app, rename).await;
    assert_eq!(res.status(), 200);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["first_name"], "Ada");
    let delete = app.client.post(app.url("/__clerk/v1/me?_method=DELETE"));
    let res = browser.send(&app, delete).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["deleted"], true);
    // Another site cannot touch the environment through this browser.
    let forged = app
        .bare_client
        .post(app.url("/__clerk/v1/environment?_method=PATCH"))
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
}

#[tokio::test]
async fn sign_ins_and_sign_ups_take_clerk_js_form_bodies_and_answer_in_clerks_envelope() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let req = app
        .client
        .post(app.url("/__clerk/v1/client/sign_ups"))
        .form(&[
            ("email_address", "form@example.com"),
            ("password", "correct horse battery"),
            ("first_name", "Form"),
        ]);
    let res = browser.send(&app, req).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["object"], "sign_up");
    assert_eq!(body["response"]["status"], "complete");
    assert_eq!(body["response"]["email_address"], "form@example.com");
    assert_eq!(
        body["response"]["created_session_id"],
        body["client"]["last_active_session_id"]
    );
    assert_eq!(
        body["response"]["created_user_id"],
        body["client"]["sessions"][0]["user"]["id"]
    );

    let mut other = Browser::default();
    let req = app
        .client
        .post(app.url("/__clerk/v1/client/sign_ins"))
        .form(&[
            ("identifier", "form@example.com"),
            ("password", "correct horse battery"),
        ]);
    let res = other.send(&app, req).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["object"], "sign_in");
    assert_eq!(body["response"]["status"], "complete");
    assert_eq!(
        body["response"]["created_session_id"],
        body["client"]["last_active_session_id"]
    );
    let req = app
        .client
        .post(app.url("/__clerk/v1/client/sign_ins"))
        .form(&[
            ("identifier", "form@example.com"),
            ("password", "not it at all"),
        ]);
    let res = other.send(&app, req).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "form_password_incorrect");
}

#[tokio::test]
async fn clerk_js_touches_and_removes_sessions_only_on_its_own_client() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let client = sign_up(&app, &mut browser, "touch@example.com").await;
    let sid = session_id(&client);
    let touch = format!("/__clerk/v1/client/sessions/{sid}/touch");
    let res = browser
        .send(
            &app,
            app.client
                .post(app.url(&touch))
                .form(&[("intent", "select_session")]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["id"], sid.as_str());
    assert_eq!(body["client"]["last_active_session_id"], sid.as_str());

    // Another browser can neither touch nor remove it.
    let mut stranger = Browser::default();
    let res = stranger.send(&app, app.client.post(app.url(&touch))).await;
    assert_eq!(res.status(), 401);
    let remove = format!("/__clerk/v1/client/sessions/{sid}/remove");
    assert_eq!(
        stranger
            .send(&app, app.client.post(app.url(&remove)))
            .await
            .status(),
        401
    );

    let res = browser.send(&app, app.client.post(app.url(&remove))).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["status"], "removed");
    assert_eq!(body["client"]["sessions"], json!([]));
    assert_eq!(token(&app, &mut browser, &sid).await.status(), 401);
}

#[tokio::test]
async fn clerks_two_step_sign_in_waits_for_the_password_on_this_browser_only() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let req = app
        .client
        .post(app.url("/__clerk/v1/client/sign_ins"))
        .form(&[("identifier", "free@inkpad.dev")]);
    let res = browser.send(&app, req).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["status"], "needs_first_factor");
    assert_eq!(body["client"]["sign_in"], body["response"]);
    let sia = body["response"]["id"].as_str().unwrap().to_owned();
    // Nobody is told whether the account exists.
    let mut prober = Browser::default();
    let req = app
        .client
        .post(app.url("/__clerk/v1/client/sign_ins"))
        .form(&[("identifier", "nobody@example.com")]);
    let probed: Value = prober.send(&app, req).await.json().await.unwrap();
    assert_eq!(probed["response"]["status"], "needs_first_factor");

    let attempt = format!("/__clerk/v1/client/sign_ins/{sia}/attempt_first_factor");
    // Another browser cannot finish it.
    let req = app
        .client
        .post(app.url(&attempt))
        .form(&[("strategy", "password"), ("password", "inkpad-free-demo")]);
    assert_eq!(prober.send(&app, req).await.status(), 404);
    // A wrong password: Clerk's words, and the attempt still waits.
    let req = app
        .client
        .post(app.url(&attempt))
        .form(&[("strategy", "password"), ("password", "nope nope nope")]);
    let res = browser.send(&app, req).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "form_password_incorrect");
    // The right one: a session, and the client's sign-in is done.
    let req = app
        .client
        .post(app.url(&attempt))
        .form(&[("strategy", "password"), ("password", "inkpad-free-demo")]);
    let res = browser.send(&app, req).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["status"], "complete");
    assert_eq!(body["client"]["sign_in"], Value::Null);
    let sid = session_id(&body);
    assert_eq!(token(&app, &mut browser, &sid).await.status(), 200);
    let req = app
        .client
        .post(app.url(&attempt))
        .form(&[("strategy", "password"), ("password", "inkpad-free-demo")]);
    assert_eq!(browser.send(&app, req).await.status(), 404, "used once");

    // GET /v1/client answers in Clerk's envelope too.
    let res = browser
        .send(&app, app.client.get(app.url("/__clerk/v1/client")))
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["id"], body["client"]["id"]);
    assert_eq!(body["response"]["last_active_session_id"], sid.as_str());
}

#[tokio::test]
async fn clerk_js_signs_out_of_every_session_on_its_client_and_the_proxy_is_never_handshaken() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let client = sign_up(&app, &mut browser, "all@example.com").await;
    let sid = session_id(&client);
    let jwt = token(&app, &mut browser, &sid)
        .await
        .json::<Value>()
        .await
        .unwrap()["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut stranger = Browser::default();
    let req = app
        .client
        .post(app.url("/__clerk/v1/client/sessions?_method=DELETE"));
    assert_eq!(stranger.send(&app, req).await.status(), 401);

    let req = app
        .client
        .post(app.url("/__clerk/v1/client/sessions?_method=DELETE"));
    let res = browser.send(&app, req).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["client"]["sessions"], json!([]));
    assert_eq!(token(&app, &mut browser, &sid).await.status(), 401);

    // A page load of the instance's own handshake with stale app cookies
    // is not itself sent through the handshake (no redirect loop).
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

/// UserProfile's "Active devices": a user sees their own sessions on every
/// browser, with the browser each started in, and signs one of them out;
/// another user's session is not theirs to end, and another site cannot.
#[tokio::test]
async fn the_account_panel_lists_a_users_devices_and_signs_one_out_but_no_one_elses() {
    let app = TestApp::spawn().await;
    let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";
    let mut laptop = Browser::default();
    let signed_up = laptop
        .send(
            &app,
            app.client
                .post(app.url("/__clerk/v1/client/sign_ups"))
                .header(header::USER_AGENT, chrome)
                .json(&json!({"email_address": "devices@example.com", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(signed_up.status(), 200);
    let laptop_sid = session_id(&signed_up.json().await.unwrap());
    let mut phone = Browser::default();
    let res = sign_in(
        &app,
        &mut phone,
        "devices@example.com",
        "correct horse battery",
    )
    .await;
    assert_eq!(res.status(), 200);
    let phone_sid = session_id(&res.json().await.unwrap());
    let mut stranger = Browser::default();
    let stranger_sid = session_id(&sign_up(&app, &mut stranger, "stranger@example.com").await);

    // Without a session: 401.
    let res = Browser::default()
        .send(
            &app,
            app.client.get(app.url("/__clerk/v1/me/sessions/active")),
        )
        .await;
    assert_eq!(res.status(), 401);

    let res = laptop
        .send(
            &app,
            app.client.get(app.url("/__clerk/v1/me/sessions/active")),
        )
        .await;
    assert_eq!(res.status(), 200);
    let devices: Vec<Value> = res.json().await.unwrap();
    let ids: Vec<&str> = devices.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [phone_sid.as_str(), laptop_sid.as_str()],
        "newest first, theirs only"
    );
    let laptop_device = &devices[1]["latest_activity"];
    assert_eq!(laptop_device["object"], "session_activity");
    assert_eq!(laptop_device["browser_name"], "Chrome");
    assert_eq!(laptop_device["browser_version"], "142");
    assert_eq!(laptop_device["device_type"], "Linux");
    assert_eq!(laptop_device["ip_address"], "127.0.0.1");

    // Another user's session: not found, and it stays signed in.
    let revoke = |sid: &str| format!("/__clerk/v1/me/sessions/{sid}/revoke");
    let res = laptop.post(&app, &revoke(&stranger_sid), json!({})).await;
    assert_eq!(res.status(), 404);
    let res = stranger
        .send(
            &app,
            app.client.get(app.url("/__clerk/v1/me/sessions/active")),
        )
        .await;
    assert_eq!(res.status(), 200);

    // From another site, with the laptop's cookies: refused, nothing ends.
    let res = app
        .bare_client
        .post(app.url(&revoke(&phone_sid)))
        .header(header::COOKIE, laptop.header())
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = phone
        .send(
            &app,
            app.client.get(app.url("/__clerk/v1/me/sessions/active")),
        )
        .await;
    assert_eq!(res.status(), 200);

    // Their own phone: signed out there.
    let res = laptop.post(&app, &revoke(&phone_sid), json!({})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["status"], "revoked");
    let res = phone
        .send(
            &app,
            app.client.get(app.url("/__clerk/v1/me/sessions/active")),
        )
        .await;
    assert_eq!(res.status(), 401);
}

/// The Backend API's "create a session token" mints for an active session
/// with the lifetime asked for, within bounds, and only with the secret key.
#[tokio::test]
async fn the_backend_api_mints_a_session_token_with_the_lifetime_asked_for() {
    let app = TestApp::spawn().await;
    let instance = common::dev_instance(&app.db, app.addr).await;
    let mut browser = Browser::default();
    let sid = session_id(&sign_up(&app, &mut browser, "minted@example.com").await);
    let tokens = format!("/__clerk/api/v1/sessions/{sid}/tokens");
    let bapi = |body: Value| {
        app.bare_client
            .post(app.url(&tokens))
            .bearer_auth(instance.secret_key().expose())
            .json(&body)
    };

    let res = app.client.post(app.url(&tokens)).send().await.unwrap();
    assert_eq!(res.status(), 401, "the secret key is required");
    for bad in [
        json!({"expires_in_seconds": 0}),
        json!({"expires_in_seconds": 86_401}),
    ] {
        assert_eq!(bapi(bad).send().await.unwrap().status(), 422);
    }
    let res = bapi(json!({"expires_in_seconds": 5})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["object"], "token");
    let claims = payload_of(body["jwt"].as_str().unwrap());
    assert_eq!(claims["sid"], sid.as_str());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        5
    );
    // The app takes it while it lasts.
    let res = app
        .request(reqwest::Method::GET, "/api/session", body["jwt"].as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // An ended session gets none.
    let res = end_session(&app, &mut browser, &sid).await;
    assert_eq!(res.status(), 200);
    assert_eq!(bapi(json!({})).send().await.unwrap().status(), 404);
}

/// Organizations: the seeded "Acme" membership reaches the client, a
/// session activates it as clerk-js's `setActive({ organization })` does,
/// its tokens carry Clerk's `o` claim, and the app's posts follow it. An
/// organization the user is not in cannot be activated, and a removed
/// member's next token has no organization.
#[tokio::test]
async fn a_session_activates_its_users_organization_and_its_tokens_carry_it() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::default();
    let res = sign_in(&app, &mut browser, "pro@inkpad.dev", "inkpad-pro-demo").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let sid = session_id(&body);
    let session = &body["client"]["sessions"][0];
    assert_eq!(session["last_active_organization_id"], Value::Null);
    let memberships = session["user"]["organization_memberships"]
        .as_array()
        .unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0]["role"], "org:member");
    assert_eq!(memberships[0]["organization"]["slug"], "acme");
    assert_eq!(
        memberships[0]["permissions"],
        json!([
            "org:posts:read",
            "org:posts:create",
            "org:sys_memberships:read"
        ])
    );
    let acme = memberships[0]["organization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let touch = format!("/__clerk/v1/client/sessions/{sid}/touch");
    let claims_now = |body: Value| payload_of(body["jwt"].as_str().unwrap());

    // Not a member: refused, and nothing changes.
    let res = browser
        .send(
            &app,
            app.client
                .post(app.url(&touch))
                .form(&[("active_organization_id", "org_elsewhere")]),
        )
        .await;
    assert_eq!(res.status(), 404);
    let jwt: Value = token(&app, &mut browser, &sid).await.json().await.unwrap();
    assert!(claims_now(jwt).get("o").is_none());

    // Acme, as clerk-js sends it (form-encoded).
    let res = browser
        .send(
            &app,
            app.client.post(app.url(&touch)).form(&[
                ("active_organization_id", acme.as_str()),
                ("intent", "select_session"),
            ]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["response"]["last_active_organization_id"],
        acme.as_str()
    );
    let jwt: Value = token(&app, &mut browser, &sid).await.json().await.unwrap();
    let token_text = jwt["jwt"].as_str().unwrap().to_owned();
    let claims = claims_now(jwt);
    assert_eq!(
        claims["o"],
        json!({"id": acme, "slg": "acme", "rol": "member", "per": "read,create,manage", "fpm": "3"})
    );
    assert_eq!(claims["fea"], "o:posts");

    // The app reads it: the organization and its permissions, and a post
    // written now is Acme's.
    let res = app
        .request(reqwest::Method::GET, "/api/session", Some(&token_text))
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
        .request(
            reqwest::Method::POST,
            "/api/protected/posts",
            Some(&token_text),
        )
        .json(&json!({"title": "For Acme", "content": "Team notes."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["org_id"], acme.as_str());

    // Removed from Acme: the next token carries no organization.
    let user_id = claims["sub"].as_str().unwrap();
    let removed = clerk_dev::orgs::remove_member(&common::dev_store(&app.db), &acme, user_id)
        .await
        .unwrap();
    assert_eq!(removed.user_id, user_id);
    let jwt: Value = token(&app, &mut browser, &sid).await.json().await.unwrap();
    assert!(claims_now(jwt).get("o").is_none());

    // And an empty id is the personal space.
    clerk_dev::orgs::add_member(&common::dev_store(&app.db), &acme, user_id, "org:member")
        .await
        .unwrap();
    let res = browser
        .send(
            &app,
            app.client
                .post(app.url(&touch))
                .form(&[("active_organization_id", acme.as_str())]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = browser
        .send(
            &app,
            app.client
                .post(app.url(&touch))
                .form(&[("active_organization_id", "")]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let jwt: Value = token(&app, &mut browser, &sid).await.json().await.unwrap();
    assert!(claims_now(jwt).get("o").is_none());
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
