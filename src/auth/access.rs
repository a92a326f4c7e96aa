//! What Inkpad reads from each verified token and requires of it: its
//! `Grants` (the app's role and plan, from the token's metadata and
//! Clerk Billing's `pla`), its route rules (`AppRule`: a role, a plan), and
//! the checks handlers ask for by role or plan, answered as `AppError`s.

use super::{Auth, Session};
use crate::{
    clerk::{claims::SessionClaims, metadata::AppMetadata},
    error::AppError,
    model::{Plan, Role},
};
use leptos_clerk::server::{AuthError, Metadata, Rule};
use std::sync::Arc;

/// The app's role and plan, as a verified token grants them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grants {
    pub role: Role,
    pub plan: Plan,
}

impl Metadata for Grants {
    fn from_claims(claims: &SessionClaims) -> Self {
        Grants {
            role: claims.role(),
            plan: claims.plan(),
        }
    }

    fn has_role(&self, role: &str) -> bool {
        self.role.as_str() == role
    }

    fn has_plan(&self, plan: &str) -> bool {
        self.plan.as_str() == plan
    }
}

/// The app's own requirements in its route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppRule {
    Role(Role),
    Plan(Plan),
}

impl Rule<Grants> for AppRule {
    fn check(&self, session: &Session) -> Result<(), AuthError> {
        match *self {
            AppRule::Role(role) if session.metadata.role != role => {
                Err(AuthError::Forbidden(format!("This needs the {role} role.")))
            }
            AppRule::Plan(plan) if session.metadata.plan != plan => {
                Err(AuthError::UpgradeRequired(format!(
                    "This feature is part of the {plan} plan. Upgrade to use it."
                )))
            }
            _ => Ok(()),
        }
    }
}

/// A request's checks by the app's role and plan.
pub trait RequireGrants {
    /// The session, with `role`; else 401/403.
    fn require_role(&self, role: Role) -> Result<Arc<Session>, AppError>;
    /// The session, on `plan`; else 401/403 "Upgrade required".
    fn require_plan(&self, plan: Plan) -> Result<Arc<Session>, AppError>;
}

impl RequireGrants for Auth {
    fn require_role(&self, role: Role) -> Result<Arc<Session>, AppError> {
        let session = self.require()?;
        AppRule::Role(role).check(&session)?;
        Ok(session)
    }

    fn require_plan(&self, plan: Plan) -> Result<Arc<Session>, AppError> {
        let session = self.require()?;
        AppRule::Plan(plan).check(&session)?;
        Ok(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn member() -> Auth {
        Auth::SignedIn(Arc::new(Session::from_claims(
            serde_json::from_value(json!({"sub": "user_1"})).unwrap(),
        )))
    }

    #[test]
    fn role_and_plan_checks_map_to_the_right_errors() {
        let member = member();
        assert_eq!(member.require_role(Role::Admin).unwrap_err().status(), 403);
        let err = member.require_plan(Plan::Pro).unwrap_err();
        assert_eq!((err.status(), err.title()), (403, "Upgrade required"));
        assert!(member.require_role(Role::Member).is_ok());
        assert_eq!(
            Auth::SignedOut
                .require_role(Role::Member)
                .unwrap_err()
                .status(),
            401
        );
    }

    #[test]
    fn has_answers_for_the_apps_role_and_plan() {
        let admin = Session::from_claims(
            serde_json::from_value(
                json!({"sub": "u", "metadata": {"role": "admin"}, "pla": "u:pro"}),
            )
            .unwrap(),
        );
        use leptos_clerk::server::Check;
        assert!(admin.has(Check::Role("admin")));
        assert!(admin.has(Check::Plan("pro")));
        assert!(!admin.has(Check::Role("member")));
    }
}
