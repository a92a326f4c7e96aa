//! The development instance's organizations: organizations, memberships
//! with their roles, the permissions each role grants (the app's
//! organization feature, kept in the instance's row as a Clerk instance's
//! dashboard holds it),
//! invitations by email, the organization a session has active, and the
//! `o` claim its tokens carry. Every change queues its webhook
//! (`organization.*`, `organizationMembership.*`, `organizationInvitation.*`)
//! in the same transaction, so the app hears of exactly what happened.
//!
//! Roles and permissions: Clerk's two default roles, `org:admin` and
//! `org:member`. The app's organization feature (say `posts`, with `read`,
//! `create` and `manage`) gives `org:admin` every permission and
//! `org:member` those the app lists. Tokens encode them as Clerk's v2
//! tokens do: `fea` lists the organization feature `o:posts`, `o.per` the
//! permission names and `o.fpm` one bitmask per feature. Clerk's system
//! permissions (`org:sys_*`, which its widgets check) are on the membership
//! object, never in tokens.

use super::{
    mailbox,
    store::{new_id, valid_email, SessionInfo, StoreError},
    webhooks,
};
use crate::{
    db::{now_millis, Db, DbError},
    settings::{DemoOrganization, OrganizationFeature},
};
use rand::{distributions::Alphanumeric, Rng};
use serde_json::{json, Value};
use sqlx::AnyConnection;

/// What the roles grant beyond Clerk's system permissions: the app's
/// organization feature (`Settings::organization_feature`), or nothing.
/// It is kept in the instance's row (written at every start), so every
/// membership read from the store carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleModel {
    feature: Option<OrganizationFeature>,
}

impl RoleModel {
    /// The model for `feature`.
    pub fn new(feature: Option<OrganizationFeature>) -> Self {
        RoleModel { feature }
    }

    /// The permissions (bits of the feature's permissions) a role grants:
    /// `org:admin` every one, `org:member` the member's, others none.
    fn mask(&self, role: &str) -> u64 {
        let Some(feature) = &self.feature else {
            return 0;
        };
        feature
            .permissions
            .iter()
            .enumerate()
            .filter(|(_, p)| match role {
                "org:admin" => true,
                "org:member" => feature.member_permissions.contains(p),
                _ => false,
            })
            .fold(0, |mask, (i, _)| mask | 1 << i)
    }

    /// A role's custom permissions (`org:posts:read`, …).
    fn custom_permissions(&self, role: &str) -> Vec<String> {
        let Some(feature) = &self.feature else {
            return Vec::new();
        };
        let mask = self.mask(role);
        feature
            .permissions
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, p)| format!("org:{}:{p}", feature.key))
            .collect()
    }

    /// Every permission a role grants, custom then system, as Clerk's
    /// membership object lists them.
    pub fn role_permissions(&self, role: &str) -> Vec<String> {
        let mut all = self.custom_permissions(role);
        all.extend(system_permissions(role).iter().map(|p| (*p).to_owned()));
        all
    }

    /// The `o` claim's permission part (`per`, `fpm`) and the organization
    /// part of `fea`, as Clerk's v2 tokens encode them; `None` without a
    /// feature.
    fn claims(&self, role: &str) -> Option<(String, String, String)> {
        let feature = self.feature.as_ref()?;
        Some((
            feature.permissions.join(","),
            self.mask(role).to_string(),
            format!("o:{}", feature.key),
        ))
    }

    /// Clerk's `role` objects for the roles endpoint.
    pub fn roles_json(&self) -> Vec<Value> {
        ROLES
            .iter()
            .map(|role| {
                json!({
                    "object": "role", "id": format!("role_{}", role.trim_start_matches("org:")),
                    "key": role, "name": role_name(role),
                    "description": if *role == "org:admin" {
                        "Manages the organization, its members and everything in it"
                    } else {
                        "Works in the organization"
                    },
                    "is_creator_eligible": *role == "org:admin",
                    "permissions": self.role_permissions(role).iter().map(|p| json!({
                        "object": "permission", "id": format!("perm_{}", p.replace(':', "_")),
                        "key": p, "name": p, "description": "",
                        "type": if p.starts_with("org:sys_") { "system" } else { "user" },
                        "created_at": 0, "updated_at": 0,
                    })).collect::<Vec<_>>(),
                    "created_at": 0, "updated_at": 0,
                })
            })
            .collect()
    }

    /// Writes the model into the instance's row, where memberships read it.
    pub async fn store(&self, db: &Db) -> Result<(), DbError> {
        let (key, permissions, member) = match &self.feature {
            Some(f) => (
                Some(f.key.clone()),
                Some(f.permissions.join(",")),
                Some(f.member_permissions.join(",")),
            ),
            None => (None, None, None),
        };
        sqlx::query(
            "UPDATE clerk_dev_instance SET org_feature = $1, org_permissions = $2, \
             org_member_permissions = $3 WHERE id = 1",
        )
        .bind(key)
        .bind(permissions)
        .bind(member)
        .execute(db.pool())
        .await?;
        Ok(())
    }
}

