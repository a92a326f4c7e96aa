//! The console's own JSON endpoints (development only): users with their
//! metadata fields (the app's `Settings::metadata_fields`) and sessions,
//! changing those fields, revoking sessions, the mailbox (what the
//! instance would have emailed), and the webhook outbox with redelivery. They run the same store operations
//! as the Backend API, so the same webhooks fire. Like every write in the
//! app, they must come from the app's own origin (`security::csrf`), so no
//! other site can drive them.

use super::{
    api_error::ClerkApiError,
    backend, mailbox, orgs,
    state::DevState,
    store,
    webhooks::{self, EventSummary},
    MOUNT,
};
use axum::{
    extract::{Path, Query, State},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Routes relative to `/__clerk/console/api`.
pub fn router<S: Clone + Send + Sync + 'static>(state: DevState) -> Router<S> {
    Router::new()
        .route("/users", get(users))
        .route("/users/{id}/access", post(set_access))
        .route("/sessions/{id}/revoke", post(backend::revoke_session))
        .route("/sessions/{id}/verified", post(set_verified))
        .route("/organizations", get(organizations))
        .route("/invitations", get(invitations))
        .route("/mailbox", get(mailbox_messages))
        .route("/webhooks", get(events))
        .route("/webhooks/{id}/redeliver", post(redeliver))
        .with_state(state)
}

#[derive(Serialize)]
struct ConsoleUser {
    id: String,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    /// Each configured metadata field's value (its first choice when unset
    /// or not among its choices), under the field's key.
    #[serde(flatten)]
    fields: Map<String, Value>,
    sessions: Vec<Value>,
}

async fn users(State(state): State<DevState>) -> Result<Json<Vec<ConsoleUser>>, ClerkApiError> {
    let filter = store::UserFilter {
        limit: 500,
        order_by: "created_at".into(),
        ..Default::default()
    };
    let mut out = Vec::new();
    for user in store::filter_users(&state.db, &filter).await? {
        let fields = state
            .instance
            .settings()
            .metadata_fields
            .iter()
            .map(|field| {
                let value = user
                    .public_metadata
                    .get(&field.key)
                    .and_then(Value::as_str)
                    .filter(|v| field.choices.iter().any(|c| c == v))
                    .or(field.choices.first().map(String::as_str))
                    .unwrap_or_default();
                (field.key.clone(), json!(value))
            })
            .collect();
        out.push(ConsoleUser {
            id: user.id.clone(),
            email: user.primary_email().map(str::to_owned),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            fields,
            sessions: store::user_sessions(&state.db, &user.id).await?,
        });
    }
    Ok(Json(out))
}

