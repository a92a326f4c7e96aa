//! The Backend API and the JWKS, driven by `clerk-protocol`'s own Backend
//! API client, so each side of the protocol checks the other: the secret
//! key on every call, demo users seeded with real password hashes, paging,
//! filters and counts, metadata merged as Clerk merges it, updates,
//! deletions and revoked sessions.

mod common;

use clerk_dev::store;
use clerk_protocol::backend::{
    BackendApi, BackendError, ClerkUser, ListUsers, MetadataUpdate, UserUpdate,
};
use common::{DevServer, ANN, BOB, CAT, DEMO_PASSWORD};
use serde_json::{json, Value};

fn api(server: &DevServer) -> BackendApi {
    BackendApi::new(
        reqwest::Client::new(),
        &server.instance.api_url(),
        server.instance.secret_key().expose(),
    )
}

fn emails(users: &[ClerkUser]) -> Vec<String> {
    users
        .iter()
        .filter_map(|u| u.primary_email().map(str::to_owned))
        .collect()
}

async fn user(api: &BackendApi, query: &str) -> ClerkUser {
    let found = api
        .list_users(&ListUsers {
            query: Some(query.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{query}");
    found.into_iter().next().unwrap()
}

#[tokio::test]
async fn the_jwks_is_public_at_the_frontend_api_and_behind_the_key_at_the_backend_api() {
    let server = DevServer::spawn().await;
    let res = server.get("/__clerk/.well-known/jwks.json").await;
    assert_eq!(res.status(), 200);
    let jwks: Value = res.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["alg"].as_str(),
            key["use"].as_str()
        ),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    assert_eq!(key["kid"], server.instance.signing_key().kid());
    assert!(key["kid"].as_str().unwrap().starts_with("ins_"));
    assert!(key.get("d").is_none(), "no private parts: {key}");

    // The Backend API's copy needs the secret key, and says so Clerk's way.
    let res = server.get("/__clerk/api/v1/jwks").await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "authentication_invalid");
    let res = server
        .backend(reqwest::Method::GET, "/v1/jwks")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), jwks);
}

#[tokio::test]
async fn every_backend_call_needs_the_secret_key() {
    let server = DevServer::spawn().await;
    let wrong = BackendApi::new(
        reqwest::Client::new(),
        &server.instance.api_url(),
        "sk_test_notthekeynotthekeynot",
    );
    let err = wrong.count_users(None).await.unwrap_err();
    assert!(
        matches!(&err, BackendError::Api { status: 401, errors } if errors[0].code == "authentication_invalid"),
        "{err:?}"
    );
    for path in [
        "/__clerk/api/v1/users",
        "/__clerk/api/v1/users/count",
        "/__clerk/api/v1/users/user_x",
        "/__clerk/api/v1/organizations",
    ] {
        assert_eq!(server.get(path).await.status(), 401, "{path}");
    }
}

#[tokio::test]
async fn demo_users_are_seeded_with_their_metadata_and_real_password_hashes() {
    let server = DevServer::spawn().await;
    let api = api(&server);
    assert_eq!(api.count_users(None).await.unwrap(), 3);
    let filter = ListUsers {
        email_address: vec![ANN.to_uppercase()],
        ..Default::default()
    };
    let found = api.list_users(&filter).await.unwrap();
    assert_eq!(emails(&found), [ANN]);
    assert_eq!(found[0].public_metadata["tier"], "gold");
    assert!(found[0].password_enabled);
    assert_eq!(found[0].first_name.as_deref(), Some("Ann"));

    let stored = store::find_by_email(&server.db, ANN)
        .await
        .unwrap()
        .unwrap();
    assert!(stored
        .password_hash
        .as_deref()
        .unwrap()
        .starts_with("$argon2id$"));
    assert!(stored.password_matches(DEMO_PASSWORD));
    assert!(!stored.password_matches(&format!("{DEMO_PASSWORD} ")));
}

