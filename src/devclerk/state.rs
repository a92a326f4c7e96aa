//! What every handler of the development instance shares.

use super::{nonces::HandshakeNonces, sign_ins::PendingSignIns, DevInstance};
use crate::{db::Db, security::rate_limit::RateLimiter};
use std::sync::Arc;

/// The instance, its store, the app's rate budgets, and what it keeps in
/// memory between two requests of one flow.
#[derive(Clone)]
pub struct DevState {
    pub instance: Arc<DevInstance>,
    pub db: Db,
    /// The app's rate budgets (sign-in attempts are also counted per email).
    pub limiter: Arc<RateLimiter>,
    /// Sign-ins started with an identifier and waiting for the password.
    pub pending_sign_ins: Arc<PendingSignIns>,
    /// Handshake cookie lists waiting for the app's server to redeem them.
    pub handshake_nonces: Arc<HandshakeNonces>,
}
