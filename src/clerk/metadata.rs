//! The app's own reading of Clerk's data: its `Role` and `Plan` live in a
//! user's public metadata (`metadata` in the session token, through the
//! instance's session-token template), and Clerk Billing's `pla` claim can
//! also say Pro. The protocol crate knows none of that.

use crate::model::{Plan, Role, UserProfile};
use clerk_protocol::{backend::ClerkUser, claims::SessionClaims};
use serde_json::{Map, Value};

/// Role and plan, as the app reads them.
pub trait AppMetadata {
    /// `role`, `member` when absent or unknown.
    fn role(&self) -> Role;
    /// `plan`, `free` when absent or unknown.
    fn plan(&self) -> Plan;
}

impl AppMetadata for SessionClaims {
    /// `metadata.role`.
    fn role(&self) -> Role {
        self.metadata_str("role")
            .and_then(|r| r.parse().ok())
            .unwrap_or_default()
    }

    /// `pro` when `metadata.plan` says so or Clerk Billing's `pla` holds
    /// the user plan `u:pro`; `free` otherwise.
    fn plan(&self) -> Plan {
        let from_metadata = self.metadata_str("plan").and_then(|p| p.parse().ok());
        let billed_pro = self.plans("u").iter().any(|p| p == Plan::Pro.as_str());
        if from_metadata == Some(Plan::Pro) || billed_pro {
            Plan::Pro
        } else {
            Plan::Free
        }
    }
}

impl AppMetadata for ClerkUser {
    /// `public_metadata.role`.
    fn role(&self) -> Role {
        metadata_enum(&self.public_metadata, "role")
    }

    /// `public_metadata.plan`.
    fn plan(&self) -> Plan {
        metadata_enum(&self.public_metadata, "plan")
    }
}

fn metadata_enum<T: std::str::FromStr + Default>(metadata: &Map<String, Value>, key: &str) -> T {
    metadata
        .get(key)
        .and_then(Value::as_str)
        .and_then(|v| v.parse().ok())
        .unwrap_or_default()
}

/// A Clerk user as the app shows it (never private metadata).
pub fn public_profile(user: &ClerkUser) -> UserProfile {
    UserProfile {
        id: user.id.clone(),
        email: user.primary_email().map(str::to_owned),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        // Clerk always sends a string; an empty one means "no image".
        image_url: user.image_url.clone().filter(|url| !url.is_empty()),
        role: user.role(),
        plan: user.plan(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: serde_json::Value) -> SessionClaims {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn role_and_plan_come_from_metadata_or_billing() {
        let c = claims(json!({"metadata": {"role": "admin", "plan": "pro"}}));
        assert_eq!((c.role(), c.plan()), (Role::Admin, Plan::Pro));
        let c = claims(json!({"pla": "u:pro"}));
        assert_eq!((c.role(), c.plan()), (Role::Member, Plan::Pro));
        let c = claims(json!({"pla": "o:pro", "metadata": {"role": "root", "plan": "gold"}}));
        assert_eq!(
            (c.role(), c.plan()),
            (Role::Member, Plan::Free),
            "unknown values fall back"
        );
        let c = claims(json!({"metadata": "not an object"}));
        assert_eq!((c.role(), c.plan()), (Role::Member, Plan::Free));
    }

    #[test]
    fn users_show_their_public_metadata_and_no_empty_image() {
        let user: ClerkUser = serde_json::from_value(json!({
            "id": "user_1", "first_name": "Ada", "image_url": "",
            "primary_email_address_id": "idn_1",
            "email_addresses": [{"id": "idn_1", "email_address": "ada@example.com"}],
            "public_metadata": {"role": "admin", "plan": "gold"},
            "private_metadata": {"note": "never shown"}
        }))
        .unwrap();
        let profile = public_profile(&user);
        assert_eq!((profile.role, profile.plan), (Role::Admin, Plan::Free));
        assert_eq!(profile.email.as_deref(), Some("ada@example.com"));
        assert_eq!(profile.image_url, None);
        assert!(!serde_json::to_string(&profile)
            .unwrap()
            .contains("never shown"));
    }
}