#[tokio::test]
async fn users_page_filter_order_and_count() {
    let server = DevServer::spawn().await;
    let api = api(&server);
    let all = api
        .list_users(&ListUsers {
            order_by: Some("created_at".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(emails(&all), [ANN, BOB, CAT]);
    let newest_first = api.list_users(&ListUsers::default()).await.unwrap();
    assert_eq!(
        emails(&newest_first)[0],
        CAT,
        "default order is -created_at"
    );
    let page = ListUsers {
        limit: Some(1),
        offset: Some(1),
        order_by: Some("created_at".into()),
        ..Default::default()
    };
    assert_eq!(emails(&api.list_users(&page).await.unwrap()), [BOB]);
    assert_eq!(emails(&[user(&api, "bob").await]), [BOB]);
    assert_eq!(api.count_users(Some("notes.test")).await.unwrap(), 3);
    assert_eq!(api.count_users(Some("nobody")).await.unwrap(), 0);

    let bad = ListUsers {
        limit: Some(501),
        ..Default::default()
    };
    let err = api.list_users(&bad).await.unwrap_err();
    assert!(
        matches!(&err, BackendError::Api { status: 422, errors } if errors[0].code == "form_param_value_invalid"),
        "{err:?}"
    );
}

#[tokio::test]
async fn metadata_is_deep_merged_and_null_deletes() {
    let server = DevServer::spawn().await;
    let api = api(&server);
    let cat = user(&api, "cat@").await;
    let update = MetadataUpdate {
        public_metadata: Some(json!({"tier": "gold", "prefs": {"theme": "dark"}})),
        private_metadata: Some(json!({"stripe_customer": "cus_123"})),
        ..Default::default()
    };
    let merged = api.update_user_metadata(&cat.id, &update).await.unwrap();
    assert_eq!(
        Value::Object(merged.public_metadata.clone()),
        json!({"tier": "gold", "prefs": {"theme": "dark"}})
    );
    assert_eq!(merged.private_metadata.0["stripe_customer"], "cus_123");

    let update = MetadataUpdate {
        public_metadata: Some(json!({"prefs": {"theme": null, "lang": "fr"}, "tier": null})),
        ..Default::default()
    };
    let merged = api.update_user_metadata(&cat.id, &update).await.unwrap();
    assert_eq!(
        Value::Object(merged.public_metadata),
        json!({"prefs": {"lang": "fr"}})
    );
    assert_eq!(
        merged.private_metadata.0["stripe_customer"], "cus_123",
        "untouched when not sent"
    );
}

#[tokio::test]
async fn users_are_updated_and_deleted_and_metadata_is_refused_on_plain_updates() {
    let server = DevServer::spawn().await;
    let api = api(&server);
    let bob = user(&api, "bob@").await;
    let renamed = api
        .update_user(
            &bob.id,
            &UserUpdate {
                first_name: Some("Robert".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.first_name.as_deref(), renamed.last_name.as_deref()),
        (Some("Robert"), Some("Demo"))
    );

    let res = server
        .backend(reqwest::Method::PATCH, &format!("/v1/users/{}", bob.id))
        .json(&json!({"public_metadata": {"tier": "gold"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(
        api.get_user(&bob.id).await.unwrap().public_metadata["tier"],
        "basic",
        "nothing changed"
    );

    assert!(api.delete_user(&bob.id).await.unwrap().deleted);
    assert_eq!(api.get_user(&bob.id).await.unwrap_err().status(), Some(404));
    assert_eq!(
        api.delete_user(&bob.id).await.unwrap_err().status(),
        Some(404)
    );
    assert_eq!(api.count_users(None).await.unwrap(), 2);
}

#[tokio::test]
async fn sessions_are_revoked() {
    let server = DevServer::spawn().await;
    let api = api(&server);
    let cat = store::find_by_email(&server.db, CAT)
        .await
        .unwrap()
        .unwrap();
    let session = store::create_session(&server.db, &cat.id, "client_test", &Default::default())
        .await
        .unwrap();
    let revoked = api
        .revoke_session(session["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(
        (revoked.status.as_str(), revoked.user_id.as_str()),
        ("revoked", cat.id.as_str())
    );
    assert_eq!(
        api.revoke_session("sess_nope").await.unwrap_err().status(),
        Some(404)
    );
}
