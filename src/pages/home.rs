//! The public landing page: what Inkpad is, its plans, and live numbers.

use crate::{
    error::AppError,
    rpc::stats::{site_stats, SiteCounts},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `site_stats`' address, which the stats' refresh asks.
#[cfg(feature = "hydrate")]
const SITE_STATS: &str = <crate::rpc::stats::SiteStats as leptos::server_fn::ServerFn>::PATH;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <section class="hero">
            <div class="container hero-inner">
                <p class="eyebrow">"Writing, secured end to end"</p>
                <h1>"Write, publish and own your words."</h1>
                <p class="lead">
                    "Inkpad is a calm place to draft and publish posts. Every request is checked on \
                     the server: your session is verified, your posts can only be changed by you, \
                     and Pro features stay Pro."
                </p>
                <div class="cta-row">
                    <a class="button button-primary button-large" href="/sign-up">"Start writing — it's free"</a>
                    <a class="button button-ghost button-large" href="/sign-in">"I have an account"</a>
                </div>
                <Suspense fallback=|| view! { <p class="stats-line">"Loading live numbers…"</p> }>
                    {Suspend::new(async move {
                        let initial = site_stats().await;
                        view! { <LiveStats initial/> }
                    })}
                </Suspense>
            </div>
        </section>
        <Features/>
        <PricingPreview/>
    }
}

/// Writer and post counts, rendered on the server and refreshable through a
/// server-function round trip once the island has hydrated.
#[island(lazy)]
fn LiveStats(
    /// The counts as the server loaded them.
    initial: Result<SiteCounts, AppError>,
) -> impl IntoView {
    let stats = RwSignal::new(initial);
    let pending = RwSignal::new(false);
    // A click is the browser's (the server never runs it): `site_stats`
    // asked with a plain fetch, which keeps the server-function client
    // out of the landing page's first load.
    let refresh = move |_| {
        #[cfg(feature = "hydrate")]
        {
            pending.set(true);
            leptos::task::spawn_local(async move {
                let answer = crate::components::island_data::call(SITE_STATS).await;
                stats.set(answer);
                pending.set(false);
            });
        }
    };

    view! {
        <div class="stats" aria-live="polite">
            {move || match stats.get() {
                Ok(s) => view! {
                    <p class="stats-line">
                        <strong data-testid="writers">{s.writers}</strong>
                        {if s.writers == 1 { " writer" } else { " writers" }}
                        " · "
                        <strong data-testid="posts">{s.posts}</strong>
                        {if s.posts == 1 { " post" } else { " posts" }}
                        <span class="muted" data-testid="checked-at">
                            " · checked " {clock_utc(s.checked_at)} " UTC"
                        </span>
                    </p>
                }
                .into_any(),
                Err(e) => view! {
                    <p class="stats-line error-text" role="alert">{e.to_string()}</p>
                }
                .into_any(),
            }}
            <button
                class="button button-small button-ghost"
                on:click=refresh
                disabled=move || pending.get()
            >
                {move || if pending.get() { "Refreshing…" } else { "Refresh" }}
            </button>
        </div>
    }
}

#[component]
fn Features() -> impl IntoView {
    let features = [
        (
            "Verified on every request",
            "Session tokens are RS256 JWTs checked on the server — signature, expiry, issuer and \
             origin — before any page or API answers.",
        ),
        (
            "Yours alone",
            "Posts belong to their author. Only you (or an admin) can edit or delete them, and the \
             server enforces it whatever the browser says.",
        ),
        (
            "Roles that mean something",
            "Admins manage users and plans from one screen, and every change lands in an audit log.",
        ),
        (
            "Pro export",
            "Pro writers export everything as Markdown with word counts and reading times.",
        ),
    ];
    view! {
        <section id="features" class="section container">
            <h2>"Built the way auth should be"</h2>
            <ul class="feature-grid">
                {features
                    .into_iter()
                    .map(|(title, body)| view! {
                        <li class="card">
                            <h3>{title}</h3>
                            <p>{body}</p>
                        </li>
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Billing {
    Monthly,
    Yearly,
}

/// Plans with a monthly/yearly switch. The switch is client-side state: it
/// only responds once the island has hydrated.
#[island]
fn PricingPreview() -> impl IntoView {
    let (billing, set_billing) = signal(Billing::Monthly);
    let pro_price = move || match billing.get() {
        Billing::Monthly => "$10",
        Billing::Yearly => "$96",
    };
    let period = move || match billing.get() {
        Billing::Monthly => "/month",
        Billing::Yearly => "/year (save 20%)",
    };
    let toggle = move |choice: Billing| {
        view! {
            <button
                type="button"
                role="radio"
                class="segment"
                aria-checked=move || (billing.get() == choice).to_string()
                on:click=move |_| set_billing.set(choice)
            >
                {match choice {
                    Billing::Monthly => "Monthly",
                    Billing::Yearly => "Yearly",
                }}
            </button>
        }
    };

    view! {
        <section id="pricing" class="section container">
            <h2>"Simple pricing"</h2>
            <div class="segmented" role="radiogroup" aria-label="Billing period">
                {toggle(Billing::Monthly)}
                {toggle(Billing::Yearly)}
            </div>
            <div class="plan-grid">
                <article class="card plan">
                    <h3>"Free"</h3>
                    <p class="price"><span data-testid="free-price">"$0"</span></p>
                    <ul class="checklist">
                        <li>"Unlimited drafts and posts"</li>
                        <li>"Private by default"</li>
                        <li>"Sign in with email and password"</li>
                    </ul>
                    <a class="button button-ghost" href="/sign-up">"Start free"</a>
                </article>
                <article class="card plan plan-featured">
                    <h3>"Pro"</h3>
                    <p class="price">
                        <span data-testid="pro-price">{pro_price}</span>
                        <span class="period" data-testid="pro-period">{period}</span>
                    </p>
                    <ul class="checklist">
                        <li>"Everything in Free"</li>
                        <li>"Markdown export of every post"</li>
                        <li>"Word counts and reading-time statistics"</li>
                    </ul>
                    <a class="button button-primary" href="/sign-up">"Go Pro"</a>
                </article>
            </div>
        </section>
    }
}

/// `HH:MM:SS` of a unix-millisecond time, in UTC.
fn clock_utc(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::clock_utc;

    #[test]
    fn clock_shows_utc_time_of_day() {
        assert_eq!(clock_utc(0), "00:00:00");
        assert_eq!(clock_utc(1_614_265_330_000), "15:02:10");
        assert_eq!(clock_utc(86_399_999), "23:59:59");
    }
}
