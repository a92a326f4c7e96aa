//! `/pricing`: Free against Pro, and what Pro unlocks.

use crate::{
    components::clerk::{use_auth, SignUpButton, SignedOut},
    model::Plan,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Pricing() -> impl IntoView {
    let auth = use_auth();
    let badge = move |plan: Plan| {
        (auth.plan() == Some(plan))
            .then(|| view! { <span class="badge" data-testid="current-plan">"Your plan"</span> })
    };
    view! {
        <Title text="Pricing"/>
        <section class="container">
            <h1>"Plans"</h1>
            <p class="lead">"Write for free. Upgrade when you want your words out in one piece."</p>
            <div class="plans">
                <article class="card plan">
                    <h2>"Free " {move || badge(Plan::Free)}</h2>
                    <p class="price">"$0"</p>
                    <ul>
                        <li>"Unlimited posts"</li>
                        <li>"Edit and delete any time"</li>
                        <li>"Sign-in secured by Clerk"</li>
                    </ul>
                </article>
                <article class="card plan plan-pro">
                    <h2>"Pro " {move || badge(Plan::Pro)}</h2>
                    <p class="price">"$8 / month"</p>
                    <ul>
                        <li>"Everything in Free"</li>
                        <li>"Markdown export of all your posts"</li>
                        <li>"Word counts and reading-time statistics"</li>
                    </ul>
                    <p class="muted">"Plans are set by an admin in this demo (no payments are taken)."</p>
                </article>
            </div>
            <SignedOut>
                <div class="cta-row center"><SignUpButton label="Start writing for free"/></div>
            </SignedOut>
        </section>
    }
}
