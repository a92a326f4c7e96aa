//! "Forgot password?" as @clerk/ui's SignIn drives it: Clerk's
//! `reset_password_email_code` (`prepare_first_factor`, the code through
//! `attempt_first_factor`, then `reset_password`), with the code in the
//! instance's mailbox; and an address without an account that gets the
//! very same answers.

mod common;

use clerk_dev::testing::{latest_code, mailbox, sign_in, sign_up, Browser, Served, TEST_PASSWORD};
use common::{error_code, wrong, DevServer};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// `POST /__clerk/v1/client/sign_ins{path}` from `browser`.
async fn step(
    server: &DevServer,
    browser: &mut Browser,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let res = browser
        .post(server, &format!("/__clerk/v1/client/sign_ins{path}"), body)
        .await;
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

/// A sign-in started with the identifier alone: its id and reset factor.
async fn start(server: &DevServer, browser: &mut Browser, email: &str) -> (String, Value) {
    let (status, body) = step(server, browser, "", json!({"identifier": email})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["response"]["status"], "needs_first_factor");
    let factor = body["response"]["supported_first_factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["strategy"] == "reset_password_email_code")
        .cloned()
        .expect("Forgot password? is offered");
    assert_eq!(factor["safe_identifier"], email);
    (body["response"]["id"].as_str().unwrap().to_owned(), factor)
}

async fn prepare(
    server: &DevServer,
    browser: &mut Browser,
    id: &str,
    factor: &Value,
) -> (StatusCode, Value) {
    step(
        server,
        browser,
        &format!("/{id}/prepare_first_factor"),
        json!({"strategy": "reset_password_email_code", "email_address_id": factor["email_address_id"]}),
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
        &format!("/{id}/attempt_first_factor"),
        json!({"strategy": "reset_password_email_code", "code": code}),
    )
    .await
}

async fn reset(
    server: &DevServer,
    browser: &mut Browser,
    id: &str,
    password: &str,
) -> (StatusCode, Value) {
    // As clerk-js sends it: form-encoded, the flag as text.
    let req = server
        .client
        .post(server.url(&format!("/__clerk/v1/client/sign_ins/{id}/reset_password")))
        .form(&[
            ("password", password),
            ("sign_out_of_other_sessions", "true"),
        ]);
    let res = browser.send(server, req).await;
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_code_by_mail_then_a_new_password_signs_in_resets_the_lockout_and_signs_other_sessions_out(
) {
    let server = DevServer::spawn().await;
    let email = "forgetful@example.com";
    let mut laptop = Browser::default();
    sign_up(&server, &mut laptop, email).await;
    // Three wrong passwords on the way (five would lock the account).
    for _ in 0..3 {
        let res = sign_in(&server, &mut Browser::default(), email, "not the password").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    let mut phone = Browser::default();
    let (id, factor) = start(&server, &mut phone, email).await;
    // The new password is refused before the code.
    let (status, body) = reset(&server, &mut phone, &id, "a brand new password").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "verification_missing");

    let (status, body) = prepare(&server, &mut phone, &id, &factor).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["response"]["first_factor_verification"]["strategy"],
        "reset_password_email_code"
    );
    let messages = mailbox(&server, email).await;
    assert!(messages[0]["subject"]
        .as_str()
        .unwrap()
        .contains("password reset code"));
    let code = latest_code(&server, email).await;

    let (status, body) = attempt(&server, &mut phone, &id, wrong(&code)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "form_code_incorrect");
    let (status, body) = attempt(&server, &mut phone, &id, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["response"]["status"], "needs_new_password");
    assert_eq!(body["client"]["sessions"], json!([]), "not signed in yet");

    // The new password follows the sign-up rules.
    let (status, body) = reset(&server, &mut phone, &id, "short").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "form_password_length_too_short");
    let (status, body) = reset(&server, &mut phone, &id, "a brand new password").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["response"]["status"], "complete");
    assert_eq!(
        body["response"]["created_session_id"],
        body["client"]["last_active_session_id"]
    );

    // The laptop's session was signed out; the old password is gone, the
    // new one works, and the earlier failures no longer count.
    let res = laptop
        .send(&server, server.client.get(server.url("/__clerk/v1/client")))
        .await;
    let client: Value = res.json().await.unwrap();
    assert_eq!(client["client"]["sessions"], json!([]));
    let res = sign_in(&server, &mut Browser::default(), email, TEST_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for _ in 0..3 {
        sign_in(&server, &mut Browser::default(), email, "still not it").await;
    }
    let res = sign_in(
        &server,
        &mut Browser::default(),
        email,
        "a brand new password",
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "3 + 1 failures since the reset: not locked"
    );

    // The reset is spent with its sign-in.
    let (status, _) = reset(&server, &mut phone, &id, "yet another password").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_address_without_an_account_gets_the_same_answers_and_a_note_instead_of_a_code() {
    let server = DevServer::spawn().await;
    let mut someone = Browser::default();
    sign_up(&server, &mut someone, "someone@example.com").await;

    let shape = |body: &Value| {
        let r = &body["response"];
        (
            r["status"].clone(),
            r["supported_first_factors"].as_array().map(Vec::len),
            r["first_factor_verification"]["status"].clone(),
            r["first_factor_verification"]["strategy"].clone(),
            r["first_factor_verification"]["attempts"].clone(),
        )
    };
    let mut answers = Vec::new();
    for email in ["someone@example.com", "nobody@example.com"] {
        let mut browser = Browser::default();
        let (id, factor) = start(&server, &mut browser, email).await;
        let (status, prepared) = prepare(&server, &mut browser, &id, &factor).await;
        assert_eq!(status, StatusCode::OK);
        let (status, guessed) = attempt(&server, &mut browser, &id, "000000").await;
        answers.push((status, error_code(&guessed).to_owned(), shape(&prepared)));
    }
    if latest_code(&server, "someone@example.com").await != "000000" {
        assert_eq!(
            answers[0], answers[1],
            "the same answers with and without an account"
        );
    }
    assert_eq!(answers[1].0, StatusCode::UNPROCESSABLE_ENTITY);

    // The address's owner learns that someone asked; no code is sent.
    let messages = mailbox(&server, "nobody@example.com").await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["code"], Value::Null);
    assert!(messages[0]["subject"]
        .as_str()
        .unwrap()
        .contains("Password reset requested"));

    // A test address without an account: its fixed code is no key either.
    let mut browser = Browser::default();
    let (id, factor) = start(&server, &mut browser, "ghost+clerk_test@example.com").await;
    prepare(&server, &mut browser, &id, &factor).await;
    let (status, body) = attempt(&server, &mut browser, &id, "424242").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "form_code_incorrect");
    assert!(mailbox(&server, "ghost+clerk_test@example.com")
        .await
        .is_empty());
}

#[tokio::test]
async fn no_one_else_can_drive_my_reset_and_a_forged_address_id_is_refused() {
    let server = DevServer::spawn().await;
    let email = "mine@example.com";
    sign_up(&server, &mut Browser::default(), email).await;
    let mut mine = Browser::default();
    let (id, factor) = start(&server, &mut mine, email).await;

    let mut stranger = Browser::default();
    let (status, _) = prepare(&server, &mut stranger, &id, &factor).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = attempt(&server, &mut stranger, &id, "123456").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = reset(&server, &mut stranger, &id, "a brand new password").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let forged = json!({"email_address_id": "idn_someone_elses"});
    let (status, _) = prepare(&server, &mut mine, &id, &forged).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mailbox(&server, email)
        .await
        .iter()
        .all(|m| !m["subject"].as_str().unwrap().contains("reset")));
}
