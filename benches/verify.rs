//! The cost of checking a session token (criterion):
//!
//! - `verify/uncached_rs256`: what the first request with a token costs —
//!   header, RS256 signature with the key in memory, claim checks;
//! - `verify/cached`: every later request with it — SHA-256 of the token,
//!   a cache lookup, the claim checks again as of now;
//! - `verify/jwks_fetch_rs256`: a cold start, fetching the JWKS over
//!   loopback first.
//!
//! `cargo bench --features ssr --bench verify`; `scripts/bench` runs it and
//! reads criterion's estimates into its table.

use axum::{routing::get, Json, Router};
use criterion::{criterion_group, criterion_main, Criterion};
use inkpad::{
    auth::{Grants, Session},
    clerk::{
        jwks::{CachePolicy, JwksCache, JwksFetcher},
        mint::SigningKey,
        verify::{unix_now, Verifier},
    },
};
use leptos_clerk::server::token_cache::TokenCache;
use std::{hint::black_box, sync::Arc, time::Duration};

const ISS: &str = "https://clerk.bench.test";

fn token(key: &SigningKey) -> String {
    let now = unix_now();
    key.sign(&serde_json::json!({
        "iss": ISS, "sub": "user_bench", "sid": "sess_bench", "iat": now, "nbf": now - 10,
        "exp": now + 3600, "v": 2, "fva": [0, -1], "azp": "http://127.0.0.1:3000",
        "metadata": {"role": "member", "plan": "free"}
    }))
}

fn verification(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let key = SigningKey::generate("ins_bench").expect("key");
    let token = token(&key);
    let skew = Duration::from_secs(5);
    let verifier = Verifier::with_pem(&key.public_pem(), ISS, vec![], skew).unwrap();

    let mut group = c.benchmark_group("verify");
    group.bench_function("uncached_rs256", |b| {
        b.iter(|| {
            runtime
                .block_on(verifier.verify(black_box(&token)))
                .unwrap()
        })
    });

    let cache = TokenCache::<Grants>::default();
    let session = Arc::new(Session::from_claims(
        runtime.block_on(verifier.verify(&token)).unwrap(),
    ));
    cache.insert(TokenCache::<Grants>::key(&token), session);
    group.bench_function("cached", |b| {
        b.iter(|| {
            let hit = cache
                .get(&TokenCache::<Grants>::key(black_box(&token)))
                .unwrap();
            verifier.check_claims(&hit.claims, unix_now()).unwrap();
            hit
        })
    });

    // A key server on loopback; a fresh JWKS cache per verification.
    let jwks = key.jwks();
    let url = runtime.block_on(async {
        let app = Router::new().route(
            "/.well-known/jwks.json",
            get(move || async move { Json(jwks.clone()) }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    });
    let http = reqwest::Client::new();
    group.sample_size(30);
    group.bench_function("jwks_fetch_rs256", |b| {
        b.iter(|| {
            let cache = JwksCache::new(
                JwksFetcher::frontend_api(http.clone(), &url),
                CachePolicy::default(),
            );
            let verifier = Verifier::with_jwks(Arc::new(cache), ISS, vec![], skew);
            runtime
                .block_on(verifier.verify(black_box(&token)))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, verification);
criterion_main!(benches);
