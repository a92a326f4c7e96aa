//! The security suite: the app attacked as an attacker would, with the
//! figures printed. One line per matrix, `cases tried / passed`:
//!
//! - CSRF: every state-changing route (JSON API, server functions, the
//!   development instance) × {foreign `Origin`, `Sec-Fetch-Site:
//!   cross-site`, neither, same origin} × {cookie, Bearer};
//! - rate limits: every budget reached (429 with `Retry-After` and the
//!   `RateLimit` headers), then allowed again in the next window; and the
//!   bursts from the issue (premium, posts, sign-in spraying) on defaults;
//! - IDOR on every `{id}` route, privilege escalation, open redirects,
//!   path-normalisation bypasses, oversized and malformed bodies;
//! - secrets: the secret key, the webhook secret, private metadata and
//!   session tokens in no HTML, JS, WASM, error body or log line.
//!
//! It runs on SQLite and, when available, PostgreSQL.

mod common;

use common::{sqlite_db, TestApp, TestDb};
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};
use std::{
    io::Write,
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

/// One line past the test harness's capture, so CI logs always show it.
fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Every log line the app writes during the suite.
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = {
            let buffer = buffer.clone();
            move || LogWriter(buffer.clone())
        };
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug,sqlx=warn,hyper=warn,h2=warn,reqwest=warn")
            .with_writer(writer)
            .with_ansi(false)
            .try_init();
        buffer
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Cases tried and passed for one matrix; failures are listed at the end.
struct Tally {
    name: String,
    tried: usize,
    failures: Vec<String>,
}

impl Tally {
    fn new(backend: &str, name: &str) -> Self {
        Tally {
            name: format!("security[{backend}] {name}"),
            tried: 0,
            failures: Vec::new(),
        }
    }

    fn case(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.tried += 1;
        if !ok {
            self.failures.push(what());
        }
    }

    fn finish(self) {
        let passed = self.tried - self.failures.len();
        report(&format!(
            "{}: {} cases tried / {} passed",
            self.name, self.tried, passed
        ));
        assert!(
            self.failures.is_empty(),
            "{} failed:\n{}",
            self.name,
            self.failures.join("\n")
        );
    }
}

/// Every body the suite receives, checked for secrets at the end.
#[derive(Default, Clone)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn add(&self, what: &str, body: &str) {
        self.0.lock().unwrap().push(format!("{what}\n{body}"));
    }
}

/// A response as the suite keeps it.
struct Answer {
    status: StatusCode,
    headers: header::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    fn csrf_refused(&self) -> bool {
        self.status == StatusCode::FORBIDDEN && self.body.contains("did not come from this site")
    }
}

async fn send(seen: &Seen, what: &str, request: reqwest::RequestBuilder) -> Answer {
    let res = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.text().await.unwrap_or_default();
    seen.add(what, &body);
    Answer {
        status,
        headers,
        body,
    }
}

/// A browser signed in through the development instance: its cookies and
/// a session token.
struct Browser {
    user_id: String,
    session_id: String,
    cookie: String,
    token: String,
}

async fn browser(app: &TestApp, seen: &Seen, email: &str, password: &str) -> Browser {
    let signed = app.sign_in(email, password).await;
    let token = signed.token(app).await;
    seen.add("token", &token);
    Browser {
        user_id: signed.user_id.clone(),
        session_id: signed.session_id.clone(),
        cookie: format!(
            "{}; __session={token}; __client_uat=1",
            signed.client_cookie
        ),
        token,
    }
}

/// The parts of the database an attack could change.
async fn fingerprint(app: &TestApp) -> Vec<(String, i64)> {
    let queries = [
        "SELECT COUNT(*) FROM posts",
        "SELECT CAST(COALESCE(SUM(updated_at), 0) AS BIGINT) FROM posts",
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM users",
        "SELECT COUNT(*) FROM clerk_dev_users",
        "SELECT CAST(COALESCE(SUM(updated_at), 0) AS BIGINT) FROM clerk_dev_users",
        "SELECT COUNT(*) FROM clerk_dev_sessions",
        "SELECT CAST(COALESCE(SUM(updated_at), 0) AS BIGINT) FROM clerk_dev_sessions",
        "SELECT COUNT(*) FROM clerk_dev_clients",
        "SELECT COUNT(*) FROM clerk_dev_webhook_events",
    ];
    let mut out = Vec::new();
    for sql in queries {
        let (n,): (i64,) = sqlx::query_as(sql)
            .fetch_one(app.db.pool())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        out.push((sql.to_owned(), n));
    }
    out
}

/// A state-changing route and a body it would accept.
#[derive(Clone)]
struct Route {
    method: Method,
    path: String,
    body: Body,
}

#[derive(Clone)]
enum Body {
    None,
    Json(Value),
    Form(Vec<(String, String)>),
}

impl Route {
    fn new(method: Method, path: impl Into<String>, body: Body) -> Self {
        Route {
            method,
            path: path.into(),
            body,
        }
    }

    fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn build(&self, app: &TestApp) -> reqwest::RequestBuilder {
        let request = app
            .bare_client
            .request(self.method.clone(), app.url(&self.path));
        match &self.body {
            Body::None => request,
            Body::Json(value) => request.json(value),
            Body::Form(pairs) => request.form(pairs),
        }
    }
}

