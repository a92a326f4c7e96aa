//! Request extractors whose rejections are the API's own JSON errors: a body,
//! path or query the handler cannot read is a 400 `{"error","message"}`,
//! never axum's plain-text rejection; a JSON body that parses but has a
//! wrong, missing or unknown field is a 422 naming that field.

use crate::error::AppError;
use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::{header, request::Parts, StatusCode},
};
use serde::de::DeserializeOwned;

/// A JSON body.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            });
        if !is_json {
            return Err(AppError::BadRequest(
                "Send a JSON body with Content-Type: application/json.".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge("The request body is too large.".into())
            } else {
                AppError::BadRequest(rejection.body_text())
            }
        })?;
        parse(&bytes).map(Json)
    }
}

/// Parses a JSON body; a data error names its field.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        field_error(path, err.into_inner())
    })?;
    de.end().map_err(|err| field_error(".".into(), err))?;
    Ok(value)
}

/// A syntax error is a 400; a data error a 422 naming its field.
fn field_error(path: String, inner: serde_json::Error) -> AppError {
    let text = inner.to_string();
    let text = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(t, _)| t);
    if !inner.is_data() {
        return AppError::BadRequest(format!("The body is not valid JSON: {text}."));
    }
    // serde names unknown and missing fields in its message, at the
    // parent's path; everything else is at the field's own path.
    let quoted = text.split('`').nth(1).map(str::to_owned);
    let (field, message) = if text.starts_with("unknown field") {
        let field = quoted.unwrap_or_else(|| path.clone());
        (field, "This field is not accepted here.".to_owned())
    } else if text.starts_with("missing field") {
        let field = quoted.unwrap_or_else(|| path.clone());
        (field, "This field is required.".to_owned())
    } else {
        (path.clone(), format!("{text}."))
    };
    let field = if field == "." {
        "body".to_owned()
    } else {
        field
    };
    AppError::Invalid {
        message: format!("{field}: {message}"),
        fields: [(field, message)].into_iter().collect(),
    }
}

/// Path parameters.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|rejection| AppError::BadRequest(rejection.body_text()))
    }
}

/// Query parameters.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|rejection| AppError::BadRequest(rejection.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NewPost, Role};

    #[test]
    fn data_errors_name_their_field() {
        let unknown =
            parse::<NewPost>(br#"{"title":"t","content":"c","author_id":"user_x"}"#).unwrap_err();
        assert_eq!(unknown.status(), 422);
        assert_eq!(
            unknown.field("author_id"),
            Some("This field is not accepted here.")
        );
        let missing = parse::<NewPost>(br#"{"title":"t"}"#).unwrap_err();
        assert_eq!(missing.field("content"), Some("This field is required."));
        let wrong = parse::<NewPost>(br#"{"title":5,"content":"c"}"#).unwrap_err();
        assert!(
            wrong.field("title").unwrap().contains("invalid type"),
            "{wrong:?}"
        );

        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct SetRole {
            role: Role,
        }
        let variant = parse::<SetRole>(br#"{"role":"owner"}"#).unwrap_err();
        assert!(
            variant.field("role").unwrap().contains("unknown variant"),
            "{variant:?}"
        );
    }

    #[test]
    fn syntax_errors_are_400() {
        for bad in [
            &b"{"[..],
            b"not json",
            b"{\"title\":\"t\",\"content\":\"c\"} trailing",
            b"",
        ] {
            assert_eq!(parse::<NewPost>(bad).unwrap_err().status(), 400, "{bad:?}");
        }
    }
}
