//! The application's one error type: a JSON response for API routes and a typed
//! error for server functions, with the same status codes on both wires.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything a request can fail with, as the caller is allowed to see it.
///
/// Variants carry only messages written for the user. Internal details (SQL
/// errors, I/O errors, key material) are logged where they happen and never
/// stored here, so serialising an `AppError` can never leak them.
///
/// On every wire it is the same `{"error": "...", "message": "..."}` body, so
/// the browser reads a server function's error and the route layer's JSON
/// refusal (401/403 before the function ran) alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(into = "ErrorBody", from = "ErrorBody")]
pub enum AppError {
    /// The request itself is wrong (a malformed body, unknown fields).
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed, but some fields are not acceptable: one message per
    /// field, shown next to it.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: BTreeMap<String, String>,
    },
    /// No valid session.
    #[error("You need to sign in to do that.")]
    Unauthenticated,
    /// Signed in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Signed in, but the feature needs a paid plan.
    #[error("{0}")]
    UpgradeRequired(String),
    /// Allowed, but only with credentials confirmed recently (Clerk's
    /// reverification, e.g. `strict`): the client asks for the password
    /// again and retries.
    #[error("Please confirm your password to continue.")]
    ReverificationRequired(String),
    #[error("{0}")]
    NotFound(String),
    #[error("This endpoint does not accept that method.")]
    MethodNotAllowed,
    /// The client took too long to send its request.
    #[error("The request took too long and was stopped. Please try again.")]
    Timeout,
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Over a rate budget; `retry_after` seconds until the next request
    /// is allowed.
    #[error("Too many requests. Please wait {retry_after} seconds and try again.")]
    RateLimited { retry_after: u64 },
    /// A dependency (database, Clerk) is down; retrying later may work.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; the details are in the server log.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The call never reached the server or its answer could not be read
    /// (only ever produced in the browser by the server-function client).
    #[error("{0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::BadRequest(_) => 400,
            AppError::Invalid { .. } => 422,
            AppError::Unauthenticated => 401,
            AppError::Forbidden(_)
            | AppError::UpgradeRequired(_)
            | AppError::ReverificationRequired(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::MethodNotAllowed => 405,
            AppError::Timeout => 408,
            AppError::PayloadTooLarge(_) => 413,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable(_) => 503,
            AppError::Internal => 500,
            AppError::Transport(_) => 502,
        }
    }

    /// The short title that goes in the `error` field of a JSON error body.
    pub fn title(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "Bad request",
            AppError::Invalid { .. } => "Invalid input",
            AppError::Unauthenticated => "Unauthenticated",
            AppError::Forbidden(_) => "Forbidden",
            AppError::UpgradeRequired(_) => "Upgrade required",
            AppError::ReverificationRequired(_) => "Reverification required",
            AppError::NotFound(_) => "Not found",
            AppError::MethodNotAllowed => "Method not allowed",
            AppError::Timeout => "Request timeout",
            AppError::PayloadTooLarge(_) => "Payload too large",
            AppError::RateLimited { .. } => "Too many requests",
            AppError::Unavailable(_) => "Service unavailable",
            AppError::Internal => "Internal server error",
            AppError::Transport(_) => "Network error",
        }
    }

    /// A validation failure on one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::Invalid {
            fields: BTreeMap::from([(field.to_owned(), message.clone())]),
            message,
        }
    }

    /// The message for `field`, when this is a validation failure naming it.
    pub fn field(&self, field: &str) -> Option<&str> {
        match self {
            AppError::Invalid { fields, .. } => fields.get(field).map(String::as_str),
            _ => None,
        }
    }

    /// The JSON body every API error is answered with.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.title().to_owned(),
            message: self.to_string(),
            fields: match self {
                AppError::Invalid { fields, .. } => fields.clone(),
                _ => BTreeMap::new(),
            },
            retry_after: match self {
                AppError::RateLimited { retry_after } => Some(*retry_after),
                _ => None,
            },
            clerk_error: match self {
                AppError::ReverificationRequired(level) => {
                    Some(ClerkErrorHint::reverification(level))
                }
                _ => None,
            },
        }
    }
}

