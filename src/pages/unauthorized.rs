//! Where signed-in users land when a page needs a role or plan they lack.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Unauthorized() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::FORBIDDEN);
    }

    view! {
        <Title text="No access"/>
        <section class="container narrow error-page">
            <p class="eyebrow">"403"</p>
            <h1>"You don't have access to that page"</h1>
            <p class="lead">
                "Your account is signed in, but this page needs a role or plan it doesn't have. \
                 If you think that's a mistake, ask an admin."
            </p>
            <div class="cta-row center">
                <a class="button button-primary" href="/">"Home"</a>
                <a class="button button-ghost" href="/#pricing">"See plans"</a>
            </div>
        </section>
    }
}
