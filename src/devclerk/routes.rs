//! The development instance's HTTP surface so far: the frontend API's public
//! JWKS and the Backend API's (which, like Clerk's, needs the secret key).

use super::DevInstance;
use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde_json::json;
use std::sync::Arc;

/// Routes relative to the mount point (`/__clerk`).
pub fn router<S: Clone + Send + Sync + 'static>(instance: Arc<DevInstance>) -> Router<S> {
    Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .route("/v1/jwks", get(backend_jwks))
        .with_state(instance)
}

async fn jwks(State(instance): State<Arc<DevInstance>>) -> Response {
    Json(instance.signing_key().jwks()).into_response()
}

async fn backend_jwks(State(instance): State<Arc<DevInstance>>, headers: HeaderMap) -> Response {
    if !presents_secret_key(&instance, &headers) {
        return unauthenticated();
    }
    Json(instance.signing_key().jwks()).into_response()
}

/// Does the request carry the instance's secret key as a Bearer token, as
/// every Backend API call must?
fn presents_secret_key(instance: &DevInstance, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|p| constant_time_eq(p.as_bytes(), instance.secret_key().expose().as_bytes()))
}

/// 401 in Clerk's error format.
fn unauthenticated() -> Response {
    let body = json!({"errors": [{
        "code": "authentication_invalid",
        "message": "Unauthenticated",
        "long_message": "The secret key is missing or invalid.",
    }]});
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

/// Equality whose running time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"sk_test_abc", b"sk_test_abc"));
        assert!(!constant_time_eq(b"sk_test_abc", b"sk_test_abd"));
        assert!(!constant_time_eq(b"sk_test_abc", b"sk_test_ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
