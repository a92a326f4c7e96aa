//! The frontend API over HTTP, driven as clerk-js drives it: sign-up and
//! its rules, sign-in (one step and two), lockout, tokens its JWKS
//! verifies, sign-out, the account, sessions and devices, reverification,
//! Clerk's form bodies and method override, and what another browser is
//! refused. The instance runs alone here, with no app layers around it:
//! refusing other sites (CSRF) and rate limits are the embedding app's,
//! and so are their tests.

mod common;

use clerk_dev::testing::{
    backdate_verification, complete_sign_up, end_session, form, latest_code, payload_of, reverify,
    session_id, sign_in, sign_up, sign_up_with, signed_in, token, Browser, Served, TEST_PASSWORD,
};
use common::{DevServer, ANN, BOB, CAT, DEMO_PASSWORD};
use reqwest::header;
use serde_json::{json, Value};

/// A fresh token's JWT for session `sid`.
async fn fresh_jwt(server: &DevServer, browser: &mut Browser, sid: &str) -> String {
    let res = token(server, browser, sid).await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["jwt"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn sign_up_waits_for_the_email_code_then_starts_a_session_on_an_httponly_client_cookie() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let res = browser
        .post(
            &server,
            "/__clerk/v1/client/sign_ups",
            json!({"email_address": "Grace@Example.com", "password": TEST_PASSWORD, "first_name": "Grace"}),
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
    let started: Value = res.json().await.unwrap();
    // Not an account yet: the address has to prove itself first.
    assert_eq!(started["response"]["status"], "missing_requirements");
    assert_eq!(
        started["response"]["unverified_fields"],
        json!(["email_address"])
    );
    assert_eq!(
        started["response"]["verifications"]["email_address"]["next_action"],
        "needs_prepare"
    );
    assert_eq!(started["client"]["sessions"], json!([]));
    assert_eq!(
        started["client"]["sign_up"]["id"],
        started["response"]["id"]
    );
    assert!(
        server.instance.settings().verify_email_at_sign_up,
        "Clerk's default"
    );
    let users = server
        .bare_client
        .get(server.url("/__clerk/api/v1/users?email_address=grace@example.com"))
        .bearer_auth(server.instance.secret_key().expose())
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(users, json!([]), "no user before the code");

    let body = complete_sign_up(&server, &mut browser, started).await;
    assert_eq!(body["response"]["status"], "complete");
    assert_eq!(
        body["response"]["verifications"]["email_address"]["status"],
        "verified"
    );
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
    assert_eq!(
        body["client"]["sign_up"],
        Value::Null,
        "the sign-up is done"
    );

    let res = browser
        .send(&server, server.client.get(server.url("/__clerk/v1/client")))
        .await;
    let current: Value = res.json().await.unwrap();
    assert_eq!(
        current["client"]["last_active_session_id"],
        body["client"]["last_active_session_id"]
    );
}

#[tokio::test]
async fn sign_up_enforces_password_and_email_rules() {
    let server = DevServer::spawn().await;
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
            json!({"email_address": ANN.to_uppercase(), "password": "correct horse"}),
            "form_identifier_exists",
        ),
    ];
    for (body, code) in cases {
        let res = browser
            .post(&server, "/__clerk/v1/client/sign_ups", body.clone())
            .await;
        assert_eq!(res.status(), 422, "{body}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["errors"][0]["code"], code, "{body}");
    }
    assert!(browser.cookies.is_empty(), "no client for failed sign-ups");
}

#[tokio::test]
async fn tokens_are_60_second_rs256_jwts_that_its_jwks_verifies() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let client = sign_up(&server, &mut browser, "grace@example.com").await;
    let sid = session_id(&client);
    let jwt = fresh_jwt(&server, &mut browser, &sid).await;

    let header = payload_of(&format!("x.{}", jwt.split('.').next().unwrap()));
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], server.instance.signing_key().kid());
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
    assert_eq!(payload["azp"], server.origin());
    assert_eq!(payload["v"], 2);
    assert_eq!(payload["metadata"], json!({}));

    // An app verifying against the published keys accepts it.
    let claims = server.verifier().verify(&jwt).await.expect("verifies");
    assert_eq!(claims.sub.as_deref(), payload["sub"].as_str());

    // Another browser cannot mint tokens for this session.
    let mut stranger = Browser::default();
    assert_eq!(token(&server, &mut stranger, &sid).await.status(), 401);
}

