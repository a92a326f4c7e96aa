//! How the app defends every route at once, before any handler runs: the
//! client's address, cross-site request forgery, rate limits, body limits
//! and deadlines, and the security headers on every response. Each is one
//! layer, installed in `startup::router`.

pub mod client_ip;
pub mod csrf;
pub mod headers;
pub mod limits;
pub mod rate_limit;

/// Where the development instance is mounted on the app's own origin. Its
/// routes are the instance's, not the app's, and the layers treat them so:
/// their own rate budgets, CSRF on every write, Clerk's error shape.
pub const DEV_INSTANCE_PATH: &str = clerk_dev::MOUNT;

use crate::{auth::normalize, error::AppError};
use axum::{
    response::{IntoResponse, Response},
    Json,
};

/// A layer's refusal: the app's JSON error (with its status and headers);
/// under the development instance's mount the body also carries Clerk's
/// `errors` array with `clerk_code`, so Clerk's scripts can read it.
pub fn refusal(path: &str, err: AppError, clerk_code: &str) -> Response {
    let mut response = err.clone().into_response();
    if normalize(path)
        .iter()
        .any(|p| p == DEV_INSTANCE_PATH || p.starts_with(&format!("{DEV_INSTANCE_PATH}/")))
    {
        let mut body = serde_json::to_value(err.body()).unwrap_or_default();
        body["errors"] = serde_json::json!([{
            "code": clerk_code,
            "message": err.title(),
            "long_message": err.to_string(),
        }]);
        let headers = response.headers().clone();
        response = (err.status_code(), Json(body)).into_response();
        for (name, value) in &headers {
            if name != axum::http::header::CONTENT_LENGTH {
                response.headers_mut().insert(name, value.clone());
            }
        }
    }
    response
}
