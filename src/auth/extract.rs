//! Who is calling, for server functions and page renders, as `AppError`s
//! (the library's `auth()` with the app's error and status handling).

use super::{access::RequireGrants, Auth, Grants, Session};
use crate::{
    error::AppError,
    model::{Plan, Role},
};
use std::sync::Arc;

/// The caller of the current server function (or page render).
pub async fn auth() -> Result<Auth, AppError> {
    leptos_clerk::server::auth::<Grants>().map_err(|e| AppError::from(e).into_server_fn_error())
}

/// The signed-in caller, or `Unauthenticated` (401 on the wire).
pub async fn require_auth() -> Result<Arc<Session>, AppError> {
    leptos_clerk::server::require_auth::<Grants>()
        .map_err(|e| AppError::from(e).into_server_fn_error())
}

/// A caller with `role`, or 401/403.
pub async fn require_role(role: Role) -> Result<Arc<Session>, AppError> {
    auth()
        .await?
        .require_role(role)
        .map_err(AppError::into_server_fn_error)
}

/// A caller on `plan`, or 401/403 "Upgrade required".
pub async fn require_plan(plan: Plan) -> Result<Arc<Session>, AppError> {
    auth()
        .await?
        .require_plan(plan)
        .map_err(AppError::into_server_fn_error)
}
