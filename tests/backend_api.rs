//! The Backend API client against a fake Clerk on 127.0.0.1 that records
//! what it receives: paths, query strings, bodies, headers, retries.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    Router,
};
use inkpad::clerk::backend::{
    BackendApi, BackendError, ListUsers, MetadataUpdate, RetryPolicy, UserUpdate,
};
use serde_json::{json, Value};
use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

const SECRET: &str = "sk_test_fakeclerkfakeclerk";

#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    query: String,
    body: Value,
    headers: HeaderMap,
}

/// Status, extra headers and body of one scripted answer.
type Scripted = (u16, Vec<(&'static str, &'static str)>, Value);

#[derive(Default)]
struct Fake {
    seen: Vec<Seen>,
    /// Scripted answers, first in first out; when empty, 200 with `default`.
    script: VecDeque<Scripted>,
    default: Value,
}

type Shared = Arc<Mutex<Fake>>;

async fn handle(
    State(fake): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut f = fake.lock().unwrap();
    f.seen.push(Seen {
        method,
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or_default().to_owned(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        headers: headers.clone(),
    });
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {SECRET}"))
    {
        let body =
            json!({"errors": [{"code": "authentication_invalid", "message": "Unauthenticated"}]});
        return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    }
    let (status, extra_headers, body) =
        f.script
            .pop_front()
            .unwrap_or((200, vec![], f.default.clone()));
    let mut response = (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response();
    for (k, v) in extra_headers {
        response.headers_mut().insert(k, v.parse().unwrap());
    }
    response
}

async fn fake_clerk(default: Value) -> (String, Shared) {
    let shared = Arc::new(Mutex::new(Fake {
        default,
        ..Default::default()
    }));
    let app = Router::new().fallback(handle).with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, shared)
}

fn client(url: &str) -> BackendApi {
    BackendApi::new(reqwest::Client::new(), url, SECRET).with_retry(RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(2),
    })
}

fn user_json(id: &str) -> Value {
    json!({
        "id": id, "object": "user", "username": null, "first_name": "Ada", "last_name": "Lovelace",
        "image_url": "https://img.example/ada.png", "has_image": true,
        "primary_email_address_id": "idn_2",
        "email_addresses": [
            {"id": "idn_1", "object": "email_address", "email_address": "old@example.com",
             "verification": null, "linked_to": []},
            {"id": "idn_2", "object": "email_address", "email_address": "ada@example.com",
             "verification": {"status": "verified", "strategy": "email_code"}, "linked_to": []}
        ],
        "public_metadata": {"role": "admin", "plan": "pro"},
        "private_metadata": {"stripe_customer": "cus_PRIVATE"},
        "unsafe_metadata": {}, "external_id": null, "banned": false, "locked": false,
        "password_enabled": true, "two_factor_enabled": false,
        "last_sign_in_at": 1_700_000_000_000i64, "last_active_at": null,
        "created_at": 1_690_000_000_000i64, "updated_at": 1_700_000_000_000i64,
        "a_field_from_the_future": {"nested": true}
    })
}

#[tokio::test]
async fn get_user_reads_the_user_object_and_sends_version_and_key() {
    let (url, fake) = fake_clerk(user_json("user_1")).await;
    let user = client(&url).get_user("user_1").await.unwrap();
    assert_eq!(user.primary_email(), Some("ada@example.com"));
    assert_eq!(user.created_at, 1_690_000_000_000);

    let profile = serde_json::to_value(inkpad::clerk::metadata::public_profile(&user)).unwrap();
    assert_eq!(
        profile,
        json!({"id": "user_1", "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace",
               "image_url": "https://img.example/ada.png", "role": "admin", "plan": "pro"})
    );
    assert!(!profile.to_string().contains("cus_PRIVATE"));

    let seen = fake.lock().unwrap().seen[0].clone();
    assert_eq!(
        (seen.method, seen.path.as_str()),
        (Method::GET, "/v1/users/user_1")
    );
    assert_eq!(seen.headers["clerk-api-version"], "2026-05-12");
}

#[tokio::test]
async fn list_users_pages_and_filters() {
    let (url, fake) = fake_clerk(json!([user_json("user_1"), user_json("user_2")])).await;
    let filter = ListUsers {
        limit: Some(2),
        offset: Some(4),
        order_by: Some("-created_at".into()),
        email_address: vec!["a@x.io".into(), "b@x.io".into()],
        query: Some("ada love".into()),
    };
    let users = client(&url).list_users(&filter).await.unwrap();
    assert_eq!(
        users.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        ["user_1", "user_2"]
    );
    let seen = fake.lock().unwrap().seen[0].clone();
    assert_eq!(seen.path, "/v1/users");
    assert_eq!(
        seen.query,
        "limit=2&offset=4&order_by=-created_at&email_address=a%40x.io&email_address=b%40x.io&query=ada+love"
    );
}

#[tokio::test]
async fn count_reads_total_count() {
    let (url, fake) = fake_clerk(json!({"object": "total_count", "total_count": 42})).await;
    assert_eq!(client(&url).count_users(Some("ada")).await.unwrap(), 42);
    let seen = fake.lock().unwrap().seen[0].clone();
    assert_eq!(
        (seen.path.as_str(), seen.query.as_str()),
        ("/v1/users/count", "query=ada")
    );
}

