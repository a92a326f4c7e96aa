//! The JSON API: health checks, the caller's session and (in later modules)
//! the resources, each exposing its own `router()`.

pub mod health;
pub mod session;

use crate::{error::AppError, startup::AppState};
use axum::{routing::any, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(session::router())
        // An unknown API path is a JSON 404, not the HTML not-found page.
        .route(
            "/api/{*rest}",
            any(|| async { AppError::NotFound("No such API endpoint.".into()) }),
        )
}
