//! The development instance's frontend API for organizations: what Clerk's
//! own `OrganizationSwitcher`, `CreateOrganization` and
//! `OrganizationProfile` call (create, rename, delete; members and their
//! roles; invitations; leaving), the signed-in user's memberships and
//! invitations, and the invitation link (`/v1/tickets/accept`) that hands
//! the app's sign-in page a ticket.
//!
//! Who may do what is Clerk's rule, read from the caller's own membership
//! on every request: a non-member gets 404 (an organization's existence is
//! not revealed), a member without the system permission the action needs
//! (`org:sys_profile:manage`, `org:sys_profile:delete`,
//! `org:sys_memberships:read`, `org:sys_memberships:manage`) gets 403.
//! Cross-site writes are refused by the CSRF layer before any of this runs,
//! and writes spend the per-user write budget.

use super::{
    api_error::ClerkApiError,
    backend_orgs::ListQuery,
    frontend::{client_json, method_not_allowed, signed_in_session, MethodOverride},
    orgs::{self, Membership, OrgError},
    state::DevState,
    store::{self, SessionInfo},
};
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

/// Routes relative to the mount point (`/__clerk`).
pub fn router<S: Clone + Send + Sync + 'static>(state: DevState) -> Router<S> {
    Router::new()
        .route("/v1/organizations", post(create_organization))
        .route(
            "/v1/organizations/{id}",
            get(get_organization)
                .patch(update_organization)
                .delete(delete_organization)
                .post(organization_with_override),
        )
        .route(
            "/v1/organizations/{id}/memberships",
            get(list_members).post(add_member),
        )
        .route(
            "/v1/organizations/{id}/memberships/{user_id}",
            axum::routing::patch(update_member)
                .delete(remove_member)
                .post(member_with_override),
        )
        .route(
            "/v1/organizations/{id}/invitations",
            get(list_invitations).post(invite),
        )
        .route("/v1/organizations/{id}/invitations/bulk", post(invite_bulk))
        .route(
            "/v1/organizations/{id}/invitations/{invitation_id}/revoke",
            post(revoke_invitation),
        )
        .route("/v1/organizations/{id}/roles", get(roles))
        .route("/v1/organizations/{id}/domains", get(empty_page))
        .route(
            "/v1/organizations/{id}/membership_requests",
            get(empty_page),
        )
        .route("/v1/me/organization_memberships", get(my_memberships))
        .route(
            "/v1/me/organization_memberships/{id}",
            axum::routing::delete(leave).post(leave_with_override),
        )
        .route("/v1/me/organization_invitations", get(my_invitations))
        .route(
            "/v1/me/organization_invitations/{id}/accept",
            post(accept_my_invitation),
        )
        .route("/v1/me/organization_suggestions", get(empty_page))
        .route("/v1/tickets/accept", get(accept_ticket))
        .with_state(state)
}

impl From<OrgError> for ClerkApiError {
    fn from(err: OrgError) -> Self {
        let message = err.to_string();
        match err {
            OrgError::Store(store) => store.into(),
            OrgError::NotFound(what) => ClerkApiError::not_found(what),
            OrgError::SlugTaken => ClerkApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "form_identifier_exists",
                "slug is taken",
                message,
            ),
            OrgError::Invalid(param, long) => ClerkApiError::invalid(param, long),
            OrgError::LastAdmin => ClerkApiError::new(
                StatusCode::FORBIDDEN,
                "organization_minimum_permissions_needed",
                "an admin is needed",
                message,
            ),
            OrgError::AlreadyMember => ClerkApiError::new(
                StatusCode::BAD_REQUEST,
                "already_a_member_in_organization",
                "already a member",
                message,
            ),
            OrgError::AlreadyInvited => ClerkApiError::new(
                StatusCode::BAD_REQUEST,
                "duplicate_record",
                "already invited",
                message,
            ),
        }
    }
}

fn forbidden() -> ClerkApiError {
    ClerkApiError::new(
        StatusCode::FORBIDDEN,
        "authorization_invalid",
        "Unauthorized request",
        "Your role in this organization does not allow this.",
    )
}

