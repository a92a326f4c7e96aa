//! The site header (brand, navigation that follows the auth state, the user
//! button with the organization switcher — an island — or sign-in/up
//! links) and footer.

use crate::{
    components::clerk::{
        OrganizationSwitcher, Show, SignInButton, SignUpButton, SignedIn, SignedOut, UserButton,
    },
    model::Role,
};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="site-header">
            <nav class="nav container" aria-label="Main">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"✎"</span>
                    " Inkpad"
                </A>
                <ul class="nav-links">
                    <SignedOut>
                        <li><a href="/#features">"Features"</a></li>
                    </SignedOut>
                    <SignedIn>
                        <li><a href="/dashboard">"Dashboard"</a></li>
                        <li><a href="/premium">"Premium"</a></li>
                        <li><a href="/settings">"Settings"</a></li>
                    </SignedIn>
                    <Show when=Role::Admin>
                        <li><a href="/admin">"Admin"</a></li>
                    </Show>
                    <li><a href="/pricing">"Pricing"</a></li>
                </ul>
                <div class="nav-actions">
                    <SignedIn>
                        <AccountMenu/>
                    </SignedIn>
                    <SignedOut>
                        <SignInButton class="button button-ghost"/>
                        <SignUpButton class="button button-primary"/>
                    </SignedOut>
                </div>
            </nav>
        </header>
    }
}

/// Clerk's organization switcher and user button: an island, since Clerk
/// mounts them in the browser.
#[island]
fn AccountMenu() -> impl IntoView {
    view! {
        <OrganizationSwitcher
            create_organization_url="/organizations/new"
            organization_profile_url="/organization"
            after_create_organization_url="/dashboard"
            after_leave_organization_url="/dashboard"/>
        <UserButton/>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="container footer-inner">
                <p>"© Inkpad — a reference Leptos app secured with Clerk."</p>
                <ul class="footer-links">
                    <li><a href="/#features">"Features"</a></li>
                    <li><a href="/pricing">"Pricing"</a></li>
                    <li><a href="/healthz">"Status"</a></li>
                </ul>
            </div>
        </footer>
    }
}
