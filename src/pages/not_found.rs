//! The 404 page, answered with a real 404 status.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }

    view! {
        <Title text="Page not found"/>
        <section class="container narrow error-page">
            <p class="eyebrow">"404"</p>
            <h1>"We couldn't find that page"</h1>
            <p class="lead">"The link may be broken, or the page may have moved."</p>
            <a class="button button-primary" href="/">"Back to the home page"</a>
        </section>
    }
}
