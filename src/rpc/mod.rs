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
    body: impl FnOnce(crate::state::AppState, crate::auth::Auth) -> Fut,
) -> Result<T, crate::error::AppError>
where
    Fut: std::future::Future<Output = Result<T, crate::error::AppError>>,
{
    use crate::error::AppError;
    let state = leptos::prelude::use_context::<crate::state::AppState>()
        .ok_or(AppError::Internal)
        .map_err(AppError::into_server_fn_error)?;
    let auth = crate::auth::auth().await?;
    body(state, auth)
        .await
        .map_err(AppError::into_server_fn_error)
}

/// A plain form post is answered by Leptos with a redirect to its
/// `Referer`. Only this site is a place to go back to: another site's
/// address (a cross-site post to a public server function) becomes `/`.
/// And Leptos leaves a bare `?` behind when it strips a previous call's
/// error (`/dashboard?`), which the address bar would show.
#[cfg(feature = "ssr")]
fn tidy_form_redirect(response: &mut axum::response::Response, origin: Option<&str>) {
    use axum::http::{header::LOCATION, HeaderValue};
    let Some(location) = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    let own_origin = origin
        .and_then(|o| location.strip_prefix(o))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    // `//host` and `/\host` are other sites to a browser.
    let local = own_origin
        || (location.starts_with('/')
            && !location.starts_with("//")
            && !location.starts_with("/\\"));
    let tidy = if local {
        location.strip_suffix('?').unwrap_or(location)
    } else {
        "/"
    };
    if tidy != location {
        if let Ok(value) = HeaderValue::from_str(tidy) {
            response.headers_mut().insert(LOCATION, value);
        }
    }
}

/// Middleware: a server function that failed before its body ran (its
/// arguments could not be decoded) is answered by Leptos with a blanket
/// 500, though the error inside says what it was. This restores the
/// status the error stands for (400 for bad arguments), so a bad request
/// is never reported as the server's fault.
#[cfg(feature = "ssr")]
pub async fn error_status(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use crate::error::{AppError, ErrorBody};
    use axum::{http::StatusCode, response::IntoResponse};
    let api = request.uri().path().starts_with("/api/");
    let origin = crate::auth::request::request_origin(request.headers());
    let mut response = next.run(request).await;
    if api && response.status() == StatusCode::FOUND {
        tidy_form_redirect(&mut response, origin.as_deref());
    }
    if !api || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return AppError::Internal.into_response();
    };
    match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(error) => AppError::from(error).into_response(),
        Err(_) => axum::response::Response::from_parts(parts, axum::body::Body::from(bytes)),
    }
}
