//! The development instance's Backend API subset under `/api/v1`: users
//! (get, list, count, update, delete, metadata merge), session revocation
//! and tokens, organizations (`backend_orgs`) and the JWKS. Every call
//! needs the instance's secret key, as Clerk's do; errors come in Clerk's
//! `{"errors": [...]}` format.

use super::{
    api_error::{object_body, object_field, string_field, ClerkApiError},
    state::DevState,
    store::{self, MetadataPatch, UserChanges, UserFilter, ORDER_FIELDS},
};
use axum::{
    body::Bytes,
    extract::{Path, RawQuery, Request, State},
    http::{header, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, patch, post},
    Json, Router,
};
use clerk_protocol::keys::constant_time_eq;
use serde_json::{json, Value};

/// Routes relative to `/__clerk/v1`.
pub fn router<S: Clone + Send + Sync + 'static>(state: DevState) -> Router<S> {
    Router::new()
        .route("/jwks", get(jwks))
        .route("/users", get(list_users))
        .route("/users/count", get(count_users))
        .route(
            "/users/{id}",
            get(get_user).patch(update_user).delete(delete_user),
        )
        .route("/users/{id}/metadata", patch(update_metadata))
        .route("/sessions/{id}/revoke", post(revoke_session))
        .route("/sessions/{id}/tokens", post(create_session_token))
        .route(
            "/clients/handshake_payload",
            get(super::handshake::handshake_payload),
        )
        .merge(super::backend_orgs::router(state.clone()))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            require_secret_key,
        ))
        .with_state(state)
}

async fn require_secret_key(
    State(state): State<DevState>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let expected = state.instance.secret_key().expose().as_bytes();
    if presented.is_some_and(|p| constant_time_eq(p.as_bytes(), expected)) {
        next.run(request).await
    } else {
        ClerkApiError::new(
            StatusCode::UNAUTHORIZED,
            "authentication_invalid",
            "Unauthenticated",
            "The secret key is missing or invalid.",
        )
        .into_response()
    }
}

async fn jwks(State(state): State<DevState>) -> Json<Value> {
    Json(state.instance.signing_key().jwks())
}

/// Reads `limit`, `offset`, `order_by`, `email_address` (repeatable) and `query`.
fn parse_filter(raw: Option<&str>) -> Result<UserFilter, ClerkApiError> {
    let mut filter = UserFilter::default();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "limit" => {
                filter.limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=500).contains(l))
                    .ok_or_else(|| {
                        ClerkApiError::invalid("limit", "limit must be between 1 and 500")
                    })?
            }
            "offset" => {
                filter.offset = value
                    .parse()
                    .map_err(|_| ClerkApiError::invalid("offset", "offset must be 0 or more"))?
            }
            "order_by" => {
                let field = value.trim_start_matches(['-', '+']);
                if !ORDER_FIELDS.contains(&field) {
                    return Err(ClerkApiError::invalid(
                        "order_by",
                        format!("order_by must be one of {}", ORDER_FIELDS.join(", ")),
                    ));
                }
                filter.order_by = value.into_owned();
            }
            "email_address" => filter.email_address.push(value.into_owned()),
            "query" if !value.trim().is_empty() => filter.query = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    Ok(filter)
}

