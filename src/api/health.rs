//! `/healthz` (the process is up) and `/readyz` (it can serve: the database answers).

use crate::{error::AppError, state::AppState};
use axum::{extract::State, routing::get, Json, Router};
use serde_json::{json, Value};
use std::time::Duration;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let db = &state.db;
    match tokio::time::timeout(Duration::from_secs(2), db.ping()).await {
        Ok(Ok(())) => Ok(Json(
            json!({ "status": "ready", "database": db.backend().name() }),
        )),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check failed");
            Err(AppError::Unavailable(
                "The database is not reachable.".into(),
            ))
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            Err(AppError::Unavailable(
                "The database did not answer in time.".into(),
            ))
        }
    }
}
