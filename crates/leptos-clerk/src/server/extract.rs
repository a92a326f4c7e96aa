//! How handlers and server functions get the caller: `Auth` and
//! `RequireAuth` as axum extractors, and [`auth`] / [`require_auth`] for
//! server functions and page renders. Each resource checks for itself,
//! whatever the route policy already did.

use super::{
    error::AuthError,
    session::{Auth, Session},
};
use axum::{extract::FromRequestParts, http::request::Parts};
use std::sync::Arc;

fn from_extensions<M: Clone + Send + Sync + 'static>(parts: &Parts) -> Result<Auth<M>, AuthError> {
    parts.extensions.get::<Auth<M>>().cloned().ok_or_else(|| {
        // Fail closed: without the layer nobody is anybody.
        tracing::error!("Auth requested but the auth layer is not installed on this route");
        AuthError::NotInstalled
    })
}

impl<S: Send + Sync, M: Clone + Send + Sync + 'static> FromRequestParts<S> for Auth<M> {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        from_extensions(parts)
    }
}

/// A signed-in caller, or 401 (503 when sign-in cannot be checked).
pub struct RequireAuth<M>(pub Arc<Session<M>>);

impl<S: Send + Sync, M: Clone + Send + Sync + 'static> FromRequestParts<S> for RequireAuth<M> {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        from_extensions(parts)?.require().map(RequireAuth)
    }
}

/// The caller of the current server function (or page render), from the
/// request leptos_axum provides as context.
pub fn auth<M: Clone + Send + Sync + 'static>() -> Result<Auth<M>, AuthError> {
    let parts = leptos::prelude::use_context::<Parts>().ok_or_else(|| {
        tracing::error!("auth() called outside a request (no request parts in context)");
        AuthError::NotInstalled
    })?;
    from_extensions(&parts)
}

/// The signed-in caller of the current server function, or 401/503.
pub fn require_auth<M: Clone + Send + Sync + 'static>() -> Result<Arc<Session<M>>, AuthError> {
    auth()?.require()
}
