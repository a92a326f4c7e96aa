//! The development instance's Backend API for organizations, as Clerk's
//! (`/v1/organizations…`, JSON bodies, secret key required by the layer
//! `backend::router` installs): organizations, their memberships and their
//! invitations. Each change queues the same webhooks the widgets' changes
//! do.

use super::{
    api_error::{object_body, string_field, ClerkApiError},
    orgs::{self, Invitation, Membership},
    state::DevState,
    store,
};
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    routing::{get, patch, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Routes relative to the Backend API's `/v1`.
pub fn router(state: DevState) -> Router<DevState> {
    Router::new()
        .route(
            "/organizations",
            get(list_organizations).post(create_organization),
        )
        .route(
            "/organizations/{id}",
            get(get_organization)
                .patch(update_organization)
                .delete(delete_organization),
        )
        .route(
            "/organizations/{id}/memberships",
            get(list_memberships).post(create_membership),
        )
        .route(
            "/organizations/{id}/memberships/{user_id}",
            patch(update_membership).delete(delete_membership),
        )
        .route(
            "/organizations/{id}/invitations",
            get(list_invitations).post(create_invitation),
        )
        .route(
            "/organizations/{id}/invitations/{invitation_id}/revoke",
            post(revoke_invitation),
        )
        .with_state(state)
}

/// Paging and filters on a list, as both APIs take them (`limit`,
/// `offset`, `query`, `role`, `status`; several statuses comma-separated,
/// as clerk-js sends an array in a query).
#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    limit: Option<i64>,
    offset: Option<i64>,
    pub query: Option<String>,
    role: Option<String>,
    status: Option<String>,
}

impl ListQuery {
    /// `(limit, offset)`: 10 by default, at most 500.
    pub fn page(&self) -> (i64, i64) {
        (
            self.limit.unwrap_or(10).clamp(1, 500),
            self.offset.unwrap_or(0).max(0),
        )
    }

    pub fn role(&self) -> Option<&str> {
        self.role.as_deref().filter(|r| !r.is_empty())
    }

    pub fn statuses(&self) -> Vec<String> {
        self.status
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// One page of an already-loaded list.
    pub fn slice<'a, T>(&self, all: &'a [T]) -> impl Iterator<Item = &'a T> + use<'a, T> {
        let (limit, offset) = self.page();
        all.iter().skip(offset as usize).take(limit as usize)
    }
}

fn paginated(data: Vec<Value>, total: i64) -> Json<Value> {
    Json(json!({"data": data, "total_count": total}))
}

fn required(body: &Map<String, Value>, key: &'static str) -> Result<String, ClerkApiError> {
    string_field(body, key)?
        .ok_or_else(|| ClerkApiError::invalid(key, format!("{key} is required")))
}

async fn list_organizations(
    State(state): State<DevState>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ClerkApiError> {
    let (limit, offset) = query.page();
    let (orgs, total) = orgs::list(&state.db, query.query.as_deref(), limit, offset).await?;
    Ok(paginated(
        orgs.iter().map(orgs::Organization::to_json).collect(),
        total,
    ))
}

/// `{ name, slug?, created_by }`: the creator becomes its admin.
async fn create_organization(
    State(state): State<DevState>,
    body: Bytes,
) -> Result<Json<Value>, ClerkApiError> {
    let body = object_body(&body)?;
    let created_by = required(&body, "created_by")?;
    if store::get_user(&state.db, &created_by).await?.is_none() {
        return Err(ClerkApiError::invalid(
            "created_by",
            "created_by must be an existing user's id",
        ));
    }
    let slug = string_field(&body, "slug")?;
    let org = orgs::create(
        &state.db,
        &required(&body, "name")?,
        slug.as_deref(),
        &created_by,
    )
    .await?;
    Ok(Json(org.to_json()))
}

async fn get_organization(
    State(state): State<DevState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    let org = orgs::get(&state.db, &id)
        .await?
        .ok_or_else(|| ClerkApiError::not_found("Organization"))?;
    Ok(Json(org.to_json()))
}

async fn update_organization(
    State(state): State<DevState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ClerkApiError> {
    let body = object_body(&body)?;
    let name = string_field(&body, "name")?;
    let slug = string_field(&body, "slug")?;
    let org = orgs::update(&state.db, &id, name.as_deref(), slug.as_deref()).await?;
    Ok(Json(org.to_json()))
}

/// The organization and its memberships go; `organization.deleted` tells
/// the app to remove its posts.
async fn delete_organization(
    State(state): State<DevState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    if orgs::delete(&state.db, &id).await? {
        Ok(Json(
            json!({"object": "organization", "id": id, "deleted": true}),
        ))
    } else {
        Err(ClerkApiError::not_found("Organization"))
    }
}

async fn list_memberships(
    State(state): State<DevState>,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ClerkApiError> {
    if orgs::get(&state.db, &id).await?.is_none() {
        return Err(ClerkApiError::not_found("Organization"));
    }
    let (limit, offset) = query.page();
    let (members, total) = orgs::members(&state.db, &id, query.role(), limit, offset).await?;
    Ok(paginated(
        members.iter().map(Membership::to_json).collect(),
        total,
    ))
}

/// `{ user_id, role }`.
async fn create_membership(
    State(state): State<DevState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ClerkApiError> {
    let body = object_body(&body)?;
    let user_id = required(&body, "user_id")?;
    if store::get_user(&state.db, &user_id).await?.is_none() {
        return Err(ClerkApiError::not_found("User"));
    }
    let membership = orgs::add_member(&state.db, &id, &user_id, &required(&body, "role")?).await?;
    Ok(Json(membership.to_json()))
}

/// `{ role }`.
async fn update_membership(
    State(state): State<DevState>,
    Path((id, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ClerkApiError> {
    let body = object_body(&body)?;
    let membership = orgs::set_role(&state.db, &id, &user_id, &required(&body, "role")?).await?;
    Ok(Json(membership.to_json()))
}

async fn delete_membership(
    State(state): State<DevState>,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Json<Value>, ClerkApiError> {
    let removed = orgs::remove_member(&state.db, &id, &user_id).await?;
    Ok(Json(removed.to_json()))
}

async fn list_invitations(
    State(state): State<DevState>,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ClerkApiError> {
    if orgs::get(&state.db, &id).await?.is_none() {
        return Err(ClerkApiError::not_found("Organization"));
    }
    let all = orgs::invitations(&state.db, &id, &query.statuses()).await?;
    Ok(paginated(
        query.slice(&all).map(Invitation::to_json).collect(),
        all.len() as i64,
    ))
}

/// `{ email_address, role }`.
async fn create_invitation(
    State(state): State<DevState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ClerkApiError> {
    let body = object_body(&body)?;
    let invitation = orgs::invite_one(
        &state.db,
        &id,
        &required(&body, "email_address")?,
        &required(&body, "role")?,
    )
    .await?;
    Ok(Json(invitation.to_json()))
}

async fn revoke_invitation(
    State(state): State<DevState>,
    Path((id, invitation_id)): Path<(String, String)>,
) -> Result<Json<Value>, ClerkApiError> {
    let invitation = orgs::revoke_invitation(&state.db, &id, &invitation_id).await?;
    Ok(Json(invitation.to_json()))
}
