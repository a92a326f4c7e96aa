//! `GET /api/user/profile`: the caller's public profile from Clerk, and
//! `GET /api/user/export`: everything the app holds about them.

use crate::{
    auth::Auth,
    error::AppError,
    model::{AccountData, UserProfile},
    service::{export, profile},
    state::AppState,
};
use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/user/profile", get(show))
        .route("/api/user/export", get(export_data))
}

async fn show(auth: Auth, State(state): State<AppState>) -> Result<Json<UserProfile>, AppError> {
    Ok(Json(
        profile::profile(&auth, state.clerk_api.as_ref()).await?,
    ))
}

/// A download of the caller's own data; never stored by a cache.
async fn export_data(auth: Auth, State(state): State<AppState>) -> Result<Response, AppError> {
    let data: AccountData = export::account_data(&auth, &state.db).await?;
    let mut response = Json(data).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"inkpad-data.json\""),
    );
    Ok(response)
}
