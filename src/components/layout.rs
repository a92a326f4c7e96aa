//! The site header (brand, navigation, account calls to action) and footer.

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
                    <li><a href="/#features">"Features"</a></li>
                    <li><a href="/#pricing">"Pricing"</a></li>
                </ul>
                <div class="nav-actions">
                    <a class="button button-ghost" href="/sign-in">"Sign in"</a>
                    <a class="button button-primary" href="/sign-up">"Sign up"</a>
                </div>
            </nav>
        </header>
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
                    <li><a href="/#pricing">"Pricing"</a></li>
                    <li><a href="/healthz">"Status"</a></li>
                </ul>
            </div>
        </footer>
    }
}
