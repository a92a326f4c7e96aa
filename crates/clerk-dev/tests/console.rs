//! The console at `/__clerk/` and its JSON endpoints: users with the app's
//! metadata fields and their sessions, a metadata change that reaches the
//! next token and the webhook outbox, revoked sessions, redelivery — and
//! Clerk's browser bundles served from the directory `npm pack` filled, or
//! the instance's own small script when they are missing.

mod common;

use clerk_dev::{
    store,
    testing::{payload_of, signed_in, token, Served},
};
use common::{DevServer, BOB, CAT, DEMO_PASSWORD};
use reqwest::header;
use serde_json::{json, Value};

/// A same-origin JSON `POST` to the console, as its page makes it.
fn post(server: &DevServer, path: &str) -> reqwest::RequestBuilder {
    server
        .client
        .post(server.url(path))
        .header(header::CONTENT_TYPE, "application/json")
}

#[tokio::test]
async fn users_are_listed_with_the_apps_metadata_fields_and_their_sessions() {
    let server = DevServer::spawn().await;
    signed_in(&server, BOB, DEMO_PASSWORD).await;
    let users: Value = server
        .get("/__clerk/console/api/users")
        .await
        .json()
        .await
        .unwrap();
    let summary: Vec<_> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["email"].as_str().unwrap(),
                u["tier"].as_str().unwrap(),
                u["sessions"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("ann@notes.test", "gold", 0),
            ("bob@notes.test", "basic", 1),
            ("cat@notes.test", "basic", 0)
        ]
    );
}

#[tokio::test]
async fn a_metadata_change_reaches_the_next_token_and_the_outbox() {
    let server = DevServer::spawn().await;
    let (mut browser, sid, _) = signed_in(&server, CAT, DEMO_PASSWORD).await;
    let cat = store::find_by_email(&server.db, CAT)
        .await
        .unwrap()
        .unwrap();
    let access = format!("/__clerk/console/api/users/{}/access", cat.id);
    // Only the app's fields, and only their choices.
    for refused in [json!({"tier": "platinum"}), json!({"role": "admin"})] {
        let res = post(&server, &access).json(&refused).send().await.unwrap();
        assert_eq!(res.status(), 422, "{refused}");
    }
    let res = post(&server, &access)
        .json(&json!({"tier": "gold"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Without signing out.
    let res = token(&server, &mut browser, &sid).await;
    let jwt = res.json::<Value>().await.unwrap()["jwt"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(payload_of(&jwt)["metadata"], json!({"tier": "gold"}));

    let events: Value = server
        .get("/__clerk/console/api/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events[0]["event_type"], "user.updated");
    assert_eq!(events[0]["subject_id"], cat.id.as_str());
    let redeliver = |id: &str| {
        post(
            &server,
            &format!("/__clerk/console/api/webhooks/{id}/redeliver"),
        )
        .body("{}")
        .send()
    };
    let id = events[0]["id"].as_str().unwrap();
    assert_eq!(redeliver(id).await.unwrap().status(), 200);
    assert_eq!(redeliver("msg_nope").await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_revoked_session_can_mint_no_more_tokens() {
    let server = DevServer::spawn().await;
    let (mut browser, sid, _) = signed_in(&server, BOB, DEMO_PASSWORD).await;
    assert_eq!(token(&server, &mut browser, &sid).await.status(), 200);
    let res = post(
        &server,
        &format!("/__clerk/console/api/sessions/{sid}/revoke"),
    )
    .body("{}")
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "revoked");
    assert_eq!(token(&server, &mut browser, &sid).await.status(), 401);
}

#[tokio::test]
async fn the_console_and_the_instances_own_script_are_served_without_secrets() {
    // No official builds installed: the instance's own script stands in.
    let empty = tempfile::tempdir().unwrap();
    let server = DevServer::spawn_with_bundles(empty.path()).await;
    let res = server.get("/__clerk/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Clerk development instance"));
    assert!(html.contains("Notes"));
    assert!(html.contains("/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js"));
    assert!(
        html.contains(server.instance.publishable_key().as_str()),
        "the publishable key is public"
    );
    assert!(html.contains(DEMO_PASSWORD), "demo passwords are listed");
    assert!(!html.contains(server.instance.secret_key().expose()));
    assert!(!html.contains("PRIVATE KEY"));

    let res = server
        .get("/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js")
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/javascript"));
    let js = res.text().await.unwrap();
    assert!(js.len() < 30 * 1024, "small: {} bytes", js.len());
    assert!(js.contains("window.Clerk = Clerk"));
    assert!(!js.contains("sk_test_"));

    // @clerk/ui's path: an app loads it beside clerk-js, as clerk-js 6
    // needs; this instance's script draws its own widgets, so it defines
    // nothing, and no ClerkUI is handed to load().
    let res = server
        .get("/__clerk/npm/@clerk/ui@1/dist/ui.browser.js")
        .await;
    assert_eq!(res.status(), 200);
    assert!(!res.text().await.unwrap().contains("__internal_ClerkUICtor"));
}

#[tokio::test]
async fn clerks_official_builds_are_served_at_the_entry_paths_and_their_chunks_beside_them() {
    let dir = tempfile::tempdir().unwrap();
    let install = |name: &str, file: &str, body: &str| {
        let dist = dir.path().join("@clerk").join(name).join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join(file), body).unwrap();
    };
    install("ui@1.36.0", "signin_ui_1.36.0.js", "window.__chunk = 1;");
    install(
        "clerk-js@6.40.0",
        "clerk.browser.js",
        "window.__official = 6;",
    );

    // clerk-js without @clerk/ui could mount no widget: the instance keeps
    // its own script at both entry paths.
    let server = DevServer::spawn_with_bundles(dir.path()).await;
    let entry = "/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js";
    let served = server.get(entry).await.text().await.unwrap();
    assert!(served.contains("window.Clerk = Clerk"));
    drop(server);

    install(
        "ui@1.36.0",
        "ui.browser.js",
        "window.__internal_ClerkUICtor = 1;",
    );
    let server = DevServer::spawn_with_bundles(dir.path()).await;
    for (path, body) in [
        (entry, "window.__official = 6;"),
        (
            "/__clerk/npm/@clerk/ui@1/dist/ui.browser.js",
            "window.__internal_ClerkUICtor = 1;",
        ),
    ] {
        let res = server.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        // The entry paths name no exact version: browsers revalidate them.
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache", "{path}");
        assert!(res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("javascript"));
        assert_eq!(res.text().await.unwrap(), body);
    }
    // Chunks at their versioned paths, which never change.
    let res = server
        .get("/__clerk/npm/@clerk/ui@1.36.0/dist/signin_ui_1.36.0.js")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.text().await.unwrap(), "window.__chunk = 1;");
    // Missing files and escapes from the directory are not found (and a
    // 404 is not cached as if it were a build).
    for path in [
        "/__clerk/npm/@clerk/ui@1.36.0/dist/nope.js",
        "/__clerk/npm/@clerk/ui@1.36.0/../../../Cargo.toml",
        "/__clerk/npm/%2e%2e/%2e%2e/Cargo.toml",
    ] {
        let res = server.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert!(
            res.headers()
                .get(header::CACHE_CONTROL)
                .is_none_or(|c| c != "public, max-age=31536000, immutable"),
            "{path}"
        );
    }
}
