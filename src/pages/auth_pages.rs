//! `/sign-in/*` and `/sign-up/*`: Clerk's own forms, mounted from Rust.

use crate::components::clerk::{SignIn, SignUp, SignedIn, SignedOut};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignInPage() -> impl IntoView {
    view! {
        <AuthPage title="Sign in" heading="Welcome back" lead="Sign in to write and manage your posts.">
            <SignInForm/>
        </AuthPage>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    view! {
        <AuthPage
            title="Sign up"
            heading="Create your Inkpad account"
            lead="Free forever for writing; Pro when you want exports."
        >
            <SignUpForm/>
        </AuthPage>
    }
}

/// Clerk's sign-in form (mounted in the browser: an island).
#[island(lazy)]
fn SignInForm() -> impl IntoView {
    view! { <SignIn path="/sign-in"/> }
}

/// Clerk's sign-up form (mounted in the browser: an island).
#[island(lazy)]
fn SignUpForm() -> impl IntoView {
    view! { <SignUp path="/sign-up"/> }
}

/// The frame around a form: the form when signed out, a way on when not.
#[component]
fn AuthPage(
    title: &'static str,
    heading: &'static str,
    lead: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    view! {
        <Title text=title/>
        <section class="container narrow auth-page">
            <h1>{heading}</h1>
            <SignedOut>
                <p class="lead">{lead}</p>
                {children()}
            </SignedOut>
            <SignedIn>
                <Onward/>
            </SignedIn>
        </section>
    }
}

/// Where a signed-in visitor of these pages goes: the page their sign-in
/// was for (`?redirect_url=`, when it is a same-origin path other than
/// these pages), else the dashboard.
fn onward(redirect_url: Option<&str>) -> String {
    redirect_url
        .and_then(leptos_clerk::redirect::safe_redirect)
        .filter(|path| {
            !["/sign-in", "/sign-up"]
                .iter()
                .any(|page| path.starts_with(page))
        })
        // As it goes into a `Location` header: what a URL may not carry
        // raw (quotes, angle brackets, non-ASCII) percent-encoded.
        .map(|path| leptos_clerk::redirect::percent_encode(&path, b"/?#[]@!$&()*+,;=:%"))
        .unwrap_or_else(|| "/dashboard".to_owned())
}

/// A signed-in visitor has nothing to do on these pages: the server sends
/// them on (as Clerk's forms do for a signed-in visitor), which also ends
/// a flow whose last step reloads the page — a password reset's success
/// page, once its session is active. The link is for a response the
/// redirect could not change.
#[component]
fn Onward() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let target = query.with_untracked(|q| onward(q.get("redirect_url").as_deref()));
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(&target);
    view! {
        <p class="lead">"You're already signed in."</p>
        <a class="button button-primary" href=target>"Continue"</a>
    }
}

#[cfg(test)]
mod tests {
    use super::onward;

    #[test]
    fn a_signed_in_visitor_goes_on_to_a_same_origin_page_or_the_dashboard() {
        assert_eq!(onward(Some("/premium?tab=1")), "/premium?tab=1");
        assert_eq!(onward(Some("/a\"<b>'c")), "/a%22%3Cb%3E%27c");
        assert_eq!(onward(None), "/dashboard");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "/sign-in",
            "/sign-up/verify-email-address",
        ] {
            assert_eq!(onward(Some(bad)), "/dashboard", "{bad}");
        }
    }
}