#[tokio::test]
async fn demo_users_sign_in_and_their_tokens_carry_their_metadata() {
    let server = DevServer::spawn().await;
    let (mut browser, sid, _) = signed_in(&server, ANN, DEMO_PASSWORD).await;
    let jwt = fresh_jwt(&server, &mut browser, &sid).await;
    assert_eq!(payload_of(&jwt)["metadata"], json!({"tier": "gold"}));
    let (mut browser, sid, _) = signed_in(&server, BOB, DEMO_PASSWORD).await;
    let jwt = fresh_jwt(&server, &mut browser, &sid).await;
    assert_eq!(payload_of(&jwt)["metadata"], json!({"tier": "basic"}));
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_five_failures_lock_the_account() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    for _ in 0..5 {
        let res = sign_in(&server, &mut browser, CAT, "wrong-password").await;
        assert_eq!(res.status(), 422);
        let err: Value = res.json().await.unwrap();
        assert_eq!(
            err["errors"][0]["long_message"],
            "Email address or password is incorrect."
        );
    }
    // Locked now, even with the right password.
    let res = sign_in(&server, &mut browser, CAT, DEMO_PASSWORD).await;
    assert_eq!(res.status(), 429);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["errors"][0]["code"], "user_locked");
    assert!(err["errors"][0]["long_message"]
        .as_str()
        .unwrap()
        .contains("15 minute"));

    // Unknown accounts get the same answer as wrong passwords.
    let res = sign_in(&server, &mut browser, "nobody@notes.test", "whatever1").await;
    assert_eq!(res.status(), 422);
    // Other accounts are unaffected.
    let res = sign_in(&server, &mut browser, BOB, DEMO_PASSWORD).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn signing_out_ends_the_session_and_stops_its_tokens() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let client = sign_up(&server, &mut browser, "grace@example.com").await;
    let sid = session_id(&client);
    let res = end_session(&server, &mut browser, &sid).await;
    assert_eq!(res.status(), 200);
    let after: Value = res.json().await.unwrap();
    assert_eq!(after["client"]["sessions"], json!([]));
    assert_eq!(token(&server, &mut browser, &sid).await.status(), 401);
}

#[tokio::test]
async fn the_account_name_can_be_changed_by_its_owner_only() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    sign_up(&server, &mut browser, "grace@example.com").await;
    let req = server
        .client
        .patch(server.url("/__clerk/v1/me"))
        .json(&json!({"first_name": "Amazing", "last_name": "Grace"}));
    let res = browser.send(&server, req).await;
    assert_eq!(res.status(), 200);
    let user: Value = res.json().await.unwrap();
    assert_eq!(
        (user["first_name"].as_str(), user["last_name"].as_str()),
        (Some("Amazing"), Some("Grace"))
    );
    let mut stranger = Browser::default();
    let req = server
        .client
        .patch(server.url("/__clerk/v1/me"))
        .json(&json!({"first_name": "Mallory"}));
    assert_eq!(stranger.send(&server, req).await.status(), 401);
}

#[tokio::test]
async fn the_handshake_signs_out_cleanly_and_only_returns_to_the_apps_site() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let handshake = |target: &str| {
        format!(
            "/__clerk/v1/client/handshake?redirect_url={}",
            urlencode(target)
        )
    };
    let home = format!("{}/", server.origin());
    let res = browser
        .send(&server, server.client.get(server.url(&handshake(&home))))
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
            .send(&server, server.client.get(server.url(&handshake(evil))))
            .await;
        assert_eq!(res.status(), 422, "{evil}");
        assert!(res.headers().get(header::LOCATION).is_none());
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_restarted_instance_keeps_its_identity_and_its_users_signed_in() {
    let first = DevServer::spawn().await;
    let kid = first.instance.signing_key().kid().to_owned();
    let secret = first.instance.secret_key().expose().to_owned();
    let publishable = first.instance.publishable_key();
    let mut browser = Browser::default();
    let sid = session_id(&sign_up(&first, &mut browser, "grace@example.com").await);

    let second = first.restart().await;
    assert_eq!(second.instance.signing_key().kid(), kid);
    assert_eq!(second.instance.secret_key().expose(), secret);
    assert_eq!(second.instance.publishable_key(), publishable);
    // Same client cookie, same session, same signing key.
    let jwt = fresh_jwt(&second, &mut browser, &sid).await;
    let claims = second.verifier().verify(&jwt).await.expect("verifies");
    assert_eq!(claims.sid.as_deref(), Some(sid.as_str()));
}