/// `{"error": "...", "message": "..."}`: the one shape of every API error,
/// with per-field messages for invalid input, the wait for a rate limit,
/// and Clerk's own hint for reverification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clerk_error: Option<ClerkErrorHint>,
}

/// What Clerk's `reverificationErrorResponse(level)` answers, so that
/// Clerk-aware clients (`useReverification`, `isReverificationHint`)
/// recognise the refusal: `{type: "forbidden", reason:
/// "reverification-error", metadata: {reverification: level}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClerkErrorHint {
    #[serde(rename = "type")]
    pub kind: String,
    pub reason: String,
    pub metadata: ReverificationMetadata,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReverificationMetadata {
    pub reverification: String,
}

impl ClerkErrorHint {
    pub const REVERIFICATION_REASON: &'static str = "reverification-error";

    pub fn reverification(level: &str) -> Self {
        ClerkErrorHint {
            kind: "forbidden".into(),
            reason: Self::REVERIFICATION_REASON.into(),
            metadata: ReverificationMetadata {
                reverification: level.into(),
            },
        }
    }
}

impl From<AppError> for ErrorBody {
    fn from(err: AppError) -> Self {
        err.body()
    }
}

impl From<ErrorBody> for AppError {
    fn from(body: ErrorBody) -> Self {
        if let Some(hint) = &body.clerk_error {
            if hint.reason == ClerkErrorHint::REVERIFICATION_REASON {
                return AppError::ReverificationRequired(hint.metadata.reverification.clone());
            }
        }
        match body.error.as_str() {
            "Bad request" => AppError::BadRequest(body.message),
            "Invalid input" => AppError::Invalid {
                message: body.message,
                fields: body.fields,
            },
            "Unauthenticated" => AppError::Unauthenticated,
            "Forbidden" => AppError::Forbidden(body.message),
            "Upgrade required" => AppError::UpgradeRequired(body.message),
            "Not found" => AppError::NotFound(body.message),
            "Method not allowed" => AppError::MethodNotAllowed,
            "Request timeout" => AppError::Timeout,
            "Payload too large" => AppError::PayloadTooLarge(body.message),
            "Too many requests" => AppError::RateLimited {
                retry_after: body.retry_after.unwrap_or(1),
            },
            "Service unavailable" => AppError::Unavailable(body.message),
            "Network error" => AppError::Transport(body.message),
            _ => AppError::Internal,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The caller sent arguments the function cannot read: their fault.
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => {
                AppError::BadRequest(format!("Invalid arguments: {msg}"))
            }
            // On the server, a request it cannot decode is the caller's fault.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::BadRequest(format!("The request could not be read: {msg}"))
            }
            // In the browser, the call failed or its answer is unreadable.
            #[cfg(not(feature = "ssr"))]
            ServerFnErrorErr::Request(msg) => {
                AppError::Transport(format!("Could not reach the server: {msg}"))
            }
            #[cfg(not(feature = "ssr"))]
            ServerFnErrorErr::Deserialization(msg) => {
                AppError::Transport(format!("Could not read the server's answer: {msg}"))
            }
            // Anything else is a fault on the server side; the detail stays in logs.
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
mod server {
    use super::AppError;
    use axum::{
        http::StatusCode,
        response::{IntoResponse, Response},
        Json,
    };

    impl AppError {
        pub fn status_code(&self) -> StatusCode {
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }

        /// Sets this error's status on the response of the current server
        /// function call, so the wire carries 401/403/404/503 rather than a
        /// blanket 500. Call it from inside a server function.
        ///
        /// Not for a plain HTML form post (no JavaScript): Leptos answers
        /// that with a redirect back to the form's page carrying the error
        /// in the query, and a status set here would replace the redirect,
        /// leaving the browser on a bare JSON error.
        pub fn into_server_fn_error(self) -> Self {
            if !is_html_form_post() {
                if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                    opts.set_status(self.status_code());
                }
            }
            self
        }
    }

    /// Is the current request a browser's own form submission (a POST that
    /// accepts HTML), rather than the server-function client's fetch?
    fn is_html_form_post() -> bool {
        leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
            parts.method == axum::http::Method::POST
                && parts
                    .headers
                    .get(axum::http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("text/html"))
        })
    }

    /// The auth library's refusals, as the app answers them (same titles,
    /// statuses and messages; the reverification hint included).
    impl From<leptos_clerk::server::AuthError> for AppError {
        fn from(err: leptos_clerk::server::AuthError) -> Self {
            use leptos_clerk::server::AuthError;
            match err {
                AuthError::Unauthenticated => AppError::Unauthenticated,
                AuthError::Forbidden(message) => AppError::Forbidden(message),
                AuthError::UpgradeRequired(message) => AppError::UpgradeRequired(message),
                AuthError::ReverificationRequired(level) => {
                    AppError::ReverificationRequired(level.into())
                }
                AuthError::Unavailable(message) => AppError::Unavailable(message),
                AuthError::NotInstalled => AppError::Internal,
            }
        }
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let mut response = (self.status_code(), Json(self.body())).into_response();
            if let AppError::RateLimited { retry_after } = self {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, retry_after.into());
            }
            response
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(err: sqlx::Error) -> Self {
            crate::db::DbError::from(err).into()
        }
    }

    impl From<crate::db::DbError> for AppError {
        fn from(err: crate::db::DbError) -> Self {
            use crate::db::DbError;
            match err {
                DbError::Unavailable(detail) => {
                    tracing::warn!(%detail, "database unavailable");
                    AppError::Unavailable(
                        "The database is unavailable right now. Please try again shortly.".into(),
                    )
                }
                DbError::Other(detail) => {
                    tracing::error!(%detail, "database error");
                    AppError::Internal
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_titles_match_the_api_contract() {
        let cases = [
            (AppError::BadRequest("x".into()), 400, "Bad request"),
            (AppError::invalid_field("title", "x"), 422, "Invalid input"),
            (
                AppError::ReverificationRequired("strict".into()),
                403,
                "Reverification required",
            ),
            (AppError::Timeout, 408, "Request timeout"),
            (
                AppError::PayloadTooLarge("x".into()),
                413,
                "Payload too large",
            ),
            (
                AppError::RateLimited { retry_after: 3 },
                429,
                "Too many requests",
            ),
            (AppError::Unauthenticated, 401, "Unauthenticated"),
            (AppError::Forbidden("x".into()), 403, "Forbidden"),
            (
                AppError::UpgradeRequired("x".into()),
                403,
                "Upgrade required",
            ),
            (AppError::NotFound("x".into()), 404, "Not found"),
            (AppError::MethodNotAllowed, 405, "Method not allowed"),
            (
                AppError::Unavailable("x".into()),
                503,
                "Service unavailable",
            ),
            (AppError::Internal, 500, "Internal server error"),
        ];
        for (err, status, title) in cases {
            assert_eq!(err.status(), status, "{err:?}");
            assert_eq!(err.body().error, title, "{err:?}");
        }
    }

    #[test]
    fn internal_errors_never_carry_details() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::ServerError(
            "password=hunter2 at db.rs:12".into(),
        ));
        assert_eq!(err, AppError::Internal);
        assert!(!err.body().message.contains("hunter2"));
    }

    #[test]
    fn bad_arguments_are_the_callers_fault() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field".into()));
        assert_eq!(err.status(), 400);
        // On the server an undecodable request is the caller's too.
        #[cfg(feature = "ssr")]
        for err in [
            ServerFnErrorErr::Deserialization("invalid utf-8".into()),
            ServerFnErrorErr::Request("truncated".into()),
        ] {
            assert_eq!(AppError::from_server_fn_error(err).status(), 400);
        }
    }

    #[test]
    fn round_trips_through_the_server_fn_encoding() {
        let cases = [
            AppError::invalid_field("title", "Give your post a title."),
            AppError::ReverificationRequired("strict".into()),
            AppError::RateLimited { retry_after: 7 },
            AppError::Forbidden("Only the author can edit this post.".into()),
            AppError::Unauthenticated,
            AppError::UpgradeRequired("Go pro.".into()),
            AppError::Internal,
        ];
        for err in cases {
            assert_eq!(AppError::de(err.ser()), err);
        }
    }

    #[test]
    fn reverification_is_answered_in_clerks_shape_too() {
        let body = serde_json::to_value(AppError::ReverificationRequired("strict".into())).unwrap();
        assert_eq!(
            body["clerk_error"],
            serde_json::json!({
                "type": "forbidden",
                "reason": "reverification-error",
                "metadata": {"reverification": "strict"}
            })
        );
        assert_eq!(body["error"], "Reverification required");
        let invalid = serde_json::to_value(AppError::invalid_field("title", "Too long.")).unwrap();
        assert_eq!(invalid["fields"], serde_json::json!({"title": "Too long."}));
        assert_eq!(
            serde_json::to_value(AppError::RateLimited { retry_after: 4 }).unwrap()["retry_after"],
            4
        );
    }

    #[test]
    fn server_function_errors_use_the_api_body() {
        let err = AppError::UpgradeRequired("Go pro.".into());
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            serde_json::json!({"error": "Upgrade required", "message": "Go pro."})
        );
        // The route layer's refusal reads back as the same error.
        let layer = r#"{"error":"Unauthenticated","message":"You need to sign in to do that."}"#;
        assert_eq!(
            serde_json::from_str::<AppError>(layer).unwrap(),
            AppError::Unauthenticated
        );
    }
}

