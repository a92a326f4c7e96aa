//! The HTML shell and the router: which page answers which path.

use crate::{
    components::{
        clerk::ClerkProvider,
        layout::{Footer, Header},
        raw_text,
    },
    pages::{
        admin::Admin,
        auth_pages::{SignInPage, SignUpPage},
        dashboard::Dashboard,
        home::HomePage,
        not_found::NotFound,
        onboarding::Onboarding,
        organization::{NewOrganizationPage, OrganizationPage},
        premium::Premium,
        pricing::Pricing,
        settings::Settings,
        unauthorized::Unauthorized,
    },
    rpc::auth::current_user,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, Meta, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                // Content-hashed in release builds, so browsers keep it for good.
                <HashedStylesheet options=options.clone() id="leptos"/>
                // Islands: only the interactive parts of a page hydrate.
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

use crate::components::clerk::{AuthRuntime, CurrentUser};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let current: CurrentUser = Resource::new_blocking(|| (), |_| current_user());
    provide_context(current);
    let settings = Resource::new_blocking(|| (), |_| crate::rpc::auth::load_clerk_settings());

    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Meta name="description" content="Inkpad: write, publish and own your words — secured end to end with Clerk."/>
        // Raw text: whatever a page puts in its title goes in escaped.
        <Title formatter=|page: String| raw_text::title_text(if page.is_empty() { "Inkpad".to_owned() } else { format!("{page} · Inkpad") })/>
        // Inkpad greets writers by name: Clerk's sign-up shows its name fields.
        <ClerkProvider current settings show_optional_fields=true>
            // The first island on the page: the browser's auth state, which
            // every island after it reads.
            <Suspense>
                {move || Suspend::new(async move {
                    let caller = crate::components::settled(current).await?.ok().flatten();
                    let settings = crate::components::settled(settings).await?.ok();
                    Some(view! { <AuthRuntime caller settings/> })
                })}
            </Suspense>
            <Router>
                <a class="skip-link" href="#main">"Skip to content"</a>
                <Header/>
                <main id="main" class="main">
                    // Pages are rendered whole before sending (SsrMode::Async):
                    // they read right without scripts, and hydrate without a flash.
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                        // Clerk's flows may add path segments (`/sign-in/factor-one`).
                        <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async/>
                        <Route path=path!("/sign-in/*any") view=SignInPage ssr=SsrMode::Async/>
                        <Route path=path!("/sign-up") view=SignUpPage ssr=SsrMode::Async/>
                        <Route path=path!("/sign-up/*any") view=SignUpPage ssr=SsrMode::Async/>
                        <Route path=path!("/onboarding") view=Onboarding ssr=SsrMode::Async/>
                        <Route path=path!("/dashboard") view=Dashboard ssr=SsrMode::Async/>
                        <Route path=path!("/settings") view=Settings ssr=SsrMode::Async/>
                        <Route path=path!("/pricing") view=Pricing ssr=SsrMode::Async/>
                        <Route path=path!("/premium") view=Premium ssr=SsrMode::Async/>
                        <Route path=path!("/admin") view=Admin ssr=SsrMode::Async/>
                        <Route path=path!("/organization") view=OrganizationPage ssr=SsrMode::Async/>
                        <Route path=path!("/organization/*any") view=OrganizationPage ssr=SsrMode::Async/>
                        <Route path=path!("/organizations/new") view=NewOrganizationPage ssr=SsrMode::Async/>
                        <Route path=path!("/organizations/new/*any") view=NewOrganizationPage ssr=SsrMode::Async/>
                        <Route path=path!("/unauthorized") view=Unauthorized/>
                    </Routes>
                </main>
                <Footer/>
            </Router>
            <Hydrated/>
        </ClerkProvider>
    }
}

/// The page's last island: Leptos' script hydrates islands one after the
/// other in the order of the page, waiting for each (a lazy one's code
/// included), so when this one runs every island before it is live. It
/// marks the document (`html[data-hydrated]`, which tests, CSS and the
/// benches' "interactive" read) and lets Clerk start. It renders nothing.
#[island]
fn Hydrated() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
        leptos_clerk::hydration_finished();
    }
}
