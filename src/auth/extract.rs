//! How handlers and server functions get the caller: the `Auth` and
//! `RequireAuth` extractors for axum, and `auth()` / `require_*()` for
//! server functions. Each resource checks for itself, whatever the route
//! policy already did.

use super::session::{Auth, Session};
use crate::{
    error::AppError,
    model::{Plan, Role},
};
use axum::{extract::FromRequestParts, http::request::Parts};
use std::sync::Arc;

fn from_extensions(parts: &Parts) -> Result<Auth, AppError> {
    parts.extensions.get::<Auth>().cloned().ok_or_else(|| {
        // Fail closed: without the layer nobody is anybody.
        tracing::error!("Auth requested but the auth layer is not installed on this route");
        AppError::Internal
    })
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        from_extensions(parts)
    }
}

/// A signed-in caller, or 401 (503 when sign-in cannot be checked).
pub struct RequireAuth(pub Arc<Session>);

impl<S: Send + Sync> FromRequestParts<S> for RequireAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        from_extensions(parts)?.require().map(RequireAuth)
    }
}

/// The caller of the current server function (or page render).
pub async fn auth() -> Result<Auth, AppError> {
    let parts = leptos::prelude::use_context::<Parts>().ok_or(AppError::Internal);
    parts
        .and_then(|p| from_extensions(&p))
        .map_err(AppError::into_server_fn_error)
}

/// The signed-in caller, or `Unauthenticated` (401 on the wire).
pub async fn require_auth() -> Result<Arc<Session>, AppError> {
    auth()
        .await?
        .require()
        .map_err(AppError::into_server_fn_error)
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
