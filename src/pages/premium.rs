//! `/premium`: the Pro feature (a Markdown export of your posts) behind
//! `Protect`, with an upgrade prompt for everyone else. The server checks
//! the plan again on the export itself.

use crate::{
    components::clerk::{percent_encode, use_auth, AuthGuard, CallError, Protect},
    model::Plan,
    rpc::premium::GenerateExport,
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
                <Protect plan=Plan::Pro fallback=|| view! { <UpgradePrompt/> }>
                    <Exporter/>
                </Protect>
            </section>
        </AuthGuard>
    }
}

#[component]
fn UpgradePrompt() -> impl IntoView {
    let auth = use_auth();
    view! {
        <div class="card upgrade" data-testid="upgrade-prompt">
            <h2>"This is a Pro feature"</h2>
            <p>"Pro exports all your posts as one Markdown file, with word counts and reading times."</p>
            <p class="muted">"In this demo an admin upgrades accounts. Already upgraded? Check again."</p>
            <div class="cta-row">
                <a class="button button-primary" href="/pricing">"See plans"</a>
                <button class="button button-ghost" on:click=move |_| {
                    leptos::task::spawn_local(async move { let _ = auth.get_token().await; });
                }>"Check again"</button>
            </div>
        </div>
    }
}

#[component]
fn Exporter() -> impl IntoView {
    let export = ServerAction::<GenerateExport>::new();
    view! {
        <div class="card" data-testid="exporter">
            <p>"Every post you've written, oldest first, in one Markdown document."</p>
            <button class="button button-primary" disabled=move || export.pending().get()
                on:click=move |_| { export.dispatch(GenerateExport {}); }>
                {move || if export.pending().get() { "Exporting…" } else { "Export as Markdown" }}
            </button>
            {move || match export.value().get() {
                None => ().into_any(),
                Some(Err(error)) => view! { <CallError error/> }.into_any(),
                Some(Ok(result)) => {
                    let href = format!(
                        "data:text/markdown;charset=utf-8,{}",
                        percent_encode(&result.markdown, b"")
                    );
                    view! {
                        <dl class="stats" data-testid="export-stats">
                            <dt>"Posts"</dt><dd>{result.stats.posts}</dd>
                            <dt>"Words"</dt><dd>{result.stats.words}</dd>
                            <dt>"Reading time"</dt><dd>{format!("{} min", result.stats.reading_minutes)}</dd>
                        </dl>
                        <a class="button button-ghost" href=href download=result.filename.clone()>
                            {format!("Download {}", result.filename)}
                        </a>
                        <pre class="export" data-testid="export-markdown">{result.markdown.clone()}</pre>
                    }.into_any()
                }
            }}
        </div>
    }
}