/// Step-up: the console backdates the password check; a wrong password
/// (form-encoded, as clerk-js sends it) changes nothing; the right one
/// brings `fva` back to 0; another browser cannot verify this session.
#[tokio::test]
async fn reverification_refreshes_fva_with_the_right_password_only() {
    let server = DevServer::spawn().await;
    let (mut browser, sid, _) = signed_in(&server, ANN, DEMO_PASSWORD).await;
    let fva = |jwt: &str| payload_of(jwt)["fva"].clone();
    assert_eq!(
        fva(&fresh_jwt(&server, &mut browser, &sid).await),
        json!([0, -1])
    );

    backdate_verification(&server, &mut browser, &sid, 11).await;
    assert_eq!(
        fva(&fresh_jwt(&server, &mut browser, &sid).await),
        json!([11, -1])
    );

    let verify = format!("/__clerk/v1/client/sessions/{sid}/verify");
    let res = form(
        &server,
        &mut browser,
        &verify,
        &[("level", "second_factor")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let started: Value = res.json().await.unwrap();
    assert_eq!(started["response"]["status"], "needs_first_factor");
    assert_eq!(
        started["response"]["supported_first_factors"][0]["strategy"],
        "password"
    );
    let attempt = format!("{verify}/attempt_first_factor");
    let password = |password: &'static str| {
        server
            .client
            .post(server.url(&attempt))
            .form(&[("strategy", "password"), ("password", password)])
    };
    let res = browser.send(&server, password("not my password")).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "form_password_incorrect");
    assert_eq!(
        fva(&fresh_jwt(&server, &mut browser, &sid).await),
        json!([11, -1])
    );

    let res = browser.send(&server, password(DEMO_PASSWORD)).await;
    assert_eq!(res.status(), 200);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["response"]["status"], "complete");
    assert_eq!(
        done["response"]["session"]["factor_verification_age"],
        json!([0, -1])
    );
    assert_eq!(
        fva(&fresh_jwt(&server, &mut browser, &sid).await),
        json!([0, -1])
    );

    let mut stranger = Browser::default();
    let res = stranger.send(&server, password(DEMO_PASSWORD)).await;
    assert_eq!(res.status(), 401);
}

/// Deleting one's account needs a password confirmed in the last ten
/// minutes and this browser's session; then the account and its sessions
/// are gone.
#[tokio::test]
async fn deleting_ones_account_needs_a_fresh_password_and_ends_everything() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let client = sign_up(&server, &mut browser, "leaving@example.com").await;
    let sid = session_id(&client);
    let user_id = client["client"]["sessions"][0]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let delete = |cookie: String, origin: String| {
        server
            .bare_client
            .delete(server.url("/__clerk/v1/me"))
            .header(header::COOKIE, cookie)
            .header(header::ORIGIN, origin)
            .send()
    };

    // Another browser: refused. (Another site riding this browser's cookie
    // is the embedding app's CSRF layer's to refuse: the app's test.)
    assert_eq!(
        delete(String::new(), server.origin())
            .await
            .unwrap()
            .status(),
        401
    );

    // A password confirmed more than ten minutes ago is not enough.
    backdate_verification(&server, &mut browser, &sid, 11).await;
    let stale = delete(browser.header(), server.origin()).await.unwrap();
    assert_eq!(stale.status(), 403);
    let body: Value = stale.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "session_reverification_required");
    assert_eq!(token(&server, &mut browser, &sid).await.status(), 200);

    // Confirmed again, the account goes, with its sessions.
    let res = reverify(&server, &mut browser, &sid, "first_factor", TEST_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let res = delete(browser.header(), server.origin()).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["response"],
        json!({"object": "user", "id": user_id, "deleted": true})
    );
    assert_eq!(body["client"]["sessions"], json!([]));
    assert_eq!(token(&server, &mut browser, &sid).await.status(), 401);
    let res = sign_in(&server, &mut browser, "leaving@example.com", TEST_PASSWORD).await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn the_environment_describes_this_instance_and_takes_clerk_js_method_override() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let res = browser
        .send(
            &server,
            server.client.get(server.url(
                "/__clerk/v1/environment?__clerk_api_version=2025-11-10&_clerk_js_version=6.40.0",
            )),
        )
        .await;
    assert_eq!(res.status(), 200);
    let env: Value = res.json().await.unwrap();
    assert_eq!(env["object"], "environment");
    assert_eq!(env["display_config"]["application_name"], "Notes");
    assert_eq!(env["display_config"]["sign_in_url"], "/login");
    assert_eq!(env["display_config"]["after_sign_up_url"], "/welcome");
    assert_eq!(
        env["user_settings"]["attributes"]["email_address"]["used_for_first_factor"],
        true
    );
    assert_eq!(
        env["user_settings"]["attributes"]["phone_number"]["enabled"],
        false
    );

    // clerk-js's touch: POST ?_method=PATCH, form-encoded.
    let touch = server
        .client
        .post(server.url("/__clerk/v1/environment?_method=PATCH&_clerk_js_version=6.40.0"))
        .form(&[("", "")]);
    let res = browser.send(&server, touch).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), env);
    let res = browser
        .send(
            &server,
            server.client.post(server.url("/__clerk/v1/environment")),
        )
        .await;
    assert_eq!(res.status(), 405);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "method_not_allowed");

    // The account, changed and deleted as clerk-js sends it.
    sign_up(&server, &mut browser, "override@example.com").await;
    let rename = server
        .client
        .post(server.url("/__clerk/v1/me?_method=PATCH"))
        .form(&[("first_name", "Ada"), ("last_name", "Byron")]);
    let res = browser.send(&server, rename).await;
    assert_eq!(res.status(), 200);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["first_name"], "Ada");
    let delete = server
        .client
        .post(server.url("/__clerk/v1/me?_method=DELETE"));
    let res = browser.send(&server, delete).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["deleted"], true);
}

