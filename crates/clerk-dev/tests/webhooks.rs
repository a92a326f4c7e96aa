//! The instance's webhooks: queued with every change, signed with its
//! `whsec_` secret, retried until the endpoint answers 2xx, in order per
//! user, and never lost across restarts. (That an app hears of a sign-up
//! made through the frontend API is the app's test, `tests/devclerk_webhooks.rs`.)

use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post, Router};
use clerk_dev::{
    store::{self, NewUser},
    webhooks::{attempts, Deliverer, RetrySchedule},
    Db, DemoOrganization, DemoUser, DevInstance, Settings,
};
use clerk_protocol::{
    keys::WebhookSecret,
    verify::unix_now,
    webhook::{verify, SvixHeaders},
};
use serde_json::{json, Value};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

#[derive(Default)]
struct Receiver {
    /// (svix-id, type, body) of every delivery, in arrival order.
    received: Vec<(String, String, Value)>,
    /// Statuses for the first event seen, one per delivery of it; then 200.
    first_event_answers: Vec<u16>,
    first_event: Option<String>,
    /// Subjects whose events always fail.
    failing_subjects: Vec<String>,
}

type Shared = Arc<Mutex<Receiver>>;

/// A webhook endpoint on 127.0.0.1 that checks each signature with `secret`.
async fn receiver(secret: WebhookSecret) -> (String, Shared) {
    let shared: Shared = Arc::default();
    let secret = Arc::new(secret);
    let app = Router::new()
        .route(
            "/hook",
            post(
                move |State(state): State<Shared>, headers: HeaderMap, body: Bytes| {
                    let secret = secret.clone();
                    async move {
                        let svix = SvixHeaders::from_headers(&headers).expect("svix headers");
                        verify(&secret, &svix, &body, unix_now()).expect("valid signature");
                        let event: Value = serde_json::from_slice(&body).unwrap();
                        let subject = event["data"]["user_id"]
                            .as_str()
                            .or(event["data"]["id"].as_str())
                            .unwrap_or_default()
                            .to_owned();
                        let mut s = state.lock().unwrap();
                        let first = s.first_event.get_or_insert_with(|| svix.id.clone()).clone();
                        let is_first = svix.id == first;
                        s.received.push((
                            svix.id,
                            event["type"].as_str().unwrap().to_owned(),
                            event,
                        ));
                        if s.failing_subjects.contains(&subject) {
                            return StatusCode::INTERNAL_SERVER_ERROR;
                        }
                        let status = if is_first && !s.first_event_answers.is_empty() {
                            s.first_event_answers.remove(0)
                        } else {
                            200
                        };
                        StatusCode::from_u16(status).unwrap()
                    }
                },
            ),
        )
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, shared)
}

fn fast() -> RetrySchedule {
    RetrySchedule(vec![Duration::from_millis(20)])
}

/// A new instance in a temporary SQLite file: three demo users and one
/// organization (an admin who made it, and a member).
async fn instance() -> (Db, DevInstance, tempfile::TempDir) {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("dev.db").display());
    let db = Db::new(sqlx::AnyPool::connect(&url).await.unwrap()).unwrap();
    let user = |email: &str| DemoUser {
        email: email.into(),
        password: "a long development password".into(),
        first_name: "Demo".into(),
        last_name: "User".into(),
        public_metadata: vec![("tier".into(), "basic".into())],
    };
    let settings = Settings {
        app_name: "Notes".into(),
        demo_users: vec![
            user("ann@notes.test"),
            user("bob@notes.test"),
            user("cat@notes.test"),
        ],
        demo_organizations: vec![DemoOrganization {
            name: "Team".into(),
            slug: "team".into(),
            members: vec![
                ("ann@notes.test".into(), "org:admin".into()),
                ("bob@notes.test".into(), "org:member".into()),
            ],
        }],
        ..Settings::default()
    };
    let dev = DevInstance::load_or_create(&db, "127.0.0.1:3000".parse().unwrap(), settings)
        .await
        .unwrap();
    (db, dev, dir)
}

fn types(r: &Shared) -> Vec<String> {
    r.lock()
        .unwrap()
        .received
        .iter()
        .map(|(_, t, _)| t.clone())
        .collect()
}

/// Runs delivery passes until nothing is due or `limit` passes are done.
async fn drain(deliverer: &Deliverer, passes: usize) {
    for _ in 0..passes {
        deliverer.deliver_due().await.unwrap();
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_until_it_answers_then_never_again() {
    let (db, dev, _dir) = instance().await;
    let (url, received) = receiver(dev.webhook_secret().unwrap()).await;
    // A new instance seeds three demo users and one organization:
    // three user.created events, organization.created and two
    // organizationMembership.created. The first one fails twice before it
    // is accepted.
    received.lock().unwrap().first_event_answers = vec![500, 503];
    let deliverer = Deliverer::new(
        db.clone(),
        reqwest::Client::new(),
        url,
        dev.webhook_secret().unwrap(),
        fast(),
    );
    drain(&deliverer, 20).await;

    let got = received.lock().unwrap().received.clone();
    let first_id = &got[0].0;
    let tries_of_first = got.iter().filter(|(id, _, _)| id == first_id).count();
    assert_eq!(tries_of_first, 3, "two failures, then success");
    let ids: Vec<_> = got.iter().map(|(id, _, _)| id.clone()).collect();
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        6,
        "every event delivered, once it succeeded: {ids:?}"
    );
    assert_eq!(got.len(), 8);
    let recorded = attempts(&db, first_id).await.unwrap();
    let statuses: Vec<_> = recorded.iter().rev().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(503), Some(200)]);
}

