//! Faults, and nothing lost: the database going away (PostgreSQL cut on the
//! network; SQLite locked by another writer) and coming back, Clerk's keys
//! and Backend API unreachable, slow clients, and a shutdown signal with
//! requests still in flight.

mod common;

use common::{fault_proxy::FaultProxy, sqlite_db, stub_clerk, TestApp, TestClerk, TestDb};
use inkpad::clerk::{keys::WebhookSecret, verify::unix_now, webhook};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn clerk_env() -> Vec<(&'static str, &'static str)> {
    let mut env = TestClerk::get().env();
    env.push(("CLERK_WEBHOOK_SIGNING_SECRET", WEBHOOK_SECRET));
    env
}

fn user_event(id: &str, email: &str, timestamp: i64) -> String {
    json!({
        "object": "event", "type": "user.created", "timestamp": timestamp,
        "data": {
            "object": "user", "id": id, "first_name": "Ada", "last_name": "Lovelace",
            "primary_email_address_id": "idn_1",
            "email_addresses": [{"id": "idn_1", "email_address": email}],
            "public_metadata": {}, "created_at": 1, "updated_at": timestamp
        }
    })
    .to_string()
}

/// Delivers `body` as Svix does, signed now with `id`.
async fn deliver(app: &TestApp, id: &str, body: &str) -> (StatusCode, Value) {
    let secret: WebhookSecret = WEBHOOK_SECRET.parse().unwrap();
    let ts = unix_now();
    let res = app
        .bare_client
        .post(app.url("/api/webhooks/clerk"))
        .header("svix-id", id)
        .header("svix-timestamp", ts.to_string())
        .header("svix-signature", webhook::sign(&secret, id, ts, body))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(app.db.pool()).await.unwrap();
    n
}

/// Five webhooks that fail while the database is unavailable are each
/// applied exactly once when Clerk retries them after it returns.
async fn retried_webhooks_apply_exactly_once(
    app: &TestApp,
    outage: impl std::future::Future<Output = Vec<(StatusCode, Value)>>,
) {
    let refused = outage.await;
    for (status, body) in &refused {
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"], "Service unavailable", "{body}");
    }
    // Svix retries every event (and, being at-least-once, some twice).
    for round in 0..2 {
        for i in 0..refused.len() {
            let body = user_event(
                &format!("user_fault{i}"),
                &format!("f{i}@example.com"),
                1_000 + i as i64,
            );
            let (status, receipt) = deliver(app, &format!("msg_fault{i}"), &body).await;
            assert_eq!(status, 200, "{receipt}");
            let expected = if round == 0 { "applied" } else { "duplicate" };
            assert_eq!(receipt["status"], expected, "{receipt}");
        }
    }
    let n = refused.len() as i64;
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM users WHERE id LIKE 'user_fault%'"
        )
        .await,
        n
    );
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM webhook_receipts WHERE svix_id LIKE 'msg_fault%'"
        )
        .await,
        n
    );
    eprintln_past_capture(&format!(
        "faults: {n} webhooks refused during the outage, {n} applied once after it, 0 lost"
    ));
}

fn eprintln_past_capture(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// PostgreSQL cut on the network: pages answer an error page, APIs and
/// server functions 503 JSON, `/readyz` 503, webhooks 503; once it is
/// back, every retried webhook is applied exactly once.
#[tokio::test]
async fn postgres_going_away_loses_nothing() {
    let Some(test_db) = common::postgres_db().await else {
        return;
    };
    let proxy = FaultProxy::start(FaultProxy::upstream_of(&test_db.url)).await;
    let through_proxy = TestDb::reopen(&proxy.rewrite(&test_db.url)).await;
    let app = TestApp::spawn_with(through_proxy, &clerk_env()).await;
    let token = TestClerk::get().member("user_outage");
    assert_eq!(app.get("/readyz").await.status(), 200);

    proxy.cut();
    let started = Instant::now();
    let page = app
        .client
        .get(app.url("/dashboard"))
        .bearer_auth(&token)
        .header("accept", "text/html")
        .send();
    let api = app
        .client
        .get(app.url("/api/protected/posts"))
        .bearer_auth(&token)
        .send();
    let server_fn = app
        .client
        .post(app.url("/api/protected/list_posts"))
        .bearer_auth(&token)
        .form(&[("page", "1")])
        .send();
    let ready = app.client.get(app.url("/readyz")).send();
    let (page, api, server_fn, ready) = tokio::join!(page, api, server_fn, ready);
    let page = page.unwrap();
    let page_status = page.status();
    let html = page.text().await.unwrap();
    assert_eq!(page_status, 503, "{html}");
    assert!(html.contains("<html"), "an HTML page: {html}");
    assert!(
        html.contains("Inkpad is unavailable right now"),
        "the error page: {html}"
    );
    assert!(
        !html.contains("New post"),
        "not a half-working page: {html}"
    );
    for res in [api.unwrap(), server_fn.unwrap(), ready.unwrap()] {
        assert_eq!(res.status(), 503);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "Service unavailable", "{body}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "answered, not hung"
    );

    retried_webhooks_apply_exactly_once(&app, async {
        let deliveries = (0..5).map(|i| {
            let body = user_event(
                &format!("user_fault{i}"),
                &format!("f{i}@example.com"),
                1_000 + i,
            );
            let app = &app;
            async move { deliver(app, &format!("msg_fault{i}"), &body).await }
        });
        let refused = futures::future::join_all(deliveries).await;
        proxy.restore().await;
        refused
    })
    .await;
    assert_eq!(app.get("/readyz").await.status(), 200);
}

/// SQLite held by another writer longer than its busy timeout: writes
/// answer 503 (webhooks too, so Clerk retries), and every retried event is
/// applied once the lock is released.
#[tokio::test]
async fn a_locked_sqlite_database_loses_nothing() {
    let test_db = sqlite_db().await;
    let url = test_db.url.clone();
    let app = TestApp::spawn_with(test_db, &clerk_env()).await;
    let locker = inkpad::db::Db::connect(&url).await.unwrap();
    let mut conn = locker.acquire().await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut *conn)
        .await
        .unwrap();

    retried_webhooks_apply_exactly_once(&app, async {
        let deliveries = (0..5).map(|i| {
            let body = user_event(
                &format!("user_fault{i}"),
                &format!("f{i}@example.com"),
                1_000 + i,
            );
            let app = &app;
            async move { deliver(app, &format!("msg_fault{i}"), &body).await }
        });
        let refused = futures::future::join_all(deliveries).await;
        sqlx::query("ROLLBACK").execute(&mut *conn).await.unwrap();
        refused
    })
    .await;
}

