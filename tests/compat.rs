//! The development instance against Clerk's official Node SDK
//! (`@clerk/backend`: `verifyToken`, `createClerkClient`) and the official
//! `svix` library, run by Node from `end2end/` on a live app.

mod common;

use common::TestApp;
use inkpad::clerk::webhook::sign;
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
    let dev = common::dev_instance(&app.db, app.addr).await;
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

/// Clerk's server SDK on a development instance's terms: a page load needs
/// the dev browser cookie, and handshakes come back as nonces the SDK
/// redeems through the instance's Backend API.
#[tokio::test]
async fn clerks_server_sdk_authenticates_page_loads_with_dev_browsers_and_nonces() {
    if !node_ready() {
        return;
    }
    let app = TestApp::spawn_with(
        common::sqlite_db().await,
        &[("CLERK_DEV_WEBHOOK_URL", "off")],
    )
    .await;
    let dev = common::dev_instance(&app.db, app.addr).await;
    let origin = app.origin();

    // A browser as clerk-js makes one on a development instance: a dev
    // browser, and a sign-up through the frontend API that carries it.
    let dvb = common::browser::new_dev_browser(&app).await;
    let signed_up = common::browser::sign_up_on(&app, &dvb, "dana@example.com").await;
    let session = &signed_up["client"]["sessions"][0];
    let user_id = session["user"]["id"].as_str().unwrap().to_owned();
    let token = session["last_active_token"]["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
    let iat = common::browser::payload_of(&token)["iat"].as_i64().unwrap();

    let (pk, secret, api_url) = (
        dev.publishable_key().as_str().to_owned(),
        dev.secret_key().expose().to_owned(),
        dev.api_url(),
    );
    let (node_token, node_dvb, node_origin) = (token.clone(), dvb.clone(), origin.clone());
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("compat/dev-browser.mjs")
            .current_dir("end2end")
            .env("PK", pk)
            .env("SECRET_KEY", secret)
            .env("API_URL", api_url)
            .env("APP_URL", node_origin)
            .env("DVB", node_dvb)
            .env("TOKEN", node_token)
            .env("CLIENT_UAT", iat.to_string())
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
    // The SDK may say things of its own first; the script's line is last.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let out: Value = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("no JSON line in: {stdout}"));
    println!("compat: @clerk/backend on development keys: {out}");
    let handshake_base = format!(
        "https://{}/v1/client/handshake?",
        dev.publishable_key().frontend_api_host()
    );
    let location = |what: &str| {
        out[what]["location"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let cookie_names = |what: &str| -> Vec<String> {
        out[what]["cookies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().split('=').next().unwrap().to_owned())
            .collect()
    };

    assert_eq!(out["with_dev_browser"]["status"], "signed-in");
    assert_eq!(out["with_dev_browser"]["user"], user_id.as_str());

    assert_eq!(out["without_dev_browser"]["status"], "handshake");
    assert_eq!(out["without_dev_browser"]["reason"], "dev-browser-missing");
    assert!(location("without_dev_browser").starts_with(&handshake_base));
    // Followed, the instance gave this browser a first dev browser (signed
    // out: the page load showed no dev browser, so no client of anyone's).
    assert_eq!(out["missing_resolved"]["status"], "signed-out");
    assert!(cookie_names("missing_resolved").contains(&"__clerk_db_jwt".to_owned()));
    let fresh_dvb = out["missing_resolved"]["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str().unwrap().strip_prefix("__clerk_db_jwt="))
        .next()
        .unwrap()
        .to_owned();
    assert!(!fresh_dvb.is_empty() && fresh_dvb != dvb);

    assert_eq!(out["sync"]["status"], "handshake");
    assert_eq!(out["sync"]["reason"], "dev-browser-sync");

    assert_eq!(out["stale"]["status"], "handshake");
    assert_eq!(out["stale"]["reason"], "client-uat-but-no-session-token");
    assert!(
        location("stale").contains(&format!("__clerk_db_jwt={dvb}")),
        "the handshake carries the dev browser: {}",
        location("stale")
    );
    assert_eq!(
        out["back"],
        format!("{origin}/dashboard?tab=posts&__clerk_handshake_nonce=…")
    );
    assert_eq!(out["resolved"]["status"], "signed-in");
    assert_eq!(out["resolved"]["user"], user_id.as_str());
    assert_eq!(
        location("resolved"),
        format!("{origin}/dashboard?tab=posts"),
        "back to the page without the nonce"
    );
    let set = cookie_names("resolved");
    for name in ["__session", "__client_uat", "__clerk_db_jwt"] {
        assert!(set.contains(&name.to_owned()), "{name} in {set:?}");
    }
    assert_eq!(
        out["replayed"]["status"], "signed-out",
        "a nonce works once"
    );
}
