//! Server functions: the UI's typed calls into the server. Bodies run on the
//! server only; the browser gets a fetch stub with the same signature. Each
//! is a thin front over the service layer, as the JSON API is.

pub mod account;
pub mod admin;
pub mod auth;
pub mod posts;
pub mod premium;
pub mod stats;

/// Runs `body` with the app state and the caller's verified `Auth`, and puts
/// any error's status (401/403/404/503...) on the wire.
#[cfg(feature = "ssr")]
pub(crate) async fn with_auth<T, Fut>(
    body: impl FnOnce(crate::startup::AppState, crate::auth::Auth) -> Fut,
) -> Result<T, crate::error::AppError>
where
    Fut: std::future::Future<Output = Result<T, crate::error::AppError>>,
{
    use crate::error::AppError;
    let state = leptos::prelude::use_context::<crate::startup::AppState>()
        .ok_or(AppError::Internal)
        .map_err(AppError::into_server_fn_error)?;
    let auth = crate::auth::auth().await?;
    body(state, auth)
        .await
        .map_err(AppError::into_server_fn_error)
}
