//! The server skeleton over real HTTP: health, readiness, pages, errors,
//! request ids and a server-function round trip.

mod common;

use common::TestApp;
use serde_json::Value;

#[tokio::test]
async fn healthz_says_the_process_is_up() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ok");
}

#[tokio::test]
async fn readyz_reports_the_database_and_503_when_it_is_gone() {
    let app = TestApp::spawn().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "sqlite");

    app.db.close().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "Service unavailable");
    assert_eq!(body["message"], "The database is not reachable.");
    assert!(
        !body.to_string().contains("pool"),
        "no internals in the body: {body}"
    );
}

#[tokio::test]
async fn landing_page_is_server_rendered_with_the_hydration_bundle() {
    let app = TestApp::spawn_with(
        common::sqlite_db().await,
        &[("CLERK_DEV_WEBHOOK_URL", "off")],
    )
    .await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.contains("Write, publish and own your words."));
    assert!(html.contains("<title>Inkpad</title>"), "{html}");
    assert!(
        html.contains("/pkg/inkpad.js"),
        "hydration script is referenced"
    );
    assert!(html.contains("/pkg/inkpad.css"));
    // The stats are rendered in place on the server from the database, not
    // left loading for a script to fill in.
    assert!(html.contains(r#"data-testid="writers">0<"#), "{html}");
    assert!(!html.contains("Loading live numbers"), "{html}");
}

#[tokio::test]
async fn unknown_pages_get_the_404_page_with_a_404_status() {
    let app = TestApp::spawn().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("We couldn&#39;t find that page")
            || html.contains("We couldn't find that page")
    );
    assert!(
        html.contains("<title>Page not found · Inkpad</title>"),
        "{html}"
    );
}

#[tokio::test]
async fn unknown_api_paths_get_a_json_404() {
    let app = TestApp::spawn().await;
    for path in ["/api/nope", "/api/nothing/here"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": "Not found", "message": "No such API endpoint."})
        );
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_a_given_one() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");

    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-me-123");
}

#[tokio::test]
async fn static_assets_are_served_from_the_site_root() {
    let app = TestApp::spawn().await;
    // The test site root holds no build output; a missing asset is a 404,
    // never a 500.
    let res = app.get("/pkg/missing.wasm").await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn site_stats_server_function_round_trips_and_maps_errors_to_statuses() {
    // No webhook sync of the demo users: the counts are this test's own.
    let app = TestApp::spawn_with(
        common::sqlite_db().await,
        &[("CLERK_DEV_WEBHOOK_URL", "off")],
    )
    .await;
    inkpad::db::users::ensure_exists(&app.db, "user_1")
        .await
        .unwrap();
    inkpad::db::posts::create(&app.db, "user_1", "Hello", "World")
        .await
        .unwrap();

    let call = || {
        app.client
            .post(app.url("/api/site_stats"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
    };
    let res = call().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["writers"].as_i64(), body["posts"].as_i64()),
        (Some(1), Some(1))
    );
    assert!(body["checked_at"].as_i64().unwrap() > 1_700_000_000_000);

    // Counted a moment ago: the same counts, without counting again.
    inkpad::db::posts::create(&app.db, "user_1", "Again", "World")
        .await
        .unwrap();
    let again: Value = call().await.unwrap().json().await.unwrap();
    assert_eq!(again["posts"], 1, "counts are kept for a few seconds");
    assert_eq!(again["checked_at"], body["checked_at"]);

    // With the database gone (and nothing counted yet) the call fails
    // with 503, not a blanket 500.
    let app = TestApp::spawn_with(
        common::sqlite_db().await,
        &[("CLERK_DEV_WEBHOOK_URL", "off")],
    )
    .await;
    app.db.close().await;
    let res = app
        .client
        .post(app.url("/api/site_stats"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("The database is unavailable right now"),
        "{text}"
    );
}
