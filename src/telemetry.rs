//! Logging: a `tracing` subscriber (text or JSON) and the per-request span.

use crate::config::{Config, LogFormat};
use axum::http::Request;
use tracing::Span;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Installs the global subscriber. A second call (as in tests) is a no-op.
pub fn init(config: &Config) {
    // The filter was validated when the configuration was read.
    let filter = EnvFilter::try_new(&config.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match config.log_format {
        LogFormat::Text => registry.with(fmt::layer().with_target(false)).try_init(),
        LogFormat::Json => registry
            .with(fmt::layer().json().flatten_event(true))
            .try_init(),
    };
}

/// The span every request is handled in. It records the path but never the
/// query string or headers: those can carry tokens.
pub fn request_span<B>(request: &Request<B>) -> Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
    )
}