#[tokio::test]
async fn sign_ins_and_sign_ups_take_clerk_js_form_bodies_and_answer_in_clerks_envelope() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let req = server
        .client
        .post(server.url("/__clerk/v1/client/sign_ups"))
        .form(&[
            ("email_address", "form@example.com"),
            ("password", TEST_PASSWORD),
            ("first_name", "Form"),
        ]);
    let res = browser.send(&server, req).await;
    assert_eq!(res.status(), 200);
    let started: Value = res.json().await.unwrap();
    assert_eq!(started["response"]["object"], "sign_up");
    // The code's two steps, form-encoded too.
    let id = started["response"]["id"].as_str().unwrap().to_owned();
    let step = |action: &str, fields: &[(&str, &str)]| {
        server
            .client
            .post(server.url(&format!("/__clerk/v1/client/sign_ups/{id}/{action}")))
            .form(fields)
    };
    let res = browser
        .send(
            &server,
            step("prepare_verification", &[("strategy", "email_code")]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let code = latest_code(&server, "form@example.com").await;
    let res = browser
        .send(
            &server,
            step(
                "attempt_verification",
                &[("strategy", "email_code"), ("code", &code)],
            ),
        )
        .await;
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
    let sign_in_with = |password: &'static str| {
        server
            .client
            .post(server.url("/__clerk/v1/client/sign_ins"))
            .form(&[("identifier", "form@example.com"), ("password", password)])
    };
    let res = other.send(&server, sign_in_with(TEST_PASSWORD)).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["object"], "sign_in");
    assert_eq!(body["response"]["status"], "complete");
    assert_eq!(
        body["response"]["created_session_id"],
        body["client"]["last_active_session_id"]
    );
    let res = other.send(&server, sign_in_with("not it at all")).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "form_password_incorrect");
}

#[tokio::test]
async fn clerk_js_touches_and_removes_sessions_only_on_its_own_client() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let client = sign_up(&server, &mut browser, "touch@example.com").await;
    let sid = session_id(&client);
    let touch = format!("/__clerk/v1/client/sessions/{sid}/touch");
    let res = browser
        .send(
            &server,
            server
                .client
                .post(server.url(&touch))
                .form(&[("intent", "select_session")]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["id"], sid.as_str());
    assert_eq!(body["client"]["last_active_session_id"], sid.as_str());

    // Another browser can neither touch nor remove it.
    let mut stranger = Browser::default();
    let post = |path: &str| server.client.post(server.url(path));
    assert_eq!(stranger.send(&server, post(&touch)).await.status(), 401);
    let remove = format!("/__clerk/v1/client/sessions/{sid}/remove");
    assert_eq!(stranger.send(&server, post(&remove)).await.status(), 401);

    let res = browser.send(&server, post(&remove)).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["status"], "removed");
    assert_eq!(body["client"]["sessions"], json!([]));
    assert_eq!(token(&server, &mut browser, &sid).await.status(), 401);
}

