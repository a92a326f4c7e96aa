//! `POST /api/premium/generate`: the Pro plan's Markdown export.

use crate::{auth::Auth, error::AppError, model::Export, service::export, state::AppState};
use axum::{extract::State, routing::post, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/premium/generate", post(generate))
}

async fn generate(auth: Auth, State(state): State<AppState>) -> Result<Json<Export>, AppError> {
    Ok(Json(export::generate(&auth, &state.db).await?))
}
