//! The `Auth` value of a request: signed in (with the session's claims and
//! what they grant), signed out, or unknown because keys were unavailable;
//! Clerk's `has()` over it; and reverification's rules.

use super::error::AuthError;
use clerk_protocol::claims::{OrgContext, SessionClaims};
use std::{fmt::Debug, sync::Arc};

/// What the app reads from a verified session token beyond Clerk's own
/// claims — its roles, plans or flags, usually from public metadata in the
/// token (a session-token template). Read once per verified token and kept
/// with the session, so it always comes from the token, never from a
/// database copy that may lag behind.
///
/// `has_role` and `has_plan` are what `has()` asks it: its own roles and
/// plans (say `admin`, `pro`), besides Clerk's organization roles and
/// billing plans, which `has()` reads from the claims itself.
pub trait Metadata: Clone + Debug + Send + Sync + 'static {
    /// Reads the app's metadata from the verified claims. It must not fail:
    /// a missing or unknown value reads as the least privileged one.
    fn from_claims(claims: &SessionClaims) -> Self;

    /// Does it hold role `role`?
    fn has_role(&self, _role: &str) -> bool {
        false
    }

    /// Does it hold plan `plan`?
    fn has_plan(&self, _plan: &str) -> bool {
        false
    }
}

/// No metadata of the app's own.
impl Metadata for () {
    fn from_claims(_claims: &SessionClaims) -> Self {}
}

/// The verified identity of one request. Computed once by the auth layer.
#[derive(Debug, Clone)]
pub enum Auth<M> {
    /// A verified session.
    SignedIn(Arc<Session<M>>),
    /// No session, or one that did not verify.
    SignedOut,
    /// A token was presented but could not be checked (Clerk's keys were
    /// unreachable): protected resources answer 503, public ones treat the
    /// caller as signed out.
    Unavailable,
}

/// A verified session.
#[derive(Debug, Clone)]
pub struct Session<M> {
    /// Its user (`sub`).
    pub user_id: String,
    /// Its session (`sid`).
    pub session_id: Option<String>,
    /// The active organization, its role and permissions (the `o` claim).
    pub org: Option<OrgContext>,
    /// The app's metadata, read from the claims.
    pub metadata: M,
    /// Every verified claim.
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
    /// A level within `after_minutes`.
    Custom {
        /// Which factors.
        level: VerificationLevel,
        /// How recently, in minutes.
        after_minutes: i64,
    },
}

/// Which factors a reverification asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationLevel {
    /// The first factor (password, code).
    FirstFactor,
    /// The second factor when enrolled, else the first.
    SecondFactor,
    /// Both factors; needs a second one enrolled.
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

impl<M: Metadata> Session<M> {
    /// The session `claims` stand for (verified by the caller).
    pub fn from_claims(claims: SessionClaims) -> Self {
        Session {
            user_id: claims.sub.clone().unwrap_or_default(),
            session_id: claims.sid.clone(),
            org: claims.org(),
            metadata: M::from_claims(&claims),
            claims,
        }
    }