/// A request body as clerk-js sends it (form-encoded, arrays as repeated
/// keys) or as JSON, read as name/value pairs.
struct Fields(Vec<(String, String)>);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Fields {
    type Rejection = ClerkApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ClerkApiError::invalid("body", "The request body could not be read."))?;
        let invalid = || ClerkApiError::invalid("body", "The request body is invalid.");
        if !json {
            return serde_urlencoded::from_bytes(&bytes)
                .map(Fields)
                .map_err(|_| invalid());
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        let object = value.as_object().ok_or_else(invalid)?;
        let mut pairs = Vec::new();
        for (key, value) in object {
            let values = match value {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            for item in values {
                match item {
                    Value::String(s) => pairs.push((key.clone(), s)),
                    Value::Null => {}
                    other => pairs.push((key.clone(), other.to_string())),
                }
            }
        }
        Ok(Fields(pairs))
    }
}

impl Fields {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn required(&self, key: &'static str) -> Result<&str, ClerkApiError> {
        self.get(key)
            .ok_or_else(|| ClerkApiError::invalid(key, format!("{key} is required.")))
    }
}

/// Clerk's paginated envelope.
fn page(data: Vec<Value>, total: i64) -> Json<Value> {
    Json(json!({"response": {"data": data, "total_count": total}}))
}

/// `data` as the resource asked for, with the client (so clerk-js sees
/// the user's memberships change at once).
async fn with_client(
    state: &DevState,
    session: &SessionInfo,
    headers: &HeaderMap,
    data: Value,
) -> Result<Json<Value>, ClerkApiError> {
    let client = client_json(state, &session.client_id, headers).await?;
    Ok(Json(json!({"response": data, "client": client})))
}

/// The signed-in caller's membership in `org_id`, if it grants
/// `permission`: 404 for a non-member, 403 for a member without it.
async fn member_with(
    state: &DevState,
    session: &SessionInfo,
    org_id: &str,
    permission: &str,
) -> Result<Membership, ClerkApiError> {
    let membership = orgs::membership(&state.db, org_id, &session.user_id)
        .await?
        .ok_or_else(|| ClerkApiError::not_found("Organization"))?;
    if membership.can(permission) {
        Ok(membership)
    } else {
        Err(forbidden())
    }
}

/// `CreateOrganization`: the caller becomes its admin.
async fn create_organization(
    State(state): State<DevState>,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    let org = orgs::create(
        &state.db,
        fields.required("name")?,
        fields.get("slug"),
        &session.user_id,
    )
    .await?;
    with_client(&state, &session, &headers, org.to_json()).await
}

async fn get_organization(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    member_with(&state, &session, &id, "org:sys_memberships:read").await?;
    let org = orgs::get(&state.db, &id)
        .await?
        .ok_or_else(|| ClerkApiError::not_found("Organization"))?;
    Ok(Json(json!({"response": org.to_json()})))
}

/// `OrganizationProfile`'s "Update profile".
async fn update_organization(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    member_with(&state, &session, &id, "org:sys_profile:manage").await?;
    let org = orgs::update(&state.db, &id, fields.get("name"), fields.get("slug")).await?;
    with_client(&state, &session, &headers, org.to_json()).await
}

/// `OrganizationProfile`'s "Delete organization" (admins only).
async fn delete_organization(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    member_with(&state, &session, &id, "org:sys_profile:delete").await?;
    if !orgs::delete(&state.db, &id).await? {
        return Err(ClerkApiError::not_found("Organization"));
    }
    let deleted = json!({"object": "organization", "id": id, "deleted": true});
    with_client(&state, &session, &headers, deleted).await
}

/// The same, as clerk-js sends them: `POST ?_method=PATCH|DELETE`.
async fn organization_with_override(
    state: State<DevState>,
    headers: HeaderMap,
    id: Path<String>,
    Query(query): Query<MethodOverride>,
    fields: Fields,
) -> Result<Json<Value>, ClerkApiError> {
    match query.method().as_deref() {
        Some("PATCH") => update_organization(state, headers, id, fields).await,
        Some("DELETE") => delete_organization(state, headers, id).await,
        _ => Err(method_not_allowed()),
    }
}