#[tokio::test]
async fn clerk_js_signs_out_of_every_session_on_its_client_only() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let sid = session_id(&sign_up(&server, &mut browser, "all@example.com").await);
    let sign_out_all = || {
        server
            .client
            .post(server.url("/__clerk/v1/client/sessions?_method=DELETE"))
    };
    let mut stranger = Browser::default();
    assert_eq!(stranger.send(&server, sign_out_all()).await.status(), 401);
    assert_eq!(token(&server, &mut browser, &sid).await.status(), 200);

    let res = browser.send(&server, sign_out_all()).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["client"]["sessions"], json!([]));
    assert_eq!(token(&server, &mut browser, &sid).await.status(), 401);
}

#[tokio::test]
async fn clerks_two_step_sign_in_waits_for_the_password_on_this_browser_only() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let identify = |email: &'static str| {
        server
            .client
            .post(server.url("/__clerk/v1/client/sign_ins"))
            .form(&[("identifier", email)])
    };
    let res = browser.send(&server, identify(CAT)).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["status"], "needs_first_factor");
    assert_eq!(body["client"]["sign_in"], body["response"]);
    let sia = body["response"]["id"].as_str().unwrap().to_owned();
    // Nobody is told whether the account exists.
    let mut prober = Browser::default();
    let probed: Value = prober
        .send(&server, identify("nobody@example.com"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(probed["response"]["status"], "needs_first_factor");

    let attempt = format!("/__clerk/v1/client/sign_ins/{sia}/attempt_first_factor");
    let password = |password: &'static str| {
        server
            .client
            .post(server.url(&attempt))
            .form(&[("strategy", "password"), ("password", password)])
    };
    // Another browser cannot finish it.
    assert_eq!(
        prober.send(&server, password(DEMO_PASSWORD)).await.status(),
        404
    );
    // A wrong password: Clerk's words, and the attempt still waits.
    let res = browser.send(&server, password("nope nope nope")).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "form_password_incorrect");
    // The right one: a session, and the client's sign-in is done.
    let res = browser.send(&server, password(DEMO_PASSWORD)).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["status"], "complete");
    assert_eq!(body["client"]["sign_in"], Value::Null);
    let sid = session_id(&body);
    assert_eq!(token(&server, &mut browser, &sid).await.status(), 200);
    assert_eq!(
        browser
            .send(&server, password(DEMO_PASSWORD))
            .await
            .status(),
        404,
        "used once"
    );

    // GET /v1/client answers in Clerk's envelope too.
    let res = browser
        .send(&server, server.client.get(server.url("/__clerk/v1/client")))
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["id"], body["client"]["id"]);
    assert_eq!(body["response"]["last_active_session_id"], sid.as_str());
}