/// Sets configured metadata fields in the user's public metadata (merged,
/// as the Backend API's metadata endpoint does): their next session token
/// carries them. Only configured keys, and only their offered values:
/// anything else is a 422 and changes nothing.
async fn set_access(
    State(state): State<DevState>,
    Path(id): Path<String>,
    Json(access): Json<Map<String, Value>>,
) -> Result<Json<Value>, ClerkApiError> {
    let fields = &state.instance.settings().metadata_fields;
    let mut public = Map::new();
    for (key, value) in access {
        let Some(field) = fields.iter().find(|f| f.key == key) else {
            return Err(ClerkApiError::invalid(
                "metadata",
                "The console sets only the app's metadata fields.",
            ));
        };
        match value.as_str() {
            Some(v) if field.choices.iter().any(|c| c == v) => {
                public.insert(key, value);
            }
            _ => {
                return Err(ClerkApiError::invalid(
                    "metadata",
                    format!(
                        "{} must be one of: {}.",
                        field.label,
                        field.choices.join(", ")
                    ),
                ))
            }
        }
    }
    let patch = store::MetadataPatch {
        public_metadata: Some(public),
        ..Default::default()
    };
    let user = store::merge_metadata(&state.db, &id, &patch)
        .await?
        .ok_or_else(|| ClerkApiError::not_found("User"))?;
    Ok(Json(
        json!({"id": user.id, "public_metadata": user.public_metadata}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Verified {
    /// How long ago the session's user last proved who they are.
    minutes_ago: u32,
}

/// Sets when a session's user last entered their password, so that a
/// developer (or a test) can see the app ask for it again: the step-up
/// rule itself never changes, only the fact it reads.
async fn set_verified(
    State(state): State<DevState>,
    Path(id): Path<String>,
    Json(verified): Json<Verified>,
) -> Result<Json<Value>, ClerkApiError> {
    if verified.minutes_ago > 7 * 24 * 60 {
        return Err(ClerkApiError::invalid(
            "minutes_ago",
            "minutes_ago can be at most a week (10080).",
        ));
    }
    let at = crate::db::now_millis() - i64::from(verified.minutes_ago) * 60_000;
    if !store::set_factor_verified_at(&state.db, &id, at).await? {
        return Err(ClerkApiError::not_found("Session"));
    }
    Ok(Json(
        json!({"id": id, "factor_verification_age": [verified.minutes_ago, -1]}),
    ))
}

#[derive(Serialize)]
struct EventWithAttempts {
    #[serde(flatten)]
    event: EventSummary,
    attempts_log: Vec<webhooks::Attempt>,
}

async fn events(
    State(state): State<DevState>,
) -> Result<Json<Vec<EventWithAttempts>>, ClerkApiError> {
    let mut out = Vec::new();
    for event in webhooks::recent_events(&state.db, 50)
        .await
        .map_err(store::StoreError::from)?
    {
        let attempts_log = webhooks::attempts(&state.db, &event.id)
            .await
            .map_err(store::StoreError::from)?;
        out.push(EventWithAttempts {
            event,
            attempts_log,
        });
    }
    Ok(Json(out))
}

async fn redeliver(
    State(state): State<DevState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    if webhooks::redeliver(&state.db, &id)
        .await
        .map_err(store::StoreError::from)?
    {
        Ok(Json(json!({"id": id, "queued": true})))
    } else {
        Err(ClerkApiError::not_found("Event"))
    }
}

/// Every organization with its members (the console lists them).
async fn organizations(State(state): State<DevState>) -> Result<Json<Vec<Value>>, ClerkApiError> {
    let (all, _) = orgs::list(&state.db, None, 500, 0).await?;
    let mut out = Vec::new();
    for org in all {
        let (members, _) = orgs::members(&state.db, &org.id, None, 500, 0).await?;
        let mut json = org.to_json();
        json["members"] = members
            .iter()
            .map(|m| json!({"user_id": m.user_id, "identifier": m.identifier, "role": m.role}))
            .collect();
        out.push(json);
    }
    Ok(Json(out))
}

/// The instance's outbox: pending invitations with the link each invitee
/// would get by email (no mail leaves the machine). The link is the
/// invitation's credential, shown here as Clerk's email would carry it:
/// the console is the development instance's mailbox, never in production.
async fn invitations(State(state): State<DevState>) -> Result<Json<Vec<Value>>, ClerkApiError> {
    let pending = orgs::pending_invitations(&state.db).await?;
    Ok(Json(
        pending
            .iter()
            .map(|i| {
                let mut json = i.to_json();
                json["organization_name"] = json!(i.organization_name);
                json["accept_url"] =
                    json!(format!("{MOUNT}/v1/tickets/accept?ticket={}", i.ticket));
                json
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
struct MailboxQuery {
    /// Only the messages to this address.
    #[serde(default)]
    to: Option<String>,
}

/// The mailbox, newest first: every code and link the instance would have
/// emailed (`?to=` narrows it to one address). As an inbox would, it
/// shows the codes themselves; it exists only on the development instance.
async fn mailbox_messages(
    State(state): State<DevState>,
    Query(query): Query<MailboxQuery>,
) -> Result<Json<Vec<mailbox::Message>>, ClerkApiError> {
    Ok(Json(
        mailbox::recent(&state.db, query.to.as_deref(), mailbox::KEPT).await?,
    ))
}
