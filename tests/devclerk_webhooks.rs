//! The development instance's webhooks reach the app: a sign-up through
//! its frontend API arrives at the app's endpoint as signed events. (The
//! outbox itself — retries, order, restarts — is tested beside the crate,
//! `crates/clerk-dev/tests/webhooks.rs`.)

mod common;

use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post, Router};
use clerk_dev::DevInstance;
use common::{sqlite_db, TestApp};
use inkpad::{
    clerk::webhook::{verify, SvixHeaders},
    db::Db,
};
use serde_json::{json, Value};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

/// (svix-id, type, body) of every delivery, in arrival order.
type Shared = Arc<Mutex<Vec<(String, String, Value)>>>;

/// A webhook endpoint on 127.0.0.1 that checks each signature with
/// `secret` and accepts everything.
async fn receiver(secret: inkpad::clerk::keys::WebhookSecret) -> (String, Shared) {
    let shared: Shared = Arc::default();
    let secret = Arc::new(secret);
    let app = Router::new()
        .route(
            "/hook",
            post(
                move |State(state): State<Shared>, headers: HeaderMap, body: Bytes| {
                    let secret = secret.clone();
                    async move {
                        let svix = SvixHeaders::from_headers(&headers).expect("svix headers");
                        verify(&secret, &svix, &body, inkpad::clerk::verify::unix_now())
                            .expect("valid signature");
                        let event: Value = serde_json::from_slice(&body).unwrap();
                        let kind = event["type"].as_str().unwrap().to_owned();
                        state.lock().unwrap().push((svix.id, kind, event));
                        StatusCode::OK
                    }
                },
            ),
        )
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, shared)
}

async fn instance(db: &Db) -> DevInstance {
    common::dev_instance(db, "127.0.0.1:3000".parse().unwrap()).await
}

fn types(r: &Shared) -> Vec<String> {
    r.lock()
        .unwrap()
        .iter()
        .map(|(_, t, _)| t.clone())
        .collect()
}

#[tokio::test]
async fn a_sign_up_reaches_the_endpoint_as_signed_events_within_seconds() {
    // The instance is created before the app so the receiver knows its secret.
    let test_db = sqlite_db().await;
    let dev = instance(&test_db.db).await;
    let (url, received) = receiver(dev.webhook_secret().unwrap()).await;
    let app = TestApp::spawn_with(test_db, &[("CLERK_DEV_WEBHOOK_URL", &url)]).await;

    // The form, then the email code from the instance's mailbox.
    common::browser::sign_up_with(
        &app,
        &mut common::browser::Browser::default(),
        json!({"email_address": "new@example.com", "password": "correct horse battery"}),
    )
    .await;

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !types(&received).iter().any(|t| t == "session.created")
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = types(&received);
    // The seeded demo users came first; then the new user, then their session.
    let tail: Vec<_> = got.iter().rev().take(2).rev().cloned().collect();
    assert_eq!(tail, ["user.created", "session.created"], "{got:?}");
    let (_, _, created) = received
        .lock()
        .unwrap()
        .iter()
        .find(|(_, t, e)| {
            t == "user.created"
                && e["data"]["email_addresses"][0]["email_address"] == "new@example.com"
        })
        .cloned()
        .expect("user.created for the new user");
    assert_eq!(created["object"], "event");
    assert_eq!(created["data"]["object"], "user");
    assert!(created["timestamp"].as_i64().unwrap() > 1_700_000_000_000);
    assert!(created["instance_id"].as_str().unwrap().starts_with("ins_"));
}
