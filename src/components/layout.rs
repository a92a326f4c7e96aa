//! The site header (brand, navigation, account calls to action) and footer.

use crate::app::CurrentUser;
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
                    <AccountActions/>
                </div>
            </nav>
        </header>
    }
}

/// Sign-in and sign-up calls to action, or who is signed in.
#[component]
fn AccountActions() -> impl IntoView {
    let current = expect_context::<CurrentUser>();
    let signed_out = || {
        view! {
            <a class="button button-ghost" href="/sign-in">"Sign in"</a>
            <a class="button button-primary" href="/sign-up">"Sign up"</a>
        }
    };
    view! {
        <Suspense fallback=signed_out>
            {move || Suspend::new(async move {
                match current.await {
                    Ok(Some(user)) => view! {
                        <span class="signed-in-as" data-testid="signed-in-as">{user.display_name()}</span>
                        <a class="button button-primary" href="/dashboard">"Dashboard"</a>
                    }
                    .into_any(),
                    _ => signed_out().into_any(),
                }
            })}
        </Suspense>
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