async fn list_members(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<ListQuery>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    member_with(&state, &session, &id, "org:sys_memberships:read").await?;
    let (limit, offset) = params.page();
    let (members, total) = orgs::members(&state.db, &id, params.role(), limit, offset).await?;
    Ok(page(
        members.iter().map(Membership::to_json).collect(),
        total,
    ))
}

/// `organization.addMember({ userId, role })`.
async fn add_member(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    member_with(&state, &session, &id, "org:sys_memberships:manage").await?;
    let user_id = fields.required("user_id")?;
    if store::get_user(&state.db, user_id).await?.is_none() {
        return Err(ClerkApiError::not_found("User"));
    }
    let membership = orgs::add_member(&state.db, &id, user_id, fields.required("role")?).await?;
    with_client(&state, &session, &headers, membership.to_json()).await
}

/// A member's role change.
async fn update_member(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path((id, user_id)): Path<(String, String)>,
    fields: Fields,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    member_with(&state, &session, &id, "org:sys_memberships:manage").await?;
    let membership = orgs::set_role(&state.db, &id, &user_id, fields.required("role")?).await?;
    with_client(&state, &session, &headers, membership.to_json()).await
}

/// Removing a member (an admin's action; leaving is `/me/…`).
async fn remove_member(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    member_with(&state, &session, &id, "org:sys_memberships:manage").await?;
    let removed = orgs::remove_member(&state.db, &id, &user_id).await?;
    with_client(&state, &session, &headers, removed.to_json()).await
}

async fn member_with_override(
    state: State<DevState>,
    headers: HeaderMap,
    path: Path<(String, String)>,
    Query(query): Query<MethodOverride>,
    fields: Fields,
) -> Result<Json<Value>, ClerkApiError> {
    match query.method().as_deref() {
        Some("PATCH") => update_member(state, headers, path, fields).await,
        Some("DELETE") => remove_member(state, headers, path).await,
        _ => Err(method_not_allowed()),
    }
}

async fn list_invitations(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<ListQuery>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    member_with(&state, &session, &id, "org:sys_memberships:manage").await?;
    let all = orgs::invitations(&state.db, &id, &params.statuses()).await?;
    let total = all.len() as i64;
    let data = params.slice(&all).map(orgs::Invitation::to_json).collect();
    Ok(page(data, total))
}

/// One invitation: `{ email_address, role }`.
async fn invite(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    member_with(&state, &session, &id, "org:sys_memberships:manage").await?;
    let invitation = orgs::invite_one(
        &state.db,
        &id,
        fields.required("email_address")?,
        fields.required("role")?,
    )
    .await?;
    with_client(&state, &session, &headers, invitation.to_json()).await
}

/// Most invitations one request may send.
const MAX_BULK_INVITATIONS: usize = 20;

/// `OrganizationProfile`'s "Invite": several addresses, one role, all
/// invited or none (`orgs::invite`), so a bad address changes nothing.
async fn invite_bulk(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    member_with(&state, &session, &id, "org:sys_memberships:manage").await?;
    let role = fields.required("role")?;
    let emails = fields.all("email_address");
    if emails.is_empty() || emails.len() > MAX_BULK_INVITATIONS {
        return Err(ClerkApiError::invalid(
            "email_address",
            format!("Invite 1 to {MAX_BULK_INVITATIONS} addresses at a time."),
        ));
    }
    let invited = orgs::invite(&state.db, &id, &emails, role).await?;
    let created: Vec<Value> = invited.iter().map(orgs::Invitation::to_json).collect();
    Ok(Json(json!({"response": created})))
}

async fn revoke_invitation(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path((id, invitation_id)): Path<(String, String)>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    member_with(&state, &session, &id, "org:sys_memberships:manage").await?;
    let invitation = orgs::revoke_invitation(&state.db, &id, &invitation_id).await?;
    with_client(&state, &session, &headers, invitation.to_json()).await
}

async fn roles(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    member_with(&state, &session, &id, "org:sys_memberships:read").await?;
    let roles =
        orgs::RoleModel::new(state.instance.settings().organization_feature.clone()).roles_json();
    let total = roles.len() as i64;
    Ok(Json(json!({"response": {
        "data": roles, "total_count": total, "has_role_set_migration": false,
    }})))
}

