//! `/organization/*` and `/organizations/new`: Clerk's organization
//! widgets, mounted from Rust. The route policy already demands an active
//! organization for the first and a session for the second; each widget's
//! calls are then checked again by Clerk against the caller's role.

use crate::components::clerk::{AuthGuard, CreateOrganization, OrganizationProfile};
use leptos::prelude::*;
use leptos_meta::Title;

/// The active organization: profile, members, invitations.
#[component]
pub fn OrganizationPage() -> impl IntoView {
    view! {
        <Title text="Organization"/>
        <AuthGuard>
            <section class="container organization-page">
                <h1>"Organization"</h1>
                <p class="lead">
                    "The organization you have active: its members and their roles, "
                    "invitations, and leaving it. Admins also rename and delete it."
                </p>
                <OrganizationProfileWidget/>
            </section>
        </AuthGuard>
    }
}

/// A new organization, with its creator as admin.
#[component]
pub fn NewOrganizationPage() -> impl IntoView {
    view! {
        <Title text="New organization"/>
        <AuthGuard>
            <section class="container narrow auth-page">
                <h1>"Create an organization"</h1>
                <p class="lead">"Posts written while it is active belong to the organization."</p>
                <CreateOrganizationWidget/>
            </section>
        </AuthGuard>
    }
}

/// Clerk's organization profile (mounted in the browser: an island).
#[island(lazy)]
fn OrganizationProfileWidget() -> impl IntoView {
    view! { <OrganizationProfile path="/organization" after_leave_organization_url="/dashboard"/> }
}

/// Clerk's form to create an organization (mounted in the browser: an
/// island).
#[island(lazy)]
fn CreateOrganizationWidget() -> impl IntoView {
    view! {
        <CreateOrganization
            path="/organizations/new"
            after_create_organization_url="/dashboard"
            skip_invitation_screen=true/>
    }
}
