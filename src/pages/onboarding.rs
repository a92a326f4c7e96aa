//! `/onboarding`: after sign-up, confirm your name and see your plan.

use crate::{
    components::clerk::{use_auth, AuthGuard, Show},
    model::Plan,
    rpc::account::{my_profile, RenameMe},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Onboarding() -> impl IntoView {
    let auth = use_auth();
    let profile = Resource::new(|| (), |_| my_profile());
    let rename = ServerAction::<RenameMe>::new();
    let (first, set_first) = signal(String::new());
    let (last, set_last) = signal(String::new());
    Effect::new(move |_| {
        if let Some(Ok(p)) = profile.get() {
            set_first.set(p.first_name.unwrap_or_default());
            set_last.set(p.last_name.unwrap_or_default());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = rename.value().get() {
            auth.refresh();
        }
    });

    view! {
        <Title text="Welcome"/>
        <AuthGuard>
            <section class="container narrow">
                <p class="eyebrow">"Step 1 of 1"</p>
                <h1>"Welcome to Inkpad"</h1>
                <p class="lead">"Check how your name appears on your posts."</p>
                <form
                    class="card form"
                    novalidate
                    on:submit=move |ev| {
                        ev.prevent_default();
                        rename.dispatch(RenameMe { first_name: first.get(), last_name: last.get() });
                    }
                >
                    <label for="first-name">"First name"</label>
                    <input id="first-name" name="first_name" autocomplete="given-name"
                        prop:value=first on:input=move |ev| set_first.set(event_target_value(&ev))/>
                    <label for="last-name">"Last name"</label>
                    <input id="last-name" name="last_name" autocomplete="family-name"
                        prop:value=last on:input=move |ev| set_last.set(event_target_value(&ev))/>
                    <p class="form-error" role="alert">
                        {move || auth.error_message(rename.value().get())}
                    </p>
                    <p class="form-ok" role="status">
                        {move || matches!(rename.value().get(), Some(Ok(_))).then_some("Saved.")}
                    </p>
                    <button type="submit" class="button button-primary" disabled=move || rename.pending().get()>
                        {move || if rename.pending().get() { "Saving…" } else { "Save my name" }}
                    </button>
                </form>
                <div class="card">
                    <h2>"Your plan"</h2>
                    <p data-testid="onboarding-plan">
                        <Show
                            when=Plan::Pro
                            fallback=|| "You're on Free: write as much as you like. Pro adds Markdown exports."
                        >
                            "You're on Pro: exports are unlocked."
                        </Show>
                    </p>
                    <div class="cta-row">
                        <a class="button button-primary" href="/dashboard">"Continue to your dashboard"</a>
                        <a class="button button-ghost" href="/pricing">"Compare plans"</a>
                    </div>
                </div>
            </section>
        </AuthGuard>
    }
}
