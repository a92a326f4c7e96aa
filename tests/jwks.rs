//! The JWKS cache against a real key server on 127.0.0.1: one fetch for a
//! thousand concurrent verifications, bounded refetches under a random-`kid`
//! flood, key rotation, and stale keys served while the key server is down.

mod common;

use axum::{extract::State, http::HeaderMap, http::StatusCode, routing::get, Json, Router};
use inkpad::clerk::{
    jwks::{CachePolicy, JwksCache, JwksFetcher},
    mint::SigningKey,
    verify::{unix_now, TokenError, Verifier},
};
use jsonwebtoken::Algorithm;
use serde_json::{json, Value};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

const ISS: &str = "https://clerk.jwks.test";

struct KeyServer {
    jwks: Value,
    up: bool,
    hits: u64,
    bearer: Option<String>,
}

type Shared = Arc<Mutex<KeyServer>>;

async fn serve_jwks(
    State(server): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Value>, StatusCode> {
    let mut s = server.lock().unwrap();
    s.hits += 1;
    if !s.up {
        return Err(StatusCode::SERVICE_UNAVAILABLE);
    }
    if let Some(expected) = &s.bearer {
        let got = headers.get("authorization").and_then(|v| v.to_str().ok());
        if got != Some(&format!("Bearer {expected}")) {
            return Err(StatusCode::UNAUTHORIZED);
        }
    }
    Ok(Json(s.jwks.clone()))
}

/// A key server on a random port; returns its base URL and shared state.
async fn key_server(jwks: Value) -> (String, Shared) {
    let shared = Arc::new(Mutex::new(KeyServer {
        jwks,
        up: true,
        hits: 0,
        bearer: None,
    }));
    let app = Router::new()
        .route("/.well-known/jwks.json", get(serve_jwks))
        .route("/v1/jwks", get(serve_jwks))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, shared)
}

fn keys() -> &'static (SigningKey, SigningKey) {
    static KEYS: std::sync::OnceLock<(SigningKey, SigningKey)> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        (
            SigningKey::generate("ins_one").unwrap(),
            SigningKey::generate("ins_two").unwrap(),
        )
    })
}

fn claims() -> Value {
    let now = unix_now();
    json!({"iss": ISS, "sub": "user_1", "iat": now, "exp": now + 60})
}

fn verifier(url: &str, policy: CachePolicy) -> (Verifier, Arc<JwksCache>) {
    let cache = Arc::new(JwksCache::new(
        JwksFetcher::frontend_api(reqwest::Client::new(), url),
        policy,
    ));
    (
        Verifier::with_jwks(cache.clone(), ISS, vec![], Duration::from_secs(5)),
        cache,
    )
}

fn policy(ttl_ms: u64, min_refetch_ms: u64) -> CachePolicy {
    CachePolicy {
        ttl: Duration::from_millis(ttl_ms),
        min_refetch: Duration::from_millis(min_refetch_ms),
    }
}

/// A token whose header names `kid`, signed by `key`.
fn token_with_kid(key: &SigningKey, kid: &str) -> String {
    let renamed = SigningKey::from_pem(kid, &key.private_pem()).unwrap();
    renamed.sign(&claims())
}

