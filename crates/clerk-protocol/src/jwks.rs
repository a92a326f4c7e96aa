//! Verification keys: a PEM key, or Clerk's JWKS fetched over HTTP and cached.
//!
//! The cache keeps keys for five minutes. An unknown `kid` may trigger a
//! refetch, but all requests share at most one fetch per `min_refetch`
//! interval, so a flood of random `kid`s cannot make every request call out;
//! and the last good key set keeps serving while the key server is down.

use super::{keys::Secret, token_error::TokenError};
use jsonwebtoken::{
    jwk::{Jwk, KeyAlgorithm, PublicKeyUse},
    Algorithm, DecodingKey,
};
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::{Duration, Instant},
};

/// A public key that verifies session tokens.
pub struct VerifyKey {
    pub(crate) decoding: DecodingKey,
    /// The algorithm the key is pinned to (a JWK's `alg`), if any.
    pub(crate) alg: Option<Algorithm>,
}

impl VerifyKey {
    /// An RSA public key in PEM (SPKI or PKCS#1).
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let decoding = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| e.to_string())?;
        Ok(VerifyKey {
            decoding,
            alg: None,
        })
    }

    /// An RSA signing key from a JWK; anything else (EC keys, encryption
    /// keys, non-RSA algorithms) is not a Clerk session-token key.
    fn from_jwk(jwk: &Jwk) -> Option<Self> {
        if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
            return None;
        }
        let alg = match jwk.common.key_algorithm {
            None => None,
            Some(KeyAlgorithm::RS256) => Some(Algorithm::RS256),
            Some(KeyAlgorithm::RS384) => Some(Algorithm::RS384),
            Some(KeyAlgorithm::RS512) => Some(Algorithm::RS512),
            Some(_) => return None,
        };
        if !matches!(
            jwk.algorithm,
            jsonwebtoken::jwk::AlgorithmParameters::RSA(_)
        ) {
            return None;
        }
        let decoding = DecodingKey::from_jwk(jwk).ok()?;
        Some(VerifyKey { decoding, alg })
    }
}

/// Where the JWKS comes from.
#[derive(Clone)]
pub struct JwksFetcher {
    client: reqwest::Client,
    url: String,
    bearer: Option<Secret>,
    observer: Option<fn(bool)>,
}

impl JwksFetcher {
    /// The Backend API's `GET /v1/jwks`, authorised with the secret key.
    pub fn backend_api(client: reqwest::Client, api_url: &str, secret_key: &str) -> Self {
        JwksFetcher {
            client,
            url: format!("{}/v1/jwks", api_url.trim_end_matches('/')),
            observer: None,
            bearer: Some(Secret::new(secret_key)),
        }
    }

    /// The frontend API's public `/.well-known/jwks.json`.
    pub fn frontend_api(client: reqwest::Client, frontend_api_url: &str) -> Self {
        JwksFetcher {
            client,
            url: format!(
                "{}/.well-known/jwks.json",
                frontend_api_url.trim_end_matches('/')
            ),
            bearer: None,
            observer: None,
        }
    }

    /// Calls `observer` after every fetch with whether it succeeded (the
    /// app's metrics, say).
    pub fn observed(mut self, observer: fn(bool)) -> Self {
        self.observer = Some(observer);
        self
    }

    async fn fetch(&self) -> Result<HashMap<String, Arc<VerifyKey>>, String> {
        let result = self.fetch_uncounted().await;
        if let Some(observer) = self.observer {
            observer(result.is_ok());
        }
        result
    }

    async fn fetch_uncounted(&self) -> Result<HashMap<String, Arc<VerifyKey>>, String> {
        let mut request = self.client.get(&self.url).timeout(Duration::from_secs(5));
        if let Some(secret) = &self.bearer {
            request = request.bearer_auth(secret.expose());
        }
        let response = request
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if !response.status().is_success() {
            return Err(format!("key server answered {}", response.status()));
        }
        #[derive(serde::Deserialize)]
        struct RawSet {
            keys: Vec<serde_json::Value>,
        }
        let set: RawSet = response
            .json()
            .await
            .map_err(|e| e.without_url().to_string())?;
        // Keys this verifier cannot use are skipped, not fatal.
        let keys: HashMap<_, _> = set
            .keys
            .into_iter()
            .filter_map(|raw| serde_json::from_value::<Jwk>(raw).ok())
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                Some((kid, Arc::new(VerifyKey::from_jwk(&jwk)?)))
            })
            .collect();
        if keys.is_empty() {
            return Err("the key set holds no usable RSA signing key".into());
        }
        Ok(keys)
    }
}

/// How long keys live and how often an unknown `kid` may cause a fetch.
#[derive(Debug, Clone, Copy)]
pub struct CachePolicy {
    pub ttl: Duration,
    pub min_refetch: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy {
            ttl: Duration::from_secs(300),
            min_refetch: Duration::from_secs(30),
        }
    }
}

#[derive(Default)]
struct CacheState {
    keys: HashMap<String, Arc<VerifyKey>>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
}

pub struct JwksCache {
    fetcher: JwksFetcher,
    policy: CachePolicy,
    state: RwLock<CacheState>,
    /// Serialises fetches: one at a time, shared by all waiting requests.
    refresh: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
}

impl JwksCache {
    pub fn new(fetcher: JwksFetcher, policy: CachePolicy) -> Self {
        JwksCache {
            fetcher,
            policy,
            state: RwLock::new(CacheState::default()),
            refresh: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
        }
    }

    /// How many fetches were attempted (for tests and metrics).
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The key for `kid`, fetching the key set when needed and allowed.
    pub async fn key(&self, kid: &str) -> Result<Arc<VerifyKey>, TokenError> {
        let (known, fresh) = self.lookup(kid, Instant::now());
        if let (Some(key), true) = (&known, fresh) {
            return Ok(key.clone());
        }
        // A stale but known key keeps serving while someone else refreshes,
        // rather than queueing every request behind a slow key server.
        let _guard = match (&known, self.refresh.try_lock()) {
            (_, Ok(guard)) => guard,
            (Some(key), Err(_)) => return Ok(key.clone()),
            (None, Err(_)) => self.refresh.lock().await,
        };

        let now = Instant::now();
        let may_fetch = {
            let state = self.state.read().unwrap_or_else(|p| p.into_inner());
            if let (Some(key), true) = (state.keys.get(kid), self.is_fresh(&state, now)) {
                return Ok(key.clone()); // refreshed while we waited
            }
            state
                .last_attempt
                .is_none_or(|t| now.duration_since(t) >= self.policy.min_refetch)
        };
        if may_fetch {
            self.fetches.fetch_add(1, Ordering::Relaxed);
            let result = self.fetcher.fetch().await;
            let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
            state.last_attempt = Some(Instant::now());
            match result {
                Ok(keys) => {
                    state.keys = keys;
                    state.fetched_at = state.last_attempt;
                }
                Err(error) => {
                    tracing::warn!(%error, "could not fetch Clerk's JWKS; serving the last good keys")
                }
            }
        }

        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        match state.keys.get(kid) {
            Some(key) => Ok(key.clone()),
            None if state.keys.is_empty() => Err(TokenError::KeysUnavailable),
            None => Err(TokenError::UnknownKid),
        }
    }

    fn lookup(&self, kid: &str, now: Instant) -> (Option<Arc<VerifyKey>>, bool) {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        (state.keys.get(kid).cloned(), self.is_fresh(&state, now))
    }

    fn is_fresh(&self, state: &CacheState, now: Instant) -> bool {
        state
            .fetched_at
            .is_some_and(|t| now.duration_since(t) < self.policy.ttl)
    }
}
