//! Clerk's sign-up between its steps: the form's answers, waiting for the
//! address's email code (Clerk's `client.sign_up`), and the `sign_up`
//! objects clerk-js reads, waiting or complete. The routes that move a
//! sign-up along are `frontend_sign_ups`'s.
//!
//! A sign-up waiting for its code lives in memory, one per browser client:
//! bounded, gone after a day or a restart (the person fills the form
//! again), and holding the password only as its argon2id hash.

use crate::{codes::OneTimeCode, db::now_millis, store};
use serde_json::{json, Value};

/// How long an unfinished sign-up is kept (Clerk abandons them after a day).
const ABANDON_AFTER_MS: i64 = 24 * 60 * 60 * 1000;

/// Sign-ups waiting for their email code, by browser client.
pub struct PendingSignUps(quick_cache::sync::Cache<String, PendingSignUp>);

impl Default for PendingSignUps {
    fn default() -> Self {
        PendingSignUps(quick_cache::sync::Cache::new(10_000))
    }
}

impl PendingSignUps {
    /// The client's unfinished sign-up, unless abandoned.
    pub fn get(&self, client_id: &str) -> Option<PendingSignUp> {
        self.0
            .get(client_id)
            .filter(|p| now_millis() - p.created_at < ABANDON_AFTER_MS)
    }

    /// Keeps the client's sign-up (replacing any earlier one).
    pub fn put(&self, client_id: &str, sign_up: PendingSignUp) {
        self.0.insert(client_id.to_owned(), sign_up);
    }

    /// Forgets the client's sign-up (it completed, or a new one began).
    pub fn remove(&self, client_id: &str) {
        self.0.remove(client_id);
    }
}

/// An unfinished sign-up.
#[derive(Clone)]
pub struct PendingSignUp {
    /// `sua_…`.
    pub id: String,
    /// The address to verify (lower-cased).
    pub email: String,
    /// The password's argon2id hash.
    pub password_hash: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// When the form was sent (unix ms).
    pub created_at: i64,
    /// The code sent, once `prepare_verification` ran.
    pub code: Option<OneTimeCode>,
}

impl PendingSignUp {
    /// Clerk's `sign_up` object, `missing_requirements` until the email
    /// address is verified.
    pub fn to_json(&self) -> Value {
        let mut verification = match &self.code {
            None => json!({
                "status": "unverified", "strategy": null, "attempts": null, "expire_at": null,
                "next_action": "needs_prepare",
            }),
            Some(code) => {
                let status = if now_millis() >= code.expire_at {
                    "expired"
                } else if code.is_live() {
                    "unverified"
                } else {
                    "failed"
                };
                json!({
                    "status": status, "strategy": "email_code",
                    "attempts": code.attempts, "expire_at": code.expire_at,
                    "next_action": if status == "unverified" { "needs_attempt" } else { "needs_prepare" },
                })
            }
        };
        verification["object"] = json!("verification");
        verification["supported_strategies"] = json!(["email_code"]);
        verification["error"] = Value::Null;
        verification["verified_at_client"] = Value::Null;
        json!({
            "object": "sign_up", "id": self.id, "status": "missing_requirements",
            "required_fields": ["email_address", "password"],
            "optional_fields": ["first_name", "last_name"],
            "missing_fields": [], "unverified_fields": ["email_address"],
            "verifications": {
                "email_address": verification,
                "phone_number": null, "web3_wallet": null, "external_account": null,
            },
            "username": null, "email_address": self.email, "phone_number": null,
            "web3_wallet": null, "has_password": true,
            "first_name": self.first_name, "last_name": self.last_name,
            "unsafe_metadata": {}, "public_metadata": {},
            "created_session_id": null, "created_user_id": null,
            "abandon_at": self.created_at + ABANDON_AFTER_MS,
            "legal_accepted_at": null, "protect_check": null,
        })
    }
}

/// A completed sign-up, as Clerk answers the step that completed it.
pub fn completed_json(user: &store::DevUser, session_id: &str) -> Value {
    json!({
        "object": "sign_up", "id": store::new_id("sua"), "status": "complete",
        "email_address": user.primary_email(),
        "first_name": user.first_name, "last_name": user.last_name,
        "required_fields": ["email_address", "password"],
        "optional_fields": ["first_name", "last_name"],
        "missing_fields": [], "unverified_fields": [],
        "verifications": {
            "email_address": {
                "object": "verification", "status": "verified", "strategy": "email_code",
                "attempts": null, "expire_at": null, "next_action": "",
                "supported_strategies": ["email_code"], "error": null, "verified_at_client": null,
            },
            "phone_number": null, "web3_wallet": null, "external_account": null,
        },
        "has_password": user.password_hash.is_some(),
        "created_user_id": user.id,
        "created_session_id": session_id,
        "abandon_at": null, "legal_accepted_at": null, "protect_check": null,
    })
}
