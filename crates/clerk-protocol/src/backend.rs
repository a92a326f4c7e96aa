//! Clerk's Backend API: users, metadata and sessions, over reqwest with
//! timeouts, retries with back-off on 429/5xx (honouring `Retry-After`), and
//! errors parsed from Clerk's `{"errors": [...]}`.

use super::keys::Secret;
use reqwest::{header::RETRY_AFTER, Method, StatusCode};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{Map, Value};
use std::{fmt, time::Duration};

/// The API version this client speaks (sent as `Clerk-API-Version`).
pub const API_VERSION: &str = "2026-05-12";

/// How failed calls are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay: Duration,
    /// Upper bound on any one wait, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// One entry of Clerk's error list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub long_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    #[error("Clerk answered {status}: {}", .errors.first().map_or("no details", |e| e.message.as_str()))]
    Api { status: u16, errors: Vec<ApiError> },
    #[error("Clerk is unreachable: {0}")]
    Unavailable(String),
    #[error("unexpected answer from Clerk: {0}")]
    Decode(String),
    #[error("not a valid Clerk id")]
    InvalidId,
}

impl BackendError {
    pub fn status(&self) -> Option<u16> {
        match self {
            BackendError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Clerk certainly did not act: it refused the request (4xx), or the
    /// request was never sent. After a 5xx, a timeout or an unreadable
    /// answer the write may have happened.
    pub fn is_refusal(&self) -> bool {
        match self {
            BackendError::Api { status, .. } => (400..500).contains(status),
            BackendError::InvalidId => true,
            BackendError::Unavailable(_) | BackendError::Decode(_) => false,
        }
    }
}

/// Private metadata: readable on the server, but with no `Serialize` impl,
/// so neither it nor any type holding it can be put into a response.
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct PrivateMetadata(pub Map<String, Value>);

impl fmt::Debug for PrivateMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateMetadata({} keys, redacted)", self.0.len())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Verification {
    pub status: Option<String>,
    pub strategy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EmailAddress {
    pub id: String,
    pub email_address: String,
    #[serde(default)]
    pub verification: Option<Verification>,
}

/// Clerk's user object. Deliberately not `Serialize` (it holds private
/// metadata): send a public view of it instead.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClerkUser {
    pub id: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default)]
    pub has_image: bool,
    #[serde(default)]
    pub primary_email_address_id: Option<String>,
    #[serde(default)]
    pub email_addresses: Vec<EmailAddress>,
    #[serde(default)]
    pub public_metadata: Map<String, Value>,
    #[serde(default)]
    pub private_metadata: PrivateMetadata,
    #[serde(default)]
    pub unsafe_metadata: Map<String, Value>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub banned: bool,
    #[serde(default)]
    pub locked: bool,
    #[serde(default)]
    pub password_enabled: bool,
    #[serde(default)]
    pub two_factor_enabled: bool,
    #[serde(default)]
    pub last_sign_in_at: Option<i64>,
    #[serde(default)]
    pub last_active_at: Option<i64>,
    #[serde(default)]
    pub created_at: i64,
    #[serde(default)]
    pub updated_at: i64,
}

