//! The local development instance: activated when no Clerk keys are set, a
//! stable identity across restarts, its JWKS endpoints, and the app verifying
//! its tokens over HTTP exactly as it would Clerk's.

mod common;

use common::{sqlite_db, TestApp};
use inkpad::{clerk::verify::unix_now, devclerk::DevInstance};
use reqwest::header;
use serde_json::{json, Value};

async fn instance_of(app: &TestApp) -> DevInstance {
    DevInstance::load_or_create(&app.db, app.addr)
        .await
        .unwrap()
}

#[tokio::test]
async fn without_keys_the_instance_serves_its_jwks() {
    let app = TestApp::spawn().await;
    let dev = instance_of(&app).await;

    let res = app.get("/__clerk/.well-known/jwks.json").await;
    assert_eq!(res.status(), 200);
    let jwks: Value = res.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["alg"].as_str(),
            key["use"].as_str()
        ),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    assert_eq!(key["kid"], dev.signing_key().kid());
    assert!(key["kid"].as_str().unwrap().starts_with("ins_"));
    assert!(key.get("d").is_none(), "no private parts: {key}");

    // The Backend API's copy needs the secret key, and says so Clerk's way.
    let res = app.get("/__clerk/v1/jwks").await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "authentication_invalid");
    let res = app
        .client
        .get(app.url("/__clerk/v1/jwks"))
        .bearer_auth(dev.secret_key().expose())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let wrong = app
        .client
        .get(app.url("/__clerk/v1/jwks"))
        .bearer_auth("sk_test_guessguessguessguess")
        .send();
    assert_eq!(wrong.await.unwrap().status(), 401);
}

#[tokio::test]
async fn the_app_verifies_the_instances_tokens_through_its_jwks() {
    let app = TestApp::spawn().await;
    let dev = instance_of(&app).await;
    let pk = dev.publishable_key();
    assert_eq!(
        pk.frontend_api_url(),
        format!("http://{}/__clerk", app.addr)
    );

    let now = unix_now();
    let claims = json!({
        "iss": pk.frontend_api_url(), "sub": "user_dev", "sid": "sess_dev",
        "iat": now, "nbf": now - 10, "exp": now + 60, "v": 2, "metadata": {"role": "admin", "plan": "pro"}
    });
    let token = dev.signing_key().sign(&claims);
    let res = app
        .client
        .get(app.url("/api/session"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["user_id"].as_str(), body["role"].as_str()),
        (Some("user_dev"), Some("admin"))
    );

    // A token claiming to be from the instance but signed elsewhere is not.
    let forged = inkpad::clerk::mint::SigningKey::generate(dev.signing_key().kid())
        .unwrap()
        .sign(&claims);
    let res = app
        .client
        .get(app.url("/api/session"))
        .bearer_auth(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn the_identity_survives_restarts() {
    let test_db = sqlite_db().await;
    let first = DevInstance::load_or_create(&test_db.db, "127.0.0.1:3000".parse().unwrap())
        .await
        .unwrap();
    let again = DevInstance::load_or_create(&test_db.db, "127.0.0.1:3000".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(first.signing_key().kid(), again.signing_key().kid());
    assert_eq!(
        first.signing_key().public_pem(),
        again.signing_key().public_pem()
    );
    assert_eq!(first.secret_key().expose(), again.secret_key().expose());
    assert_eq!(first.publishable_key(), again.publishable_key());
}

#[tokio::test]
async fn the_instances_secrets_never_reach_a_page() {
    let app = TestApp::spawn().await;
    let dev = instance_of(&app).await;
    let (webhook_secret,): (String,) =
        sqlx::query_as("SELECT webhook_secret FROM clerk_dev_instance")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    for path in [
        "/",
        "/no/such/page",
        "/unauthorized",
        "/__clerk/.well-known/jwks.json",
    ] {
        let body = app.get(path).await.text().await.unwrap();
        assert!(!body.contains(dev.secret_key().expose()), "{path}");
        assert!(!body.contains(&webhook_secret), "{path}");
        assert!(!body.contains("PRIVATE KEY"), "{path}");
    }
}

#[tokio::test]
async fn configured_clerk_keys_keep_the_instance_off() {
    let app = TestApp::spawn_with_clerk().await;
    assert_eq!(
        app.get("/__clerk/.well-known/jwks.json").await.status(),
        404
    );
}
