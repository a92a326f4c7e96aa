//! The development instance against Clerk's official Node SDK
//! (`@clerk/backend`: `verifyToken`, `createClerkClient`) and the official
//! `svix` library, run by Node from `end2end/` on a live app.

mod common;

use common::TestApp;
use inkpad::{clerk::webhook::sign, devclerk::DevInstance};
use reqwest::header;
use serde_json::{json, Value};
use std::{io::Write, path::Path, process::Command};

/// The official libraries, when `scripts/bootstrap test` installed them.
fn node_ready() -> bool {
    let installed = Path::new("end2end/node_modules/@clerk/backend").is_dir()
        && Path::new("end2end/node_modules/svix").is_dir();
    if !installed {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but end2end's Node packages are missing: run scripts/bootstrap test");
        }
        let _ = writeln!(
            std::io::stderr(),
            "note: Clerk SDK compatibility test skipped — run `scripts/bootstrap test` to install @clerk/backend and svix"
        );
    }
    installed
}

#[tokio::test]
async fn official_clerk_and_svix_libraries_accept_the_instance() {
    if !node_ready() {
        return;
    }
    let app = TestApp::spawn_with(
        common::sqlite_db().await,
        &[("CLERK_DEV_WEBHOOK_URL", "off")],
    )
    .await;
    let dev = DevInstance::load_or_create(&app.db, app.addr)
        .await
        .unwrap();
    let origin = format!("http://{}", app.addr);

    // A real session: sign in as the admin demo user, then mint a token.
    let signed_in = app.sign_in("admin@inkpad.dev", "inkpad-admin-demo").await;
    let (cookie, sid, user_id) = (
        signed_in.client_cookie,
        signed_in.session_id,
        signed_in.user_id,
    );
    let token: Value = app
        .client
        .post(app.url(&format!("/__clerk/v1/client/sessions/{sid}/tokens")))
        .header(header::COOKIE, &cookie)
        .header(header::ORIGIN, &origin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwt = token["jwt"].as_str().unwrap().to_owned();

    // The webhook the sign-in queued, signed as the deliverer signs it.
    let (event_id, payload): (String, String) = sqlx::query_as(
        "SELECT id, payload FROM clerk_dev_webhook_events ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let ts = inkpad::clerk::verify::unix_now();
    let whsec: String =
        sqlx::query_as::<_, (String,)>("SELECT webhook_secret FROM clerk_dev_instance")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .0;
    let signature = sign(&dev.webhook_secret().unwrap(), &event_id, ts, &payload);

    let api_url = dev.api_url();
    let (py_whsec, py_id, py_sig, py_body) = (
        whsec.clone(),
        event_id.clone(),
        signature.clone(),
        payload.clone(),
    );
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("compat/clerk-compat.mjs")
            .current_dir("end2end")
            .env("TOKEN", &jwt)
            .env("JWT_KEY", dev.signing_key().public_pem())
            .env("AZP", &origin)
            .env("SECRET_KEY", dev.secret_key().expose())
            .env("API_URL", &api_url)
            .env("USER_ID", &user_id)
            .env("WHSEC", &whsec)
            .env("WEBHOOK_ID", &event_id)
            .env("WEBHOOK_TS", ts.to_string())
            .env("WEBHOOK_SIG", &signature)
            .env("WEBHOOK_BODY", &payload)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "node failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");

    assert_eq!(out["pem_sub"], out["jwks_sub"]);
    assert!(out["pem_sub"].as_str().unwrap().starts_with("user_"));
    assert_eq!(out["metadata"], json!({"role": "admin", "plan": "pro"}));
    assert_eq!(out["tampered"], "rejected");
    assert_eq!(out["wrong_party"], "rejected");
    assert_eq!(out["user"]["email"], "admin@inkpad.dev");
    assert_eq!(out["user"]["firstName"], "Ada");
    assert_eq!(
        out["list"],
        json!({"count": 2, "total": 3, "first": "admin@inkpad.dev"})
    );
    assert_eq!(
        out["updated"]["publicMetadata"],
        json!({"role": "admin", "plan": "pro", "compat": "yes"}),
        "deep-merged"
    );
    assert_eq!(
        out["updated"]["privateMetadata"],
        json!({"note": "kept private"})
    );
    assert_eq!(
        out["webhook"],
        json!({"type": "session.created", "object": "event"})
    );
    assert_eq!(out["webhook_tampered"], "rejected");

    // The official Python library accepts the same delivery.
    let python = std::path::Path::new("target/pyenv/bin/python");
    if !python.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must check Python svix: scripts/bootstrap test installs it"
        );
        println!("compat: Python svix skipped (run scripts/bootstrap test to install it)");
        return;
    }
    let output = Command::new(python)
        .arg("end2end/compat/svix_verify.py")
        .env("WHSEC", &py_whsec)
        .env("WEBHOOK_ID", &py_id)
        .env("WEBHOOK_TS", ts.to_string())
        .env("WEBHOOK_SIG", &py_sig)
        .env("WEBHOOK_BODY", &py_body)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "python failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
    assert_eq!(
        out["webhook"],
        json!({"type": "session.created", "object": "event"})
    );
    assert_eq!(out["webhook_tampered"], "rejected");
}