async fn list_users(
    State(state): State<DevState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<Value>>, ClerkApiError> {
    let filter = parse_filter(raw.as_deref())?;
    let users = store::filter_users(&state.db, &filter).await?;
    Ok(Json(
        users
            .iter()
            .skip(filter.offset)
            .take(filter.limit)
            .map(store::DevUser::to_json)
            .collect(),
    ))
}

async fn count_users(
    State(state): State<DevState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ClerkApiError> {
    let filter = parse_filter(raw.as_deref())?;
    let users = store::filter_users(&state.db, &filter).await?;
    Ok(Json(
        json!({"object": "total_count", "total_count": users.len()}),
    ))
}

fn user_json(user: Option<store::DevUser>) -> Result<Json<Value>, ClerkApiError> {
    user.map(|u| Json(u.to_json()))
        .ok_or_else(|| ClerkApiError::not_found("User"))
}

async fn get_user(
    State(state): State<DevState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    user_json(store::get_user(&state.db, &id).await?)
}

async fn update_user(
    State(state): State<DevState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ClerkApiError> {
    let body = object_body(&body)?;
    if let Some(field) = ["public_metadata", "private_metadata", "unsafe_metadata"]
        .into_iter()
        .find(|f| body.contains_key(*f))
    {
        return Err(ClerkApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_unknown",
            format!("{field} is not allowed here"),
            "Metadata is updated with PATCH /v1/users/{user_id}/metadata.",
        ));
    }
    let changes = UserChanges {
        first_name: string_field(&body, "first_name")?,
        last_name: string_field(&body, "last_name")?,
        username: string_field(&body, "username")?,
    };
    user_json(store::update_user(&state.db, &id, &changes).await?)
}

async fn update_metadata(
    State(state): State<DevState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ClerkApiError> {
    let body = object_body(&body)?;
    let patch = MetadataPatch {
        public_metadata: object_field(&body, "public_metadata")?,
        private_metadata: object_field(&body, "private_metadata")?,
        unsafe_metadata: object_field(&body, "unsafe_metadata")?,
    };
    user_json(store::merge_metadata(&state.db, &id, &patch).await?)
}

async fn delete_user(
    State(state): State<DevState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    if store::delete_user(&state.db, &id).await? {
        Ok(Json(json!({"object": "user", "id": id, "deleted": true})))
    } else {
        Err(ClerkApiError::not_found("User"))
    }
}

#[derive(Debug, Default, serde::Deserialize)]
struct TokenRequest {
    expires_in_seconds: Option<i64>,
}

/// The longest lifetime `POST /sessions/{id}/tokens` grants (a day): tokens
/// for tests, not a way around sessions ending.
const MAX_TOKEN_LIFETIME_SECS: i64 = 86_400;

/// `POST /sessions/{id}/tokens`: a session token for an active session, for
/// testing (Clerk's "Create a session token"), with `expires_in_seconds`
/// overriding the 60-second default — such as a token about to lapse, to
/// exercise the handshake.
async fn create_session_token(
    State(state): State<DevState>,
    Path(id): Path<String>,
    body: Option<Json<TokenRequest>>,
) -> Result<Json<Value>, ClerkApiError> {
    let lifetime = body
        .and_then(|Json(b)| b.expires_in_seconds)
        .unwrap_or(super::frontend::TOKEN_LIFETIME_SECS);
    if !(1..=MAX_TOKEN_LIFETIME_SECS).contains(&lifetime) {
        return Err(ClerkApiError::invalid(
            "expires_in_seconds",
            "expires_in_seconds must be between 1 and 86400.",
        ));
    }
    let session = store::session_info(&state.db, &id)
        .await?
        .filter(|s| s.status == "active" && s.expire_at > crate::db::now_millis())
        .ok_or_else(|| ClerkApiError::not_found("Session"))?;
    let jwt = super::frontend::mint_for(&state, &session, None, lifetime).await?;
    Ok(Json(json!({"object": "token", "jwt": jwt})))
}

/// `POST /sessions/{id}/revoke` (the console reuses it).
pub(crate) async fn revoke_session(
    State(state): State<DevState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    store::revoke_session(&state.db, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ClerkApiError::not_found("Session"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_parsed_and_validated() {
        let f = parse_filter(Some("limit=2&offset=4&order_by=-updated_at&email_address=A%40x.io&email_address=b%40x.io&query=ada+l"))
            .unwrap();
        assert_eq!(
            f,
            UserFilter {
                limit: 2,
                offset: 4,
                order_by: "-updated_at".into(),
                email_address: vec!["A@x.io".into(), "b@x.io".into()],
                query: Some("ada l".into()),
            }
        );
        assert_eq!(parse_filter(None).unwrap(), UserFilter::default());
        for bad in [
            "limit=0",
            "limit=501",
            "limit=x",
            "offset=-1",
            "order_by=password_hash",
        ] {
            assert_eq!(parse_filter(Some(bad)).unwrap_err().status(), 422, "{bad}");
        }
    }
}