/// Lists this instance has nothing in (domains, membership requests,
/// suggestions: those features are off).
async fn empty_page() -> Json<Value> {
    page(Vec::new(), 0)
}

async fn my_memberships(
    State(state): State<DevState>,
    headers: HeaderMap,
    Query(params): Query<ListQuery>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    let all = orgs::memberships_of(&state.db, &session.user_id).await?;
    let data = params.slice(&all).map(Membership::to_json).collect();
    Ok(page(data, all.len() as i64))
}

/// "Leave organization" (`user.leaveOrganization`); the last admin cannot.
async fn leave(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(org_id): Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    let removed = orgs::remove_member(&state.db, &org_id, &session.user_id).await?;
    let deleted = json!({"object": "organization_membership", "id": removed.id, "deleted": true});
    with_client(&state, &session, &headers, deleted).await
}

async fn leave_with_override(
    state: State<DevState>,
    headers: HeaderMap,
    path: Path<String>,
    Query(query): Query<MethodOverride>,
) -> Result<Json<Value>, ClerkApiError> {
    match query.method().as_deref() {
        Some("DELETE") => leave(state, headers, path).await,
        _ => Err(method_not_allowed()),
    }
}

/// The signed-in user's email addresses.
async fn my_emails(state: &DevState, user_id: &str) -> Result<Vec<String>, ClerkApiError> {
    Ok(store::get_user(&state.db, user_id)
        .await?
        .map(|u| u.emails.into_iter().map(|(_, e)| e).collect())
        .unwrap_or_default())
}

/// Invitations addressed to the signed-in user (the switcher lists the
/// pending ones to accept).
async fn my_invitations(
    State(state): State<DevState>,
    headers: HeaderMap,
    Query(params): Query<ListQuery>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    let emails = my_emails(&state, &session.user_id).await?;
    let all = orgs::invitations_for(&state.db, &emails, &params.statuses()).await?;
    let data = params
        .slice(&all)
        .map(orgs::Invitation::to_user_json)
        .collect();
    Ok(page(data, all.len() as i64))
}

/// Accepting an invitation addressed to one of the user's own addresses;
/// anyone else's is not found.
async fn accept_my_invitation(
    State(state): State<DevState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ClerkApiError> {
    let session = signed_in_session(&state, &headers).await?;
    let emails = my_emails(&state, &session.user_id).await?;
    let invitation = orgs::invitation(&state.db, &id)
        .await?
        .filter(|i| emails.contains(&i.email_address))
        .ok_or_else(|| ClerkApiError::not_found("Invitation"))?;
    let (accepted, _) =
        orgs::accept_invitation(&state.db, &invitation.id, &session.user_id).await?;
    with_client(&state, &session, &headers, accepted.to_user_json()).await
}

#[derive(Deserialize)]
struct TicketQuery {
    ticket: Option<String>,
}

/// The invitation link: on to the app's sign-in page with the ticket
/// (`__clerk_ticket`, `__clerk_status=sign_in`), where Clerk's `SignIn`
/// signs the invitee in with it and the invitation is accepted. An address
/// with no account yet goes to sign-up, without the ticket (this instance
/// has no ticket sign-up): after signing up with that address, the
/// invitation waits in the organization switcher. A used or revoked
/// ticket lands on sign-in saying nothing about why.
async fn accept_ticket(
    State(state): State<DevState>,
    Query(query): Query<TicketQuery>,
) -> Result<Response, ClerkApiError> {
    let paths = state.instance.paths();
    let ticket = query.ticket.unwrap_or_default();
    let Some(invitation) = orgs::invitation_by_ticket(&state.db, &ticket).await? else {
        return Ok(Redirect::to(&paths.sign_in_url).into_response());
    };
    if store::find_by_email(&state.db, &invitation.email_address)
        .await?
        .is_none()
    {
        return Ok(Redirect::to(&paths.sign_up_url).into_response());
    }
    let to = format!(
        "{}?__clerk_ticket={}&__clerk_status=sign_in",
        paths.sign_in_url,
        url_encode(&ticket)
    );
    Ok(Redirect::to(&to).into_response())
}

fn url_encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
