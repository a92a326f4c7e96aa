//! The development instance's HTTP surface under `/__clerk`: the frontend
//! API (JWKS, environment, client, sign-up/in/out, tokens, handshake) and
//! the Backend API under `/api/v1`.

use super::{
    backend::{self, DevState},
    bundles, console, console_api, environment, frontend, frontend_orgs, DevInstance, API_PATH,
    MOUNT,
};
use crate::{db::Db, security::rate_limit::RateLimiter};
use axum::{extract::State, response::Redirect, routing::get, Json, Router};
use serde_json::Value;
use std::sync::Arc;

/// Every route of the instance, under its mount point (`/__clerk`).
pub fn router<S: Clone + Send + Sync + 'static>(
    instance: Arc<DevInstance>,
    db: Db,
    limiter: Arc<RateLimiter>,
    bundles_dir: &std::path::Path,
) -> Router<S> {
    let state = DevState {
        instance,
        db,
        limiter,
        pending_sign_ins: Default::default(),
    };
    let mounted = Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        // A nested root matches `/__clerk` only; the console's address is `/__clerk/`.
        .route(
            "/",
            get(|| async { Redirect::permanent(&format!("{MOUNT}/")) }),
        )
        .with_state(state.clone())
        .merge(bundles::router(bundles_dir))
        .merge(frontend::router(state.clone()))
        .merge(frontend_orgs::router(state.clone()))
        .merge(environment::router(state.clone()))
        .nest("/console/api", console_api::router(state.clone()))
        .nest(&format!("{API_PATH}/v1"), backend::router(state.clone()));
    Router::new()
        .route(&format!("{MOUNT}/"), get(console::page).with_state(state))
        .nest(MOUNT, mounted)
}

async fn jwks(State(state): State<DevState>) -> Json<Value> {
    Json(state.instance.signing_key().jwks())
}
