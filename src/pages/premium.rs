//! `/premium`: the Pro feature (a Markdown export of your posts) behind
//! `Protect`, with an upgrade prompt for everyone else. The server checks
//! the plan again on the export itself.

use crate::{
    components::clerk::{use_auth, AuthGuard, CallError, Protect},
    error::AppError,
    model::{Export, Plan},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Premium() -> impl IntoView {
    view! {
        <Title text="Premium"/>
        <AuthGuard>
            <section class="container">
                <h1>"Export your writing"</h1>
                <Protect when=Plan::Pro fallback=|| view! { <UpgradePrompt/> }>
                    <Exporter/>
                </Protect>
            </section>
        </AuthGuard>
    }
}

#[island(lazy)]
fn UpgradePrompt() -> impl IntoView {
    let auth = use_auth();
    view! {
        <div class="card upgrade" data-testid="upgrade-prompt">
            <h2>"This is a Pro feature"</h2>
            <p>"Pro exports all your posts as one Markdown file, with word counts and reading times."</p>
            <p class="muted">"In this demo an admin upgrades accounts. Already upgraded? Check again."</p>
            <div class="cta-row">
                <a class="button button-primary" href="/pricing">"See plans"</a>
                // A fresh token carries the plan as it is now; the page is
                // the server's to render again from it.
                <button class="button button-ghost" on:click=move |_| {
                    leptos::task::spawn_local(async move {
                        let _ = auth.get_token().await;
                        let _ = window().location().reload();
                    });
                }>"Check again"</button>
            </div>
        </div>
    }
}

/// Fetches the export through the browser's API client (so a plan that
/// lapsed meanwhile lands on the pricing page), shows its statistics and
/// text, and saves it as a real `.md` file on request.
#[island(lazy)]
fn Exporter() -> impl IntoView {
    let result = RwSignal::new(None::<Result<Export, AppError>>);
    let pending = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    let auth = use_auth();
    let run = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            pending.set(true);
            let client = crate::api_client::ApiClient::new(auth);
            result.set(Some(client.post::<Export>("/api/premium/generate").await));
            pending.set(false);
        });
    };
    view! {
        <div class="card" data-testid="exporter">
            <p>"Every post you've written, oldest first, in one Markdown document."</p>
            <button class="button button-primary" disabled=move || pending.get() on:click=run>
                {move || if pending.get() { "Exporting…" } else { "Export as Markdown" }}
            </button>
            {move || match result.get() {
                None => ().into_any(),
                Some(Err(error)) => view! { <CallError error/> }.into_any(),
                Some(Ok(export)) => {
                    let label = format!("Download {}", export.filename);
                    let saved = RwSignal::new(String::new());
                    let (filename, markdown) = (export.filename.clone(), export.markdown.clone());
                    let save = move |_| {
                        #[cfg(feature = "hydrate")]
                        saved.set(
                            crate::api_client::download(&filename, "text/markdown;charset=utf-8", &markdown)
                                .map_or_else(|err| err.to_string(), |()| String::new()),
                        );
                        #[cfg(not(feature = "hydrate"))]
                        let _ = (&filename, &markdown);
                    };
                    view! {
                        <dl class="stats" data-testid="export-stats">
                            <dt>"Posts"</dt><dd>{export.stats.posts}</dd>
                            <dt>"Words"</dt><dd>{export.stats.words}</dd>
                            <dt>"Reading time"</dt><dd>{format!("{} min", export.stats.reading_minutes)}</dd>
                        </dl>
                        <button type="button" class="button button-ghost" on:click=save>{label}</button>
                        <p class="form-error" role="alert">{move || saved.get()}</p>
                        <pre class="export" data-testid="export-markdown">{export.markdown.clone()}</pre>
                    }.into_any()
                }
            }}
        </div>
    }
}
