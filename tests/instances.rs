//! Several app nodes, as production runs them: two server processes on
//! their own ports sharing one PostgreSQL database and one Redis, with real
//! Clerk keys (the test instance's), behind what would be a load balancer.

mod common;

use common::{Server, TestClerk};
use inkpad::clerk::{keys::WebhookSecret, verify::unix_now, webhook};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// `TEST_REDIS_URL`, or `None` (with a note) on a machine without Redis.
/// Under CI a missing Redis fails: the shared budget must be tested there.
fn redis_url() -> Option<String> {
    match std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(url) => Some(url),
        None if std::env::var_os("CI").is_some() => {
            panic!("CI is set but TEST_REDIS_URL is not: the multi-node tests must run in CI")
        }
        None => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "note: multi-node tests skipped — TEST_REDIS_URL is not set"
            );
            None
        }
    }
}

/// Two nodes on one database and one Redis.
async fn two_nodes(extra: &[(&str, &str)]) -> Option<(Server, Server, common::TestDb)> {
    let redis = redis_url()?;
    let test_db = common::postgres_db().await?;
    let clerk = TestClerk::get();
    let pem = clerk
        .env()
        .into_iter()
        .find(|(k, _)| *k == "CLERK_JWT_KEY")
        .unwrap()
        .1
        .to_owned();
    let mut env: Vec<(&str, &str)> = vec![
        ("DATABASE_URL", &test_db.url),
        ("REDIS_URL", &redis),
        ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key.as_str()),
        ("CLERK_JWT_KEY", &pem),
        ("CLERK_WEBHOOK_SIGNING_SECRET", WEBHOOK_SECRET),
    ];
    env.extend_from_slice(extra);
    let a = Server::start(&env).await;
    let b = Server::start(&env).await;
    Some((a, b, test_db))
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[tokio::test]
async fn a_session_token_works_on_every_node() {
    let Some((a, b, _db)) = two_nodes(&[]).await else {
        return;
    };
    let token = TestClerk::get().member(&format!("user_{}", unique("n")));
    let http = Client::new();
    for node in [&a, &b] {
        let res = http
            .get(node.url("/api/session"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
}

/// One budget, wherever the requests land: five premium exports per user
/// per minute in all, alternating between the nodes.
#[tokio::test]
async fn a_rate_budget_is_shared_across_nodes() {
    let Some((a, b, _db)) = two_nodes(&[("RATE_LIMIT_PREMIUM", "5/1m")]).await else {
        return;
    };
    let token = TestClerk::get().pro(&format!("user_{}", unique("rl")));
    let http = Client::new();
    let mut statuses = Vec::new();
    for i in 0..8 {
        let node = if i % 2 == 0 { &a } else { &b };
        let res = http
            .post(node.url("/api/premium/generate"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key("retry-after"));
        }
        statuses.push(res.status().as_u16());
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 200, 429, 429, 429],
        "exactly the budget, across both nodes"
    );
}

/// The same delivery reaching both nodes at the same moment is applied
/// once: one `applied`, one `duplicate`, one row.
#[tokio::test]
async fn the_same_webhook_on_both_nodes_at_once_is_applied_once() {
    let Some((a, b, test_db)) = two_nodes(&[]).await else {
        return;
    };
    let id = format!("user_{}", unique("wh"));
    let svix_id = format!("msg_{}", unique("wh"));
    let body = json!({
        "object": "event", "type": "user.created", "timestamp": 1_000,
        "data": {
            "object": "user", "id": id, "first_name": "Twice",
            "primary_email_address_id": "idn_1",
            "email_addresses": [{"id": "idn_1", "email_address": format!("{id}@example.com")}],
            "public_metadata": {}, "created_at": 1, "updated_at": 1_000
        }
    })
    .to_string();
    let secret: WebhookSecret = WEBHOOK_SECRET.parse().unwrap();
    let ts = unix_now();
    let signature = webhook::sign(&secret, &svix_id, ts, &body);
    let http = Client::new();
    let deliver = |node: &Server| {
        http.post(node.url("/api/webhooks/clerk"))
            .header("svix-id", &svix_id)
            .header("svix-timestamp", ts.to_string())
            .header("svix-signature", &signature)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
    };
    let (ra, rb) = tokio::join!(deliver(&a), deliver(&b));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!((ra.status(), rb.status()), (StatusCode::OK, StatusCode::OK));
    let mut outcomes = vec![
        ra.json::<Value>().await.unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned(),
        rb.json::<Value>().await.unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned(),
    ];
    outcomes.sort();
    assert_eq!(outcomes, ["applied", "duplicate"]);
    let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE id = $1")
        .bind(&id)
        .fetch_one(test_db.db.pool())
        .await
        .unwrap();
    let (receipts,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM webhook_receipts WHERE svix_id = $1")
            .bind(&svix_id)
            .fetch_one(test_db.db.pool())
            .await
            .unwrap();
    assert_eq!((users, receipts), (1, 1));
}

/// Redis down: the premium budget (fail closed) refuses with 503, reads
/// (fail open) go through; never a 500.
#[tokio::test]
async fn with_redis_down_money_fails_closed_and_reads_open() {
    if redis_url().is_none() {
        return;
    }
    let Some(test_db) = common::postgres_db().await else {
        return;
    };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("redis://{}", closed.local_addr().unwrap());
    drop(closed);
    let clerk = TestClerk::get();
    let pem = clerk
        .env()
        .into_iter()
        .find(|(k, _)| *k == "CLERK_JWT_KEY")
        .unwrap()
        .1
        .to_owned();
    let node = Server::start(&[
        ("DATABASE_URL", &test_db.url),
        ("REDIS_URL", &dead),
        ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key.as_str()),
        ("CLERK_JWT_KEY", &pem),
    ])
    .await;
    let token = clerk.pro(&format!("user_{}", unique("down")));
    let http = Client::new();
    let premium = http
        .post(node.url("/api/premium/generate"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(premium.status(), 503);
    assert_eq!(
        premium.json::<Value>().await.unwrap()["error"],
        "Service unavailable"
    );
    let read = http
        .get(node.url("/api/protected/posts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
}
