//! `GET /api/user/profile`: the caller's public profile from Clerk.

use crate::{auth::Auth, error::AppError, model::UserProfile, service::profile, startup::AppState};
use axum::{extract::State, routing::get, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/user/profile", get(show))
}

async fn show(auth: Auth, State(state): State<AppState>) -> Result<Json<UserProfile>, AppError> {
    Ok(Json(
        profile::profile(&auth, state.clerk_api.as_ref()).await?,
    ))
}
