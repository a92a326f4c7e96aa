//! Verified session tokens, remembered until they expire, so a token is
//! checked with RSA once per node rather than on every request.
//!
//! Safety over speed wherever they meet:
//! - the key is SHA-256 of the whole token: finding another token with the
//!   same key would take a second preimage, and nothing else an attacker
//!   sends (headers, cookies, `kid`) is part of it;
//! - only successful verifications are kept (failures would let junk evict
//!   real sessions), and a hit still runs every claim check as of now
//!   (`exp`, `nbf`, `iat`, issuer, authorized party), so the cache never
//!   extends a token's life by a second;
//! - the number of entries is bounded (S3-FIFO eviction, `quick_cache`).

use super::session::Session;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Tokens remembered at most (about 1 KB each).
pub const CAPACITY: usize = 4096;

/// The verified sessions, by the digest of their token.
pub struct TokenCache<M> {
    entries: quick_cache::sync::Cache<[u8; 32], Arc<Session<M>>>,
}

impl<M: Clone> Default for TokenCache<M> {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl<M: Clone> TokenCache<M> {
    /// A cache of at most `capacity` sessions.
    pub fn with_capacity(capacity: usize) -> Self {
        TokenCache {
            entries: quick_cache::sync::Cache::new(capacity),
        }
    }

    /// The cache key of `token`.
    pub fn key(token: &str) -> [u8; 32] {
        Sha256::digest(token.as_bytes()).into()
    }

    /// The session remembered under `key`.
    pub fn get(&self, key: &[u8; 32]) -> Option<Arc<Session<M>>> {
        self.entries.get(key)
    }

    /// Remembers a verified session.
    pub fn insert(&self, key: [u8; 32], session: Arc<Session<M>>) {
        self.entries.insert(key, session);
    }

    /// Forgets a token (one that no longer passes its claim checks).
    pub fn remove(&self, key: &[u8; 32]) {
        self.entries.remove(key);
    }

    /// How many sessions are remembered.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Is nothing remembered?
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(sub: &str) -> Arc<Session<()>> {
        Arc::new(Session::from_claims(
            serde_json::from_value(serde_json::json!({"sub": sub})).unwrap(),
        ))
    }

    #[test]
    fn keys_are_the_whole_tokens_digest_and_capacity_is_bounded() {
        let cache = TokenCache::with_capacity(100);
        let (a, b) = (
            TokenCache::<()>::key("header.claims.sig"),
            TokenCache::<()>::key("header.claims.siG"),
        );
        assert_ne!(a, b, "one character apart, two keys");
        cache.insert(a, session("user_a"));
        assert_eq!(cache.get(&a).unwrap().user_id, "user_a");
        assert!(cache.get(&b).is_none());
        for i in 0..1_000 {
            cache.insert(
                TokenCache::<()>::key(&format!("token{i}")),
                session("user_x"),
            );
        }
        assert!(cache.len() <= 100, "{} entries", cache.len());
        cache.remove(&a);
        assert!(cache.get(&a).is_none());
    }
}