/// Clerk's system permissions each role holds (what its widgets check).
fn system_permissions(role: &str) -> &'static [&'static str] {
    match role {
        "org:admin" => &[
            "org:sys_profile:manage",
            "org:sys_profile:delete",
            "org:sys_memberships:read",
            "org:sys_memberships:manage",
            "org:sys_domains:read",
            "org:sys_domains:manage",
        ],
        "org:member" => &["org:sys_memberships:read"],
        _ => &[],
    }
}

/// The roles this instance knows.
pub const ROLES: [&str; 2] = ["org:admin", "org:member"];

/// The role's display name.
pub fn role_name(role: &str) -> &'static str {
    if role == "org:admin" {
        "Admin"
    } else {
        "Member"
    }
}

/// Why an organization change was refused (each one a 4xx).
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error(transparent)]
    /// The store failed.
    Store(#[from] StoreError),
    #[error("{0} not found")]
    /// The named thing does not exist (404).
    NotFound(&'static str),
    #[error("That slug is taken. Try another.")]
    /// Another organization has the slug (422).
    SlugTaken,
    #[error("{0}")]
    /// A parameter (named) is invalid, with the message to show (422).
    Invalid(&'static str, String),
    #[error("There has to be at least one member with the admin role.")]
    /// The change would leave the organization without an admin (422).
    LastAdmin,
    #[error("That person is already a member of this organization.")]
    /// The user is a member already (422).
    AlreadyMember,
    #[error("That address already has a pending invitation.")]
    /// The address has a pending invitation already (422).
    AlreadyInvited,
}

impl From<DbError> for OrgError {
    fn from(err: DbError) -> Self {
        OrgError::Store(err.into())
    }
}

impl From<sqlx::Error> for OrgError {
    fn from(err: sqlx::Error) -> Self {
        OrgError::Store(err.into())
    }
}

/// An organization with its counts.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Organization {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// The user who created it.
    pub created_by: Option<String>,
    /// When it was made (unix ms).
    pub created_at: i64,
    /// When it last changed (unix ms).
    pub updated_at: i64,
    /// How many members the organization has.
    pub members_count: i64,
    /// How many invitations to the organization are pending.
    pub pending_invitations_count: i64,
}

const ORG_COLUMNS: &str = "o.id, o.name, o.slug, o.created_by, o.created_at, o.updated_at, \
     (SELECT COUNT(*) FROM clerk_dev_memberships c WHERE c.organization_id = o.id) AS members_count, \
     (SELECT COUNT(*) FROM clerk_dev_org_invitations i \
      WHERE i.organization_id = o.id AND i.status = 'pending') AS pending_invitations_count";

impl Organization {
    /// Clerk's `organization` object.
    pub fn to_json(&self) -> Value {
        json!({
            "object": "organization", "id": self.id, "name": self.name, "slug": self.slug,
            "created_by": self.created_by, "image_url": "", "has_image": false,
            "members_count": self.members_count,
            "pending_invitations_count": self.pending_invitations_count,
            "max_allowed_memberships": 0, "admin_delete_enabled": true,
            "public_metadata": {},
            "created_at": self.created_at, "updated_at": self.updated_at,
        })
    }
}

/// A membership with its organization and its member.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Membership {
    /// Its id.
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// The organization's name.
    pub name: String,
    /// The organization's slug.
    pub slug: String,
    /// The role (`org:admin`, `org:member`).
    pub role: String,
    /// When it was made (unix ms).
    pub created_at: i64,
    /// When it last changed (unix ms).
    pub updated_at: i64,
    /// The user.
    pub user_id: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// The member's primary email address.
    pub identifier: Option<String>,
    /// How many members the organization has.
    pub members_count: i64,
    /// How many invitations to the organization are pending.
    pub pending_invitations_count: i64,
    /// Who created the organization.
    pub org_created_by: Option<String>,
    /// When the organization was made (unix ms).
    pub org_created_at: i64,
    /// When the organization last changed (unix ms).
    pub org_updated_at: i64,
    /// The instance's organization feature, as its row holds it.
    pub feature: Option<String>,
    /// That feature's permissions in bit order, comma-separated.
    pub feature_permissions: Option<String>,
    /// Those `org:member` holds, comma-separated.
    pub member_permissions: Option<String>,
}

const MEMBERSHIP_COLUMNS: &str = "m.id, m.organization_id, o.name, o.slug, m.role, \
     m.created_at, m.updated_at, m.user_id, u.first_name, u.last_name, \
     e.email_address AS identifier, \
     (SELECT COUNT(*) FROM clerk_dev_memberships c WHERE c.organization_id = o.id) AS members_count, \
     (SELECT COUNT(*) FROM clerk_dev_org_invitations i \
      WHERE i.organization_id = o.id AND i.status = 'pending') AS pending_invitations_count, \
     o.created_by AS org_created_by, o.created_at AS org_created_at, \
     o.updated_at AS org_updated_at, \
     ins.org_feature AS feature, ins.org_permissions AS feature_permissions, \
     ins.org_member_permissions AS member_permissions";

