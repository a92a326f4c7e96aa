//! Inkpad's route table: which paths need a session, an active
//! organization, the admin role or the Pro plan. The layer
//! (`leptos_clerk::server`) enforces it; handlers check again for
//! themselves.

use super::{access::AppRule, Access, Policy};
use crate::model::{Plan, Role};

/// This app's routes.
pub fn app() -> Policy {
    Policy::new(&[
        ("/api/webhooks/*", Access::Public),
        ("/api/admin/*", admin()),
        ("/api/premium/*", Access::Require(AppRule::Plan(Plan::Pro))),
        ("/api/protected/*", Access::SignedIn),
        ("/api/user/*", Access::SignedIn),
        ("/api/session", Access::SignedIn),
        ("/admin/*", admin()),
        ("/dashboard/*", Access::SignedIn),
        ("/onboarding/*", Access::SignedIn),
        ("/settings/*", Access::SignedIn),
        // Clerk's OrganizationProfile manages the active organization.
        ("/organization/*", Access::ActiveOrganization),
        ("/organizations/*", Access::SignedIn),
        // The page shows an upgrade prompt to free users; the API is Pro-only.
        ("/premium/*", Access::SignedIn),
    ])
    .expect("the app's policy table is valid")
}

fn admin() -> Access {
    Access::Require(AppRule::Role(Role::Admin))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each area of the app gets its requirement; how paths are read
    /// (case, escapes, `..`) is the library's, tested there.
    #[test]
    fn each_area_has_its_requirement() {
        let policy = app();
        let pro = Access::Require(AppRule::Plan(Plan::Pro));
        for (path, expected) in [
            ("/dashboard/posts/7", vec![Access::SignedIn]),
            ("/settings", vec![Access::SignedIn]),
            ("/admin/users", vec![admin()]),
            ("/api/admin/users", vec![admin()]),
            ("/API/Premium/generate", vec![pro]),
            ("/premium", vec![Access::SignedIn]),
            ("/api/protected/../admin/x", vec![Access::SignedIn, admin()]),
            ("/api/webhooks/clerk", vec![]),
            ("/", vec![]),
            ("/pricing", vec![]),
        ] {
            assert_eq!(policy.requirements(path), expected, "{path}");
        }
    }

    #[test]
    fn organization_pages_need_an_organization_or_a_session() {
        let app = app();
        assert_eq!(
            app.requirements("/organization/organization-members"),
            [Access::ActiveOrganization]
        );
        assert_eq!(app.requirements("/organizations/new"), [Access::SignedIn]);
    }
}
