//! Clerk's two-step sign-in, between its steps: the identifier a browser
//! gave, waiting for the password.

use crate::db::now_millis;
use serde_json::{json, Value};

/// How long a sign-in waits for its password.
const PENDING_SIGN_IN_MS: i64 = 10 * 60 * 1000;

/// Sign-ins waiting for their first factor, one per browser client (Clerk's
/// `client.sign_in`), kept in memory: bounded, and gone after ten minutes
/// or a restart (the user types the email again). Nothing about the
/// account is known or revealed at this step.
pub struct PendingSignIns(pub quick_cache::sync::Cache<String, PendingSignIn>);

#[derive(Clone)]
pub struct PendingSignIn {
    pub id: String,
    pub email: String,
    pub created_at: i64,
}

impl Default for PendingSignIns {
    fn default() -> Self {
        PendingSignIns(quick_cache::sync::Cache::new(10_000))
    }
}

impl PendingSignIns {
    pub fn get(&self, client_id: &str) -> Option<PendingSignIn> {
        self.0
            .get(client_id)
            .filter(|p| now_millis() - p.created_at < PENDING_SIGN_IN_MS)
    }
}

impl PendingSignIn {
    pub fn to_json(&self) -> Value {
        json!({
            "object": "sign_in", "id": self.id, "status": "needs_first_factor",
            "identifier": self.email,
            "supported_identifiers": ["email_address"],
            "supported_first_factors": [{"strategy": "password"}],
            "supported_second_factors": null,
            "first_factor_verification": null,
            "second_factor_verification": null,
            "created_session_id": null,
            "user_data": null,
        })
    }
}
