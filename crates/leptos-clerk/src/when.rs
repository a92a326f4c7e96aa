//! [`When`]: a condition on the caller, as Clerk's `<Show when={…}>`
//! takes it. Conditions only decide what the page shows; the server checks
//! every request on its own.

use crate::user::AuthUser;
use std::sync::Arc;

/// A condition on the caller.
///
/// An app adds conditions on its own metadata with [`When::user`], and may
/// give its types `From` impls so that `<Show when=Role::Admin>` reads well:
///
/// ```
/// # use leptos_clerk::{AuthUser, Organization, When};
/// # #[derive(Clone)] struct Me { admin: bool }
/// # impl AuthUser for Me {
/// #     fn user_id(&self) -> &str { "user_1" }
/// #     fn session_id(&self) -> Option<&str> { None }
/// #     fn organization(&self) -> Option<&Organization> { None }
/// #     fn permissions(&self) -> &[String] { &[] }
/// #     fn features(&self) -> &[String] { &[] }
/// #     fn plans(&self) -> &[String] { &[] }
/// #     fn as_any(&self) -> &dyn std::any::Any { self }
/// # }
/// let admins = When::user(|me: &Me| me.admin);
/// assert!(admins.matches(Some(&Me { admin: true })));
/// assert!(!admins.matches(Some(&Me { admin: false })));
/// assert!(!admins.matches(None));
/// ```
#[derive(Clone)]
pub enum When {
    /// Anyone signed in.
    SignedIn,
    /// Nobody signed in.
    SignedOut,
    /// An organization permission, such as `org:posts:manage`.
    Permission(String),
    /// An organization role, such as `org:admin` (or `admin`).
    OrgRole(String),
    /// A Clerk feature: `u:export`, `o:teams`, or unscoped for either.
    Feature(String),
    /// A Clerk billing plan: `u:pro`, `o:team`, or unscoped for either
    /// (and whatever else the app's [`AuthUser::has_plan`] counts).
    BillingPlan(String),
    /// Every one of these.
    All(Vec<When>),
    /// A check of the app's own (see [`When::user`]).
    Check(UserCheck),
}

/// A check of the app's own on the caller.
pub type UserCheck = Arc<dyn Fn(&dyn AuthUser) -> bool + Send + Sync>;

impl When {
    /// A check on the app's own snapshot type `U` (the type its provider
    /// holds); a caller of another type never matches.
    pub fn user<U: AuthUser>(check: impl Fn(&U) -> bool + Send + Sync + 'static) -> Self {
        When::Check(Arc::new(move |user: &dyn AuthUser| {
            user.as_any().downcast_ref::<U>().is_some_and(&check)
        }))
    }

    /// Does `user` (`None`: signed out) satisfy this?
    pub fn matches(&self, user: Option<&dyn AuthUser>) -> bool {
        match (self, user) {
            (When::SignedOut, user) => user.is_none(),
            (When::All(all), user) => all.iter().all(|w| w.matches(user)),
            (_, None) => false,
            (When::SignedIn, Some(_)) => true,
            (When::Permission(p), Some(u)) => u.has_permission(p),
            (When::OrgRole(role), Some(u)) => u.has_org_role(role),
            (When::Feature(feature), Some(u)) => u.has_feature(feature),
            (When::BillingPlan(plan), Some(u)) => u.has_plan(plan),
            (When::Check(f), Some(u)) => f(u),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::tests::Member;

    #[test]
    fn conditions_match_the_callers_state() {
        let member = Member::acme();
        let me: Option<&dyn AuthUser> = Some(&member);
        assert!(When::SignedIn.matches(me));
        assert!(!When::SignedOut.matches(me));
        assert!(When::SignedOut.matches(None));
        assert!(!When::SignedIn.matches(None));
        assert!(When::Permission("org:posts:manage".into()).matches(me));
        assert!(!When::Permission("org:posts:manage".into()).matches(None));
        assert!(When::OrgRole("member".into()).matches(me));
        assert!(When::Feature("teams".into()).matches(me));
        assert!(When::BillingPlan("o:team".into()).matches(me));
        assert!(!When::BillingPlan("u:team".into()).matches(me));
        assert!(When::user(|m: &Member| m.org.is_some()).matches(me));
        let both = When::All(vec![
            When::OrgRole("member".into()),
            When::Permission("org:billing:manage".into()),
        ]);
        assert!(!both.matches(me), "every condition must hold");
        assert!(When::All(Vec::new()).matches(me));
        assert!(
            When::All(Vec::new()).matches(None),
            "no condition at all holds for anyone"
        );
    }
}
