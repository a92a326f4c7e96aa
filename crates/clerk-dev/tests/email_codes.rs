//! Sign-up's email verification, as clerk-js and @clerk/ui drive it
//! (`prepare_verification` / `attempt_verification` with `email_code`),
//! and the mailbox that stands in for email: codes that are right only
//! for their own sign-up, in time, within a few guesses, rationed per
//! address; and nothing anyone else's browser can see or finish.

mod common;

use clerk_dev::{
    testing::{
        backdate_verification, form, latest_code, mailbox, session_id, sign_in, sign_up, Browser,
        Served, TEST_PASSWORD,
    },
    Settings,
};
use common::{error_code, settings, wrong, DevServer, ANN};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Starts a sign-up for `email` on `browser`: Clerk's answer.
async fn start(server: &DevServer, browser: &mut Browser, email: &str) -> Value {
    let res = browser
        .post(
            server,
            "/__clerk/v1/client/sign_ups",
            json!({"email_address": email, "password": TEST_PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), 200, "the form of {email}");
    res.json().await.unwrap()
}

/// `POST …/sign_ups/{id}/{action}` from `browser`: status and body.
async fn step(
    server: &DevServer,
    browser: &mut Browser,
    id: &str,
    action: &str,
    body: Value,
) -> (StatusCode, Value) {
    let res = browser
        .post(
            server,
            &format!("/__clerk/v1/client/sign_ups/{id}/{action}"),
            body,
        )
        .await;
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

async fn prepare(server: &DevServer, browser: &mut Browser, id: &str) -> (StatusCode, Value) {
    step(
        server,
        browser,
        id,
        "prepare_verification",
        json!({"strategy": "email_code"}),
    )
    .await
}

async fn attempt(
    server: &DevServer,
    browser: &mut Browser,
    id: &str,
    code: &str,
) -> (StatusCode, Value) {
    step(
        server,
        browser,
        id,
        "attempt_verification",
        json!({"strategy": "email_code", "code": code}),
    )
    .await
}

/// The Backend API's users with `email`.
async fn users_with(server: &DevServer, email: &str) -> Vec<Value> {
    server
        .bare_client
        .get(server.url("/__clerk/api/v1/users"))
        .query(&[("email_address", email)])
        .bearer_auth(server.instance.secret_key().expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_mailbox_gets_the_code_a_wrong_one_is_refused_under_its_field_and_the_right_one_signs_up(
) {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let started = start(&server, &mut browser, "ada@example.com").await;
    let id = started["response"]["id"].as_str().unwrap();

    // No code asked for yet: nothing to guess.
    let (status, body) = attempt(&server, &mut browser, id, "123456").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "verification_not_sent");
    assert!(mailbox(&server, "ada@example.com").await.is_empty());

    let (status, body) = prepare(&server, &mut browser, id).await;
    assert_eq!(status, StatusCode::OK);
    let verification = &body["response"]["verifications"]["email_address"];
    assert_eq!(verification["strategy"], "email_code");
    assert_eq!(verification["status"], "unverified");
    assert_eq!(verification["next_action"], "needs_attempt");
    assert!(verification["expire_at"].as_i64().unwrap() > 0);

    // One message, to that address, carrying a six-digit code.
    let messages = mailbox(&server, "ada@example.com").await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let code = messages[0]["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(messages[0]["to"], "ada@example.com");
    let subject = messages[0]["subject"].as_str().unwrap();
    assert!(
        subject.contains(&code) && subject.contains("Notes"),
        "{subject}"
    );
    assert!(mailbox(&server, "bob@notes.test").await.is_empty());

    // A wrong code: Clerk's error, under the form's code field.
    let (status, body) = attempt(&server, &mut browser, id, wrong(&code)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "form_code_incorrect");
    assert_eq!(body["errors"][0]["meta"]["param_name"], "code");
    assert!(users_with(&server, "ada@example.com").await.is_empty());

    // The right one: the account exists, its address verified, signed in.
    let (status, body) = attempt(&server, &mut browser, id, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["response"]["status"], "complete");
    assert_eq!(
        body["response"]["created_session_id"],
        body["client"]["last_active_session_id"]
    );
    let users = users_with(&server, "ada@example.com").await;
    assert_eq!(users.len(), 1);
    assert_eq!(
        users[0]["email_addresses"][0]["verification"]["status"],
        "verified"
    );
    assert_eq!(users[0]["password_enabled"], true);

    // The code is spent with its sign-up.
    let (status, _) = attempt(&server, &mut browser, id, &code).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_code_takes_five_wrong_guesses_then_not_even_the_right_one_and_codes_are_rationed() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let started = start(&server, &mut browser, "guess@example.com").await;
    let id = started["response"]["id"].as_str().unwrap();
    assert_eq!(prepare(&server, &mut browser, id).await.0, StatusCode::OK);
    let code = latest_code(&server, "guess@example.com").await;

    for n in 1..5 {
        let (status, body) = attempt(&server, &mut browser, id, wrong(&code)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "guess {n}");
        assert_eq!(error_code(&body), "form_code_incorrect");
    }
    let (status, body) = attempt(&server, &mut browser, id, wrong(&code)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&body), "verification_failed");
    // Spent: the right code no longer helps.
    let (status, body) = attempt(&server, &mut browser, id, &code).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&body), "verification_failed");
    assert!(users_with(&server, "guess@example.com").await.is_empty());

    // The client's sign-up says so, and asks for a new code.
    let client: Value = browser
        .send(&server, server.client.get(server.url("/__clerk/v1/client")))
        .await
        .json()
        .await
        .unwrap();
    let verification = &client["client"]["sign_up"]["verifications"]["email_address"];
    assert_eq!(verification["status"], "failed");
    assert_eq!(verification["next_action"], "needs_prepare");

    // A new code at once is refused: each address gets one per 30 seconds
    // (and five per ten minutes), whoever asks.
    let (status, body) = prepare(&server, &mut browser, id).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&body), "verification_code_too_many_requests");
    let mut other = Browser::default();
    let again = start(&server, &mut other, "guess@example.com").await;
    let (status, _) = prepare(
        &server,
        &mut other,
        again["response"]["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(mailbox(&server, "guess@example.com").await.len(), 1);
}

#[tokio::test]
async fn another_browser_can_neither_see_nor_finish_my_sign_up() {
    let server = DevServer::spawn().await;
    let mut mine = Browser::default();
    let started = start(&server, &mut mine, "mine@example.com").await;
    let id = started["response"]["id"].as_str().unwrap().to_owned();
    assert_eq!(prepare(&server, &mut mine, &id).await.0, StatusCode::OK);
    let code = latest_code(&server, "mine@example.com").await;

    for mut stranger in [Browser::default(), {
        // A browser with a sign-up of its own.
        let mut b = Browser::default();
        start(&server, &mut b, "stranger@example.com").await;
        b
    }] {
        let res = stranger
            .send(
                &server,
                server
                    .client
                    .get(server.url(&format!("/__clerk/v1/client/sign_ups/{id}"))),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            prepare(&server, &mut stranger, &id).await.0,
            StatusCode::NOT_FOUND
        );
        let (status, _) = attempt(&server, &mut stranger, &id, &code).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    assert!(users_with(&server, "mine@example.com").await.is_empty());

    // Mine still works, as clerk-js reloads it and then finishes it.
    let res = mine
        .send(
            &server,
            server
                .client
                .get(server.url(&format!("/__clerk/v1/client/sign_ups/{id}"))),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, _) = attempt(&server, &mut mine, &id, &code).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn clerk_test_addresses_get_no_message_and_take_424242() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let email = "robot+clerk_test@example.com";
    let started = start(&server, &mut browser, email).await;
    let id = started["response"]["id"].as_str().unwrap();
    assert_eq!(prepare(&server, &mut browser, id).await.0, StatusCode::OK);
    assert!(mailbox(&server, email).await.is_empty(), "no message");
    let (status, body) = attempt(&server, &mut browser, id, "424242").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["response"]["status"], "complete");

    // Only test addresses: anyone else's code is random.
    let mut other = Browser::default();
    let started = start(&server, &mut other, "human@example.com").await;
    let id = started["response"]["id"].as_str().unwrap();
    prepare(&server, &mut other, id).await;
    if latest_code(&server, "human@example.com").await != "424242" {
        let (status, _) = attempt(&server, &mut other, id, "424242").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn an_address_taken_while_waiting_for_its_code_is_refused_at_the_code() {
    let server = DevServer::spawn().await;
    let (mut first, mut second) = (Browser::default(), Browser::default());
    let email = "race+clerk_test@example.com";
    let a = start(&server, &mut first, email).await;
    let b = start(&server, &mut second, email).await;
    let (a, b) = (
        a["response"]["id"].as_str().unwrap().to_owned(),
        b["response"]["id"].as_str().unwrap().to_owned(),
    );
    prepare(&server, &mut first, &a).await;
    assert_eq!(
        attempt(&server, &mut first, &a, "424242").await.0,
        StatusCode::OK
    );
    // The second's code is right, but the address is now someone's.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let (status, body) = prepare(&server, &mut second, &b).await;
    if status == StatusCode::OK {
        let (status, body) = attempt(&server, &mut second, &b, "424242").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_code(&body), "form_identifier_exists");
    } else {
        // The address's ration of codes (one per 30 s) stopped it first.
        assert_eq!(error_code(&body), "verification_code_too_many_requests");
    }
    assert_eq!(users_with(&server, email).await.len(), 1);

    // And a new sign-up for it is refused at the form, before any code.
    let mut third = Browser::default();
    let res = third
        .post(
            &server,
            "/__clerk/v1/client/sign_ups",
            json!({"email_address": ANN, "password": TEST_PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mailbox(&server, ANN).await.is_empty());
}

#[tokio::test]
async fn an_instance_that_does_not_verify_addresses_signs_up_at_once() {
    let server = DevServer::spawn_with(Settings {
        verify_email_at_sign_up: false,
        ..settings()
    })
    .await;
    let env: Value = server
        .client
        .get(server.url("/__clerk/v1/environment"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        env["user_settings"]["attributes"]["email_address"]["verify_at_sign_up"],
        false
    );
    let mut browser = Browser::default();
    let body = start(&server, &mut browser, "quick@example.com").await;
    assert_eq!(body["response"]["status"], "complete");
    assert!(body["client"]["last_active_session_id"].is_string());
    assert!(mailbox(&server, "quick@example.com").await.is_empty());
}

#[tokio::test]
async fn an_invitation_lands_in_the_mailbox_with_its_link() {
    let server = DevServer::spawn().await;
    let key = server.instance.secret_key().expose().to_owned();
    let orgs: Value = server
        .bare_client
        .get(server.url("/__clerk/api/v1/organizations"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let team = orgs["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["slug"] == "team")
        .unwrap();
    let res = server
        .bare_client
        .post(server.url(&format!(
            "/__clerk/api/v1/organizations/{}/invitations",
            team["id"].as_str().unwrap()
        )))
        .bearer_auth(&key)
        .json(&json!({"email_address": "Invitee@Example.com", "role": "org:member"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let messages = mailbox(&server, "invitee@example.com").await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let link = messages[0]["link"].as_str().unwrap();
    assert!(
        link.starts_with("/__clerk/v1/tickets/accept?ticket="),
        "{link}"
    );
    assert!(messages[0]["subject"].as_str().unwrap().contains("Team"));
    assert_eq!(messages[0]["code"], Value::Null);
}

/// `POST /__clerk/v1/me/email_addresses…` from `browser`: status and body.
async fn me(
    server: &DevServer,
    browser: &mut Browser,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let res = browser
        .post(
            server,
            &format!("/__clerk/v1/me/email_addresses{path}"),
            body,
        )
        .await;
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

/// The signed-in user's addresses and their status, as the client says.
fn addresses(body: &Value) -> Vec<(String, String)> {
    body["client"]["sessions"][0]["user"]["email_addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["email_address"].as_str().unwrap().to_owned(),
                e["verification"]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_second_address_is_added_verified_by_its_code_made_primary_and_the_first_removed() {
    let server = DevServer::spawn().await;
    let mut browser = Browser::default();
    let client = sign_up(&server, &mut browser, "first@example.com").await;
    let sid = session_id(&client);

    // Added: unverified, listed as such, and no way in yet.
    let (status, body) = me(
        &server,
        &mut browser,
        "",
        json!({"email_address": "Second@Example.com"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["response"]["email_address"], "second@example.com");
    assert_eq!(body["response"]["verification"]["status"], "unverified");
    let id = body["response"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        addresses(&body),
        [
            ("first@example.com".to_owned(), "verified".to_owned()),
            ("second@example.com".to_owned(), "unverified".to_owned())
        ]
    );
    let res = sign_in(
        &server,
        &mut Browser::default(),
        "second@example.com",
        TEST_PASSWORD,
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an unverified address signs no one in"
    );
    let primary = [("primary_email_address_id", id.as_str())];
    let res = form(
        &server,
        &mut browser,
        "/__clerk/v1/me?_method=PATCH",
        &primary,
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not before it is verified"
    );

    // Someone else's browser can neither see nor verify nor remove it.
    let mut stranger = Browser::default();
    sign_up(&server, &mut stranger, "stranger@example.com").await;
    for (path, body) in [
        (
            format!("/{id}/prepare_verification"),
            json!({"strategy": "email_code"}),
        ),
        (
            format!("/{id}/attempt_verification"),
            json!({"strategy": "email_code", "code": "123456"}),
        ),
        (format!("/{id}?_method=DELETE"), json!({})),
    ] {
        let (status, _) = me(&server, &mut stranger, &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // Nor claim it while it waits for its code.
    let (status, body) = me(
        &server,
        &mut stranger,
        "",
        json!({"email_address": "second@example.com"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "form_identifier_exists");

    // The code, through the mailbox; a wrong one first.
    let (status, body) = me(
        &server,
        &mut browser,
        &format!("/{id}/prepare_verification"),
        json!({"strategy": "email_code"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["response"]["verification"]["strategy"], "email_code");
    let code = latest_code(&server, "second@example.com").await;
    let (status, body) = me(
        &server,
        &mut browser,
        &format!("/{id}/attempt_verification"),
        json!({"code": wrong(&code)}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "form_code_incorrect");
    let (status, body) = me(
        &server,
        &mut browser,
        &format!("/{id}/attempt_verification"),
        json!({"code": code}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["response"]["verification"]["status"], "verified");

    // Primary, then it signs in; the first one cannot go while primary.
    let res = form(
        &server,
        &mut browser,
        "/__clerk/v1/me?_method=PATCH",
        &primary,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = sign_in(
        &server,
        &mut Browser::default(),
        "second@example.com",
        TEST_PASSWORD,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let client: Value = res.json().await.unwrap();
    let user = &client["client"]["sessions"][0]["user"];
    let first_id = user["email_addresses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["email_address"] == "first@example.com")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = me(
        &server,
        &mut browser,
        &format!("/{id}?_method=DELETE"),
        json!({}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not the primary one"
    );
    let (status, body) = me(
        &server,
        &mut browser,
        &format!("/{first_id}?_method=DELETE"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["response"]["deleted"], true);
    assert_eq!(
        addresses(&body),
        [("second@example.com".to_owned(), "verified".to_owned())]
    );
    let res = sign_in(
        &server,
        &mut Browser::default(),
        "first@example.com",
        TEST_PASSWORD,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A stale password check: adding asks for it again, as Clerk's
    // reverification does.
    backdate_verification(&server, &mut browser, &sid, 11).await;
    let (status, body) = me(
        &server,
        &mut browser,
        "",
        json!({"email_address": "third@example.com"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "session_reverification_required");
}

#[tokio::test]
async fn an_unproven_claim_never_keeps_an_address_from_its_owner() {
    let server = DevServer::spawn().await;
    let mut squatter = Browser::default();
    sign_up(&server, &mut squatter, "squatter@example.com").await;
    let (status, _) = me(
        &server,
        &mut squatter,
        "",
        json!({"email_address": "owner@example.com"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // The address's owner signs up with it all the same…
    let mut owner = Browser::default();
    let client = sign_up(&server, &mut owner, "owner@example.com").await;
    assert_eq!(
        addresses(&client),
        [("owner@example.com".to_owned(), "verified".to_owned())]
    );
    // …and the claim is gone from the squatter's account.
    let res = squatter
        .send(&server, server.client.get(server.url("/__clerk/v1/client")))
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        addresses(&body),
        [("squatter@example.com".to_owned(), "verified".to_owned())]
    );
    // A verified address is nobody else's to add.
    let (status, body) = me(
        &server,
        &mut squatter,
        "",
        json!({"email_address": "owner@example.com"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "form_identifier_exists");
    let (status, _) = me(
        &server,
        &mut Browser::default(),
        "",
        json!({"email_address": "x@example.com"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "signed out");
}