#[tokio::test]
async fn metadata_updates_send_only_what_changes() {
    let (url, fake) = fake_clerk(user_json("user_1")).await;
    let update = MetadataUpdate {
        public_metadata: Some(json!({"plan": "pro", "legacy_flag": null})),
        ..Default::default()
    };
    client(&url)
        .update_user_metadata("user_1", &update)
        .await
        .unwrap();
    let seen = fake.lock().unwrap().seen[0].clone();
    assert_eq!(
        (seen.method, seen.path.as_str()),
        (Method::PATCH, "/v1/users/user_1/metadata")
    );
    // Deep merge on Clerk's side: only public_metadata is sent, null deletes a key.
    assert_eq!(
        seen.body,
        json!({"public_metadata": {"plan": "pro", "legacy_flag": null}})
    );
}

#[tokio::test]
async fn user_update_delete_and_session_revoke_use_the_right_calls() {
    let (url, fake) = fake_clerk(user_json("user_1")).await;
    let api = client(&url);
    api.update_user(
        "user_1",
        &UserUpdate {
            first_name: Some("Augusta".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    fake.lock().unwrap().default = json!({"id": "user_1", "object": "user", "deleted": true});
    assert!(api.delete_user("user_1").await.unwrap().deleted);
    fake.lock().unwrap().default = json!({
        "id": "sess_1", "object": "session", "user_id": "user_1", "client_id": "client_1",
        "status": "revoked", "last_active_at": 1, "expire_at": 2, "created_at": 0, "updated_at": 3
    });
    assert_eq!(
        api.revoke_session("sess_1").await.unwrap().status,
        "revoked"
    );

    let seen = fake.lock().unwrap().seen.clone();
    let calls: Vec<_> = seen
        .iter()
        .map(|s| (s.method.clone(), s.path.as_str()))
        .collect();
    assert_eq!(
        calls,
        [
            (Method::PATCH, "/v1/users/user_1"),
            (Method::DELETE, "/v1/users/user_1"),
            (Method::POST, "/v1/sessions/sess_1/revoke"),
        ]
    );
    assert_eq!(seen[0].body, json!({"first_name": "Augusta"}));
}

#[tokio::test]
async fn rate_limits_are_retried_after_the_time_clerk_asks_for() {
    let (url, fake) = fake_clerk(user_json("user_1")).await;
    let busy = json!({"errors": [{"code": "too_many_requests", "message": "Too many requests"}]});
    fake.lock()
        .unwrap()
        .script
        .push_back((429, vec![("retry-after", "1")], busy));
    let started = Instant::now();
    client(&url)
        .get_user("user_1")
        .await
        .expect("succeeds on the retry");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(fake.lock().unwrap().seen.len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_with_back_off_then_reported() {
    let (url, fake) = fake_clerk(user_json("user_1")).await;
    for _ in 0..2 {
        fake.lock()
            .unwrap()
            .script
            .push_back((503, vec![], json!({"errors": []})));
    }
    client(&url)
        .get_user("user_1")
        .await
        .expect("third try works");
    assert_eq!(fake.lock().unwrap().seen.len(), 3);

    for _ in 0..4 {
        fake.lock()
            .unwrap()
            .script
            .push_back((502, vec![], json!({"errors": []})));
    }
    let err = client(&url).get_user("user_1").await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(
        fake.lock().unwrap().seen.len(),
        3 + 4,
        "one try and three retries"
    );
}

#[tokio::test]
async fn client_errors_are_parsed_and_not_retried() {
    let (url, fake) = fake_clerk(user_json("user_1")).await;
    let invalid = json!({"errors": [{
        "code": "form_param_format_invalid", "message": "is invalid",
        "long_message": "first_name must be at most 256 characters", "meta": {"param_name": "first_name"}
    }]});
    fake.lock()
        .unwrap()
        .script
        .push_back((422, vec![], invalid));
    let err = client(&url)
        .update_user("user_1", &UserUpdate::default())
        .await
        .unwrap_err();
    match &err {
        BackendError::Api {
            status: 422,
            errors,
        } => {
            assert_eq!(errors[0].code, "form_param_format_invalid");
            assert_eq!(
                errors[0].long_message.as_deref(),
                Some("first_name must be at most 256 characters")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(fake.lock().unwrap().seen.len(), 1);

    let wrong_key = BackendApi::new(reqwest::Client::new(), &url, "sk_test_wrongwrongwrongwrong");
    let err = wrong_key.get_user("user_1").await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(
        !err.to_string().contains("sk_test"),
        "the key never appears in errors: {err}"
    );
}

#[tokio::test]
async fn unreachable_clerk_is_unavailable_and_bad_ids_never_leave() {
    let api = client("http://127.0.0.1:9");
    assert!(matches!(
        api.get_user("user_1").await.unwrap_err(),
        BackendError::Unavailable(_)
    ));
    let (url, fake) = fake_clerk(user_json("user_1")).await;
    assert_eq!(
        client(&url).get_user("../jwks").await.unwrap_err(),
        BackendError::InvalidId
    );
    assert!(fake.lock().unwrap().seen.is_empty());
}