#[tokio::test]
async fn undelivered_events_survive_a_restart_and_are_delivered_once() {
    let (db, dev, _dir) = instance().await;
    // Before the "restart": the endpoint is down.
    let down = Deliverer::new(
        db.clone(),
        reqwest::Client::new(),
        "http://127.0.0.1:9/hook".into(),
        dev.webhook_secret().unwrap(),
        fast(),
    );
    drain(&down, 6).await;
    let (pending,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM clerk_dev_webhook_events WHERE delivered_at IS NULL")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(pending, 6);
    let (failed_attempts,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM clerk_dev_webhook_attempts WHERE status IS NULL")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert!(failed_attempts >= 3, "connection failures are recorded");

    // After: a new deliverer (as after a restart) finds them in the outbox.
    let (url, received) = receiver(dev.webhook_secret().unwrap()).await;
    let up = Deliverer::new(
        db.clone(),
        reqwest::Client::new(),
        url,
        dev.webhook_secret().unwrap(),
        fast(),
    );
    drain(&up, 10).await;
    assert_eq!(
        types(&received),
        [
            "user.created",
            "user.created",
            "user.created",
            "organization.created",
            "organizationMembership.created",
            "organizationMembership.created"
        ]
    );
}

#[tokio::test]
async fn events_go_out_in_order_per_user_and_one_stuck_user_does_not_block_others() {
    let (db, dev, _dir) = instance().await;
    let (url, received) = receiver(dev.webhook_secret().unwrap()).await;
    let deliverer = Deliverer::new(
        db.clone(),
        reqwest::Client::new(),
        url,
        dev.webhook_secret().unwrap(),
        fast(),
    );
    drain(&deliverer, 6).await; // the demo users and their organization
    received.lock().unwrap().received.clear();

    let stuck = store::create_user(
        &db,
        NewUser {
            email: "stuck@example.com".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let fine = store::create_user(
        &db,
        NewUser {
            email: "fine@example.com".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    store::update_user(
        &db,
        &stuck.id,
        &store::UserChanges {
            first_name: Some("S".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    store::update_user(
        &db,
        &fine.id,
        &store::UserChanges {
            first_name: Some("F".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    received
        .lock()
        .unwrap()
        .failing_subjects
        .push(stuck.id.clone());
    drain(&deliverer, 8).await;

    let got = received.lock().unwrap().received.clone();
    let of = |id: &str| -> Vec<String> {
        got.iter()
            .filter(|(_, _, e)| e["data"]["id"] == id)
            .map(|(_, t, _)| t.clone())
            .collect()
    };
    assert_eq!(of(&fine.id), ["user.created", "user.updated"], "in order");
    let stuck_types = of(&stuck.id);
    assert!(
        !stuck_types.is_empty() && stuck_types.iter().all(|t| t == "user.created"),
        "{stuck_types:?}"
    );
}

#[tokio::test]
async fn metadata_changes_deletions_and_revocations_are_all_reported() {
    let (db, dev, _dir) = instance().await;
    let (url, received) = receiver(dev.webhook_secret().unwrap()).await;
    let deliverer = Deliverer::new(
        db.clone(),
        reqwest::Client::new(),
        url,
        dev.webhook_secret().unwrap(),
        fast(),
    );
    let user = store::find_by_email(&db, "cat@notes.test")
        .await
        .unwrap()
        .unwrap();
    let patch = store::MetadataPatch {
        public_metadata: Some(json!({"tier": "pro"}).as_object().unwrap().clone()),
        ..Default::default()
    };
    store::merge_metadata(&db, &user.id, &patch).await.unwrap();
    let session = store::create_session(&db, &user.id, "client_x", &Default::default())
        .await
        .unwrap();
    store::revoke_session(&db, session["id"].as_str().unwrap())
        .await
        .unwrap();
    store::delete_user(&db, &user.id).await.unwrap();
    drain(&deliverer, 12).await;

    let got = received.lock().unwrap().received.clone();
    let mine: Vec<_> = got
        .iter()
        .filter(|(_, _, e)| {
            e["data"]["id"] == user.id.as_str() || e["data"]["user_id"] == user.id.as_str()
        })
        .map(|(_, t, e)| (t.clone(), e.clone()))
        .collect();
    let kinds: Vec<_> = mine.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "user.created",
            "user.updated",
            "session.created",
            "session.revoked",
            "user.deleted"
        ]
    );
    assert_eq!(mine[1].1["data"]["public_metadata"]["tier"], "pro");
    assert_eq!(
        mine[4].1["data"],
        json!({"object": "user", "id": user.id, "deleted": true})
    );
}