/// UserProfile's "Active devices": a user sees their own sessions on every
/// browser, with the browser and address each started from, and signs one
/// of them out; another user's session is not theirs to end.
#[tokio::test]
async fn the_account_panel_lists_a_users_devices_and_signs_one_out_but_no_one_elses() {
    let server = DevServer::spawn().await;
    let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";
    let mut laptop = Browser {
        user_agent: Some(chrome.into()),
        ..Browser::default()
    };
    let signed_up = sign_up_with(
        &server,
        &mut laptop,
        json!({"email_address": "devices@example.com", "password": TEST_PASSWORD}),
    )
    .await;
    let laptop_sid = session_id(&signed_up);
    let mut phone = Browser::default();
    let res = sign_in(&server, &mut phone, "devices@example.com", TEST_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let phone_sid = session_id(&res.json().await.unwrap());
    let mut stranger = Browser::default();
    let stranger_sid = session_id(&sign_up(&server, &mut stranger, "stranger@example.com").await);
    let active = || {
        server
            .client
            .get(server.url("/__clerk/v1/me/sessions/active"))
    };

    // Without a session: 401.
    let res = Browser::default().send(&server, active()).await;
    assert_eq!(res.status(), 401);

    let res = laptop.send(&server, active()).await;
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
    assert_eq!(
        laptop_device["ip_address"], "127.0.0.1",
        "the address the app's host lends"
    );

    // Another user's session: not found, and it stays signed in.
    let revoke = |sid: &str| format!("/__clerk/v1/me/sessions/{sid}/revoke");
    let res = laptop
        .post(&server, &revoke(&stranger_sid), json!({}))
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(stranger.send(&server, active()).await.status(), 200);

    // Their own phone: signed out there.
    let res = laptop.post(&server, &revoke(&phone_sid), json!({})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["status"], "revoked");
    assert_eq!(phone.send(&server, active()).await.status(), 401);
}

/// Organizations in the session: the seeded membership reaches the client
/// with its permissions, a session activates it as clerk-js's
/// `setActive({ organization })` does, and its tokens carry Clerk's `o`
/// and `fea` claims. An organization the user is not in cannot be
/// activated, a removed member's next token has none, and an empty id is
/// the personal space.
#[tokio::test]
async fn a_session_activates_its_users_organization_and_its_tokens_carry_it() {
    let server = DevServer::spawn().await;
    let (mut browser, sid, body) = signed_in(&server, BOB, DEMO_PASSWORD).await;
    let session = &body["client"]["sessions"][0];
    assert_eq!(session["last_active_organization_id"], Value::Null);
    let memberships = session["user"]["organization_memberships"]
        .as_array()
        .unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0]["role"], "org:member");
    assert_eq!(memberships[0]["organization"]["slug"], "team");
    assert_eq!(
        memberships[0]["permissions"],
        json!([
            "org:notes:read",
            "org:notes:write",
            "org:sys_memberships:read"
        ])
    );
    let team = memberships[0]["organization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let touch = format!("/__clerk/v1/client/sessions/{sid}/touch");
    let activate = |org: &str| {
        server.client.post(server.url(&touch)).form(&[
            ("active_organization_id", org),
            ("intent", "select_session"),
        ])
    };

    // Not a member: refused, and nothing changes.
    let res = browser.send(&server, activate("org_elsewhere")).await;
    assert_eq!(res.status(), 404);
    assert!(payload_of(&fresh_jwt(&server, &mut browser, &sid).await)
        .get("o")
        .is_none());

    // The team, as clerk-js sends it (form-encoded).
    let res = browser.send(&server, activate(&team)).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["response"]["last_active_organization_id"], team);
    let claims = payload_of(&fresh_jwt(&server, &mut browser, &sid).await);
    assert_eq!(
        claims["o"],
        json!({"id": team, "slg": "team", "rol": "member", "per": "read,write,manage", "fpm": "3"})
    );
    assert_eq!(claims["fea"], "o:notes");

    // Removed from the team: the next token carries no organization.
    let user_id = claims["sub"].as_str().unwrap();
    let removed = clerk_dev::orgs::remove_member(&server.db, &team, user_id)
        .await
        .unwrap();
    assert_eq!(removed.user_id, user_id);
    assert!(payload_of(&fresh_jwt(&server, &mut browser, &sid).await)
        .get("o")
        .is_none());

    // Back in, active, then an empty id: the personal space.
    clerk_dev::orgs::add_member(&server.db, &team, user_id, "org:member")
        .await
        .unwrap();
    assert_eq!(browser.send(&server, activate(&team)).await.status(), 200);
    assert_eq!(browser.send(&server, activate("")).await.status(), 200);
    assert!(payload_of(&fresh_jwt(&server, &mut browser, &sid).await)
        .get("o")
        .is_none());
}

/// The Backend API's "create a session token" mints for an active session
/// with the lifetime asked for, within bounds, and only with the secret key.
#[tokio::test]
async fn the_backend_api_mints_a_session_token_with_the_lifetime_asked_for() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let sid = session_id(&sign_up(&server, &mut browser, "minted@example.com").await);
    let tokens = format!("/v1/sessions/{sid}/tokens");
    let bapi = |body: Value| server.backend(reqwest::Method::POST, &tokens).json(&body);

    let res = server
        .client
        .post(server.url(&format!("/__clerk/api{tokens}")))
        .send()
        .await
        .unwrap();
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
    let jwt = body["jwt"].as_str().unwrap();
    let claims = payload_of(jwt);
    assert_eq!(claims["sid"], sid.as_str());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        5
    );
    // It names no authorized party, as Clerk's Backend API tokens do not.
    assert!(claims.get("azp").is_none());
    server
        .verifier_for(vec![])
        .verify(jwt)
        .await
        .expect("verifies");

    // An ended session gets none.
    let res = end_session(&server, &mut browser, &sid).await;
    assert_eq!(res.status(), 200);
    assert_eq!(bapi(json!({})).send().await.unwrap().status(), 404);
}
