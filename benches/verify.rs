//! Cost of session-token verification: uncached (the JWKS is fetched from a
//! key server on loopback, then RS256 is checked) and cached (key in memory).
//! Prints numbers; run with `cargo bench --features ssr --bench verify`.

use axum::{routing::get, Json, Router};
use inkpad::clerk::{
    jwks::{CachePolicy, JwksCache, JwksFetcher},
    mint::SigningKey,
    verify::{unix_now, Verifier},
};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

const ISS: &str = "https://clerk.bench.test";

fn summary(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let n = samples.len();
    let mean = samples.iter().sum::<Duration>() / n as u32;
    println!(
        "{label}: n={n} median={:.1}µs p90={:.1}µs mean={:.1}µs",
        samples[n / 2].as_secs_f64() * 1e6,
        samples[n * 9 / 10].as_secs_f64() * 1e6,
        mean.as_secs_f64() * 1e6
    );
}

#[tokio::main]
async fn main() {
    let key = SigningKey::generate("ins_bench").expect("key");
    let jwks = key.jwks();
    let app = Router::new().route(
        "/.well-known/jwks.json",
        get(move || async move { Json(jwks.clone()) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let now = unix_now();
    let token = key.sign(&serde_json::json!({
        "iss": ISS, "sub": "user_1", "sid": "sess_1", "iat": now, "nbf": now - 10, "exp": now + 3600,
        "v": 2, "metadata": {"role": "member", "plan": "free"}
    }));
    let http = reqwest::Client::new();
    let verifier_for = |http: reqwest::Client| {
        let cache = JwksCache::new(
            JwksFetcher::frontend_api(http, &url),
            CachePolicy::default(),
        );
        Verifier::with_jwks(Arc::new(cache), ISS, vec![], Duration::from_secs(5))
    };

    // Uncached: a fresh cache each time, so every verification fetches keys.
    let mut uncached = Vec::new();
    for _ in 0..200 {
        let verifier = verifier_for(http.clone());
        let start = Instant::now();
        verifier.verify(&token).await.expect("valid");
        uncached.push(start.elapsed());
    }
    summary("verify, uncached (JWKS over loopback + RS256)", uncached);

    // Cached: one verifier, keys already in memory.
    let verifier = verifier_for(http.clone());
    verifier.verify(&token).await.expect("warm-up");
    let mut cached = Vec::new();
    for _ in 0..5_000 {
        let start = Instant::now();
        verifier.verify(&token).await.expect("valid");
        cached.push(start.elapsed());
    }
    summary("verify, cached key (RS256 + claim checks)", cached);

    // Networkless: CLERK_JWT_KEY.
    let pem = Verifier::with_pem(&key.public_pem(), ISS, vec![], Duration::from_secs(5)).unwrap();
    let mut networkless = Vec::new();
    for _ in 0..5_000 {
        let start = Instant::now();
        pem.verify(&token).await.expect("valid");
        networkless.push(start.elapsed());
    }
    summary("verify, PEM key (networkless)", networkless);
}