const MEMBERSHIP_FROM: &str = "FROM clerk_dev_memberships m \
     JOIN clerk_dev_organizations o ON o.id = m.organization_id \
     JOIN clerk_dev_users u ON u.id = m.user_id \
     LEFT JOIN clerk_dev_email_addresses e ON e.id = u.primary_email_address_id \
     LEFT JOIN clerk_dev_instance ins ON ins.id = 1";

impl Membership {
    /// The instance's role model, as this membership was read with it.
    pub fn role_model(&self) -> RoleModel {
        let list = |s: &Option<String>| -> Vec<String> {
            s.as_deref()
                .unwrap_or_default()
                .split(',')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        };
        RoleModel::new(self.feature.as_ref().map(|key| OrganizationFeature {
            key: key.clone(),
            permissions: list(&self.feature_permissions),
            member_permissions: list(&self.member_permissions),
        }))
    }

    /// Every permission the role grants (custom and system).
    pub fn permissions(&self) -> Vec<String> {
        self.role_model().role_permissions(&self.role)
    }

    /// Whether the role grants `permission`.
    pub fn can(&self, permission: &str) -> bool {
        self.permissions().iter().any(|p| p == permission)
    }

    /// The `o` claim and the organization part of `fea` (none without an
    /// organization feature), as Clerk's v2 tokens carry them.
    pub fn claims(&self) -> (Value, Option<String>) {
        let mut o = json!({
            "id": self.organization_id,
            "slg": self.slug,
            "rol": self.role.strip_prefix("org:").unwrap_or(&self.role),
        });
        let fea = self.role_model().claims(&self.role).map(|(per, fpm, fea)| {
            o["per"] = json!(per);
            o["fpm"] = json!(fpm);
            fea
        });
        (o, fea)
    }

    /// The organization this membership is in.
    pub fn organization(&self) -> Organization {
        Organization {
            id: self.organization_id.clone(),
            name: self.name.clone(),
            slug: self.slug.clone(),
            created_by: self.org_created_by.clone(),
            created_at: self.org_created_at,
            updated_at: self.org_updated_at,
            members_count: self.members_count,
            pending_invitations_count: self.pending_invitations_count,
        }
    }

    /// Clerk's `organization_membership` object, with its organization and
    /// its member's public data (the frontend API, Backend API and
    /// webhooks all use this shape).
    pub fn to_json(&self) -> Value {
        json!({
            "object": "organization_membership",
            "id": self.id,
            "role": self.role,
            "role_name": role_name(&self.role),
            "permissions": self.permissions(),
            "public_metadata": {},
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "organization": self.organization().to_json(),
            "public_user_data": {
                "user_id": self.user_id,
                "identifier": self.identifier,
                "first_name": self.first_name,
                "last_name": self.last_name,
                "image_url": "",
                "has_image": false,
            },
        })
    }
}

/// An invitation to an organization.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Invitation {
    /// Its id.
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// The organization's name.
    pub organization_name: String,
    /// The organization's slug.
    pub organization_slug: String,
    /// The invited address.
    pub email_address: String,
    /// The role (`org:admin`, `org:member`).
    pub role: String,
    /// `pending`, `accepted` or `revoked`.
    pub status: String,
    /// The link's credential (shown only in the instance's console).
    pub ticket: String,
    /// When it was made (unix ms).
    pub created_at: i64,
    /// When it last changed (unix ms).
    pub updated_at: i64,
}

const INVITATION_COLUMNS: &str = "i.id, i.organization_id, o.name AS organization_name, \
     o.slug AS organization_slug, i.email_address, i.role, i.status, i.ticket, \
     i.created_at, i.updated_at";

impl Invitation {
    /// Clerk's `organization_invitation` object (never with the ticket).
    pub fn to_json(&self) -> Value {
        json!({
            "object": "organization_invitation", "id": self.id,
            "email_address": self.email_address, "organization_id": self.organization_id,
            "role": self.role, "role_name": role_name(&self.role), "status": self.status,
            "public_metadata": {}, "private_metadata": {},
            "created_at": self.created_at, "updated_at": self.updated_at,
        })
    }

    /// The invitation as its invitee lists it, with the organization's
    /// public data.
    pub fn to_user_json(&self) -> Value {
        let mut json = self.to_json();
        json["public_organization_data"] = json!({
            "id": self.organization_id, "name": self.organization_name,
            "slug": self.organization_slug, "image_url": "", "has_image": false,
        });
        json
    }
}

/// A slug from a name: lower-case letters and digits, dashes between.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(64).collect()
}

fn check_name(name: &str) -> Result<String, OrgError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 256 || name.chars().any(char::is_control) {
        return Err(OrgError::Invalid(
            "name",
            "Enter a name of 1 to 256 characters.".into(),
        ));
    }
    Ok(name.to_owned())
}

fn check_slug(slug: &str) -> Result<String, OrgError> {
    let ok = !slug.is_empty()
        && slug.len() <= 64
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(slug.to_owned())
    } else {
        Err(OrgError::Invalid(
            "slug",
            "A slug is 1 to 64 lower-case letters, digits, dashes or underscores.".into(),
        ))
    }
}

fn check_role(role: &str) -> Result<(), OrgError> {
    if ROLES.contains(&role) {
        Ok(())
    } else {
        Err(OrgError::Invalid(
            "role",
            format!("The role must be one of {}.", ROLES.join(", ")),
        ))
    }
}

