//! The `Auth` value of a request: signed in (with the session's claims and
//! what they grant), signed out, or unknown because keys were unavailable.

use crate::{
    clerk::claims::{OrgContext, SessionClaims},
    error::AppError,
    model::{Plan, Role},
};
use std::sync::Arc;

/// The verified identity of one request. Computed once by the auth layer.
#[derive(Debug, Clone)]
pub enum Auth {
    SignedIn(Arc<Session>),
    SignedOut,
    /// A token was presented but could not be checked (Clerk's keys were
    /// unreachable): protected resources answer 503, public ones treat the
    /// caller as signed out.
    Unavailable,
}

/// A verified session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub session_id: Option<String>,
    pub role: Role,
    pub plan: Plan,
    pub org: Option<OrgContext>,
    pub claims: SessionClaims,
}

/// What `has` can ask about, as Clerk's `has()` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check<'a> {
    /// App role (`admin`) or organization role (`org:admin`).
    Role(&'a str),
    /// App plan (`pro`) or a scoped billing plan (`u:pro`, `o:team`).
    Plan(&'a str),
    /// Organization permission (`org:posts:manage`).
    Permission(&'a str),
    /// Feature (`export`, `u:export`, `o:teams`).
    Feature(&'a str),
}

impl Session {
    pub fn from_claims(claims: SessionClaims) -> Self {
        Session {
            user_id: claims.sub.clone().unwrap_or_default(),
            session_id: claims.sid.clone(),
            role: claims.role(),
            plan: claims.plan(),
            org: claims.org(),
            claims,
        }
    }

    pub fn has(&self, check: Check<'_>) -> bool {
        match check {
            Check::Role(role) => {
                self.role.as_str() == role
                    || self
                        .org
                        .as_ref()
                        .and_then(|o| o.role.as_deref())
                        .is_some_and(|r| r == role || r.strip_prefix("org:") == Some(role))
            }
            Check::Plan(plan) => match plan.split_once(':') {
                Some((scope, name)) => self.claims.plans(scope).iter().any(|p| p == name),
                None => {
                    self.plan.as_str() == plan || self.claims.plans("o").iter().any(|p| p == plan)
                }
            },
            Check::Permission(permission) => self
                .org
                .as_ref()
                .is_some_and(|o| o.permissions.iter().any(|p| p == permission)),
            Check::Feature(feature) => match feature.split_once(':') {
                Some((scope, name)) => self.claims.features(scope).iter().any(|f| f == name),
                None => ["u", "o"]
                    .iter()
                    .any(|scope| self.claims.features(scope).iter().any(|f| f == feature)),
            },
        }
    }
}

impl Auth {
    pub fn session(&self) -> Option<&Arc<Session>> {
        match self {
            Auth::SignedIn(session) => Some(session),
            _ => None,
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        self.session().map(|s| s.user_id.as_str())
    }

    pub fn is_signed_in(&self) -> bool {
        matches!(self, Auth::SignedIn(_))
    }

    pub fn has(&self, check: Check<'_>) -> bool {
        self.session().is_some_and(|s| s.has(check))
    }

    /// The session, or the error a protected resource answers with.
    pub fn require(&self) -> Result<Arc<Session>, AppError> {
        match self {
            Auth::SignedIn(session) => Ok(session.clone()),
            Auth::SignedOut => Err(AppError::Unauthenticated),
            Auth::Unavailable => Err(AppError::Unavailable(
                "Sign-in cannot be checked right now. Please try again shortly.".into(),
            )),
        }
    }

    pub fn require_role(&self, role: Role) -> Result<Arc<Session>, AppError> {
        let session = self.require()?;
        if session.role == role {
            Ok(session)
        } else {
            Err(AppError::Forbidden(format!("This needs the {role} role.")))
        }
    }

    pub fn require_plan(&self, plan: Plan) -> Result<Arc<Session>, AppError> {
        let session = self.require()?;
        if session.plan == plan {
            Ok(session)
        } else {
            Err(AppError::UpgradeRequired(format!(
                "This feature is part of the {plan} plan. Upgrade to use it."
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session(claims: serde_json::Value) -> Session {
        Session::from_claims(serde_json::from_value(claims).unwrap())
    }

    #[test]
    fn has_checks_roles_plans_permissions_and_features() {
        let s = session(json!({
            "sub": "user_1", "v": 2, "pla": "u:pro", "fea": "u:export,o:teams",
            "metadata": {"role": "admin"},
            "o": {"id": "org_1", "rol": "billing", "per": "manage", "fpm": "1"}
        }));
        assert!(s.has(Check::Role("admin")));
        assert!(s.has(Check::Role("org:billing")));
        assert!(s.has(Check::Role("billing")));
        assert!(!s.has(Check::Role("member")));
        assert!(s.has(Check::Plan("pro")));
        assert!(s.has(Check::Plan("u:pro")));
        assert!(!s.has(Check::Plan("o:pro")));
        assert!(s.has(Check::Permission("org:teams:manage")));
        assert!(!s.has(Check::Permission("org:teams:read")));
        assert!(s.has(Check::Feature("export")));
        assert!(s.has(Check::Feature("o:teams")));
        assert!(!s.has(Check::Feature("u:teams")));
    }

    #[test]
    fn require_maps_to_the_right_errors() {
        assert_eq!(Auth::SignedOut.require().unwrap_err().status(), 401);
        assert_eq!(Auth::Unavailable.require().unwrap_err().status(), 503);
        let member = Auth::SignedIn(Arc::new(session(json!({"sub": "user_1"}))));
        assert_eq!(member.require_role(Role::Admin).unwrap_err().status(), 403);
        let err = member.require_plan(Plan::Pro).unwrap_err();
        assert_eq!((err.status(), err.title()), (403, "Upgrade required"));
        assert!(member.require_role(Role::Member).is_ok());
        assert_eq!(member.user_id(), Some("user_1"));
        assert!(!Auth::SignedOut.has(Check::Role("member")));
    }
}