    /// Clerk's `has()`: a role (the app's, or the organization's with or
    /// without `org:`), a plan (the app's, or a billing plan), an
    /// organization permission, a feature, or a recent enough
    /// verification. Anything absent answers `false`.
    pub fn has(&self, check: Check<'_>) -> bool {
        match check {
            Check::Role(role) => {
                self.metadata.has_role(role)
                    || self
                        .org
                        .as_ref()
                        .and_then(|o| o.role.as_deref())
                        .is_some_and(|r| r == role || r.strip_prefix("org:") == Some(role))
            }
            Check::Plan(plan) => match plan.split_once(':') {
                Some((scope, name)) => self.claims.plans(scope).iter().any(|p| p == name),
                None => {
                    self.metadata.has_plan(plan) || self.claims.plans("o").iter().any(|p| p == plan)
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
    pub fn require_reverification(&self, requirement: Reverification) -> Result<(), AuthError> {
        if requirement.is_met_by(self.claims.fva.as_deref()) {
            Ok(())
        } else {
            Err(AuthError::ReverificationRequired(requirement.name()))
        }
    }
}

impl<M> Auth<M> {
    /// The verified session, when signed in.
    pub fn session(&self) -> Option<&Arc<Session<M>>> {
        match self {
            Auth::SignedIn(session) => Some(session),
            _ => None,
        }
    }

    /// The signed-in user's id.
    pub fn user_id(&self) -> Option<&str> {
        self.session().map(|s| s.user_id.as_str())
    }

    /// Is there a verified session?
    pub fn is_signed_in(&self) -> bool {
        matches!(self, Auth::SignedIn(_))
    }

    /// The session, or the error a protected resource answers with: 401
    /// signed out, 503 when sign-in could not be checked.
    pub fn require(&self) -> Result<Arc<Session<M>>, AuthError> {
        match self {
            Auth::SignedIn(session) => Ok(session.clone()),
            Auth::SignedOut => Err(AuthError::Unauthenticated),
            Auth::Unavailable => Err(AuthError::Unavailable(
                "Sign-in cannot be checked right now. Please try again shortly.".into(),
            )),
        }
    }

    /// The session, if its token names an active organization.
    pub fn require_organization(&self) -> Result<Arc<Session<M>>, AuthError> {
        let session = self.require()?;
        if session.org.is_some() {
            Ok(session)
        } else {
            Err(AuthError::Forbidden(
                "This needs an active organization: choose one in the organization switcher."
                    .into(),
            ))
        }
    }

    /// The session, if the active organization grants `permission`.
    pub fn require_permission(&self, permission: &str) -> Result<Arc<Session<M>>, AuthError> {
        let session = self.require()?;
        let granted = session
            .org
            .as_ref()
            .is_some_and(|o| o.permissions.iter().any(|p| p == permission));
        if granted {
            Ok(session)
        } else {
            Err(AuthError::Forbidden(format!(
                "This needs the {permission} permission in the active organization."
            )))
        }
    }
}

impl<M: Metadata> Auth<M> {
    /// Clerk's `has()` for this request: `false` when signed out.
    pub fn has(&self, check: Check<'_>) -> bool {
        self.session().is_some_and(|s| s.has(check))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// An app's metadata: a role from `metadata.role`, a plan from
    /// `metadata.plan`.
    #[derive(Debug, Clone)]
    struct Meta {
        role: Option<String>,
        plan: Option<String>,
    }

    impl Metadata for Meta {
        fn from_claims(claims: &SessionClaims) -> Self {
            let read = |key: &str| claims.metadata.as_ref()?[key].as_str().map(str::to_owned);
            Meta {
                role: read("role"),
                plan: read("plan"),
            }
        }
        fn has_role(&self, role: &str) -> bool {
            self.role.as_deref() == Some(role)
        }
        fn has_plan(&self, plan: &str) -> bool {
            self.plan.as_deref() == Some(plan)
        }
    }

    fn session(claims: serde_json::Value) -> Session<Meta> {
        Session::from_claims(serde_json::from_value(claims).unwrap())
    }

    #[test]
    fn has_checks_roles_plans_permissions_and_features() {
        let s = session(json!({
            "sub": "user_1", "v": 2, "pla": "u:pro", "fea": "u:export,o:teams",
            "metadata": {"role": "admin", "plan": "pro"},
            "o": {"id": "org_1", "rol": "billing", "per": "manage", "fpm": "1"}
        }));
        assert!(s.has(Check::Role("admin")));
        assert!(s.has(Check::Role("org:billing")));
        assert!(s.has(Check::Role("billing")));
        assert!(!s.has(Check::Role("member")));
        assert!(s.has(Check::Plan("pro")));
        assert!(s.has(Check::Plan("u:pro")));
        assert!(!s.has(Check::Plan("team")));
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
        assert_eq!(err, AuthError::ReverificationRequired("strict"));
        assert_eq!(err.status(), 403);
        let none = session(json!({"sub": "user_1"}));
        assert!(!none.has(Check::Reverification(Lax)));
    }

    #[test]
    fn require_maps_to_the_right_errors() {
        assert_eq!(Auth::<()>::SignedOut.require().unwrap_err().status(), 401);
        assert_eq!(Auth::<()>::Unavailable.require().unwrap_err().status(), 503);
        let member = Auth::SignedIn(Arc::new(session(json!({"sub": "user_1"}))));
        assert_eq!(member.require_organization().unwrap_err().status(), 403);
        assert_eq!(
            member
                .require_permission("org:x:read")
                .unwrap_err()
                .status(),
            403
        );
        assert_eq!(member.user_id(), Some("user_1"));
        assert!(!Auth::<Meta>::SignedOut.has(Check::Role("member")));
    }
}
