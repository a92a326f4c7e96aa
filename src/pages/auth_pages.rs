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
                <p class="lead">"You're already signed in."</p>
                <a class="button button-primary" href="/dashboard">"Go to your dashboard"</a>
            </SignedIn>
        </section>
    }
}