/// Clerk's keys unreachable: keys already fetched keep verifying; a token
/// naming an unknown key is simply signed out (401), and a flood of them
/// does not send a flood of requests to Clerk.
#[tokio::test]
async fn with_the_jwks_endpoint_down_cached_keys_keep_verifying() {
    let keys = stub_clerk::JwksServer::start(TestClerk::get().key.jwks()).await;
    let clerk = TestClerk::get();
    let app = TestApp::spawn_with(
        sqlite_db().await,
        &[
            ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key.as_str()),
            ("CLERK_SECRET_KEY", stub_clerk::SECRET_KEY),
            ("CLERK_API_URL", &keys.url),
        ],
    )
    .await;
    let session = |token: &str| {
        app.client
            .get(app.url("/api/session"))
            .bearer_auth(token.to_owned())
            .send()
    };
    assert_eq!(
        session(&clerk.member("user_jwks")).await.unwrap().status(),
        200
    );
    assert_eq!(keys.fetches(), 1);

    keys.go_down();
    assert_eq!(
        session(&clerk.member("user_jwks")).await.unwrap().status(),
        200,
        "cached keys verify"
    );
    let strangers = (0..50).map(|i| {
        let forged = inkpad::clerk::mint::SigningKey::generate(format!("ins_unknown_{i}"))
            .unwrap()
            .sign(&clerk.claims("user_jwks", json!({})));
        let app = &app;
        async move {
            app.client
                .get(app.url("/api/session"))
                .bearer_auth(forged)
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    for status in futures::future::join_all(strangers).await {
        assert_eq!(status, 401, "an unknown key is a bad token, not an outage");
    }
    assert!(
        keys.fetches() <= 2,
        "{} fetches for 50 unknown kids",
        keys.fetches()
    );
    assert_eq!(
        session(&clerk.member("user_jwks")).await.unwrap().status(),
        200
    );
}

/// Clerk's Backend API unreachable: an admin's change is a 503, and its
/// audit entry stays `requested` (Clerk may yet have it; its webhook would
/// settle it).
#[tokio::test]
async fn with_the_backend_api_down_admin_changes_are_503_and_stay_requested() {
    let clerk = TestClerk::get();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut env = clerk_env();
    env.push(("CLERK_SECRET_KEY", stub_clerk::SECRET_KEY));
    env.push(("CLERK_API_URL", &dead));
    let app = TestApp::spawn_with(sqlite_db().await, &env).await;
    let res = app
        .client
        .post(app.url("/api/admin/users/user_target/plan"))
        .bearer_auth(clerk.admin("user_boss"))
        .json(&json!({"plan": "pro"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "Service unavailable"
    );
    let entries: Vec<(String, String)> =
        sqlx::query_as("SELECT action, status FROM audit_log WHERE subject_id = 'user_target'")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert!(
        entries.is_empty() || entries == [("plan.changed".to_owned(), "requested".to_owned())],
        "{entries:?}"
    );
}

/// A client that stops sending its body is answered 408 at the deadline;
/// one that never finishes its headers is disconnected.
#[tokio::test]
async fn slow_clients_are_cut_off() {
    let app = TestApp::spawn_with(sqlite_db().await, &[("REQUEST_TIMEOUT_SECS", "1")]).await;

    let mut stalled = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/webhooks/clerk HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"type\":",
        app.addr
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stalled.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("Request timeout"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(4));

    let mut slowloris = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    slowloris
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slowloris.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server closed the connection");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

/// SIGTERM: the server stops accepting, finishes the request in flight,
/// and exits cleanly.
#[tokio::test]
async fn sigterm_drains_in_flight_requests() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = common::Server::start(&[
        (
            "DATABASE_URL",
            &format!("sqlite://{}", dir.path().join("app.db").display()),
        ),
        ("CLERK_DEV_WEBHOOK_URL", "off"),
    ])
    .await;
    let addr = server.addr;

    // A request whose body is still arriving when the signal comes.
    let mut in_flight = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = "{\"type\": \"user.created\"}";
    let head = format!(
        "POST /api/webhooks/clerk HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    in_flight.write_all(&body.as_bytes()[..5]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    server.terminate();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no new connections after SIGTERM"
    );
    in_flight.write_all(&body.as_bytes()[5..]).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(
        Duration::from_secs(5),
        in_flight.read_to_string(&mut answer),
    )
    .await
    .expect("the in-flight request is answered")
    .unwrap();
    // Unsigned, so refused — but answered in full.
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("Invalid webhook signature"), "{answer}");
    let status = server.wait(Duration::from_secs(10)).await;
    assert!(status.success(), "{status:?}");
}
