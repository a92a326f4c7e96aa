//! `/pricing`: Free against Pro, and what Pro unlocks.

use crate::{
    components::clerk::{Show, SignUpButton, SignedOut},
    model::Plan,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Pricing() -> impl IntoView {
    // Through `Show`, so the server renders the badge only once it knows
    // the caller, exactly as the browser then hydrates it.
    let badge = |plan: Plan| {
        view! {
            <Show when=plan>
                <span class="badge" data-testid="current-plan">"Your plan"</span>
            </Show>
        }
    };
    view! {
        <Title text="Pricing"/>
        <section class="container">
            <h1>"Plans"</h1>
            <p class="lead">"Write for free. Upgrade when you want your words out in one piece."</p>
            <div class="plans">
                <article class="card plan">
                    <h2>"Free " {badge(Plan::Free)}</h2>
                    <p class="price">"$0"</p>
                    <ul>
                        <li>"Unlimited posts"</li>
                        <li>"Edit and delete any time"</li>
                        <li>"Sign-in secured by Clerk"</li>
                    </ul>
                </article>
                <article class="card plan plan-pro">
                    <h2>"Pro " {badge(Plan::Pro)}</h2>
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
                <div class="cta-row center"><SignUpButton label="Start writing for free" class="button button-primary"/></div>
            </SignedOut>
        </section>
    }
}
