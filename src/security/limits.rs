//! How much a request may send and how long it may take: a body limit per
//! route (413 JSON beyond it, before a handler reads anything) and a
//! deadline for the whole request (408 JSON when a client is too slow).

use crate::{auth::normalize, error::AppError};
use axum::{
    body::Body,
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body_util::BodyExt;
use std::time::Duration;

pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
/// A post may hold 20,000 characters of up to four bytes each.
pub const POSTS_BODY_LIMIT: usize = 100 * 1024;
/// Clerk's events (a user with many addresses and metadata) can be large.
pub const WEBHOOK_BODY_LIMIT: usize = 1024 * 1024;

/// The most a request to `path` may send. Every reading of the path must
/// allow it, so `..` cannot borrow a larger limit.
pub fn body_limit(path: &str) -> usize {
    normalize(path)
        .iter()
        .map(|p| match p.as_str() {
            "/api/webhooks/clerk" => WEBHOOK_BODY_LIMIT,
            "/api/protected/create_post" | "/api/protected/update_post" => POSTS_BODY_LIMIT,
            p if p == "/api/protected/posts" || p.starts_with("/api/protected/posts/") => {
                POSTS_BODY_LIMIT
            }
            _ => DEFAULT_BODY_LIMIT,
        })
        .min()
        .unwrap_or(DEFAULT_BODY_LIMIT)
}

fn too_large(limit: usize) -> Response {
    AppError::PayloadTooLarge(format!(
        "The request body is too large: at most {} KB is accepted here.",
        limit / 1024
    ))
    .into_response()
}

/// How much of an oversized body is still read (and thrown away) so that
/// the client, still sending, reads the 413 instead of a broken connection.
/// Beyond this the connection is simply closed.
const DRAIN_MAX: usize = 8 * 1024 * 1024;

/// Middleware: reads the body up to the route's limit before any handler
/// runs (every handler reads its whole body anyway), so an oversized one —
/// declared by `Content-Length` or discovered while a chunked upload
/// streams in — is refused with 413 before anything reads it.
pub async fn limit_body(request: Request, next: Next) -> Response {
    let limit = body_limit(request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_MAX as u64) {
        let mut response = too_large(limit);
        response.headers_mut().insert(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        );
        return response;
    }
    let (parts, mut body) = request.into_parts();
    let mut buffer = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            // The client went away mid-body: nothing to answer.
            return AppError::BadRequest("The request body could not be read.".into())
                .into_response();
        };
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen <= limit {
                buffer.extend_from_slice(&data);
            } else if seen > DRAIN_MAX {
                break;
            }
        }
    }
    if seen > limit {
        let mut response = too_large(limit);
        if seen > DRAIN_MAX {
            response.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
        }
        return response;
    }
    next.run(Request::from_parts(parts, Body::from(buffer)))
        .await
}

/// Middleware: the whole request — reading the body, the handler, the
/// database — must finish within the deadline. Dropping the handler's
/// future rolls back any open transaction, so a cut-off request writes
/// nothing (and a cut-off webhook is simply retried by Clerk).
pub async fn deadline(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_secs = timeout.as_secs(), "request timed out");
            AppError::Timeout.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_follow_the_route_and_cannot_be_borrowed() {
        assert_eq!(body_limit("/api/webhooks/clerk"), WEBHOOK_BODY_LIMIT);
        assert_eq!(body_limit("/api/protected/posts"), POSTS_BODY_LIMIT);
        assert_eq!(body_limit("/api/protected/posts/7"), POSTS_BODY_LIMIT);
        assert_eq!(body_limit("/api/protected/update_post"), POSTS_BODY_LIMIT);
        assert_eq!(body_limit("/api/admin/set_role"), DEFAULT_BODY_LIMIT);
        assert_eq!(
            body_limit("/__clerk/v1/client/sign_ins"),
            DEFAULT_BODY_LIMIT
        );
        assert_eq!(
            body_limit("/api/webhooks/clerk/../../admin/set_role"),
            DEFAULT_BODY_LIMIT
        );
        assert_eq!(body_limit("/API/Webhooks/Clerk"), WEBHOOK_BODY_LIMIT);
    }
}