async fn slug_taken(conn: &mut AnyConnection, slug: &str, except: &str) -> Result<bool, OrgError> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM clerk_dev_organizations WHERE slug = $1 AND id <> $2")
            .bind(slug)
            .bind(except)
            .fetch_one(conn)
            .await?;
    Ok(n > 0)
}

async fn load_org(conn: &mut AnyConnection, id: &str) -> Result<Option<Organization>, OrgError> {
    Ok(sqlx::query_as::<_, Organization>(&format!(
        "SELECT {ORG_COLUMNS} FROM clerk_dev_organizations o WHERE o.id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// The organization, with its counts.
pub async fn get(db: &Db, id: &str) -> Result<Option<Organization>, OrgError> {
    let mut conn = db.pool().acquire().await?;
    load_org(&mut conn, id).await
}

/// Organizations, newest first, optionally those whose name or slug
/// contains `query`; with the total.
pub async fn list(
    db: &Db,
    query: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Organization>, i64), OrgError> {
    let pattern = format!("%{}%", query.unwrap_or("").to_lowercase());
    let rows = sqlx::query_as::<_, Organization>(&format!(
        "SELECT {ORG_COLUMNS} FROM clerk_dev_organizations o \
         WHERE LOWER(o.name) LIKE $1 OR o.slug LIKE $1 \
         ORDER BY o.created_at DESC, o.id LIMIT $2 OFFSET $3"
    ))
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let (total,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM clerk_dev_organizations o WHERE LOWER(o.name) LIKE $1 OR o.slug LIKE $1",
    )
    .bind(&pattern)
    .fetch_one(db.pool())
    .await?;
    Ok((rows, total))
}

/// A new organization (the slug derived from the name when not given);
/// `created_by` becomes its `org:admin`. Queues `organization.created` and
/// the creator's `organizationMembership.created` in the same transaction.
pub async fn create(
    db: &Db,
    name: &str,
    slug: Option<&str>,
    created_by: &str,
) -> Result<Organization, OrgError> {
    let name = check_name(name)?;
    let slug = match slug.map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => check_slug(slug)?,
        None => check_slug(&slugify(&name))?,
    };
    let (id, now) = (new_id("org"), now_millis());
    let mut tx = db.begin().await?;
    if slug_taken(&mut tx, &slug, &id).await? {
        return Err(OrgError::SlugTaken);
    }
    sqlx::query(
        "INSERT INTO clerk_dev_organizations (id, name, slug, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&id)
    .bind(&name)
    .bind(&slug)
    .bind(created_by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let mut org = load_org(&mut tx, &id)
        .await?
        .ok_or(OrgError::NotFound("Organization"))?;
    let mut data = org.to_json();
    data["private_metadata"] = json!({});
    webhooks::enqueue(&mut tx, "organization.created", &id, data).await?;
    insert_member(&mut tx, &id, created_by, "org:admin").await?;
    tx.commit().await.map_err(DbError::from)?;
    org.members_count = 1;
    Ok(org)
}

/// Renames the organization or changes its slug; queues
/// `organization.updated`.
pub async fn update(
    db: &Db,
    id: &str,
    name: Option<&str>,
    slug: Option<&str>,
) -> Result<Organization, OrgError> {
    let mut tx = db.begin().await?;
    let current = load_org(&mut tx, id)
        .await?
        .ok_or(OrgError::NotFound("Organization"))?;
    let name = match name {
        Some(name) => check_name(name)?,
        None => current.name,
    };
    let slug = match slug {
        Some(slug) => check_slug(slug.trim())?,
        None => current.slug,
    };
    if slug_taken(&mut tx, &slug, id).await? {
        return Err(OrgError::SlugTaken);
    }
    sqlx::query(
        "UPDATE clerk_dev_organizations SET name = $2, slug = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(&name)
    .bind(&slug)
    .bind(now_millis())
    .execute(&mut *tx)
    .await?;
    let org = load_org(&mut tx, id)
        .await?
        .ok_or(OrgError::NotFound("Organization"))?;
    webhooks::enqueue(&mut tx, "organization.updated", id, org.to_json()).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(org)
}

/// Deletes the organization with its memberships and invitations; queues
/// `organization.deleted` (the app then removes its posts). `false` when
/// there is no such organization.
pub async fn delete(db: &Db, id: &str) -> Result<bool, OrgError> {
    let mut tx = db.begin().await?;
    for table in ["clerk_dev_memberships", "clerk_dev_org_invitations"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE organization_id = $1"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let deleted = sqlx::query("DELETE FROM clerk_dev_organizations WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    if deleted {
        let data = json!({"object": "organization", "id": id, "deleted": true});
        webhooks::enqueue(&mut tx, "organization.deleted", id, data).await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(deleted)
}

async fn load_membership(
    conn: &mut AnyConnection,
    org_id: &str,
    user_id: &str,
) -> Result<Option<Membership>, OrgError> {
    Ok(sqlx::query_as::<_, Membership>(&format!(
        "SELECT {MEMBERSHIP_COLUMNS} {MEMBERSHIP_FROM} \
         WHERE m.organization_id = $1 AND m.user_id = $2"
    ))
    .bind(org_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?)
}

/// Adds the member inside `conn`'s transaction and queues
/// `organizationMembership.created`.
async fn insert_member(
    conn: &mut AnyConnection,
    org_id: &str,
    user_id: &str,
    role: &str,
) -> Result<Membership, OrgError> {
    check_role(role)?;
    if load_membership(conn, org_id, user_id).await?.is_some() {
        return Err(OrgError::AlreadyMember);
    }
    sqlx::query(
        "INSERT INTO clerk_dev_memberships (id, organization_id, user_id, role, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(new_id("orgmem"))
    .bind(org_id)
    .bind(user_id)
    .bind(role)
    .bind(now_millis())
    .execute(&mut *conn)
    .await?;
    let membership = load_membership(conn, org_id, user_id)
        .await?
        .ok_or(OrgError::NotFound("User"))?;
    webhooks::enqueue(
        conn,
        "organizationMembership.created",
        &membership.id,
        membership.to_json(),
    )
    .await?;
    Ok(membership)
}

/// Adds `user_id` to the organization with `role`.
pub async fn add_member(
    db: &Db,
    org_id: &str,
    user_id: &str,
    role: &str,
) -> Result<Membership, OrgError> {
    let mut tx = db.begin().await?;
    if load_org(&mut tx, org_id).await?.is_none() {
        return Err(OrgError::NotFound("Organization"));
    }
    let membership = insert_member(&mut tx, org_id, user_id, role).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(membership)
}

/// Refuses a change that would leave the organization without an admin.
async fn keep_an_admin(
    conn: &mut AnyConnection,
    current: &Membership,
    new_role: Option<&str>,
) -> Result<(), OrgError> {
    if current.role != "org:admin" || new_role == Some("org:admin") {
        return Ok(());
    }
    let (admins,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM clerk_dev_memberships WHERE organization_id = $1 AND role = 'org:admin'",
    )
    .bind(&current.organization_id)
    .fetch_one(conn)
    .await?;
    if admins <= 1 {
        Err(OrgError::LastAdmin)
    } else {
        Ok(())
    }
}

/// Changes a member's role; queues `organizationMembership.updated`.
pub async fn set_role(
    db: &Db,
    org_id: &str,
    user_id: &str,
    role: &str,
) -> Result<Membership, OrgError> {
    check_role(role)?;
    let mut tx = db.begin().await?;
    let current = load_membership(&mut tx, org_id, user_id)
        .await?
        .ok_or(OrgError::NotFound("Membership"))?;
    keep_an_admin(&mut tx, &current, Some(role)).await?;
    sqlx::query(
        "UPDATE clerk_dev_memberships SET role = $3, updated_at = $4 \
         WHERE organization_id = $1 AND user_id = $2",
    )
    .bind(org_id)
    .bind(user_id)
    .bind(role)
    .bind(now_millis())
    .execute(&mut *tx)
    .await?;
    let membership = load_membership(&mut tx, org_id, user_id)
        .await?
        .ok_or(OrgError::NotFound("Membership"))?;
    webhooks::enqueue(
        &mut tx,
        "organizationMembership.updated",
        &membership.id,
        membership.to_json(),
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(membership)
}

/// Removes the membership (never the last admin's); queues
/// `organizationMembership.deleted`. The member's next token no longer
/// carries the organization.
pub async fn remove_member(db: &Db, org_id: &str, user_id: &str) -> Result<Membership, OrgError> {
    let mut tx = db.begin().await?;
    let current = load_membership(&mut tx, org_id, user_id)
        .await?
        .ok_or(OrgError::NotFound("Membership"))?;
    keep_an_admin(&mut tx, &current, None).await?;
    sqlx::query("DELETE FROM clerk_dev_memberships WHERE organization_id = $1 AND user_id = $2")
        .bind(org_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    webhooks::enqueue(
        &mut tx,
        "organizationMembership.deleted",
        &current.id,
        current.to_json(),
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(current)
}

/// The user's membership in one organization.
pub async fn membership(
    db: &Db,
    org_id: &str,
    user_id: &str,
) -> Result<Option<Membership>, OrgError> {
    let mut conn = db.pool().acquire().await?;
    load_membership(&mut conn, org_id, user_id).await
}

/// Every membership of the user, oldest first.
pub async fn memberships_of(db: &Db, user_id: &str) -> Result<Vec<Membership>, OrgError> {
    Ok(sqlx::query_as::<_, Membership>(&format!(
        "SELECT {MEMBERSHIP_COLUMNS} {MEMBERSHIP_FROM} WHERE m.user_id = $1 \
         ORDER BY m.created_at, m.id"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?)
}

/// The organization's members (optionally those with `role`), oldest
/// first, with the total.
pub async fn members(
    db: &Db,
    org_id: &str,
    role: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Membership>, i64), OrgError> {
    let role = role.unwrap_or("");
    let rows = sqlx::query_as::<_, Membership>(&format!(
        "SELECT {MEMBERSHIP_COLUMNS} {MEMBERSHIP_FROM} \
         WHERE m.organization_id = $1 AND ($2 = '' OR m.role = $2) \
         ORDER BY m.created_at, m.id LIMIT $3 OFFSET $4"
    ))
    .bind(org_id)
    .bind(role)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let (total,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM clerk_dev_memberships m \
         WHERE m.organization_id = $1 AND ($2 = '' OR m.role = $2)",
    )
    .bind(org_id)
    .bind(role)
    .fetch_one(db.pool())
    .await?;
    Ok((rows, total))
}

/// The organization a session has active, if it still is one its user
/// belongs to: a removed member's next token has none.
pub async fn active_membership(
    db: &Db,
    session: &SessionInfo,
) -> Result<Option<Membership>, OrgError> {
    match &session.active_organization_id {
        Some(org_id) => membership(db, org_id, &session.user_id).await,
        None => Ok(None),
    }
}

/// Sets (or, with `None`, clears) the session's active organization.
pub async fn set_active(db: &Db, session_id: &str, org_id: Option<&str>) -> Result<(), OrgError> {
    sqlx::query(
        "UPDATE clerk_dev_sessions SET active_organization_id = $2, updated_at = $3 WHERE id = $1",
    )
    .bind(session_id)
    .bind(org_id)
    .bind(now_millis())
    .execute(db.pool())
    .await?;
    Ok(())
}

async fn load_invitation(
    conn: &mut AnyConnection,
    clause: &str,
    value: &str,
) -> Result<Option<Invitation>, OrgError> {
    Ok(sqlx::query_as::<_, Invitation>(&format!(
        "SELECT {INVITATION_COLUMNS} FROM clerk_dev_org_invitations i \
         JOIN clerk_dev_organizations o ON o.id = i.organization_id WHERE {clause}"
    ))
    .bind(value)
    .fetch_optional(conn)
    .await?)
}

/// Invites each of `emails` with `role`, queuing
/// `organizationInvitation.created` for each: all of them or, when any is
/// refused (not an address, already a member, already invited, twice in
/// the list), none. No mail leaves the machine: the console lists pending
/// invitations with their links.
pub async fn invite(
    db: &Db,
    org_id: &str,
    emails: &[&str],
    role: &str,
) -> Result<Vec<Invitation>, OrgError> {
    let emails: Vec<String> = emails.iter().map(|e| e.trim().to_lowercase()).collect();
    if let Some(bad) = emails.iter().find(|e| !valid_email(e)) {
        return Err(OrgError::Invalid(
            "email_address",
            format!("{bad:?} is not an email address."),
        ));
    }
    check_role(role)?;
    let mut tx = db.begin().await?;
    if load_org(&mut tx, org_id).await?.is_none() {
        return Err(OrgError::NotFound("Organization"));
    }
    let mut invitations = Vec::with_capacity(emails.len());
    for email in &emails {
        let (members,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM clerk_dev_memberships m \
             JOIN clerk_dev_email_addresses e ON e.user_id = m.user_id \
             WHERE m.organization_id = $1 AND e.email_address = $2",
        )
        .bind(org_id)
        .bind(email)
        .fetch_one(&mut *tx)
        .await?;
        if members > 0 {
            return Err(OrgError::AlreadyMember);
        }
        // Sees this transaction's own invitations too: an address listed
        // twice is refused like one invited before.
        let (pending,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM clerk_dev_org_invitations \
             WHERE organization_id = $1 AND email_address = $2 AND status = 'pending'",
        )
        .bind(org_id)
        .bind(email)
        .fetch_one(&mut *tx)
        .await?;
        if pending > 0 {
            return Err(OrgError::AlreadyInvited);
        }
        let id = new_id("orginv");
        let ticket: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(48)
            .map(char::from)
            .collect();
        sqlx::query(
            "INSERT INTO clerk_dev_org_invitations \
             (id, organization_id, email_address, role, status, ticket, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'pending', $5, $6, $6)",
        )
        .bind(&id)
        .bind(org_id)
        .bind(email)
        .bind(role)
        .bind(&ticket)
        .bind(now_millis())
        .execute(&mut *tx)
        .await?;
        let invitation = load_invitation(&mut tx, "i.id = $1", &id)
            .await?
            .ok_or(OrgError::NotFound("Invitation"))?;
        webhooks::enqueue(
            &mut tx,
            "organizationInvitation.created",
            &id,
            invitation.to_json(),
        )
        .await?;
        // The email Clerk would send, in the same transaction: no
        // invitation without its message, no message without its invitation.
        let link = format!("{}/v1/tickets/accept?ticket={ticket}", crate::MOUNT);
        mailbox::deliver(
            &mut tx,
            mailbox::Outgoing {
                to: email,
                subject: format!(
                    "You're invited to join {} ({})",
                    invitation.organization_name, role
                ),
                body: format!(
                    "Open the link to join {} as {role}. It signs you in with this address;                      it works once, until the invitation is accepted or revoked.",
                    invitation.organization_name
                ),
                code: None,
                link: Some(&link),
            },
        )
        .await?;
        invitations.push(invitation);
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(invitations)
}

/// [`invite`] for one address.
pub async fn invite_one(
    db: &Db,
    org_id: &str,
    email: &str,
    role: &str,
) -> Result<Invitation, OrgError> {
    invite(db, org_id, &[email], role)
        .await?
        .pop()
        .ok_or(OrgError::NotFound("Invitation"))
}

/// The organization's invitations with one of `statuses` (all when
/// empty), newest first.
pub async fn invitations(
    db: &Db,
    org_id: &str,
    statuses: &[String],
) -> Result<Vec<Invitation>, OrgError> {
    let rows = sqlx::query_as::<_, Invitation>(&format!(
        "SELECT {INVITATION_COLUMNS} FROM clerk_dev_org_invitations i \
         JOIN clerk_dev_organizations o ON o.id = i.organization_id \
         WHERE i.organization_id = $1 ORDER BY i.created_at DESC, i.id"
    ))
    .bind(org_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .filter(|i| statuses.is_empty() || statuses.contains(&i.status))
        .collect())
}

/// Invitations addressed to any of `emails` with one of `statuses` (all
/// when empty), newest first.
pub async fn invitations_for(
    db: &Db,
    emails: &[String],
    statuses: &[String],
) -> Result<Vec<Invitation>, OrgError> {
    let mut all = Vec::new();
    for email in emails {
        let rows = sqlx::query_as::<_, Invitation>(&format!(
            "SELECT {INVITATION_COLUMNS} FROM clerk_dev_org_invitations i \
             JOIN clerk_dev_organizations o ON o.id = i.organization_id \
             WHERE i.email_address = $1 ORDER BY i.created_at DESC, i.id"
        ))
        .bind(email.to_lowercase())
        .fetch_all(db.pool())
        .await?;
        all.extend(
            rows.into_iter()
                .filter(|i| statuses.is_empty() || statuses.contains(&i.status)),
        );
    }
    Ok(all)
}

/// Every pending invitation on the instance, newest first (the console's
/// outbox).
pub async fn pending_invitations(db: &Db) -> Result<Vec<Invitation>, OrgError> {
    Ok(sqlx::query_as::<_, Invitation>(&format!(
        "SELECT {INVITATION_COLUMNS} FROM clerk_dev_org_invitations i \
         JOIN clerk_dev_organizations o ON o.id = i.organization_id \
         WHERE i.status = 'pending' ORDER BY i.created_at DESC, i.id"
    ))
    .fetch_all(db.pool())
    .await?)
}

/// The pending invitation a ticket stands for.
pub async fn invitation_by_ticket(db: &Db, ticket: &str) -> Result<Option<Invitation>, OrgError> {
    let mut conn = db.pool().acquire().await?;
    Ok(
        load_invitation(&mut conn, "i.ticket = $1 AND i.status = 'pending'", ticket)
            .await?
            .filter(|_| !ticket.is_empty()),
    )
}

/// The invitation by id.
pub async fn invitation(db: &Db, id: &str) -> Result<Option<Invitation>, OrgError> {
    let mut conn = db.pool().acquire().await?;
    load_invitation(&mut conn, "i.id = $1", id).await
}

/// Moves a pending invitation to `status` inside `conn`'s transaction and
/// queues `organizationInvitation.<status>`; `NotFound` unless pending.
async fn settle_invitation(
    conn: &mut AnyConnection,
    id: &str,
    status: &'static str,
) -> Result<Invitation, OrgError> {
    let changed = sqlx::query(
        "UPDATE clerk_dev_org_invitations SET status = $2, updated_at = $3 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status)
    .bind(now_millis())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(OrgError::NotFound("Invitation"));
    }
    let invitation = load_invitation(conn, "i.id = $1", id)
        .await?
        .ok_or(OrgError::NotFound("Invitation"))?;
    let event = format!("organizationInvitation.{status}");
    webhooks::enqueue(conn, &event, id, invitation.to_json()).await?;
    Ok(invitation)
}

/// Revokes a pending invitation of the organization.
pub async fn revoke_invitation(db: &Db, org_id: &str, id: &str) -> Result<Invitation, OrgError> {
    let mut tx = db.begin().await?;
    match load_invitation(&mut tx, "i.id = $1", id).await? {
        Some(i) if i.organization_id == org_id => {}
        _ => return Err(OrgError::NotFound("Invitation")),
    }
    let invitation = settle_invitation(&mut tx, id, "revoked").await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(invitation)
}

/// Accepts a pending invitation for `user_id` (whose email it must be
/// addressed to: the caller checks): the membership and both events, or
/// nothing. Answers the accepted invitation and the membership.
pub async fn accept_invitation(
    db: &Db,
    id: &str,
    user_id: &str,
) -> Result<(Invitation, Membership), OrgError> {
    let mut tx = db.begin().await?;
    let invitation = settle_invitation(&mut tx, id, "accepted").await?;
    // Added by other means meanwhile: the invitation is still used up.
    let existing = load_membership(&mut tx, &invitation.organization_id, user_id).await?;
    let membership = match existing {
        Some(membership) => membership,
        None => {
            insert_member(
                &mut tx,
                &invitation.organization_id,
                user_id,
                &invitation.role,
            )
            .await?
        }
    };
    tx.commit().await.map_err(DbError::from)?;
    Ok((invitation, membership))
}

/// Seeds the app's demo organizations into an instance that has none:
/// each is created by its first `org:admin` member, then the others join.
/// Members whose email is not a user here are skipped, and so is an
/// organization without an admin among them.
pub async fn seed_organizations(db: &Db, seeds: &[DemoOrganization]) -> Result<(), OrgError> {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clerk_dev_organizations")
        .fetch_one(db.pool())
        .await?;
    if count > 0 {
        return Ok(());
    }
    for seed in seeds {
        let mut members = Vec::new();
        for (email, role) in &seed.members {
            if let Some(user) = super::store::find_by_email(db, email).await? {
                members.push((user.id, role.as_str()));
            }
        }
        let Some(creator) = members.iter().position(|(_, role)| *role == "org:admin") else {
            continue;
        };
        let creator = members.remove(creator).0;
        match create(db, &seed.name, Some(&seed.slug), &creator).await {
            Ok(org) => {
                for (user_id, role) in members {
                    add_member(db, &org.id, &user_id, role).await?;
                }
            }
            // Another server seeding the same database got there first.
            Err(OrgError::SlugTaken) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn membership(role: &str) -> Membership {
        Membership {
            id: "orgmem_1".into(),
            organization_id: "org_1".into(),
            name: "Acme".into(),
            slug: "acme".into(),
            role: role.into(),
            created_at: 0,
            updated_at: 0,
            user_id: "user_1".into(),
            first_name: None,
            last_name: None,
            identifier: Some("a@b.io".into()),
            members_count: 1,
            pending_invitations_count: 0,
            org_created_by: None,
            org_created_at: 0,
            org_updated_at: 0,
            feature: Some("posts".into()),
            feature_permissions: Some("read,create,manage".into()),
            member_permissions: Some("read,create".into()),
        }
    }

    #[test]
    fn roles_grant_their_permissions_in_clerks_token_encoding() {
        let (o, fea) = membership("org:admin").claims();
        assert_eq!(fea.as_deref(), Some("o:posts"));
        assert_eq!(
            o,
            json!({"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,create,manage", "fpm": "7"})
        );
        assert_eq!(membership("org:member").claims().0["fpm"], "3");
        assert_eq!(
            membership("org:member").permissions(),
            [
                "org:posts:read",
                "org:posts:create",
                "org:sys_memberships:read"
            ]
        );
        assert!(membership("org:admin").can("org:sys_memberships:manage"));
        assert!(!membership("org:member").can("org:sys_memberships:manage"));
        assert!(!membership("org:member").can("org:sys_profile:delete"));
        assert!(membership("org:guest").permissions().is_empty());
        assert_eq!(membership("org:guest").claims().0["fpm"], "0");
    }

    #[test]
    fn without_a_feature_roles_grant_only_clerks_system_permissions() {
        let bare = Membership {
            feature: None,
            feature_permissions: None,
            member_permissions: None,
            ..membership("org:admin")
        };
        let (o, fea) = bare.claims();
        assert_eq!(fea, None);
        assert_eq!(o, json!({"id": "org_1", "slg": "acme", "rol": "admin"}));
        assert!(bare.permissions().iter().all(|p| p.starts_with("org:sys_")));
        let roles = RoleModel::default().roles_json();
        assert_eq!(roles.len(), 2);
        assert!(roles[0]["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["type"] == "system"));
    }

    #[test]
    fn the_app_decodes_the_instances_claims_into_the_same_permissions() {
        for role in ROLES {
            let m = membership(role);
            let (o, fea) = m.claims();
            let claims: clerk_protocol::claims::SessionClaims =
                serde_json::from_value(json!({"v": 2, "fea": fea, "o": o})).unwrap();
            let org = claims.org().unwrap();
            assert_eq!(org.role.as_deref(), Some(role));
            // Tokens carry the custom permissions only, never `org:sys_*`.
            assert_eq!(
                org.permissions,
                m.role_model().custom_permissions(role),
                "{role}"
            );
        }
    }

    #[test]
    fn slugs_come_from_names() {
        assert_eq!(slugify("Globex Corp."), "globex-corp");
        assert_eq!(slugify("  Ünïcode & Co  "), "n-code-co");
        assert_eq!(slugify("!!!"), "");
        assert!(check_slug("").is_err());
        assert!(check_slug("Has Caps").is_err());
        assert!(check_slug("ok-slug_1").is_ok());
        assert!(check_name(" ").is_err());
        assert_eq!(check_name(" Acme ").unwrap(), "Acme");
    }

    #[test]
    fn invitations_never_show_their_ticket() {
        let invitation = Invitation {
            id: "orginv_1".into(),
            organization_id: "org_1".into(),
            organization_name: "Acme".into(),
            organization_slug: "acme".into(),
            email_address: "x@y.io".into(),
            role: "org:member".into(),
            status: "pending".into(),
            ticket: "secret-ticket".into(),
            created_at: 0,
            updated_at: 0,
        };
        assert!(!invitation
            .to_user_json()
            .to_string()
            .contains("secret-ticket"));
        assert_eq!(
            invitation.to_user_json()["public_organization_data"]["name"],
            "Acme"
        );
    }
}
