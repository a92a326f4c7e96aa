//! The development instance's HTTP surface under `/__clerk`: the frontend
//! API (JWKS, client, sign-up/in/out, tokens, handshake) and the Backend API
//! under `/v1`.

use super::{
    backend::{self, DevState},
    frontend, DevInstance,
};
use crate::db::Db;
use axum::{extract::State, routing::get, Json, Router};
use serde_json::Value;
use std::sync::Arc;

/// Routes relative to the mount point (`/__clerk`).
pub fn router<S: Clone + Send + Sync + 'static>(instance: Arc<DevInstance>, db: Db) -> Router<S> {
    let state = DevState { instance, db };
    Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .with_state(state.clone())
        .merge(frontend::router(state.clone()))
        .nest("/v1", backend::router(state))
}

async fn jwks(State(state): State<DevState>) -> Json<Value> {
    Json(state.instance.signing_key().jwks())
}
