//! Who the browser believes is signed in: the [`AuthUser`] trait an app's
//! own snapshot type implements, and the active [`Organization`].
//!
//! The snapshot is the server's verdict on the caller (built from the
//! verified session token and handed to the page), never something the
//! browser worked out: the library only reads it to decide what to *show*.
//! Everything it answers is public (ids, organization role, features,
//! plans); secrets and private metadata have no place in it.

use serde::{Deserialize, Serialize};
use std::any::Any;

/// The session's active organization, as the token names it (Clerk's `o`
/// claim).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// `org_…`.
    pub id: String,
    /// The organization's slug, when it has one.
    pub slug: Option<String>,
    /// The member's role: `org:admin`, `org:member`, …
    pub role: Option<String>,
}

/// An app's view of the signed-in caller, as its server hands it to the
/// page. The app keeps its own type (with its own metadata: roles, plans,
/// names) and implements the accessors; the checks `Show`/`Protect` make
/// are provided, with Clerk's `has()` semantics.
///
/// `Any` lets an app read its own type back ([`crate::use_user`],
/// [`crate::When::user`]) through the provider, which holds it erased.
pub trait AuthUser: Any + Send + Sync {
    /// Clerk's user id (`user_…`).
    fn user_id(&self) -> &str;
    /// The session's id (`sess_…`), when the server knows it.
    fn session_id(&self) -> Option<&str>;
    /// The active organization, if any.
    fn organization(&self) -> Option<&Organization>;
    /// The active organization's permissions (`org:posts:manage`).
    fn permissions(&self) -> &[String];
    /// Clerk features, scoped: `u:export`, `o:teams` (the `fea` claim).
    fn features(&self) -> &[String];
    /// Clerk billing plans, scoped: `u:pro`, `o:team` (the `pla` claim).
    fn plans(&self) -> &[String];

    /// How the user button names the caller; the user id unless the app
    /// knows better (a name, an email).
    fn display_name(&self) -> String {
        self.user_id().to_owned()
    }

    /// Clerk's `has({ permission })` in the active organization.
    fn has_permission(&self, permission: &str) -> bool {
        self.permissions().iter().any(|p| p == permission)
    }

    /// Clerk's `has({ role })` for organization roles: `org:admin`, or
    /// `admin` meaning the same.
    fn has_org_role(&self, role: &str) -> bool {
        let have = self.organization().and_then(|o| o.role.as_deref());
        match role.strip_prefix("org:") {
            Some(_) => have == Some(role),
            None => have.and_then(|r| r.strip_prefix("org:")) == Some(role),
        }
    }

    /// Clerk's `has({ feature })`: `u:export` or `o:teams` in that scope,
    /// an unscoped name in either.
    fn has_feature(&self, feature: &str) -> bool {
        scoped_match(self.features(), feature)
    }

    /// Clerk's `has({ plan })`: `u:pro` or `o:team` in that scope, an
    /// unscoped name in either. An app whose metadata also carries a plan
    /// overrides this to count it.
    fn has_plan(&self, plan: &str) -> bool {
        scoped_match(self.plans(), plan)
    }

    /// Does `other` have the same access as this caller: the same user,
    /// session and active organization, with the same permissions,
    /// features and plans? In an islands app a page is loaded again when
    /// Clerk reports a change that alters access (what the server rendered
    /// depends on it), while other changes (a name, an image) update the
    /// islands in place. An app whose metadata also grants access (a role,
    /// a plan) extends this to compare it, reading `other` back through
    /// [`AuthUser::as_any`].
    fn same_access(&self, other: &dyn AuthUser) -> bool {
        same_claims(self, other)
    }

    /// This value as `Any`, so that an app can read its own type back.
    fn as_any(&self) -> &dyn Any;
}

/// Do `a` and `b` carry the same Clerk claims: user, session, active
/// organization, permissions, features and plans? The default of
/// [`AuthUser::same_access`], for an app's own version to build on.
pub fn same_claims(a: &(impl AuthUser + ?Sized), b: &dyn AuthUser) -> bool {
    a.user_id() == b.user_id()
        && a.session_id() == b.session_id()
        && a.organization() == b.organization()
        && a.permissions() == b.permissions()
        && a.features() == b.features()
        && a.plans() == b.plans()
}

/// Does a scoped list (`u:export`, `o:teams`) hold `wanted` (scoped: in
/// that scope; unscoped: in either)?
pub fn scoped_match(list: &[String], wanted: &str) -> bool {
    list.iter().any(|have| match wanted.split_once(':') {
        Some(_) => have == wanted,
        None => have.split_once(':').is_some_and(|(_, name)| name == wanted),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A caller with an organization role, a permission, features and a plan.
    #[derive(Debug, Clone)]
    pub struct Member {
        pub org: Option<Organization>,
        pub permissions: Vec<String>,
        pub features: Vec<String>,
        pub plans: Vec<String>,
    }

    impl Member {
        pub fn acme() -> Self {
            Member {
                org: Some(Organization {
                    id: "org_1".into(),
                    slug: Some("acme".into()),
                    role: Some("org:member".into()),
                }),
                permissions: vec!["org:posts:manage".into()],
                features: vec!["u:export".into(), "o:teams".into()],
                plans: vec!["o:team".into()],
            }
        }
    }

    impl AuthUser for Member {
        fn user_id(&self) -> &str {
            "user_1"
        }
        fn session_id(&self) -> Option<&str> {
            Some("sess_1")
        }
        fn organization(&self) -> Option<&Organization> {
            self.org.as_ref()
        }
        fn permissions(&self) -> &[String] {
            &self.permissions
        }
        fn features(&self) -> &[String] {
            &self.features
        }
        fn plans(&self) -> &[String] {
            &self.plans
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    #[test]
    fn access_is_the_claims() {
        let member = Member::acme();
        assert!(member.same_access(&Member::acme()));
        let personal = Member {
            org: None,
            ..Member::acme()
        };
        assert!(!member.same_access(&personal), "another organization");
        let more = Member {
            permissions: vec!["org:posts:manage".into(), "org:sys:delete".into()],
            ..Member::acme()
        };
        assert!(!member.same_access(&more), "other permissions");
        let unplanned = Member {
            plans: Vec::new(),
            ..Member::acme()
        };
        assert!(!member.same_access(&unplanned), "other plans");
    }

    #[test]
    fn organization_roles_read_with_or_without_the_prefix() {
        let member = Member::acme();
        assert!(member.has_org_role("org:member"));
        assert!(member.has_org_role("member"));
        assert!(!member.has_org_role("org:admin"));
        assert!(!member.has_org_role("admin"));
        assert!(!member.has_org_role("org:"), "an empty role names nobody");
        let personal = Member {
            org: None,
            ..member
        };
        assert!(!personal.has_org_role("org:member"));
    }

    #[test]
    fn features_and_plans_read_each_scope() {
        let member = Member::acme();
        assert!(member.has_feature("export"));
        assert!(member.has_feature("u:export"));
        assert!(!member.has_feature("o:export"));
        assert!(member.has_feature("o:teams"));
        assert!(member.has_plan("team"));
        assert!(member.has_plan("o:team"));
        assert!(!member.has_plan("u:team"));
        assert!(!member.has_plan("pro"));
        assert!(member.has_permission("org:posts:manage"));
        assert!(!member.has_permission("org:billing:manage"));
        assert_eq!(member.display_name(), "user_1");
    }
}
