//! The `Auth` value of a request: signed in (with the session's claims and
//! what they grant), signed out, or unknown because keys were unavailable.

use crate::{
    clerk::{
        claims::{OrgContext, SessionClaims},
        metadata::AppMetadata,
    },
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
    /// Credentials confirmed recently enough (Clerk's reverification).
    Reverification(Reverification),
}

/// How recently, and with which factors, a user must have proved who they
/// are — Clerk's reverification presets (`@clerk/shared`'s
/// `TYPES_TO_OBJECTS`) and custom requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reverification {
    /// Second factor (or the first, without 2FA) within 10 minutes.
    Strict,
    /// Both factors within 10 minutes; needs 2FA enrolled.
    StrictMfa,
    /// Second factor (or the first) within an hour.
    Moderate,
    /// Second factor (or the first) within a day.
    Lax,
    Custom {
        level: VerificationLevel,
        after_minutes: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationLevel {
    FirstFactor,
    SecondFactor,
    MultiFactor,
}

impl Reverification {
    /// The level and the age limit (minutes) this requirement stands for.
    pub fn requirement(self) -> (VerificationLevel, i64) {
        use VerificationLevel::*;
        match self {
            Reverification::Strict => (SecondFactor, 10),
            Reverification::StrictMfa => (MultiFactor, 10),
            Reverification::Moderate => (SecondFactor, 60),
            Reverification::Lax => (SecondFactor, 1_440),
            Reverification::Custom {
                level,
                after_minutes,
            } => (level, after_minutes),
        }
    }

    /// The preset's name, as Clerk's error metadata carries it.
    pub fn name(self) -> &'static str {
        match self {
            Reverification::Strict => "strict",
            Reverification::StrictMfa => "strict_mfa",
            Reverification::Moderate => "moderate",
            Reverification::Lax => "lax",
            Reverification::Custom { .. } => "custom",
        }
    }

    /// Does `fva` (`[minutes since first factor, minutes since second
    /// factor]`, -1 = not enrolled) meet it? Clerk's rules, failing closed:
    /// a missing or malformed `fva`, an invalid requirement, or a first
    /// factor never verified (-1) never pass.
    pub fn is_met_by(self, fva: Option<&[i64]>) -> bool {
        let Some(&[factor1, factor2]) = fva else {
            return false;
        };
        let valid_age = |age: i64| age == -1 || age >= 0;
        let (level, after) = self.requirement();
        if !valid_age(factor1) || !valid_age(factor2) || after <= 0 || factor1 == -1 {
            return false;
        }
        let fresh1 = after > factor1;
        match level {
            VerificationLevel::FirstFactor => fresh1,
            VerificationLevel::SecondFactor => {
                if factor2 == -1 {
                    fresh1
                } else {
                    after > factor2
                }
            }
            VerificationLevel::MultiFactor => factor2 != -1 && fresh1 && after > factor2,
        }
    }
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
            Check::Reverification(requirement) => requirement.is_met_by(self.claims.fva.as_deref()),
        }
    }

    /// `Ok` when the session meets `requirement`, else the reverification
    /// error Clerk's clients know how to answer (403).
    pub fn require_reverification(&self, requirement: Reverification) -> Result<(), AppError> {
        if self.has(Check::Reverification(requirement)) {
            Ok(())
        } else {
            Err(AppError::ReverificationRequired(requirement.name().into()))
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

    /// The session, if its token names an active organization.
    pub fn require_organization(&self) -> Result<Arc<Session>, AppError> {
        let session = self.require()?;
        if session.org.is_some() {
            Ok(session)
        } else {
            Err(AppError::Forbidden(
                "This needs an active organization: choose one in the organization switcher."
                    .into(),
            ))
        }
    }

    /// The session, if the active organization grants `permission`.
    pub fn require_permission(&self, permission: &str) -> Result<Arc<Session>, AppError> {
        let session = self.require()?;
        if session.has(Check::Permission(permission)) {
            Ok(session)
        } else {
            Err(AppError::Forbidden(format!(
                "This needs the {permission} permission in the active organization."
            )))
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
    fn reverification_follows_clerks_presets_and_fails_closed() {
        use Reverification::*;
        let met = |r: Reverification, fva: &[i64]| r.is_met_by(Some(fva));
        // strict: 10 minutes, the second factor when enrolled, else the first.
        assert!(met(Strict, &[9, -1]));
        assert!(!met(Strict, &[10, -1]), "10 is not under 10");
        assert!(met(Strict, &[500, 3]), "a fresh second factor is enough");
        assert!(
            !met(Strict, &[0, 11]),
            "an enrolled second factor must be fresh"
        );
        // strict_mfa needs both, and an enrolled second factor.
        assert!(met(StrictMfa, &[2, 3]));
        assert!(!met(StrictMfa, &[2, -1]));
        assert!(!met(StrictMfa, &[12, 3]));
        assert!(met(Moderate, &[59, -1]) && !met(Moderate, &[60, -1]));
        assert!(met(Lax, &[1_439, -1]) && !met(Lax, &[1_440, -1]));
        let first = Custom {
            level: VerificationLevel::FirstFactor,
            after_minutes: 5,
        };
        assert!(met(first, &[4, 100]) && !met(first, &[5, 0]));
        // Fail closed on anything missing or malformed.
        assert!(!Strict.is_met_by(None));
        for bad in [
            &[][..],
            &[1],
            &[1, 2, 3],
            &[-1, -1],
            &[-1, 0],
            &[-2, -1],
            &[1, -5],
        ] {
            assert!(!met(Strict, bad), "{bad:?}");
        }
        assert!(!met(
            Custom {
                level: VerificationLevel::FirstFactor,
                after_minutes: 0
            },
            &[0, -1]
        ));

        let s = session(json!({"sub": "user_1", "fva": [3, -1]}));
        assert!(s.has(Check::Reverification(Strict)));
        assert!(s.require_reverification(Strict).is_ok());
        let stale = session(json!({"sub": "user_1", "fva": [11, -1]}));
        let err = stale.require_reverification(Strict).unwrap_err();
        assert_eq!(err, AppError::ReverificationRequired("strict".into()));
        assert_eq!(err.status(), 403);
        let none = session(json!({"sub": "user_1"}));
        assert!(!none.has(Check::Reverification(Lax)));
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
