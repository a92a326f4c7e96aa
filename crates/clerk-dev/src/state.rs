//! What every handler of the development instance shares.

use super::{
    codes::{PendingCodes, SendBudget},
    db::Db,
    host::Host,
    nonces::HandshakeNonces,
    sign_ins::PendingSignIns,
    sign_ups::PendingSignUps,
    DevInstance,
};
use std::sync::Arc;

/// The instance, its store, the app's hooks, and what it keeps in memory
/// between two requests of one flow.
#[derive(Clone)]
pub struct DevState {
    pub instance: Arc<DevInstance>,
    pub db: Db,
    /// The app's client address, CSP nonce and per-account budget.
    pub host: Arc<dyn Host>,
    /// Sign-ins started with an identifier and waiting for the password.
    pub pending_sign_ins: Arc<PendingSignIns>,
    /// Sign-ups waiting for their email code.
    pub pending_sign_ups: Arc<PendingSignUps>,
    /// How many codes each address was sent lately.
    pub code_sends: Arc<SendBudget>,
    /// Codes out for added email addresses, by the address's id.
    pub email_codes: Arc<PendingCodes>,
    /// Handshake cookie lists waiting for the app's server to redeem them.
    pub handshake_nonces: Arc<HandshakeNonces>,
}
