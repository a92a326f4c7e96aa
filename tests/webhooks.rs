//! `POST /api/webhooks/clerk` over real HTTP: Svix signatures, idempotency by
//! `svix-id`, event order, the deletion cascade, failures retried exactly
//! once, and the development instance's deliveries reaching the users table.

mod common;

use common::{eventually, sqlite_db, stub_clerk::StubBackendApi, TestApp, TestClerk, TestDb};
use inkpad::{
    clerk::{keys::WebhookSecret, verify::unix_now, webhook},
    db::{posts, users},
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The official Svix test vector (../shared/clerk-protocol.md).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn spawn(test_db: TestDb) -> TestApp {
    let mut env = TestClerk::get().env();
    env.push(("CLERK_WEBHOOK_SIGNING_SECRET", SECRET));
    TestApp::spawn_with(test_db, &env).await
}

/// Delivers `body` as Svix would: signed now, with `id`.
async fn deliver(app: &TestApp, id: &str, body: &str) -> (StatusCode, Value) {
    let secret: WebhookSecret = SECRET.parse().unwrap();
    let ts = unix_now();
    let res = app
        .request(Method::POST, "/api/webhooks/clerk", None)
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

fn user_event(kind: &str, id: &str, email: &str, first_name: &str, timestamp: i64) -> String {
    json!({
        "object": "event", "type": kind, "timestamp": timestamp,
        "instance_id": "ins_test",
        "data": {
            "object": "user", "id": id, "first_name": first_name, "last_name": "Lovelace",
            "image_url": "https://img.example/a.png",
            "primary_email_address_id": "idn_primary",
            "email_addresses": [
                {"id": "idn_other", "email_address": "other@example.com"},
                {"id": "idn_primary", "email_address": email}
            ],
            "public_metadata": {"role": "admin", "plan": "pro"},
            "private_metadata": {"secret": "never stored"},
            "created_at": 1, "updated_at": timestamp
        }
    })
    .to_string()
}

fn deleted_event(id: &str, timestamp: i64) -> String {
    json!({"object": "event", "type": "user.deleted", "timestamp": timestamp,
           "data": {"object": "user", "id": id, "deleted": true}})
    .to_string()
}

async fn receipts(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM webhook_receipts")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    n
}

async fn unsigned_or_badly_signed_deliveries_are_400_and_write_nothing(test_db: TestDb) {
    let app = spawn(test_db).await;
    let body = user_event("user.created", "user_1", "ada@example.com", "Ada", 100);
    let ts = unix_now().to_string();
    let secret: WebhookSecret = SECRET.parse().unwrap();
    let good = webhook::sign(&secret, "msg_1", unix_now(), &body);
    let other: WebhookSecret = "whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldA==".parse().unwrap();
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("no headers", vec![]),
        (
            "no signature",
            vec![("svix-id", "msg_1".into()), ("svix-timestamp", ts.clone())],
        ),
        (
            "another secret",
            vec![
                ("svix-id", "msg_1".into()),
                ("svix-timestamp", ts.clone()),
                (
                    "svix-signature",
                    webhook::sign(&other, "msg_1", unix_now(), &body),
                ),
            ],
        ),
        (
            "another id",
            vec![
                ("svix-id", "msg_2".into()),
                ("svix-timestamp", ts.clone()),
                ("svix-signature", good.clone()),
            ],
        ),
        (
            "ten minutes old",
            vec![
                ("svix-id", "msg_1".into()),
                ("svix-timestamp", (unix_now() - 600).to_string()),
                (
                    "svix-signature",
                    webhook::sign(&secret, "msg_1", unix_now() - 600, &body),
                ),
            ],
        ),
    ];
    for (case, headers) in cases {
        let mut req = app
            .request(Method::POST, "/api/webhooks/clerk", None)
            .body(body.clone());
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 400, "{case}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"], "Bad request", "{case}");
    }

    // The official vector's own delivery is signed correctly but from 2021.
    let res = app
        .request(Method::POST, "/api/webhooks/clerk", None)
        .header("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
        .header("svix-timestamp", "1614265330")
        .header(
            "svix-signature",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        )
        .body(r#"{"test": 2432232314}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("tolerance"));

    // A correctly signed body that is not an event is still a 400.
    let (status, _) = deliver(&app, "msg_bad_json", "{\"type\": \"user.created\", ").await;
    assert_eq!(status, 400);
    let (status, _) = deliver(
        &app,
        "msg_no_data",
        r#"{"type": "user.created", "timestamp": 5, "data": {"first_name": "x"}}"#,
    )
    .await;
    assert_eq!(status, 400);

    assert!(users::get_any(&app.db, "user_1").await.unwrap().is_none());
    assert_eq!(receipts(&app).await, 0, "nothing written");
}

async fn users_are_synced_once_and_in_order(test_db: TestDb) {
    let app = spawn(test_db).await;

    let (status, res) = deliver(
        &app,
        "msg_created",
        &user_event("user.created", "user_1", "ada@example.com", "Ada", 100),
    )
    .await;
    assert_eq!(
        (status.as_u16(), &res),
        (200, &json!({"status": "applied"}))
    );
    let user = users::get(&app.db, "user_1").await.unwrap().unwrap();
    assert_eq!(
        user.email.as_deref(),
        Some("ada@example.com"),
        "the primary address"
    );
    assert_eq!(
        (
            user.first_name.as_deref(),
            user.role.as_str(),
            user.plan.as_str()
        ),
        (Some("Ada"), "admin", "pro")
    );
    assert_eq!(user.last_event_at, Some(100));

    // A redelivery is acknowledged and changes nothing, whatever it says.
    let (status, res) = deliver(
        &app,
        "msg_created",
        &user_event("user.created", "user_1", "x@example.com", "X", 150),
    )
    .await;
    assert_eq!(
        (status.as_u16(), &res),
        (200, &json!({"status": "duplicate"}))
    );
    assert_eq!(users::get(&app.db, "user_1").await.unwrap().unwrap(), user);

    // Out of order: the newer update lands first, the older one then changes nothing.
    let (_, res) = deliver(
        &app,
        "msg_newer",
        &user_event("user.updated", "user_1", "ada@new.example", "Augusta", 300),
    )
    .await;
    assert_eq!(res["status"], "applied");
    let (status, res) = deliver(
        &app,
        "msg_older",
        &user_event("user.updated", "user_1", "ada@old.example", "Old", 200),
    )
    .await;
    assert_eq!(
        (status.as_u16(), res["status"].as_str()),
        (200, Some("stale"))
    );
    let user = users::get(&app.db, "user_1").await.unwrap().unwrap();
    assert_eq!(
        (user.email.as_deref(), user.first_name.as_deref()),
        (Some("ada@new.example"), Some("Augusta"))
    );

    // Types the app does not use are acknowledged and ignored.
    let (status, res) = deliver(
        &app,
        "msg_email",
        r#"{"type": "email.created", "timestamp": 1, "data": {"id": "ema_1"}}"#,
    )
    .await;
    assert_eq!(
        (status.as_u16(), res["status"].as_str()),
        (200, Some("ignored"))
    );

    // Session events go to the audit trail, once each.
    let session = |kind: &str| {
        json!({"type": kind, "timestamp": 400, "object": "event",
               "data": {"object": "session", "id": "sess_9", "user_id": "user_1", "client_id": "client_1",
                        "status": "active", "created_at": 1, "updated_at": 1}})
        .to_string()
    };
    deliver(&app, "msg_s1", &session("session.created")).await;
    deliver(&app, "msg_s1", &session("session.created")).await;
    deliver(&app, "msg_s2", &session("session.revoked")).await;
    let trail: Vec<(String, String, String)> =
        sqlx::query_as("SELECT subject_id, action, detail FROM audit_log ORDER BY id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    let expected = |a: &str| ("user_1".to_owned(), a.to_owned(), "sess_9".to_owned());
    assert_eq!(
        trail,
        [expected("session.created"), expected("session.revoked")]
    );
}

async fn deleting_a_user_removes_them_and_their_posts(test_db: TestDb) {
    let app = spawn(test_db).await;
    deliver(
        &app,
        "msg_a",
        &user_event("user.created", "user_gone", "gone@example.com", "Gone", 100),
    )
    .await;
    deliver(
        &app,
        "msg_b",
        &user_event(
            "user.created",
            "user_stays",
            "stays@example.com",
            "Stays",
            100,
        ),
    )
    .await;
    posts::create(&app.db, "user_gone", None, "mine", "text")
        .await
        .unwrap();
    posts::create(&app.db, "user_gone", None, "mine too", "text")
        .await
        .unwrap();
    let kept = posts::create(&app.db, "user_stays", None, "theirs", "text")
        .await
        .unwrap();

    let (status, res) = deliver(&app, "msg_del", &deleted_event("user_gone", 200)).await;
    assert_eq!(
        (status.as_u16(), res["status"].as_str()),
        (200, Some("applied"))
    );
    assert!(users::get(&app.db, "user_gone").await.unwrap().is_none());
    assert_eq!(
        posts::count_by_author(&app.db, "user_gone").await.unwrap(),
        0
    );
    let tombstone = users::get_any(&app.db, "user_gone").await.unwrap().unwrap();
    assert_eq!(
        (tombstone.email, tombstone.first_name),
        (None, None),
        "no personal data left"
    );
    assert_eq!(posts::get(&app.db, kept.id).await.unwrap(), Some(kept));

    // A late update cannot bring them back, nor can their last token post.
    let (_, res) = deliver(
        &app,
        "msg_late",
        &user_event("user.updated", "user_gone", "gone@example.com", "Gone", 150),
    )
    .await;
    assert_eq!(res["status"], "stale");
    assert!(users::get(&app.db, "user_gone").await.unwrap().is_none());
    let token = TestClerk::get().member("user_gone");
    let res = app
        .request(Method::POST, "/api/protected/posts", Some(&token))
        .json(&json!({"title": "ghost", "content": "boo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        posts::count_by_author(&app.db, "user_gone").await.unwrap(),
        0
    );
}

async fn a_failed_apply_is_retried_and_applied_exactly_once(test_db: TestDb) {
    let app = spawn(test_db).await;
    deliver(
        &app,
        "msg_first",
        &user_event("user.created", "user_1", "ada@example.com", "Ada", 100),
    )
    .await;
    let update = user_event("user.updated", "user_1", "ada@example.com", "Augusta", 200);

    // The users table is unreachable: the receipt rolls back with the change.
    sqlx::query("ALTER TABLE users RENAME TO users_away")
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, res) = deliver(&app, "msg_retry", &update).await;
    assert!(status.is_server_error(), "{status} {res}");
    assert!(
        res["message"]
            .as_str()
            .is_some_and(|m| !m.contains("users_away")),
        "{res}"
    );
    sqlx::query("ALTER TABLE users_away RENAME TO users")
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(receipts(&app).await, 1, "only the first delivery's receipt");
    assert_eq!(
        users::get(&app.db, "user_1")
            .await
            .unwrap()
            .unwrap()
            .first_name
            .as_deref(),
        Some("Ada")
    );

    // Svix retries: applied now, and only now.
    let (_, res) = deliver(&app, "msg_retry", &update).await;
    assert_eq!(res["status"], "applied");
    let (_, res) = deliver(&app, "msg_retry", &update).await;
    assert_eq!(res["status"], "duplicate");
    assert_eq!(
        users::get(&app.db, "user_1")
            .await
            .unwrap()
            .unwrap()
            .first_name
            .as_deref(),
        Some("Augusta")
    );
    assert_eq!(receipts(&app).await, 2);
}

/// The admin's audit entries as (actor, action, detail, status).
async fn audit_changes(app: &TestApp, admin: &str) -> Vec<(String, String, String, String)> {
    let res = app
        .request(Method::GET, "/api/admin/audit", Some(admin))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let log: Value = res.json().await.unwrap();
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().ends_with(".changed"))
        .map(|e| {
            let field = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (
                field("actor_id"),
                field("action"),
                field("detail"),
                field("status"),
            )
        })
        .collect()
}

async fn a_change_clerk_accepted_stays_in_the_log_when_the_local_write_fails(test_db: TestDb) {
    let clerk = StubBackendApi::with_member().await;
    let mut env = clerk.env();
    env.push(("CLERK_WEBHOOK_SIGNING_SECRET", SECRET));
    let app = TestApp::spawn_with(test_db, &env).await;
    let admin = TestClerk::get().admin("user_admin");

    // The local write fails after Clerk accepted the change.
    sqlx::query("ALTER TABLE users RENAME TO users_away")
        .execute(app.db.pool())
        .await
        .unwrap();
    let res = app
        .request(
            Method::POST,
            "/api/admin/users/user_target/plan",
            Some(&admin),
        )
        .json(&json!({"plan": "pro"}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_server_error(), "{}", res.status());
    sqlx::query("ALTER TABLE users_away RENAME TO users")
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(clerk.updates(), 1);
    assert_eq!(clerk.user()["public_metadata"]["plan"], "pro");

    // The change is in the log, awaiting confirmation...
    let requested = (
        "user_admin".to_owned(),
        "plan.changed".to_owned(),
        "free → pro".to_owned(),
        "requested".to_owned(),
    );
    assert_eq!(
        audit_changes(&app, &admin).await,
        std::slice::from_ref(&requested)
    );

    // ...which Clerk's user.updated webhook brings, with the change itself.
    let event = json!({
        "object": "event", "type": "user.updated", "timestamp": 2000, "data": clerk.user()
    });
    let (status, res) = deliver(&app, "msg_settle", &event.to_string()).await;
    assert_eq!(
        (status.as_u16(), res["status"].as_str()),
        (200, Some("applied"))
    );
    let done = (requested.0, requested.1, requested.2, "done".to_owned());
    assert_eq!(audit_changes(&app, &admin).await, [done]);
    let user = users::get(&app.db, "user_target").await.unwrap().unwrap();
    assert_eq!(user.plan.as_str(), "pro");
}

on_both_backends!(
    unsigned_or_badly_signed_deliveries_are_400_and_write_nothing,
    users_are_synced_once_and_in_order,
    deleting_a_user_removes_them_and_their_posts,
    a_failed_apply_is_retried_and_applied_exactly_once,
    a_change_clerk_accepted_stays_in_the_log_when_the_local_write_fails,
);

#[tokio::test]
async fn without_a_signing_secret_deliveries_wait_with_a_503() {
    let app = TestApp::spawn_with(sqlite_db().await, &TestClerk::get().env()).await;
    let (status, res) = deliver(&app, "msg_1", &deleted_event("user_1", 1)).await;
    assert_eq!(
        (status.as_u16(), res["error"].as_str()),
        (503, Some("Service unavailable"))
    );
}

#[tokio::test]
async fn a_sign_up_on_the_development_instance_reaches_the_users_table_within_seconds() {
    let app = TestApp::spawn().await;
    common::browser::sign_up_with(
        &app,
        &mut common::browser::Browser::default(),
        json!({"email_address": "newcomer@example.com", "password": "correct horse battery",
               "first_name": "New", "last_name": "Comer"}),
    )
    .await;
    let started = std::time::Instant::now();
    let user = eventually("the user.created webhook", 10, || async {
        users::page(&app.db, Some("newcomer@example.com"), 1, 0)
            .await
            .unwrap()
            .0
            .pop()
    })
    .await;
    assert_eq!(
        (
            user.first_name.as_deref(),
            user.role.as_str(),
            user.plan.as_str()
        ),
        (Some("New"), "member", "free")
    );
    assert!(user.id.starts_with("user_"));
    eprintln!("synced by webhook in {} ms", started.elapsed().as_millis());

    // Delivered through the signed endpoint, recorded once.
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM webhook_receipts WHERE event_type = 'user.created'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert!(n >= 1);
}
