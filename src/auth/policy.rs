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

    #[test]
    fn the_bypass_class_is_closed() {
        let policy = app();
        let signed_in = vec![Access::SignedIn];
        let cases: &[(&str, Vec<Access>)] = &[
            ("/dashboard", signed_in.clone()),
            ("/Dashboard", signed_in.clone()),
            ("/dashboard/", signed_in.clone()),
            ("//dashboard", signed_in.clone()),
            ("/%64ashboard", signed_in.clone()),
            ("/dashboard/posts/7", signed_in.clone()),
            // Its own route, not part of /dashboard/*.
            ("/dashboardxyz", vec![]),
            ("/dashboard-old", vec![]),
            // Both readings must be satisfied: admin (as written) and signed in (resolved).
            ("/api/admin/../protected", vec![admin(), Access::SignedIn]),
            ("/api/public/../admin/users", vec![admin()]),
            ("/api%2Fadmin%2Fusers", vec![admin()]),
            (
                "/API/Premium/generate",
                vec![Access::Require(AppRule::Plan(Plan::Pro))],
            ),
            ("/api/webhooks/clerk", vec![]),
            ("/", vec![]),
            ("/pricing", vec![]),
        ];
        for (path, expected) in cases {
            assert_eq!(&policy.requirements(path), expected, "{path}");
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