fn form(pairs: &[(&str, &str)]) -> Body {
    Body::Form(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// Everything the suite needs on one app with the embedded defaults.
struct World {
    app: TestApp,
    seen: Seen,
    admin: Browser,
    member: Browser,
    other: Browser,
    /// A session of the member's, signed in from another browser.
    spare_session: String,
    /// A post of the other member's.
    others_post: i64,
    /// A post of the admin's, for the admin's own requests.
    admins_post: i64,
    event_id: String,
    /// The codes a writer who signed up through the email code was sent
    /// (the main world's; see `email_codes`).
    email_codes: Vec<String>,
}

async fn world(test_db: TestDb, extra: &[(&str, &str)]) -> World {
    // Each matrix speaks from a client address of its own (through the
    // proxy the tests play), so their sign-in budgets stay apart.
    let mut env = vec![
        ("CLERK_DEV_WEBHOOK_URL", "off"),
        ("TRUSTED_PROXIES", "127.0.0.1"),
    ];
    env.extend_from_slice(extra);
    let app = TestApp::spawn_with(test_db, &env).await;
    let seen = Seen::default();
    let admin = browser(&app, &seen, "admin@inkpad.dev", "inkpad-admin-demo").await;
    let member = browser(&app, &seen, "free@inkpad.dev", "inkpad-free-demo").await;
    let other = browser(&app, &seen, "pro@inkpad.dev", "inkpad-pro-demo").await;
    let spare = app.sign_in("free@inkpad.dev", "inkpad-free-demo").await;
    let post = |token: String, title: &'static str| {
        app.bare_client
            .post(app.url("/api/protected/posts"))
            .bearer_auth(token)
            .json(&json!({"title": title, "content": "Words of one's own."}))
            .send()
    };
    let others: Value = post(other.token.clone(), "Other's")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admins: Value = post(admin.token.clone(), "Admin's")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events: Value = app
        .client
        .get(app.url("/__clerk/console/api/webhooks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Private metadata, which must never reach a browser or a log line.
    let (secret_key,): (String,) = sqlx::query_as("SELECT secret_key FROM clerk_dev_instance")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let res = app
        .bare_client
        .patch(app.url(&format!(
            "/__clerk/api/v1/users/{}/metadata",
            member.user_id
        )))
        .bearer_auth(&secret_key)
        .json(&json!({"private_metadata": {"stripe": PRIVATE_MARKER}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    World {
        email_codes: Vec::new(),
        seen,
        spare_session: spare.session_id,
        others_post: others["id"].as_i64().unwrap(),
        admins_post: admins["id"].as_i64().unwrap(),
        event_id: events[0]["id"].as_str().unwrap().to_owned(),
        admin,
        member,
        other,
        app,
    }
}

const PRIVATE_MARKER: &str = "cus_PRIVATE_SECURITY_SUITE_4417";

/// Every state-changing route, with a body it accepts, as the admin would
/// send it (benign: no-op changes, or changes to the admin's own data).
fn state_changing_routes(w: &World) -> Vec<Route> {
    let (post, member, sid, spare) = (
        w.admins_post.to_string(),
        w.member.user_id.clone(),
        w.admin.session_id.clone(),
        w.spare_session.clone(),
    );
    let unique = format!("csrf.{}@example.com", std::process::id());
    vec![
        // The JSON API.
        Route::new(
            Method::POST,
            "/api/protected/posts",
            Body::Json(json!({"title": "t", "content": "c"})),
        ),
        Route::new(
            Method::PATCH,
            format!("/api/protected/posts/{post}"),
            Body::Json(json!({"title": "Admin's"})),
        ),
        Route::new(Method::DELETE, "/api/protected/posts/999999", Body::None),
        Route::new(
            Method::POST,
            format!("/api/admin/users/{member}/role"),
            Body::Json(json!({"role": "member"})),
        ),
        Route::new(
            Method::POST,
            format!("/api/admin/users/{member}/plan"),
            Body::Json(json!({"plan": "free"})),
        ),
        Route::new(Method::POST, "/api/premium/generate", Body::None),
        // Server functions (form-encoded, as Leptos sends them).
        Route::new(
            Method::POST,
            "/api/protected/create_post",
            form(&[("title", "t"), ("content", "c")]),
        ),
        Route::new(
            Method::POST,
            "/api/protected/update_post",
            form(&[
                ("id", &post),
                ("title", "Admin's"),
                ("content", "Words of one's own."),
            ]),
        ),
        Route::new(
            Method::POST,
            "/api/protected/delete_post",
            form(&[("id", "999999")]),
        ),
        Route::new(
            Method::POST,
            "/api/protected/list_posts",
            form(&[("page", "1")]),
        ),
        Route::new(
            Method::POST,
            "/api/user/rename",
            form(&[("first_name", "Ada"), ("last_name", "Admin")]),
        ),
        Route::new(Method::POST, "/api/user/my_profile", form(&[])),
        Route::new(
            Method::POST,
            "/api/admin/list_users",
            form(&[("page", "1")]),
        ),
        Route::new(
            Method::POST,
            "/api/admin/set_role",
            form(&[("user_id", &member), ("role", "member")]),
        ),
        Route::new(
            Method::POST,
            "/api/admin/set_plan",
            form(&[("user_id", &member), ("plan", "free")]),
        ),
        Route::new(Method::POST, "/api/admin/audit_log", form(&[("page", "1")])),
        Route::new(Method::POST, "/api/premium/export", form(&[])),
        Route::new(Method::POST, "/api/current_user", form(&[])),
        Route::new(Method::POST, "/api/clerk_settings", form(&[])),
        Route::new(Method::POST, "/api/site_stats", form(&[])),
        // The development instance: frontend API and console.
        Route::new(
            Method::POST,
            "/__clerk/v1/client/sign_ins",
            Body::Json(json!({"identifier": "free@inkpad.dev", "password": "inkpad-free-demo"})),
        ),
        Route::new(
            Method::POST,
            "/__clerk/v1/client/sign_ups",
            Body::Json(json!({"email_address": unique, "password": "correct horse battery"})),
        ),
        Route::new(
            Method::POST,
            format!("/__clerk/v1/client/sessions/{sid}/tokens"),
            Body::None,
        ),
        Route::new(
            Method::POST,
            format!("/__clerk/v1/client/sessions/{sid}/verify"),
            form(&[("level", "first_factor")]),
        ),
        Route::new(
            Method::POST,
            format!("/__clerk/v1/client/sessions/{sid}/verify/attempt_first_factor"),
            form(&[("strategy", "password"), ("password", "inkpad-admin-demo")]),
        ),
        Route::new(
            Method::POST,
            format!("/__clerk/v1/client/sessions/{spare}/end"),
            Body::None,
        ),
        Route::new(
            Method::PATCH,
            "/__clerk/v1/me",
            Body::Json(json!({"first_name": "Ada"})),
        ),
        Route::new(
            Method::POST,
            format!("/__clerk/console/api/users/{member}/access"),
            Body::Json(json!({"plan": "free"})),
        ),
        Route::new(
            Method::POST,
            format!("/__clerk/console/api/sessions/{sid}/verified"),
            Body::Json(json!({"minutes_ago": 0})),
        ),
        Route::new(
            Method::POST,
            format!("/__clerk/console/api/sessions/{spare}/revoke"),
            Body::None,
        ),
        Route::new(
            Method::POST,
            format!("/__clerk/console/api/webhooks/{}/redeliver", w.event_id),
            Body::None,
        ),
    ]
}

/// Where a request says it comes from.
#[derive(Clone, Copy, Debug)]
enum Provenance {
    ForeignOrigin,
    CrossSiteFetch,
    Neither,
    SameOrigin,
}

fn with_provenance(
    app: &TestApp,
    request: reqwest::RequestBuilder,
    p: Provenance,
) -> reqwest::RequestBuilder {
    // The CSRF matrix's own client address (its sign-ins spend their own budget).
    let request = request.header("x-forwarded-for", "192.0.2.30");
    match p {
        Provenance::ForeignOrigin => request
            .header(header::ORIGIN, "https://evil.example")
            .header("sec-fetch-site", "cross-site"),
        Provenance::CrossSiteFetch => request.header("sec-fetch-site", "cross-site"),
        Provenance::Neither => request,
        Provenance::SameOrigin => request
            .header(header::ORIGIN, app.origin())
            .header("sec-fetch-site", "same-origin"),
    }
}

async fn csrf_matrix(w: &World, backend: &str) {
    let mut tally = Tally::new(backend, "csrf");
    let routes = state_changing_routes(w);
    let forged = [
        Provenance::ForeignOrigin,
        Provenance::CrossSiteFetch,
        Provenance::Neither,
    ];

    // Forged requests carrying the admin's cookies: all refused, nothing written.
    let before = fingerprint(&w.app).await;
    for route in &routes {
        for p in forged {
            let request = route.build(&w.app).header(header::COOKIE, &w.admin.cookie);
            let answer = send(&w.seen, &route.label(), with_provenance(&w.app, request, p)).await;
            tally.case(answer.csrf_refused(), || {
                format!(
                    "cookie {p:?} {}: {} {}",
                    route.label(),
                    answer.status,
                    answer.body
                )
            });
        }
    }
    let after = fingerprint(&w.app).await;
    tally.case(before == after, || {
        format!("refused requests wrote: {before:?} → {after:?}")
    });

    // The same from the app's own pages, and every Bearer call, go through.
    for route in &routes {
        let request = route.build(&w.app).header(header::COOKIE, &w.admin.cookie);
        let answer = send(
            &w.seen,
            &route.label(),
            with_provenance(&w.app, request, Provenance::SameOrigin),
        )
        .await;
        tally.case(
            !answer.csrf_refused() && answer.status.as_u16() < 500,
            || {
                format!(
                    "cookie same-origin {}: {} {}",
                    route.label(),
                    answer.status,
                    answer.body
                )
            },
        );
        for p in forged.into_iter().chain([Provenance::SameOrigin]) {
            let request = route.build(&w.app).bearer_auth(&w.admin.token);
            let answer = send(&w.seen, &route.label(), with_provenance(&w.app, request, p)).await;
            tally.case(
                !answer.csrf_refused() && answer.status.as_u16() < 500,
                || {
                    format!(
                        "bearer {p:?} {}: {} {}",
                        route.label(),
                        answer.status,
                        answer.body
                    )
                },
            );
        }
    }
    tally.finish();
}

/// Tight budgets, each reached and then waited out.
async fn rate_limit_matrix(backend: &str, test_db: TestDb) {
    let mut tally = Tally::new(backend, "rate limits");
    let w = world(
        test_db,
        &[
            ("RATE_LIMIT_PREMIUM", "3/3s"),
            ("RATE_LIMIT_ADMIN", "3/3s"),
            ("RATE_LIMIT_WRITE", "3/3s"),
            ("RATE_LIMIT_READ", "5/3s"),
            ("RATE_LIMIT_SIGN_IN", "4/3s"),
            ("RATE_LIMIT_SIGN_IN_IDENTIFIER", "2/3s"),
            ("RATE_LIMIT_WEBHOOK", "3/3s"),
        ],
    )
    .await;
    let app = &w.app;
    let member = w.member.user_id.clone();
    let mut seen_429 = Vec::new();
    let attempt = |budget: &str, n: usize| -> reqwest::RequestBuilder {
        let b = |m: Method, p: &str| app.bare_client.request(m, app.url(p));
        match budget {
            "premium" => b(Method::POST, "/api/premium/generate").bearer_auth(&w.admin.token),
            "admin" => b(Method::POST, &format!("/api/admin/users/{member}/plan"))
                .bearer_auth(&w.admin.token)
                .json(&json!({"plan": "free"})),
            "write" => b(Method::POST, "/api/protected/posts")
                .bearer_auth(&w.other.token)
                .json(&json!({"title": "burst", "content": "c"})),
            "read" => b(Method::GET, "/api/protected/posts").bearer_auth(&w.other.token),
            // Spraying: a new email each time, from one address.
            "sign_in" => b(Method::POST, "/__clerk/v1/client/sign_ins")
                .header(header::ORIGIN, app.origin())
                .header("x-forwarded-for", "203.0.113.7")
                .json(&json!({"identifier": format!("spray{n}@example.com"), "password": "guess"})),
            // One account, from a new address each time.
            "sign_in_identifier" => b(Method::POST, "/__clerk/v1/client/sign_ins")
                .header(header::ORIGIN, app.origin())
                .header("x-forwarded-for", format!("198.51.100.{n}"))
                .json(&json!({"identifier": "pro@inkpad.dev", "password": "guess"})),
            "webhook" => b(Method::POST, "/api/webhooks/clerk")
                .header("x-forwarded-for", "192.0.2.1")
                .body("{}"),
            _ => unreachable!(),
        }
    };
    for (budget, limit) in [
        ("premium", 3),
        ("admin", 3),
        ("write", 3),
        ("read", 5),
        ("sign_in", 4),
        ("sign_in_identifier", 2),
        ("webhook", 3),
    ] {
        let mut statuses = Vec::new();
        let mut retry_after = 0;
        for n in 0..=limit {
            let answer = send(&w.seen, budget, attempt(budget, n + 10)).await;
            if answer.status == StatusCode::TOO_MANY_REQUESTS {
                retry_after = answer.headers[header::RETRY_AFTER]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                let policy = answer
                    .headers
                    .get("ratelimit-policy")
                    .map(|v| v.to_str().unwrap().to_owned());
                let state = answer
                    .headers
                    .get("ratelimit")
                    .map(|v| v.to_str().unwrap().to_owned());
                tally.case(
                    policy
                        .as_deref()
                        .is_some_and(|p| p.starts_with(&format!("\"{budget}\";q={limit};w=3")))
                        && state.as_deref().is_some_and(|s| s.contains(";r=0;"))
                        && answer.json()["retry_after"] == retry_after
                        && answer.json()["error"] == "Too many requests",
                    || format!("{budget}: 429 headers {policy:?} {state:?} {}", answer.body),
                );
            }
            statuses.push(answer.status);
        }
        let allowed = statuses[..limit]
            .iter()
            .all(|s| *s != StatusCode::TOO_MANY_REQUESTS);
        tally.case(
            allowed && statuses[limit] == StatusCode::TOO_MANY_REQUESTS,
            || format!("{budget}: expected {limit} allowed then 429, got {statuses:?}"),
        );
        tally.case((1..=3).contains(&retry_after), || {
            format!("{budget}: Retry-After {retry_after}")
        });
        seen_429.push((
            budget,
            statuses
                .iter()
                .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
                .count(),
        ));
        tokio::time::sleep(Duration::from_millis(retry_after * 1000 + 200)).await;
        let again = send(&w.seen, budget, attempt(budget, 99)).await;
        tally.case(again.status != StatusCode::TOO_MANY_REQUESTS, || {
            format!("{budget}: still 429 after waiting {retry_after}s")
        });
    }
    // Another address has its own sign-in allowance; another user their own writes.
    let fresh_ip = app
        .bare_client
        .post(app.url("/__clerk/v1/client/sign_ins"))
        .header(header::ORIGIN, app.origin())
        .header("x-forwarded-for", "203.0.113.99")
        .json(&json!({"identifier": "someone@example.com", "password": "guess"}));
    let answer = send(&w.seen, "sign_in other address", fresh_ip).await;
    tally.case(answer.status != StatusCode::TOO_MANY_REQUESTS, || {
        "a new address is refused".into()
    });
    report(&format!(
        "security[{backend}] 429s per budget: {}",
        seen_429
            .iter()
            .map(|(b, n)| format!("{b}={n}"))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    tally.finish();
    check_secrets(&w, backend, "rate limits").await;
}

/// The bursts from the issue, on the default budgets.
async fn default_budget_bursts(w: &World, backend: &str) {
    let mut tally = Tally::new(backend, "default-budget bursts");
    let app = &w.app;
    let mut counts = Vec::new();
    for (what, n, expected_allowed) in [
        ("premium exports", 150, 10),
        ("post writes", 300, 60),
        ("sign-ins for different emails from one address", 60, 20),
    ] {
        let requests = (0..n).map(|i| {
            let request = match what {
                "premium exports" => app
                    .bare_client
                    .post(app.url("/api/premium/generate"))
                    .bearer_auth(&w.other.token),
                "post writes" => app
                    .bare_client
                    .post(app.url("/api/protected/posts"))
                    .bearer_auth(&w.other.token)
                    .json(&json!({"title": "burst", "content": "c"})),
                _ => app
                    .bare_client
                    .post(app.url("/__clerk/v1/client/sign_ins"))
                    .header(header::ORIGIN, app.origin())
                    .header("x-forwarded-for", "192.0.2.20")
                    .json(&json!({"identifier": format!("spray{i}@example.com"), "password": "guess"})),
            };
            async move { request.send().await.unwrap().status() }
        });
        let statuses = futures::future::join_all(requests).await;
        let limited = statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count();
        let errors = statuses.iter().filter(|s| s.is_server_error()).count();
        // The allowance comes back at its rate while the burst runs, so a
        // little more than the burst size may pass.
        let allowed = n - limited;
        tally.case(
            errors == 0 && allowed >= expected_allowed && allowed <= expected_allowed + 3,
            || format!("{what}: {allowed} allowed (budget {expected_allowed}), {errors} 5xx"),
        );
        counts.push(format!("{what}: {limited} of {n} refused with 429"));
    }
    report(&format!(
        "security[{backend}] bursts on defaults: {}",
        counts.join("; ")
    ));
    tally.finish();
}

/// Someone else's resources by id, and ids that are not ids.
async fn idor_matrix(w: &World, backend: &str) {
    let mut tally = Tally::new(backend, "idor");
    let app = &w.app;
    let post = w.others_post;
    let as_member = |m: Method, p: &str| {
        app.bare_client
            .request(m, app.url(p))
            .bearer_auth(&w.member.token)
    };
    let cases = vec![
        (
            "GET another's post",
            as_member(Method::GET, &format!("/api/protected/posts/{post}")),
            vec![403],
        ),
        (
            "PATCH another's post",
            as_member(Method::PATCH, &format!("/api/protected/posts/{post}"))
                .json(&json!({"title": "mine now"})),
            vec![403],
        ),
        (
            "DELETE another's post",
            as_member(Method::DELETE, &format!("/api/protected/posts/{post}")),
            vec![403],
        ),
        (
            "update_post another's",
            as_member(Method::POST, "/api/protected/update_post").form(&[
                ("id", post.to_string()),
                ("title", "mine".into()),
                ("content", "now".into()),
            ]),
            vec![403],
        ),
        (
            "delete_post another's",
            as_member(Method::POST, "/api/protected/delete_post").form(&[("id", post.to_string())]),
            vec![403],
        ),
        (
            "post id 0",
            as_member(Method::GET, "/api/protected/posts/0"),
            vec![404],
        ),
        (
            "post id -1",
            as_member(Method::GET, "/api/protected/posts/-1"),
            vec![404],
        ),
        (
            "post id huge",
            as_member(Method::GET, "/api/protected/posts/99999999999999999999"),
            vec![400],
        ),
        (
            "post id text",
            as_member(Method::GET, "/api/protected/posts/abc"),
            vec![400],
        ),
        (
            "post id traversal",
            as_member(Method::GET, "/api/protected/posts/..%2F..%2Fadmin"),
            vec![400, 403, 404],
        ),
    ];
    for (what, request, expected) in cases {
        let answer = send(&w.seen, what, request).await;
        let leaked = answer.body.contains("Other's");
        tally.case(
            expected.contains(&answer.status.as_u16()) && !leaked,
            || format!("{what}: {} {}", answer.status, answer.body),
        );
    }
    // The development instance: another browser's session by id.
    let sid = &w.other.session_id;
    for (what, path) in [
        (
            "tokens",
            format!("/__clerk/v1/client/sessions/{sid}/tokens"),
        ),
        ("end", format!("/__clerk/v1/client/sessions/{sid}/end")),
        (
            "verify",
            format!("/__clerk/v1/client/sessions/{sid}/verify"),
        ),
        (
            "attempt",
            format!("/__clerk/v1/client/sessions/{sid}/verify/attempt_first_factor"),
        ),
    ] {
        let request = app
            .bare_client
            .post(app.url(&path))
            .header(header::COOKIE, &w.member.cookie)
            .header(header::ORIGIN, app.origin())
            .header("x-forwarded-for", "192.0.2.10")
            .form(&[("strategy", "password"), ("password", "inkpad-pro-demo")]);
        let answer = send(&w.seen, what, request).await;
        tally.case(
            answer.status == StatusCode::UNAUTHORIZED && !answer.body.contains("eyJ"),
            || {
                format!(
                    "another's session {what}: {} {}",
                    answer.status, answer.body
                )
            },
        );
    }
    let still = send(
        &w.seen,
        "owner reads",
        app.bare_client
            .get(app.url(&format!("/api/protected/posts/{post}")))
            .bearer_auth(&w.other.token),
    )
    .await;
    tally.case(
        still.status == 200 && still.json()["title"] == "Other's",
        || format!("the post changed: {}", still.body),
    );
    tally.finish();
}

/// A member on every admin route and function, and trying to raise their
/// own role or plan through any field the app or Clerk accepts.
async fn escalation_matrix(w: &World, backend: &str) {
    let mut tally = Tally::new(backend, "privilege escalation");
    let app = &w.app;
    let me = &w.member.user_id;
    let admin_routes = vec![
        Route::new(Method::GET, "/api/admin/users", Body::None),
        Route::new(Method::GET, "/api/admin/audit", Body::None),
        Route::new(
            Method::POST,
            format!("/api/admin/users/{me}/role"),
            Body::Json(json!({"role": "admin"})),
        ),
        Route::new(
            Method::POST,
            format!("/api/admin/users/{me}/plan"),
            Body::Json(json!({"plan": "pro"})),
        ),
        Route::new(
            Method::POST,
            "/api/admin/list_users",
            form(&[("page", "1")]),
        ),
        Route::new(Method::POST, "/api/admin/audit_log", form(&[("page", "1")])),
        Route::new(
            Method::POST,
            "/api/admin/set_role",
            form(&[("user_id", me), ("role", "admin")]),
        ),
        Route::new(
            Method::POST,
            "/api/admin/set_plan",
            form(&[("user_id", me), ("plan", "pro")]),
        ),
        Route::new(Method::POST, "/api/premium/generate", Body::None),
        Route::new(Method::POST, "/api/premium/export", form(&[])),
    ];
    for route in &admin_routes {
        for credential in ["bearer", "cookie"] {
            let request = route.build(app);
            let request = if credential == "bearer" {
                request.bearer_auth(&w.member.token)
            } else {
                request
                    .header(header::COOKIE, &w.member.cookie)
                    .header(header::ORIGIN, app.origin())
            };
            let answer = send(&w.seen, &route.label(), request).await;
            tally.case(
                answer.status == StatusCode::FORBIDDEN && !answer.csrf_refused(),
                || {
                    format!(
                        "member {credential} {}: {} {}",
                        route.label(),
                        answer.status,
                        answer.body
                    )
                },
            );
        }
    }
    // Raising one's own role or plan through any field.
    let attempts: Vec<(&str, reqwest::RequestBuilder)> = vec![
        ("post body role", app.bare_client.post(app.url("/api/protected/posts")).bearer_auth(&w.member.token).json(&json!({"title": "t", "content": "c", "role": "admin"}))),
        ("rename with role", app.bare_client.post(app.url("/api/user/rename")).bearer_auth(&w.member.token).form(&[("first_name", "Free"), ("last_name", "User"), ("role", "admin"), ("plan", "pro")])),
        ("me with metadata", app.bare_client.patch(app.url("/__clerk/v1/me")).header(header::COOKIE, &w.member.cookie).header(header::ORIGIN, app.origin()).json(&json!({"first_name": "Free", "public_metadata": {"role": "admin", "plan": "pro"}, "private_metadata": {"role": "admin"}, "unsafe_metadata": {"role": "admin"}}))),
        ("console as a member (no session needed, but nothing for tokens)", app.bare_client.post(app.url("/__clerk/v1/client/sessions/x/tokens")).header(header::COOKIE, &w.member.cookie).header(header::ORIGIN, app.origin()).json(&json!({"metadata": {"role": "admin"}}))),
    ];
    for (what, request) in attempts {
        let answer = send(&w.seen, what, request).await;
        tally.case(answer.status.as_u16() < 500, || {
            format!("{what}: {} {}", answer.status, answer.body)
        });
    }
    // A sign-up that sends metadata with its form, carried through the
    // email code to the account it makes: the account has none of it.
    let signed_up = common::browser::sign_up_with(
        app,
        &mut common::browser::Browser::default(),
        json!({"email_address": format!("climber.{}@example.com", std::process::id()), "password": "correct horse battery", "public_metadata": {"role": "admin", "plan": "pro"}, "unsafe_metadata": {"role": "admin"}}),
    )
    .await;
    let user = &signed_up["client"]["sessions"][0]["user"];
    tally.case(
        user["id"].is_string() && user["public_metadata"].get("role").is_none(),
        || format!("sign-up kept metadata: {signed_up}"),
    );
    // A token whose claims were edited: the signature no longer holds.
    let mut parts: Vec<String> = w.member.token.split('.').map(str::to_owned).collect();
    let claims = {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: Value = serde_json::from_slice(&engine.decode(&parts[1]).unwrap()).unwrap();
        claims["metadata"] = json!({"role": "admin", "plan": "pro"});
        engine.encode(claims.to_string())
    };
    parts[1] = claims;
    let forged = parts.join(".");
    let answer = send(
        &w.seen,
        "edited claims",
        app.bare_client
            .get(app.url("/api/admin/users"))
            .bearer_auth(&forged),
    )
    .await;
    tally.case(answer.status == StatusCode::UNAUTHORIZED, || {
        format!("edited claims: {} {}", answer.status, answer.body)
    });
    // Still a member on the free plan, in Clerk and in the app.
    let fresh = app
        .sign_in("free@inkpad.dev", "inkpad-free-demo")
        .await
        .token(app)
        .await;
    let session = send(
        &w.seen,
        "session",
        app.bare_client
            .get(app.url("/api/session"))
            .bearer_auth(&fresh),
    )
    .await;
    tally.case(
        session.json()["role"] == "member" && session.json()["plan"] == "free",
        || format!("the member rose: {}", session.body),
    );
    // An admin whose password check is stale cannot change access either.
    let res = app
        .client
        .post(app.url(&format!(
            "/__clerk/console/api/sessions/{}/verified",
            w.admin.session_id
        )))
        .json(&json!({"minutes_ago": 11}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let stale = w.admin_token_now(app).await;
    for route in admin_routes.iter().filter(|r| {
        r.path.ends_with("/role")
            || r.path.ends_with("/plan")
            || r.path.ends_with("set_role")
            || r.path.ends_with("set_plan")
    }) {
        let answer = send(
            &w.seen,
            &route.label(),
            route.build(app).bearer_auth(&stale),
        )
        .await;
        tally.case(
            answer.status == 403
                && answer.json()["clerk_error"]["reason"] == "reverification-error",
            || {
                format!(
                    "stale admin {}: {} {}",
                    route.label(),
                    answer.status,
                    answer.body
                )
            },
        );
    }
    let res = app
        .client
        .post(app.url(&format!(
            "/__clerk/console/api/sessions/{}/verified",
            w.admin.session_id
        )))
        .json(&json!({"minutes_ago": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    tally.finish();
}

impl World {
    /// A new token for the admin's session (carrying its current `fva`).
    async fn admin_token_now(&self, app: &TestApp) -> String {
        let res = app
            .client
            .post(app.url(&format!(
                "/__clerk/v1/client/sessions/{}/tokens",
                self.admin.session_id
            )))
            .header(header::COOKIE, &self.admin.cookie)
            .send()
            .await
            .unwrap();
        let token = res.json::<Value>().await.unwrap()["jwt"]
            .as_str()
            .unwrap()
            .to_owned();
        self.seen.add("token", &token);
        token
    }
}

/// `redirect_url` and protected-page redirects never leave the site.
async fn open_redirect_matrix(w: &World, backend: &str) {
    let mut tally = Tally::new(backend, "open redirects");
    let app = &w.app;
    let targets = [
        "https://evil.example/",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/%09/evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "data:text/html,hi",
        "http://127.0.0.1.evil.example/",
        "http://127.0.0.1@evil.example/",
    ];
    let own = app.origin();
    let stays = |location: &str| {
        location.starts_with('/') && !location.starts_with("//") && !location.contains('\\')
            || location.starts_with(&format!("{own}/"))
    };
    for target in targets {
        let url = format!(
            "/__clerk/v1/client/handshake?redirect_url={}",
            urlencode(target)
        );
        let answer = send(
            &w.seen,
            "handshake",
            app.bare_client
                .get(app.url(&url))
                .header(header::COOKIE, &w.member.cookie),
        )
        .await;
        let location = answer
            .headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        tally.case(
            location.as_deref().is_none_or(stays) && answer.status.as_u16() < 500,
            || format!("handshake to {target}: {} {location:?}", answer.status),
        );
    }
    // Protected pages send strangers to sign-in with a return path that is
    // this site's, whatever the request path looks like.
    for path in [
        "//evil.example/dashboard",
        "/dashboard//evil.example",
        "/dashboard?x=https://evil.example",
        "/%2F%2Fevil.example/dashboard",
        "/admin/..%2F..%2F%2Fevil.example",
    ] {
        let answer = send(
            &w.seen,
            path,
            app.bare_client
                .get(app.url(path))
                .header(header::ACCEPT, "text/html"),
        )
        .await;
        let location = answer
            .headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let ok = match &location {
            None => true,
            Some(l) => {
                let back = l.split("redirect_url=").nth(1).map(percent_decode);
                stays(l)
                    && back
                        .as_deref()
                        .is_none_or(|b| b.starts_with('/') && !b.starts_with("//"))
            }
        };
        tally.case(ok, || format!("{path}: {} {location:?}", answer.status));
    }
    tally.finish();
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Protected routes under every disguise: never served to the wrong caller.
async fn path_normalisation_matrix(w: &World, backend: &str) {
    let mut tally = Tally::new(backend, "path normalisation");
    let app = &w.app;
    let disguises = |base: &str| -> Vec<String> {
        let upper = base.to_uppercase();
        let encoded_first = format!("/%{:02X}{}", base.as_bytes()[1], &base[2..]);
        let double = format!("/%25{:02X}{}", base.as_bytes()[1], &base[2..]);
        vec![
            base.to_owned(),
            upper,
            format!("{base}/"),
            format!("/{base}"),
            base.replace('/', "//"),
            encoded_first,
            double,
            format!("{base}/."),
            format!("/public/..{base}"),
            format!("{base}%2F"),
            base.replacen('/', "\\", 1),
        ]
    };
    for (base, who, allowed) in [
        ("/dashboard", "stranger", vec![307, 404, 400]),
        ("/settings", "stranger", vec![307, 404, 400]),
        ("/admin", "member", vec![307, 403, 404, 400]),
        ("/api/protected/posts", "stranger", vec![401, 404, 400, 405]),
        ("/api/admin/users", "member", vec![401, 403, 404, 400, 405]),
        (
            "/api/premium/generate",
            "member",
            vec![401, 403, 404, 400, 405],
        ),
    ] {
        for path in disguises(base) {
            let method = if base.contains("premium") {
                Method::POST
            } else {
                Method::GET
            };
            let request = app
                .bare_client
                .request(method, app.url(&path))
                .header(header::ACCEPT, "text/html");
            let request = if who == "member" {
                request.bearer_auth(&w.member.token)
            } else {
                request
            };
            let answer = send(&w.seen, &path, request).await;
            tally.case(allowed.contains(&answer.status.as_u16()), || {
                format!(
                    "{who} {path}: {} {}",
                    answer.status,
                    &answer.body[..answer.body.len().min(200)]
                )
            });
        }
    }
    tally.finish();
}

/// Bodies too large, malformed, mistyped or hostile: a clear 4xx, never a 5xx.
async fn body_matrix(w: &World, backend: &str) {
    let mut tally = Tally::new(backend, "oversized and malformed bodies");
    let app = &w.app;
    let routes = state_changing_routes(w);
    let huge = "x".repeat(2 * 1024 * 1024);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let bodies: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "2 MB json",
            "application/json",
            format!("{{\"title\":\"{huge}\"}}").into_bytes(),
        ),
        (
            "malformed json",
            "application/json",
            b"{\"title\": ".to_vec(),
        ),
        (
            "invalid utf-8",
            "application/json",
            vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
        ),
        ("deeply nested", "application/json", deep.into_bytes()),
        ("array", "application/json", b"[1,2,3]".to_vec()),
        (
            "huge number",
            "application/json",
            b"{\"title\": 1e999999, \"content\": 18446744073709551616999}".to_vec(),
        ),
        (
            "nul bytes",
            "application/json",
            b"{\"title\":\"a\\u0000b\",\"content\":\"\\u0000\"}".to_vec(),
        ),
        ("wrong type", "text/plain", b"title=t&content=c".to_vec()),
        ("empty", "application/json", Vec::new()),
        (
            "2 MB form",
            "application/x-www-form-urlencoded",
            format!("title={huge}").into_bytes(),
        ),
        (
            "bad form",
            "application/x-www-form-urlencoded",
            b"%%%=&&==%zz".to_vec(),
        ),
    ];
    for route in &routes {
        for (what, content_type, body) in &bodies {
            let request = app
                .bare_client
                .request(route.method.clone(), app.url(&route.path))
                .bearer_auth(&w.admin.token)
                .header(header::CONTENT_TYPE, *content_type)
                .body(body.clone());
            let answer = send(&w.seen, &route.label(), request).await;
            let large = body.len() > 1024 * 1024;
            let ok = answer.status.as_u16() < 500
                && (!large || answer.status == StatusCode::PAYLOAD_TOO_LARGE);
            tally.case(ok, || {
                format!(
                    "{what} to {}: {} {}",
                    route.label(),
                    answer.status,
                    &answer.body[..answer.body.len().min(200)]
                )
            });
        }
        // A body that grows past the limit without declaring its length.
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            (0..40).map(|_| Ok(vec![b' '; 64 * 1024])).collect();
        let streamed = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
        let request = app
            .bare_client
            .request(route.method.clone(), app.url(&route.path))
            .bearer_auth(&w.admin.token)
            .header(header::CONTENT_TYPE, "application/json")
            .body(streamed);
        let answer = send(&w.seen, &route.label(), request).await;
        tally.case(answer.status == StatusCode::PAYLOAD_TOO_LARGE, || {
            format!(
                "chunked 2.5 MB to {}: {} {}",
                route.label(),
                answer.status,
                answer.body
            )
        });
    }
    tally.finish();
}

/// No secret in any body the suite saw, in the log, or in the bundles.
async fn check_secrets(w: &World, backend: &str, matrix: &str) {
    let mut tally = Tally::new(backend, &format!("secret exposure ({matrix})"));
    let app = &w.app;
    let (secret_key, webhook_secret): (String, String) =
        sqlx::query_as("SELECT secret_key, webhook_secret FROM clerk_dev_instance")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let mut secrets = vec![
        secret_key.clone(),
        webhook_secret.clone(),
        webhook_secret.trim_start_matches("whsec_").to_owned(),
        PRIVATE_MARKER.to_owned(),
    ];
    // Pages, scripts and the console, as a browser gets them.
    for path in [
        "/",
        "/pricing",
        "/sign-in",
        "/dashboard",
        "/settings",
        "/admin",
        "/premium",
        "/__clerk/",
        "/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js",
        "/__clerk/npm/@clerk/ui@1/dist/ui.browser.js",
    ] {
        let request = app
            .bare_client
            .get(app.url(path))
            .header(header::COOKIE, &w.admin.cookie);
        send(&w.seen, path, request).await;
    }
    let bodies = w.seen.0.lock().unwrap().clone();
    for body in &bodies {
        for secret in &secrets {
            tally.case(!body.contains(secret.as_str()), || {
                format!(
                    "a response holds a secret: {}",
                    body.lines().next().unwrap_or("")
                )
            });
        }
    }
    // The WASM bundle and its JavaScript, when the site has been built.
    let mut bundles = 0;
    if let Ok(dir) = std::fs::read_dir("target/site/pkg") {
        for entry in dir.flatten() {
            let bytes = std::fs::read(entry.path()).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            bundles += 1;
            for secret in &secrets {
                tally.case(!text.contains(secret.as_str()), || {
                    format!("{} holds a secret", entry.path().display())
                });
            }
        }
    }
    // Dev browsers and handshake nonces are credentials too: used as a
    // browser and the app's server use them (and forged), never logged.
    let dvb = common::browser::new_dev_browser(app).await;
    let back: String =
        url::form_urlencoded::byte_serialize(app.url("/dashboard").as_bytes()).collect();
    let mut nonce = String::new();
    for path in [
        format!("/__clerk/v1/client?__clerk_db_jwt={dvb}"),
        format!("/__clerk/v1/client?__clerk_db_jwt={dvb}forged"),
        format!(
            "/__clerk/v1/client/handshake?redirect_url={back}&format=nonce&__clerk_db_jwt={dvb}"
        ),
    ] {
        let res = app.bare_client.get(app.url(&path)).send().await.unwrap();
        if let Some(to) = res.headers().get(header::LOCATION) {
            let to = to.to_str().unwrap().to_owned();
            nonce = to
                .rsplit("__clerk_handshake_nonce=")
                .next()
                .unwrap()
                .to_owned();
            // The app's server redeems it, then meets it spent.
            for _ in 0..2 {
                app.bare_client
                    .get(app.url(&to))
                    .header(header::ACCEPT, "text/html")
                    .send()
                    .await
                    .unwrap();
            }
        }
    }
    assert!(!nonce.is_empty(), "the handshake answered with a nonce");
    secrets.extend([dvb, nonce]);
    // The log: no secret, and no session token either.
    let tokens: Vec<String> = bodies
        .iter()
        .filter_map(|b| b.strip_prefix("token\n"))
        .map(str::to_owned)
        .collect();
    secrets.extend(tokens);
    let log = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    // Email codes are credentials too (the world's writer signed up
    // through one). Six digits could turn up by chance inside a timestamp
    // or an id, so only a run of exactly those digits, not inside a longer
    // number or a fraction, counts.
    for code in &w.email_codes {
        let alone = log.match_indices(code.as_str()).any(|(at, _)| {
            let before = log[..at].chars().next_back();
            let after = log[at + code.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_digit() || c == '.')
                && !after.is_some_and(|c| c.is_ascii_digit())
        });
        tally.case(!alone, || format!("the log holds the email code {code}"));
    }
    for secret in &secrets {
        tally.case(!log.contains(secret.as_str()), || {
            let at = log.find(secret.as_str()).unwrap_or(0);
            format!(
                "the log holds a secret near: {}",
                &log[at.saturating_sub(120)..at]
            )
        });
    }
    report(&format!(
        "security[{backend}] secrets checked in {} responses, {bundles} bundle files and {} KB of log lines",
        bodies.len(),
        log.len() / 1024
    ));
    tally.finish();
}

/// A writer signs up through the email code, as Clerk's default asks: the
/// codes they were sent, which are credentials no log may hold
/// (`check_secrets`).
async fn email_codes(app: &TestApp) -> Vec<String> {
    let email = format!("codes.{}@example.com", std::process::id());
    common::browser::sign_up(app, &mut common::browser::Browser::default(), &email).await;
    let codes: Vec<String> = common::browser::mailbox(app, &email)
        .await
        .iter()
        .filter_map(|m| m["code"].as_str().map(str::to_owned))
        .collect();
    assert!(!codes.is_empty(), "the sign-up's code is in the mailbox");
    codes
}

async fn suite(backend: &str, main_db: TestDb, limits_db: TestDb) {
    logs();
    let mut w = world(main_db, &[]).await;
    w.email_codes = email_codes(&w.app).await;
    csrf_matrix(&w, backend).await;
    idor_matrix(&w, backend).await;
    escalation_matrix(&w, backend).await;
    open_redirect_matrix(&w, backend).await;
    path_normalisation_matrix(&w, backend).await;
    body_matrix(&w, backend).await;
    default_budget_bursts(&w, backend).await;
    check_secrets(&w, backend, "main").await;
    rate_limit_matrix(backend, limits_db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_suite_sqlite() {
    suite("sqlite", sqlite_db().await, sqlite_db().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_suite_postgres() {
    let (Some(main), Some(limits)) = (common::postgres_db().await, common::postgres_db().await)
    else {
        return;
    };
    suite("postgres", main, limits).await;
}
