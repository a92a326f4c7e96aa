//! `/sign-in/*` and `/sign-up/*`: Clerk's own forms, mounted from Rust.

use crate::components::clerk::{SignIn, SignUp, SignedIn, SignedOut};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignInPage() -> impl IntoView {
    view! {
        <Title text="Sign in"/>
        <section class="container narrow auth-page">
            <h1>"Welcome back"</h1>
            <SignedOut>
                <p class="lead">"Sign in to write and manage your posts."</p>
                <SignIn/>
            </SignedOut>
            <SignedIn>
                <AlreadySignedIn/>
            </SignedIn>
        </section>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    view! {
        <Title text="Sign up"/>
        <section class="container narrow auth-page">
            <h1>"Create your Inkpad account"</h1>
            <SignedOut>
                <p class="lead">"Free forever for writing; Pro when you want exports."</p>
                <SignUp/>
            </SignedOut>
            <SignedIn>
                <AlreadySignedIn/>
            </SignedIn>
        </section>
    }
}

#[component]
fn AlreadySignedIn() -> impl IntoView {
    view! {
        <p class="lead">"You're already signed in."</p>
        <a class="button button-primary" href="/dashboard">"Go to your dashboard"</a>
    }
}