/// What the caller may see when Clerk's Backend API fails: a missing user
/// is 404, Clerk's own validation message is a 400, Clerk being down or
/// busy is 503, and a wrong secret key or a protocol mismatch is ours (500,
/// logged, never explained).
#[cfg(feature = "ssr")]
mod backend_errors {
    use super::AppError;
    use clerk_protocol::backend::BackendError;

    impl From<BackendError> for AppError {
        fn from(err: BackendError) -> Self {
            match &err {
                BackendError::Api { status: 404, .. } | BackendError::InvalidId => {
                    AppError::NotFound("No such user or session.".into())
                }
                BackendError::Api {
                    status: 400 | 422,
                    errors,
                } => AppError::BadRequest(
                    errors
                        .first()
                        .map_or("Clerk rejected the request.".into(), |e| {
                            e.long_message.clone().unwrap_or(e.message.clone())
                        }),
                ),
                BackendError::Api { status, .. } if *status == 429 || *status >= 500 => {
                    tracing::warn!(error = %err, "Clerk Backend API unavailable");
                    AppError::Unavailable(
                        "Clerk is not answering right now. Please try again shortly.".into(),
                    )
                }
                BackendError::Unavailable(_) => {
                    tracing::warn!(error = %err, "Clerk Backend API unreachable");
                    AppError::Unavailable(
                        "Clerk is not answering right now. Please try again shortly.".into(),
                    )
                }
                // 401/403 mean our secret key is wrong; a decode error means a
                // protocol mismatch: both are ours to fix, not the caller's.
                _ => {
                    tracing::error!(error = %err, "Clerk Backend API call failed");
                    AppError::Internal
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use clerk_protocol::backend::ApiError;

        #[test]
        fn errors_map_to_what_the_caller_may_see() {
            let api = |status, code: &str| BackendError::Api {
                status,
                errors: vec![ApiError {
                    code: code.into(),
                    message: "bad".into(),
                    long_message: Some("first_name is too long".into()),
                }],
            };
            assert_eq!(AppError::from(api(404, "resource_not_found")).status(), 404);
            assert_eq!(
                AppError::from(api(422, "form_param_format_invalid")),
                AppError::BadRequest("first_name is too long".into())
            );
            assert_eq!(AppError::from(api(429, "too_many_requests")).status(), 503);
            assert_eq!(AppError::from(api(502, "x")).status(), 503);
            assert_eq!(
                AppError::from(api(401, "authentication_invalid")),
                AppError::Internal
            );
            assert_eq!(
                AppError::from(BackendError::Unavailable("down".into())).status(),
                503
            );
        }
    }
}
