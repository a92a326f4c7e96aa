//! `/onboarding`: after sign-up, confirm your name and see your plan.

use crate::{
    components::clerk::{use_auth, AuthErrors, AuthGuard, CallError, Show},
    model::Plan,
    rpc::account::{my_profile, RenameMe},
};
use leptos::{form::ActionForm, prelude::*};
use leptos_meta::Title;

#[component]
pub fn Onboarding() -> impl IntoView {
    let profile = Resource::new(|| (), |_| my_profile());

    view! {
        <Title text="Welcome"/>
        <AuthGuard>
            <section class="container narrow">
                <p class="eyebrow">"Step 1 of 1"</p>
                <h1>"Welcome to Inkpad"</h1>
                <p class="lead">"Check how your name appears on your posts."</p>
                <Transition fallback=|| view! { <p>"Loading your profile…"</p> }>
                    {move || Suspend::new(async move {
                        let Some(profile) = crate::components::settled(profile).await else {
                            return ().into_any();
                        };
                        let (first, last) = match profile {
                            Ok(p) => (p.first_name.unwrap_or_default(), p.last_name.unwrap_or_default()),
                            Err(error) => return view! { <CallError error/> }.into_any(),
                        };
                        view! { <NameForm first last/> }.into_any()
                    })}
                </Transition>
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

/// The name form: a real form aimed at the server function, filled in on
/// the server, so it works before and without the WASM too; once hydrated
/// (an island) it saves in place and the header's name follows.
#[island(lazy)]
fn NameForm(first: String, last: String) -> impl IntoView {
    let auth = use_auth();
    crate::components::plain_forms::provide_action_error();
    let rename = ServerAction::<RenameMe>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = rename.value().get() {
            auth.refresh();
        }
    });
    view! {
        <ActionForm action=rename attr:class="card form" attr:novalidate="" attr:aria-label="Your name">
            <label for="first-name">"First name"</label>
            <input id="first-name" name="first_name" autocomplete="given-name" value=first/>
            <label for="last-name">"Last name"</label>
            <input id="last-name" name="last_name" autocomplete="family-name" value=last/>
            <p class="form-error" role="alert">
                {move || auth.error_message(rename.value().get())}
            </p>
            <p class="form-ok" role="status">
                {move || matches!(rename.value().get(), Some(Ok(_))).then_some("Saved.")}
            </p>
            <button type="submit" class="button button-primary" disabled=move || rename.pending().get()>
                {move || if rename.pending().get() { "Saving…" } else { "Save my name" }}
            </button>
        </ActionForm>
    }
}
