//! `/api/protected/posts`: the caller's posts. Ownership is decided by the
//! service; the author is always the verified caller, never the body.

use super::extract::{Json, Path, Query};
use crate::{
    auth::Auth,
    error::AppError,
    model::{NewPost, Page, Post, PostPatch},
    service::{posts, PageRequest},
    state::AppState,
};
use axum::{extract::State, http::StatusCode, routing::get, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/protected/posts", get(list).post(create))
        .route(
            "/api/protected/posts/{id}",
            get(show).patch(update).delete(remove),
        )
}

/// `?page=&per_page=`, shared by the paged lists.
#[derive(Debug, Default, Deserialize)]
pub struct Paging {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl Paging {
    pub fn request(&self) -> Result<PageRequest, AppError> {
        PageRequest::new(self.page, self.per_page)
    }
}

async fn list(
    auth: Auth,
    State(state): State<AppState>,
    Query(paging): Query<Paging>,
) -> Result<axum::Json<Page<Post>>, AppError> {
    Ok(axum::Json(
        posts::list(&auth, &state.db, paging.request()?).await?,
    ))
}

/// `author_id` in the body is not a field of `NewPost`: it is never read.
async fn create(
    auth: Auth,
    State(state): State<AppState>,
    Json(input): Json<NewPost>,
) -> Result<(StatusCode, axum::Json<Post>), AppError> {
    let post = posts::create(&auth, &state.db, input).await?;
    Ok((StatusCode::CREATED, axum::Json(post)))
}

async fn show(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<axum::Json<Post>, AppError> {
    Ok(axum::Json(posts::get(&auth, &state.db, id).await?))
}

async fn update(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(patch): Json<PostPatch>,
) -> Result<axum::Json<Post>, AppError> {
    Ok(axum::Json(
        posts::update(&auth, &state.db, id, patch).await?,
    ))
}

async fn remove(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    posts::delete(&auth, &state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
