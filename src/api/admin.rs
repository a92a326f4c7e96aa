//! `/api/admin/*`: the users list, role and plan changes, and the audit log.
//! Admins only; the service checks the role again on every call.

use super::{
    extract::{Json, Path, Query},
    posts::Paging,
};
use crate::{
    auth::Auth,
    error::AppError,
    model::{AuditEntry, Page, Plan, Role, User},
    service::admin::{self, AccessChange},
    state::AppState,
};
use axum::{
    extract::State,
    routing::{get, post},
    Router,
};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/users", get(users))
        .route("/api/admin/users/{id}/role", post(set_role))
        .route("/api/admin/users/{id}/plan", post(set_plan))
        .route("/api/admin/audit", get(audit))
}

#[derive(Debug, Deserialize)]
struct UserSearch {
    search: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

async fn users(
    auth: Auth,
    State(state): State<AppState>,
    Query(q): Query<UserSearch>,
) -> Result<axum::Json<Page<User>>, AppError> {
    let page = crate::service::PageRequest::new(q.page, q.per_page)?;
    Ok(axum::Json(
        admin::list_users(&auth, &state.db, q.search.as_deref(), page).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetRole {
    role: Role,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetPlan {
    plan: Plan,
}

async fn set_role(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<SetRole>,
) -> Result<axum::Json<User>, AppError> {
    change(&auth, &state, &id, AccessChange::Role(body.role)).await
}

async fn set_plan(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(body): Json<SetPlan>,
) -> Result<axum::Json<User>, AppError> {
    change(&auth, &state, &id, AccessChange::Plan(body.plan)).await
}

async fn change(
    auth: &Auth,
    state: &AppState,
    id: &str,
    change: AccessChange,
) -> Result<axum::Json<User>, AppError> {
    let clerk = state.clerk_api.as_ref();
    let user = admin::change_access(auth, &state.db, clerk, id, change).await?;
    Ok(axum::Json(user))
}

async fn audit(
    auth: Auth,
    State(state): State<AppState>,
    Query(paging): Query<Paging>,
) -> Result<axum::Json<Page<AuditEntry>>, AppError> {
    Ok(axum::Json(
        admin::audit_log(&auth, &state.db, paging.request()?).await?,
    ))
}
