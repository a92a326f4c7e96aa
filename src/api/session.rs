//! `GET /api/session`: who the caller is, for scripts and the browser.

use crate::{
    auth::{snapshot::snapshot, RequireAuth},
    error::AppError,
    model::AuthSnapshot,
    state::AppState,
};
use axum::{extract::State, routing::get, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/session", get(current))
}

/// The handler demands a session itself, whatever the route policy says.
async fn current(
    leptos_clerk::server::RequireAuth(session): RequireAuth,
    State(state): State<AppState>,
) -> Result<Json<AuthSnapshot>, AppError> {
    Ok(Json(snapshot(&session, &state.db).await?))
}
