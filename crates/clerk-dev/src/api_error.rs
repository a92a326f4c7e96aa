//! The development instance's errors in Clerk's shape (`{"errors": [{code,
//! message, long_message}]}`, with Clerk's status and codes), and the JSON
//! body checks that produce them.

use super::store::StoreError;
use axum::{
    body::Bytes,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Map, Value};

/// An error answered in Clerk's `{"errors": [...]}` format.
#[derive(Debug)]
pub struct ClerkApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    long_message: String,
    /// The form field it is about (`meta.param_name`), which Clerk's
    /// widgets show it under.
    param: Option<&'static str>,
}

impl ClerkApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        long_message: impl Into<String>,
    ) -> Self {
        ClerkApiError {
            status,
            code,
            message: message.into(),
            long_message: long_message.into(),
            param: None,
        }
    }

    /// The same error, about the form field `param`.
    pub(crate) fn for_param(mut self, param: &'static str) -> Self {
        self.param = Some(param);
        self
    }

    /// The HTTP status it answers with.
    #[cfg(test)]
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    pub(crate) fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            format!("{what} not found"),
        )
    }

    pub(crate) fn invalid(param: &str, long_message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_value_invalid",
            format!("{param} is invalid"),
            long_message,
        )
    }
}

impl IntoResponse for ClerkApiError {
    fn into_response(self) -> Response {
        let mut error = json!({
            "code": self.code, "message": self.message, "long_message": self.long_message,
        });
        if let Some(param) = self.param {
            error["meta"] = json!({ "param_name": param });
        }
        let body = json!({ "errors": [error] });
        (self.status, Json(body)).into_response()
    }
}

impl From<StoreError> for ClerkApiError {
    fn from(err: StoreError) -> Self {
        tracing::error!(error = %err, "development instance store failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_clerk_error",
            "Oops, something went wrong",
            "The development instance's store failed.",
        )
    }
}

/// A JSON object body, or Clerk's 400.
pub fn object_body(body: &Bytes) -> Result<Map<String, Value>, ClerkApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ClerkApiError::new(
            StatusCode::BAD_REQUEST,
            "request_body_invalid",
            "Request body invalid",
            "The request body must be a JSON object.",
        )),
    }
}

/// Optional string field: absent or null leaves it alone.
pub fn string_field(body: &Map<String, Value>, key: &str) -> Result<Option<String>, ClerkApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= 256 => Ok(Some(s.clone())),
        Some(_) => Err(ClerkApiError::invalid(
            key,
            format!("{key} must be a string of at most 256 characters"),
        )),
    }
}

/// Optional object field: absent or null leaves it alone.
pub fn object_field(
    body: &Map<String, Value>,
    key: &str,
) -> Result<Option<Map<String, Value>>, ClerkApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map.clone())),
        Some(_) => Err(ClerkApiError::invalid(
            key,
            format!("{key} must be an object"),
        )),
    }
}
