//! `/metrics`: served only where configured (a private listener, or the
//! app's port behind a bearer token), in Prometheus' text format, with the
//! series operators need and nothing secret. The recorder is shared by every
//! app in this process, so the tests look for series and lower bounds, each
//! on routes of its own.

mod common;

use common::{sqlite_db, TestApp, TestClerk};
use reqwest::header;
use serde_json::json;

const TOKEN: &str = "metrics-token-0123456789abcdef";
/// Svix's documented test secret: any well-formed secret will do here.
const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The value of the series `name{labels}` (labels written as rendered).
fn value(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let res = app
        .bare_client
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    res.text().await.unwrap()
}

#[tokio::test]
async fn without_configuration_nothing_serves_metrics() {
    let app = TestApp::spawn().await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 404);
    assert!(app.metrics_addr.is_none());
}

#[tokio::test]
async fn on_the_apps_port_only_the_tokens_holder_reads_them() {
    let clerk = TestClerk::get();
    let mut env = clerk.env();
    env.push(("METRICS_TOKEN", TOKEN));
    let app = TestApp::spawn_with(sqlite_db().await, &env).await;

    for auth in [
        None,
        Some("Bearer wrong-token-0123456789abcdef"),
        Some(TOKEN),
    ] {
        let mut request = app.bare_client.get(app.url("/metrics"));
        if let Some(value) = auth {
            request = request.header(header::AUTHORIZATION, value);
        }
        let status = request.send().await.unwrap().status();
        // The bare token (no "Bearer ") is refused like any other.
        assert_eq!(status, 401, "{auth:?}");
    }
    let body = scrape(&app).await;
    assert!(!body.contains(TOKEN), "the token never shows");
}

#[tokio::test]
async fn requests_verifications_and_webhooks_are_counted() {
    let clerk = TestClerk::get();
    let mut env = clerk.env();
    env.push(("METRICS_TOKEN", TOKEN));
    env.push(("CLERK_WEBHOOK_SIGNING_SECRET", WEBHOOK_SECRET));
    let app = TestApp::spawn_with(sqlite_db().await, &env).await;
    let member = clerk.member("user_metrics");

    // A valid token (verified, then from the cache), a forged one, none.
    for token in [
        Some(member.as_str()),
        Some(member.as_str()),
        Some("not.a.jwt"),
        None,
    ] {
        let mut request = app.bare_client.get(app.url("/api/protected/posts/424242"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap();
    }
    // An unsigned webhook, refused.
    let res = app
        .bare_client
        .post(app.url("/api/webhooks/clerk"))
        .json(&json!({"type": "user.created", "data": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    let body = scrape(&app).await;
    let series = |s: &str| value(&body, s).unwrap_or_else(|| panic!("{s} in:\n{body}"));
    assert!(
        series(
            r#"inkpad_http_requests_total{method="GET",route="/api/protected/posts/{id}",status="401"}"#
        ) >= 2.0
    );
    assert!(
        series(
            r#"inkpad_http_requests_total{method="GET",route="/api/protected/posts/{id}",status="404"}"#
        ) >= 2.0
    );
    assert!(
        series(
            r#"inkpad_http_request_duration_seconds_bucket{method="GET",route="/api/protected/posts/{id}",status="404",le="+Inf"}"#
        ) >= 2.0
    );
    assert!(
        series(r#"inkpad_token_verifications_total{outcome="valid",reason="verified"}"#) >= 1.0
    );
    assert!(series(r#"inkpad_token_verifications_total{outcome="valid",reason="cached"}"#) >= 1.0);
    assert!(
        series(r#"inkpad_token_verifications_total{outcome="invalid",reason="malformed"}"#) >= 1.0
    );
    assert!(series(r#"inkpad_webhooks_total{event="unverified",outcome="refused"}"#) >= 1.0);
    assert!(series(r#"inkpad_db_pool_connections{state="idle"}"#) >= 0.0);
    // Raw paths never become labels: the id is not in any series.
    assert!(!body.contains("424242"), "{body}");
}

#[tokio::test]
async fn rate_limit_refusals_are_counted_by_budget() {
    let clerk = TestClerk::get();
    let mut env = clerk.env();
    env.push(("METRICS_TOKEN", TOKEN));
    env.push(("RATE_LIMIT_PREMIUM", "1/1h"));
    let app = TestApp::spawn_with(sqlite_db().await, &env).await;
    let pro = clerk.pro("user_metrics_pro");
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let res = app
            .bare_client
            .post(app.url("/api/premium/generate"))
            .bearer_auth(&pro)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        2,
        "{statuses:?}"
    );
    let body = scrape(&app).await;
    assert!(
        value(
            &body,
            r#"inkpad_rate_limit_refusals_total{budget="premium"}"#
        )
        .is_some_and(|v| v >= 2.0),
        "{body}"
    );
}

#[tokio::test]
async fn a_private_listener_serves_them_and_the_apps_port_does_not() {
    let app = TestApp::spawn_with(
        sqlite_db().await,
        &[
            ("METRICS_ADDR", "127.0.0.1:0"),
            ("CLERK_DEV_WEBHOOK_URL", "off"),
        ],
    )
    .await;
    let private = app.metrics_addr.expect("a metrics listener");
    assert_ne!(private, app.addr);
    assert_eq!(app.get("/metrics").await.status(), 404);

    // The development instance queued its demo users' events, undelivered
    // (delivery is off): the outbox gauges say so.
    let body = reqwest::get(format!("http://{private}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        value(&body, "inkpad_dev_outbox_depth").is_some_and(|v| v >= 1.0),
        "{body}"
    );
    assert!(
        value(&body, "inkpad_dev_outbox_oldest_age_seconds").is_some(),
        "{body}"
    );
    assert!(
        value(&body, r#"inkpad_db_pool_connections{state="in_use"}"#).is_some(),
        "{body}"
    );
}
