//! `POST /api/webhooks/clerk`: Clerk's Svix-signed events. Public (Clerk has
//! no session), so the signature over the raw body is the only credential.

use crate::{
    clerk::verify::unix_now,
    clerk::webhook::{self, SvixHeaders},
    error::AppError,
    metrics,
    service::sync::{self, Outcome},
    state::AppState,
};
use axum::{body::Bytes, extract::State, http::HeaderMap, routing::post, Json, Router};
use serde::Serialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/webhooks/clerk", post(receive))
}

#[derive(Debug, Serialize)]
struct Receipt {
    status: Outcome,
}

/// 400 for anything unsigned or unreadable (nothing written); 5xx when the
/// database fails, so the sender retries; 200 otherwise, duplicates included.
async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Receipt>, AppError> {
    let Some(secret) = &state.config.clerk.webhook_signing_secret else {
        // Ours to fix; answering 5xx keeps the deliveries queued at Clerk.
        tracing::error!("webhook received but CLERK_WEBHOOK_SIGNING_SECRET is not set");
        return Err(AppError::Unavailable(
            "Webhooks are not configured on this server.".into(),
        ));
    };
    let svix = SvixHeaders::from_headers(&headers).map_err(refused)?;
    webhook::verify(secret, &svix, &body, unix_now()).map_err(refused)?;
    let event = sync::parse(&body).inspect_err(|_| metrics::webhook("other", "malformed"))?;
    let status = sync::apply(&state.db, &svix.id, &event)
        .await
        .inspect_err(|_| metrics::webhook(&event.event_type, "failed"))?;
    metrics::webhook(&event.event_type, outcome_label(status));
    tracing::info!(svix_id = %svix.id, event = %event.event_type, ?status, "webhook");
    Ok(Json(Receipt { status }))
}

fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Applied => "applied",
        Outcome::Stale => "stale",
        Outcome::Duplicate => "duplicate",
        Outcome::Ignored => "ignored",
    }
}

fn refused(err: webhook::WebhookError) -> AppError {
    metrics::webhook("unverified", "refused");
    tracing::info!(reason = %err, "webhook refused");
    AppError::BadRequest(format!("Invalid webhook signature: {err}."))
}
