//! Handshake nonces: the cookie list a `format=nonce` handshake answers
//! with, kept under a one-time random reference until the app's server
//! redeems it through the Backend API.

use rand::{distributions::Alphanumeric, Rng};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// How long a handshake nonce can be redeemed.
pub const NONCE_LIFETIME: Duration = Duration::from_secs(60);
/// Outstanding nonces kept at most (a bound on what page loads can make
/// the instance hold); past it the oldest go first.
const MAX_NONCES: usize = 10_000;

/// Cookie lists waiting to be redeemed by their nonce.
#[derive(Default)]
pub struct HandshakeNonces {
    pending: Mutex<HashMap<String, (Vec<String>, Instant)>>,
}

impl HandshakeNonces {
    /// Keeps `directives` under a new random nonce.
    pub fn issue(&self, directives: Vec<String>) -> String {
        let nonce: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(40)
            .map(char::from)
            .collect();
        let now = Instant::now();
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|_, (_, at)| now.duration_since(*at) < NONCE_LIFETIME);
        while pending.len() >= MAX_NONCES {
            let Some(oldest) = pending
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            pending.remove(&oldest);
        }
        pending.insert(nonce.clone(), (directives, now));
        nonce
    }

    /// The cookie list for `nonce`, once, while it is fresh.
    pub fn redeem(&self, nonce: &str) -> Option<Vec<String>> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let (directives, at) = pending.remove(nonce)?;
        (at.elapsed() < NONCE_LIFETIME).then_some(directives)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_redeemed_once() {
        let nonces = HandshakeNonces::default();
        let nonce = nonces.issue(vec!["__session=t; Path=/".into()]);
        assert_eq!(nonce.len(), 40);
        assert_eq!(
            nonces.redeem(&nonce),
            Some(vec!["__session=t; Path=/".to_owned()])
        );
        assert_eq!(nonces.redeem(&nonce), None, "a second redemption");
        assert_eq!(nonces.redeem("made-up"), None);
    }

    #[test]
    fn outstanding_nonces_are_bounded() {
        let nonces = HandshakeNonces::default();
        let first = nonces.issue(vec![]);
        for _ in 0..MAX_NONCES {
            nonces.issue(vec![]);
        }
        assert_eq!(nonces.pending.lock().unwrap().len(), MAX_NONCES);
        assert_eq!(nonces.redeem(&first), None, "the oldest went first");
    }
}
