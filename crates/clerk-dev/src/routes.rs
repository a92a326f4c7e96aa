//! The development instance's HTTP surface under `/__clerk`: the frontend
//! API (JWKS, environment, dev browsers, client, sign-up/in/out, tokens,
//! handshake) and the Backend API under `/api/v1`.

use super::{
    backend, bundles, console, console_api, environment, frontend, frontend_emails, frontend_orgs,
    frontend_sign_ins, frontend_sign_ups, handshake, state::DevState, DevInstance, API_PATH, MOUNT,
};
use crate::{db::Db, host::Host};
use axum::{
    extract::State,
    middleware,
    response::Redirect,
    routing::{get, post},
    Json, Router,
};
use serde_json::Value;
use std::sync::Arc;

/// Every route of the instance, under its mount point (`/__clerk`).
pub fn router<S: Clone + Send + Sync + 'static>(
    instance: Arc<DevInstance>,
    db: Db,
    host: Arc<dyn Host>,
    bundles_dir: &std::path::Path,
) -> Router<S> {
    let state = DevState {
        instance,
        db,
        host,
        pending_sign_ins: Default::default(),
        pending_sign_ups: Default::default(),
        code_sends: Default::default(),
        email_codes: Default::default(),
        handshake_nonces: Default::default(),
    };
    // The frontend API: a dev browser in the query stands for the client.
    let frontend = frontend::router(state.clone())
        .merge(frontend_sign_ins::router(state.clone()))
        .merge(frontend_sign_ups::router(state.clone()))
        .merge(frontend_emails::router(state.clone()))
        .merge(frontend_orgs::router(state.clone()))
        .merge(environment::router(state.clone()))
        .route(
            "/v1/dev_browser",
            post(handshake::create_dev_browser).with_state(state.clone()),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            handshake::dev_browser_client,
        ));
    let mounted = Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        // A nested root matches `/__clerk` only; the console's address is `/__clerk/`.
        .route(
            "/",
            get(|| async { Redirect::permanent(&format!("{MOUNT}/")) }),
        )
        .with_state(state.clone())
        // The handshake finds the client from its own parameters.
        .route(
            "/v1/client/handshake",
            get(handshake::handshake).with_state(state.clone()),
        )
        .merge(bundles::router(bundles_dir))
        .merge(frontend)
        .nest("/console/api", console_api::router(state.clone()))
        .nest(&format!("{API_PATH}/v1"), backend::router(state.clone()));
    Router::new()
        .route(&format!("{MOUNT}/"), get(console::page).with_state(state))
        .nest(MOUNT, mounted)
}

async fn jwks(State(state): State<DevState>) -> Json<Value> {
    Json(state.instance.signing_key().jwks())
}