impl ClerkUser {
    /// The address `primary_email_address_id` points at.
    pub fn primary_email(&self) -> Option<&str> {
        let primary = self.primary_email_address_id.as_deref()?;
        self.email_addresses
            .iter()
            .find(|e| e.id == primary)
            .map(|e| e.email_address.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClerkSession {
    pub id: String,
    pub user_id: String,
    #[serde(default)]
    pub client_id: Option<String>,
    pub status: String,
    #[serde(default)]
    pub last_active_at: Option<i64>,
    #[serde(default)]
    pub expire_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeletedObject {
    pub id: String,
    #[serde(default)]
    pub deleted: bool,
}

/// `GET /users` filters. Clerk's defaults apply to what is left `None`.
#[derive(Debug, Clone, Default)]
pub struct ListUsers {
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    /// e.g. `-created_at`.
    pub order_by: Option<String>,
    pub email_address: Vec<String>,
    pub query: Option<String>,
}

/// `PATCH /users/{id}/metadata`: deep-merged by Clerk; `null` deletes a key.
/// Only the fields that are `Some` are sent.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MetadataUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_metadata: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_metadata: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsafe_metadata: Option<Value>,
}

/// `PATCH /users/{id}`: other attributes (Clerk rejects metadata here).
#[derive(Debug, Clone, Default, Serialize)]
pub struct UserUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// A client for one instance's Backend API.
#[derive(Clone)]
pub struct BackendApi {
    http: reqwest::Client,
    base: String,
    secret: Secret,
    retry: RetryPolicy,
}

impl BackendApi {
    /// `api_url` without `/v1` (e.g. `https://api.clerk.com`).
    pub fn new(http: reqwest::Client, api_url: &str, secret_key: &str) -> Self {
        BackendApi {
            http,
            base: format!("{}/v1", api_url.trim_end_matches('/')),
            secret: Secret::new(secret_key),
            retry: RetryPolicy::default(),
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub async fn get_user(&self, user_id: &str) -> Result<ClerkUser, BackendError> {
        let path = format!("/users/{}", clerk_id(user_id)?);
        self.call(Method::GET, &path, &[], None).await
    }

    pub async fn list_users(&self, filter: &ListUsers) -> Result<Vec<ClerkUser>, BackendError> {
        let mut query: Vec<(&str, String)> = Vec::new();
        if let Some(limit) = filter.limit {
            query.push(("limit", limit.to_string()));
        }
        if let Some(offset) = filter.offset {
            query.push(("offset", offset.to_string()));
        }
        if let Some(order) = &filter.order_by {
            query.push(("order_by", order.clone()));
        }
        for email in &filter.email_address {
            query.push(("email_address", email.clone()));
        }
        if let Some(q) = &filter.query {
            query.push(("query", q.clone()));
        }
        self.call(Method::GET, "/users", &query, None).await
    }

    pub async fn count_users(&self, query: Option<&str>) -> Result<i64, BackendError> {
        #[derive(Deserialize)]
        struct Count {
            total_count: i64,
        }
        let params: Vec<(&str, String)> =
            query.map(|q| ("query", q.to_owned())).into_iter().collect();
        let count: Count = self
            .call(Method::GET, "/users/count", &params, None)
            .await?;
        Ok(count.total_count)
    }

    pub async fn update_user_metadata(
        &self,
        user_id: &str,
        update: &MetadataUpdate,
    ) -> Result<ClerkUser, BackendError> {
        let path = format!("/users/{}/metadata", clerk_id(user_id)?);
        let body = serde_json::to_value(update).map_err(|e| BackendError::Decode(e.to_string()))?;
        self.call(Method::PATCH, &path, &[], Some(&body)).await
    }

    pub async fn update_user(
        &self,
        user_id: &str,
        update: &UserUpdate,
    ) -> Result<ClerkUser, BackendError> {
        let path = format!("/users/{}", clerk_id(user_id)?);
        let body = serde_json::to_value(update).map_err(|e| BackendError::Decode(e.to_string()))?;
        self.call(Method::PATCH, &path, &[], Some(&body)).await
    }

    pub async fn delete_user(&self, user_id: &str) -> Result<DeletedObject, BackendError> {
        let path = format!("/users/{}", clerk_id(user_id)?);
        self.call(Method::DELETE, &path, &[], None).await
    }

    pub async fn revoke_session(&self, session_id: &str) -> Result<ClerkSession, BackendError> {
        let path = format!("/sessions/{}/revoke", clerk_id(session_id)?);
        self.call(Method::POST, &path, &[], None).await
    }

    /// The cookie list a `format=nonce` handshake left under `nonce`
    /// (`Set-Cookie` values for the app's origin). Clerk hands it out once.
    pub async fn handshake_payload(&self, nonce: &str) -> Result<Vec<String>, BackendError> {
        #[derive(Deserialize)]
        struct Payload {
            directives: Vec<String>,
        }
        let query = [("nonce", nonce.to_owned())];
        let payload: Payload = self
            .call(Method::GET, "/clients/handshake_payload", &query, None)
            .await?;
        Ok(payload.directives)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<T, BackendError> {
        let url = format!("{}{path}", self.base);
        let mut attempt = 0;
        loop {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(self.secret.expose())
                .header("Clerk-API-Version", API_VERSION)
                .query(query);
            if let Some(body) = body {
                request = request.json(body);
            }
            let wait = match request.send().await {
                Ok(response) if response.status().is_success() => {
                    return response
                        .json::<T>()
                        .await
                        .map_err(|e| BackendError::Decode(e.without_url().to_string()));
                }
                Ok(response) => {
                    let status = response.status();
                    let retryable =
                        status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                    if !retryable || attempt >= self.retry.max_retries {
                        return Err(api_error(response).await);
                    }
                    retry_after(&response)
                }
                Err(err) => {
                    if attempt >= self.retry.max_retries {
                        return Err(BackendError::Unavailable(err.without_url().to_string()));
                    }
                    None
                }
            };
            let backoff = self
                .retry
                .base_delay
                .saturating_mul(2u32.saturating_pow(attempt));
            tokio::time::sleep(wait.unwrap_or(backoff).min(self.retry.max_delay)).await;
            attempt += 1;
        }
    }
}

/// Ids go into URL paths: only Clerk's id alphabet is let through, so an id
/// can never become `../` or a query.
fn clerk_id(id: &str) -> Result<&str, BackendError> {
    let valid = !id.is_empty()
        && id.len() <= 128
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(id)
    } else {
        Err(BackendError::InvalidId)
    }
}

/// `Retry-After` in seconds (the HTTP-date form is treated as absent).
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

async fn api_error(response: reqwest::Response) -> BackendError {
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        errors: Vec<ApiError>,
    }
    let status = response.status().as_u16();
    let errors = response
        .json::<Body>()
        .await
        .map(|b| b.errors)
        .unwrap_or_default();
    BackendError::Api { status, errors }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_restricted_to_clerks_alphabet() {
        assert_eq!(clerk_id("user_2abcDEF123"), Ok("user_2abcDEF123"));
        for bad in ["", "../jwks", "user_1?x=1", "user 1", "user/1", "user%2F1"] {
            assert_eq!(clerk_id(bad), Err(BackendError::InvalidId), "{bad}");
        }
    }

    #[test]
    fn private_metadata_is_redacted_in_debug_output() {
        let user: ClerkUser = serde_json::from_value(serde_json::json!({
            "id": "user_1", "private_metadata": {"stripe_customer": "cus_SECRET"}
        }))
        .unwrap();
        assert_eq!(
            user.private_metadata.0["stripe_customer"], "cus_SECRET",
            "readable on the server"
        );
        assert!(!format!("{user:?}").contains("cus_SECRET"));
    }
}
