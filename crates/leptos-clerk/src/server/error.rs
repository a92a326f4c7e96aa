//! The library's one error: why a request or server function was refused.
//! It answers for itself (`IntoResponse`: a status and `{"error": "...",
//! "message": "..."}`, with Clerk's reverification hint when that is the
//! reason), and an app with an error type of its own converts from it.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

/// Why access was refused. Messages are written for the user and carry no
/// internal detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No valid session (401).
    #[error("You need to sign in to do that.")]
    Unauthenticated,
    /// Signed in, but not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// Signed in, but the feature needs a paid plan (403, "Upgrade required").
    #[error("{0}")]
    UpgradeRequired(String),
    /// Allowed only with credentials confirmed recently; the preset's name
    /// (`strict`, `moderate`…) tells Clerk's clients what to ask for (403).
    #[error("Please confirm your password to continue.")]
    ReverificationRequired(&'static str),
    /// Sign-in cannot be checked now (Clerk's keys unreachable): 503.
    #[error("{0}")]
    Unavailable(String),
    /// Auth was asked for where the layer is not installed: a bug in the
    /// app's wiring. Fails closed (500), nobody being anybody.
    #[error("Something went wrong on our side. Please try again.")]
    NotInstalled,
}

impl AuthError {
    /// The HTTP status it is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AuthError::Unauthenticated => 401,
            AuthError::Forbidden(_)
            | AuthError::UpgradeRequired(_)
            | AuthError::ReverificationRequired(_) => 403,
            AuthError::Unavailable(_) => 503,
            AuthError::NotInstalled => 500,
        }
    }

    /// The short title in the `error` field of its JSON body.
    pub fn title(&self) -> &'static str {
        match self {
            AuthError::Unauthenticated => "Unauthenticated",
            AuthError::Forbidden(_) => "Forbidden",
            AuthError::UpgradeRequired(_) => "Upgrade required",
            AuthError::ReverificationRequired(_) => "Reverification required",
            AuthError::Unavailable(_) => "Service unavailable",
            AuthError::NotInstalled => "Internal server error",
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::FORBIDDEN);
        let mut body = json!({"error": self.title(), "message": self.to_string()});
        // What Clerk's `reverificationErrorResponse(level)` answers, so that
        // Clerk-aware clients (`useReverification`) recognise the refusal.
        if let AuthError::ReverificationRequired(level) = self {
            body["clerk_error"] = json!({
                "type": "forbidden",
                "reason": "reverification-error",
                "metadata": {"reverification": level},
            });
        }
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_has_its_status_and_title() {
        for (err, status, title) in [
            (AuthError::Unauthenticated, 401, "Unauthenticated"),
            (AuthError::Forbidden("x".into()), 403, "Forbidden"),
            (
                AuthError::UpgradeRequired("x".into()),
                403,
                "Upgrade required",
            ),
            (
                AuthError::ReverificationRequired("strict"),
                403,
                "Reverification required",
            ),
            (
                AuthError::Unavailable("x".into()),
                503,
                "Service unavailable",
            ),
            (AuthError::NotInstalled, 500, "Internal server error"),
        ] {
            assert_eq!((err.status(), err.title()), (status, title));
            assert_eq!(err.into_response().status().as_u16(), status);
        }
    }
}
