//! Clerk's two-step sign-in, between its steps: the identifier a browser
//! gave, waiting for the password — or for the password reset it started
//! instead ("Forgot password?": a code by email, then a new password).

use crate::{codes::OneTimeCode, db::now_millis, ids::new_id};
use serde_json::{json, Value};

/// How long a sign-in waits for its password or for its reset to finish.
const PENDING_SIGN_IN_MS: i64 = 30 * 60 * 1000;

/// The reset strategy, in Clerk's name.
pub const RESET_PASSWORD_EMAIL_CODE: &str = "reset_password_email_code";

/// Sign-ins waiting for their first factor, one per browser client (Clerk's
/// `client.sign_in`), kept in memory: bounded, and gone after thirty
/// minutes or a restart (the user types the email again). Nothing about
/// the account is known or revealed at this step.
pub struct PendingSignIns(pub quick_cache::sync::Cache<String, PendingSignIn>);

#[derive(Clone)]
pub struct PendingSignIn {
    pub id: String,
    pub email: String,
    pub created_at: i64,
    /// This sign-in's handle for the address ("email_address_id" in its
    /// reset factor): random per sign-in, never the stored address's id,
    /// so it looks the same whether or not an account exists.
    pub reset_address_id: String,
    /// The reset code, once asked for (never sent when no account has
    /// the address, so no guess can succeed).
    pub reset_code: Option<OneTimeCode>,
    /// The reset code was right: the sign-in waits for a new password.
    pub reset_verified: bool,
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

    /// Keeps the client's sign-in (replacing any earlier one).
    pub fn put(&self, client_id: &str, sign_in: PendingSignIn) {
        self.0.insert(client_id.to_owned(), sign_in);
    }
}

impl PendingSignIn {
    /// A sign-in for `email`, waiting for its first factor.
    pub fn new(email: String) -> PendingSignIn {
        PendingSignIn {
            id: new_id("sia"),
            email,
            created_at: now_millis(),
            reset_address_id: new_id("idn"),
            reset_code: None,
            reset_verified: false,
        }
    }

    /// Clerk's `sign_in` object: `needs_first_factor` (the password, or
    /// the reset code), or `needs_new_password` once the reset code was
    /// right.
    pub fn to_json(&self) -> Value {
        let (status, verification) = if self.reset_verified {
            (
                "needs_new_password",
                json!({"status": "verified", "strategy": RESET_PASSWORD_EMAIL_CODE}),
            )
        } else if let Some(code) = &self.reset_code {
            (
                "needs_first_factor",
                json!({
                    "status": if code.is_live() { "unverified" } else { "failed" },
                    "strategy": RESET_PASSWORD_EMAIL_CODE,
                    "attempts": code.attempts, "expire_at": code.expire_at,
                }),
            )
        } else {
            ("needs_first_factor", Value::Null)
        };
        json!({
            "object": "sign_in", "id": self.id, "status": status,
            "identifier": self.email,
            "supported_identifiers": ["email_address"],
            "supported_first_factors": [
                {"strategy": "password"},
                {
                    "strategy": RESET_PASSWORD_EMAIL_CODE,
                    "safe_identifier": self.email,
                    "email_address_id": self.reset_address_id,
                },
            ],
            "supported_second_factors": null,
            "first_factor_verification": verification,
            "second_factor_verification": null,
            "created_session_id": null,
            "user_data": null,
        })
    }
}
