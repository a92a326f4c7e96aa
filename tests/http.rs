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
    // Islands: only what runs in the browser hydrates — for a visitor the
    // auth state, the stats' refresh, the pricing switch and the mark that
    // says the page is live; the rest is the server's HTML.
    let islands: Vec<&str> = html
        .split(r#"<leptos-island data-component=""#)
        .skip(1)
        .filter_map(|rest| rest.split('_').next())
        .collect();
    assert_eq!(
        islands,
        ["AuthRuntime", "LiveStats", "PricingPreview", "Hydrated"],
        "{html}"
    );
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
    inkpad::db::posts::create(&app.db, "user_1", None, "Hello", "World")
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
    inkpad::db::posts::create(&app.db, "user_1", None, "Again", "World")
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

/// Build outputs are served precompressed when the browser accepts it, and
/// only a content-hashed name may be cached for good: a stable name must be
/// revalidated, or a deploy would leave browsers on the old bundle.
#[tokio::test]
async fn static_files_are_precompressed_and_only_hashed_names_are_immutable() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    let hashed = "inkpad.AoOIoy7hdK5ZGy0dP3pGFQ.wasm";
    std::fs::write(pkg.join(hashed), b"plain wasm bytes").unwrap();
    std::fs::write(pkg.join(format!("{hashed}.br")), b"brotli bytes").unwrap();
    std::fs::write(pkg.join(format!("{hashed}.gz")), b"gzip bytes").unwrap();
    std::fs::write(pkg.join("inkpad.wasm"), b"unhashed").unwrap();
    std::fs::write(site.path().join("favicon.svg"), b"<svg/>").unwrap();
    let root = site.path().to_str().unwrap().to_owned();
    let app = TestApp::spawn_with(
        common::sqlite_db().await,
        &[
            ("CLERK_DEV_WEBHOOK_URL", "off"),
            ("LEPTOS_SITE_ROOT", root.as_str()),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let fetch = |path: String, encoding: &'static str| {
        let request = client.get(app.url(&path));
        async move {
            let res = request
                .header("accept-encoding", encoding)
                .send()
                .await
                .unwrap();
            let headers = res.headers().clone();
            (res.status(), headers, res.text().await.unwrap())
        }
    };

    for (encoding, body, content_encoding) in [
        ("br, gzip", "brotli bytes", Some("br")),
        ("gzip", "gzip bytes", Some("gzip")),
        ("identity", "plain wasm bytes", None),
    ] {
        let (status, headers, text) = fetch(format!("/pkg/{hashed}"), encoding).await;
        assert_eq!(status, 200, "{encoding}");
        assert_eq!(text, body, "{encoding}");
        assert_eq!(
            headers.get("content-encoding").map(|v| v.to_str().unwrap()),
            content_encoding,
            "{encoding}"
        );
        assert_eq!(
            headers["cache-control"], "public, max-age=31536000, immutable",
            "{encoding}"
        );
        assert!(
            headers["vary"]
                .to_str()
                .unwrap()
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "caches must key on the encoding"
        );
    }
    for path in ["/pkg/inkpad.wasm", "/favicon.svg"] {
        let (status, headers, _) = fetch(path.to_owned(), "identity").await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(headers["cache-control"], "no-cache", "{path}");
    }
    // A page is never cached, whatever its name looks like.
    let (status, headers, _) = fetch("/".to_owned(), "identity").await;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "no-store");
}