#[tokio::test]
async fn a_thousand_concurrent_verifications_cause_one_fetch() {
    let (one, _) = keys();
    let (url, server) = key_server(one.jwks()).await;
    let (verifier, cache) = verifier(&url, CachePolicy::default());
    let verifier = Arc::new(verifier);
    let token = Arc::new(one.sign(&claims()));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let (v, t) = (verifier.clone(), token.clone());
            tokio::spawn(async move { v.verify(&t).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("verifies");
    }
    assert_eq!(cache.fetch_count(), 1);
    assert_eq!(server.lock().unwrap().hits, 1);
}

#[tokio::test]
async fn a_flood_of_random_kids_cannot_flood_the_key_server() {
    let (one, _) = keys();
    let (url, server) = key_server(one.jwks()).await;
    let (verifier, _) = verifier(&url, CachePolicy::default());
    verifier.verify(&one.sign(&claims())).await.unwrap();
    for i in 0..300 {
        let token = token_with_kid(one, &format!("ins_random_{i}"));
        assert_eq!(
            verifier.verify(&token).await.unwrap_err(),
            TokenError::UnknownKid
        );
    }
    // The first fetch happened moments ago: none of the 300 may refetch.
    assert_eq!(server.lock().unwrap().hits, 1);
}

#[tokio::test]
async fn an_unknown_kid_refetches_once_the_interval_allows_and_finds_a_rotated_key() {
    let (one, two) = keys();
    let (url, server) = key_server(one.jwks()).await;
    let (verifier, _) = verifier(&url, policy(300_000, 300));
    verifier.verify(&one.sign(&claims())).await.unwrap();

    // The instance rotates to a new key.
    server.lock().unwrap().jwks = json!({"keys": [one.public_jwk(), two.public_jwk()]});
    let rotated = two.sign(&claims());
    assert_eq!(
        verifier.verify(&rotated).await.unwrap_err(),
        TokenError::UnknownKid,
        "too soon after the last fetch"
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    verifier
        .verify(&rotated)
        .await
        .expect("refetched and found the new key");
    assert_eq!(server.lock().unwrap().hits, 2);
    verifier
        .verify(&one.sign(&claims()))
        .await
        .expect("old key still listed");
}

#[tokio::test]
async fn stale_keys_keep_serving_while_the_key_server_is_down() {
    let (one, _) = keys();
    let (url, server) = key_server(one.jwks()).await;
    let (verifier, _) = verifier(&url, policy(100, 0));
    let token = one.sign(&claims());
    verifier.verify(&token).await.unwrap();

    server.lock().unwrap().up = false;
    tokio::time::sleep(Duration::from_millis(150)).await;
    verifier.verify(&token).await.expect("stale key served");
    assert!(server.lock().unwrap().hits >= 2, "a refresh was attempted");

    server.lock().unwrap().up = true;
    tokio::time::sleep(Duration::from_millis(150)).await;
    verifier.verify(&token).await.unwrap();
}

#[tokio::test]
async fn no_keys_at_all_is_keys_unavailable_not_a_bad_token() {
    let (one, _) = keys();
    let (url, server) = key_server(one.jwks()).await;
    server.lock().unwrap().up = false;
    let (down, _) = verifier(&url, CachePolicy::default());
    assert_eq!(
        down.verify(&one.sign(&claims())).await.unwrap_err(),
        TokenError::KeysUnavailable
    );

    let (dead, _) = verifier("http://127.0.0.1:9", CachePolicy::default());
    assert_eq!(
        dead.verify(&one.sign(&claims())).await.unwrap_err(),
        TokenError::KeysUnavailable
    );
}

#[tokio::test]
async fn kid_and_algorithm_must_match_the_key_set() {
    let (one, _) = keys();
    let (url, _) = key_server(one.jwks()).await;
    let (verifier, _) = verifier(&url, CachePolicy::default());
    let rs512 = one.sign_with(Algorithm::RS512, &claims());
    assert_eq!(
        verifier.verify(&rs512).await.unwrap_err(),
        TokenError::AlgorithmMismatch
    );

    let header = json!({"alg": "RS256", "typ": "JWT"});
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let no_kid = format!("{}.{}.c2ln", b64(&header), b64(&claims()));
    assert_eq!(
        verifier.verify(&no_kid).await.unwrap_err(),
        TokenError::MissingKid
    );
}

#[tokio::test]
async fn the_backend_api_jwks_is_fetched_with_the_secret_key() {
    let (one, _) = keys();
    let (url, server) = key_server(one.jwks()).await;
    server.lock().unwrap().bearer = Some("sk_test_jwksjwksjwksjwks".into());
    let fetch = |secret: &str| {
        let fetcher = JwksFetcher::backend_api(reqwest::Client::new(), &url, secret);
        Verifier::with_jwks(
            Arc::new(JwksCache::new(fetcher, CachePolicy::default())),
            ISS,
            vec![],
            Duration::from_secs(5),
        )
    };
    let token = one.sign(&claims());
    fetch("sk_test_jwksjwksjwksjwks")
        .verify(&token)
        .await
        .expect("authorised fetch");
    assert_eq!(
        fetch("sk_test_wrongwrongwrong1")
            .verify(&token)
            .await
            .unwrap_err(),
        TokenError::KeysUnavailable
    );
}

#[tokio::test]
async fn unusable_keys_in_the_set_are_skipped() {
    let (one, _) = keys();
    let jwks = json!({"keys": [
        {"kty": "EC", "kid": "ins_ec", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
        {"kty": "RSA", "kid": "ins_enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
        {"kty": "weird"},
        one.public_jwk()
    ]});
    let (url, _) = key_server(jwks).await;
    let (verifier, _) = verifier(&url, CachePolicy::default());
    verifier
        .verify(&one.sign(&claims()))
        .await
        .expect("the RSA signing key was kept");
}
