//! Operational metrics in Prometheus' text format: requests by route
//! template and status with latency histograms, token verifications by
//! outcome and reason, JWKS fetches, webhooks by event and outcome,
//! rate-limit refusals, the database pool, and the development instance's
//! webhook outbox.
//!
//! Counters are recorded through the `metrics` facade wherever the event
//! happens; `metrics-exporter-prometheus` renders them. Gauges that describe
//! state (pool, outbox) are read when scraped, so they are never stale.
//!
//! The endpoint is `api::metrics`. Not public: `/metrics` is served on the app's port only behind
//! `METRICS_TOKEN` (a bearer token, compared in constant time), and on a
//! listener of its own at `METRICS_ADDR` (for a private network or
//! 127.0.0.1), which also requires the token when one is set. With neither,
//! nothing serves it and nothing is recorded (no per-request cost).
//!
//! Labels are bounded: route templates (never raw paths), a fixed set of
//! methods, reasons and event types, so a caller cannot create series at
//! will.

use axum::{
    extract::{MatchedPath, Request},
    http::Method,
    middleware::Next,
    response::Response,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{sync::OnceLock, time::Instant};

const HTTP_REQUESTS: &str = "inkpad_http_requests_total";
const HTTP_DURATION: &str = "inkpad_http_request_duration_seconds";
const TOKEN_VERIFICATIONS: &str = "inkpad_token_verifications_total";
const JWKS_FETCHES: &str = "inkpad_jwks_fetches_total";
const WEBHOOKS: &str = "inkpad_webhooks_total";
const RATE_LIMITED: &str = "inkpad_rate_limit_refusals_total";
const POOL: &str = "inkpad_db_pool_connections";
const OUTBOX_DEPTH: &str = "inkpad_dev_outbox_depth";
const OUTBOX_OLDEST: &str = "inkpad_dev_outbox_oldest_age_seconds";

/// Latency buckets (seconds): sub-millisecond API answers to slow pages.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The process-wide recorder, installed on first use. Every app built in
/// this process (tests build many) records into and renders from it.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        // Only an empty bucket list is refused; this one is not empty.
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("metrics: another recorder is installed; /metrics stays empty");
        }
        handle
    })
}

/// Installs the recorder (at start-up, so the first requests count too)
/// and describes each series for the exposition's `# HELP` lines.
pub fn install() {
    static DESCRIBED: OnceLock<()> = OnceLock::new();
    handle();
    DESCRIBED.get_or_init(|| {
        use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
        describe_counter!(
            HTTP_REQUESTS,
            "HTTP requests by method, route template and status."
        );
        describe_histogram!(
            HTTP_DURATION,
            Unit::Seconds,
            "Time to answer an HTTP request."
        );
        describe_counter!(
            TOKEN_VERIFICATIONS,
            "Session token checks by outcome and reason."
        );
        describe_counter!(
            JWKS_FETCHES,
            "Fetches of Clerk's JSON Web Key Set by outcome."
        );
        describe_counter!(
            WEBHOOKS,
            "Clerk webhook deliveries by event type and outcome."
        );
        describe_counter!(RATE_LIMITED, "Requests refused with 429, by rate budget.");
        describe_gauge!(POOL, "Database connections, in use and idle.");
        describe_gauge!(
            OUTBOX_DEPTH,
            "Development instance: webhook events not yet delivered."
        );
        describe_gauge!(
            OUTBOX_OLDEST,
            Unit::Seconds,
            "Development instance: age of the oldest undelivered event."
        );
    });
}

/// A token verification: `outcome` is `valid` or `invalid`, `reason` says
/// how (`verified`, `cached`) or why not (see `TokenError::reason`).
pub fn token_verification(outcome: &'static str, reason: &'static str) {
    metrics::counter!(TOKEN_VERIFICATIONS, "outcome" => outcome, "reason" => reason).increment(1);
}

/// A fetch of Clerk's JWKS: `ok` or `error`.
pub fn jwks_fetch(outcome: &'static str) {
    metrics::counter!(JWKS_FETCHES, "outcome" => outcome).increment(1);
}

/// A webhook delivery answered: its Clerk event type (one of the known ones,
/// else `other`; `unverified` when the signature did not verify) and what
/// became of it.
pub fn webhook(event: &str, outcome: &'static str) {
    metrics::counter!(WEBHOOKS, "event" => event_label(event), "outcome" => outcome).increment(1);
}

/// A request refused for its rate budget.
pub fn rate_limited(budget: &'static str) {
    metrics::counter!(RATE_LIMITED, "budget" => budget).increment(1);
}

fn event_label(event: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "unverified",
        "user.created",
        "user.updated",
        "user.deleted",
        "session.created",
        "session.ended",
        "session.removed",
        "session.revoked",
        "email.created",
        "organization.created",
        "organization.updated",
        "organization.deleted",
        "organizationMembership.created",
        "organizationMembership.updated",
        "organizationMembership.deleted",
    ];
    KNOWN
        .iter()
        .find(|known| **known == event)
        .copied()
        .unwrap_or("other")
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware: counts and times every request under its route template
/// (`/api/protected/posts/{id}`), or `unmatched` for anything no route
/// names (static files, 404s), so paths never become labels.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", status),
    ];
    metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(HTTP_DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// The database pool's connections in use and idle, as of now.
pub fn pool(size: u32, idle: u32) {
    metrics::gauge!(POOL, "state" => "in_use").set(f64::from(size.saturating_sub(idle)));
    metrics::gauge!(POOL, "state" => "idle").set(f64::from(idle));
}

/// The development instance's webhook outbox, as of now.
pub fn outbox(depth: i64, oldest: std::time::Duration) {
    metrics::gauge!(OUTBOX_DEPTH).set(depth as f64);
    metrics::gauge!(OUTBOX_OLDEST).set(oldest.as_secs_f64());
}

/// Everything recorded, in Prometheus' text format.
pub fn render() -> String {
    handle().render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_bounded() {
        assert_eq!(event_label("user.updated"), "user.updated");
        assert_eq!(event_label("made.up.by.anyone"), "other");
        assert_eq!(event_label(""), "other");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
    }
}
