//! `GET /metrics`: the operational metrics (`crate::metrics`) in
//! Prometheus' text format, with the state gauges (database pool, the
//! development instance's outbox) read when scraped. Served on the app's
//! port only behind `METRICS_TOKEN`, and on a listener of its own at
//! `METRICS_ADDR`, which also requires the token when one is set.

use crate::{
    clerk::keys::constant_time_eq, config::MetricsConfig, error::AppError, metrics, state::AppState,
};
use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

/// The exposition, with the state gauges read now.
async fn render(state: &AppState) -> String {
    let pool = state.db.pool();
    metrics::pool(pool.size(), pool.num_idle() as u32);
    if let Some(dev) = &state.dev_clerk {
        match clerk_dev::webhooks::outbox_backlog(&dev.db).await {
            Ok((depth, oldest)) => metrics::outbox(depth, oldest),
            // The rest of the page is still worth having.
            Err(err) => tracing::warn!(error = %err, "metrics: outbox unreadable"),
        }
    }
    metrics::render()
}

/// `GET /metrics`: the token when one is configured, then the exposition.
async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = state.config.metrics.token.as_ref();
    if let Some(expected) = token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if !presented.is_some_and(|p| constant_time_eq(p.as_bytes(), expected.expose().as_bytes()))
        {
            return AppError::Unauthenticated.into_response();
        }
    }
    let mut response = render(&state).await.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// `/metrics` on the app's own port: only with a token configured (a
/// metrics page open to the internet tells an attacker too much).
pub fn router(config: &MetricsConfig) -> Router<AppState> {
    if config.token.is_some() {
        Router::new().route("/metrics", get(serve))
    } else {
        Router::new()
    }
}

/// The separate listener's whole app (`METRICS_ADDR`).
pub fn private_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(serve))
        .with_state(state)
}
