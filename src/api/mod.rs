//! The JSON API: one module per resource, each exposing its `router()`.
//! Every handler checks the caller itself (through the service layer),
//! whatever the route policy already did.

pub mod admin;
pub mod extract;
pub mod health;
pub mod metrics;
pub mod posts;
pub mod premium;
pub mod session;
pub mod user;
pub mod webhooks;

use crate::{error::AppError, state::AppState};
use axum::{routing::any, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(session::router())
        .merge(user::router())
        .merge(posts::router())
        .merge(admin::router())
        .merge(premium::router())
        .merge(webhooks::router())
        // An unknown API path is a JSON 404, not the HTML not-found page.
        .route(
            "/api/{*rest}",
            any(|| async { AppError::NotFound("No such API endpoint.".into()) }),
        )
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
}
