//! The development instance's organizations: organizations, memberships
//! with their roles, the permissions each role grants (this instance's
//! fixed configuration, as a Clerk instance's dashboard holds it), the
//! organization a session has active, and the `o` claim its tokens carry.
//!
//! Roles and permissions: `org:admin` holds `org:posts:read`,
//! `org:posts:create` and `org:posts:manage`; `org:member` holds read and
//! create. Tokens encode them as Clerk's v2 tokens do: `fea` lists the
//! organization feature `o:posts`, `o.per` the permission names and `o.fpm`
//! one bitmask per feature.

use super::{
    store::{new_id, SessionInfo, StoreError},
    webhooks,
};
use crate::db::{now_millis, Db};
use serde_json::{json, Value};

/// The one organization feature, and its permissions in bit order.
const FEATURE: &str = "posts";
const PERMISSIONS: [&str; 3] = ["read", "create", "manage"];

/// The permissions (bits of `PERMISSIONS`) a role grants; unknown roles none.
fn role_mask(role: &str) -> u32 {
    match role {
        "org:admin" => 0b111,
        "org:member" => 0b011,
        _ => 0,
    }
}

/// The roles this instance knows.
pub const ROLES: [&str; 2] = ["org:admin", "org:member"];

/// An organization with the caller's membership in it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Membership {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub slug: String,
    pub role: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Membership {
    /// `org:posts:read`, … as Clerk's membership object lists them.
    pub fn permissions(&self) -> Vec<String> {
        let mask = role_mask(&self.role);
        PERMISSIONS
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, p)| format!("org:{FEATURE}:{p}"))
            .collect()
    }

    /// The `o` claim and the organization part of `fea`, as Clerk's v2
    /// tokens carry them.
    pub fn claims(&self) -> (Value, String) {
        let o = json!({
            "id": self.organization_id,
            "slg": self.slug,
            "rol": self.role.strip_prefix("org:").unwrap_or(&self.role),
            "per": PERMISSIONS.join(","),
            "fpm": role_mask(&self.role).to_string(),
        });
        (o, format!("o:{FEATURE}"))
    }

    /// Clerk's `organization_membership` object, with its organization.
    pub fn to_json(&self) -> Value {
        json!({
            "object": "organization_membership",
            "id": self.id,
            "role": self.role,
            "role_name": if self.role == "org:admin" { "Admin" } else { "Member" },
            "permissions": self.permissions(),
            "public_metadata": {},
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "organization": {
                "object": "organization",
                "id": self.organization_id,
                "name": self.name,
                "slug": self.slug,
                "image_url": "",
                "has_image": false,
                "members_count": null,
                "pending_invitations_count": 0,
                "max_allowed_memberships": 0,
                "admin_delete_enabled": true,
                "public_metadata": {},
                "created_at": self.created_at,
                "updated_at": self.updated_at,
            },
        })
    }
}

const MEMBERSHIP_COLUMNS: &str = "m.id, m.organization_id, o.name, o.slug, m.role, \
     m.created_at, m.updated_at";

/// Clerk's `organization` object, as its webhooks carry it.
fn organization_json(id: &str, name: &str, slug: &str, created_by: &str, at: i64) -> Value {
    json!({
        "object": "organization", "id": id, "name": name, "slug": slug,
        "created_by": created_by, "image_url": "", "has_image": false,
        "max_allowed_memberships": 0, "admin_delete_enabled": true,
        "public_metadata": {}, "private_metadata": {},
        "created_at": at, "updated_at": at,
    })
}

/// A new organization; `created_by` becomes its `org:admin`. Queues
/// `organization.created` in the same transaction.
pub async fn create(
    db: &Db,
    name: &str,
    slug: &str,
    created_by: &str,
) -> Result<String, StoreError> {
    let (id, now) = (new_id("org"), now_millis());
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO clerk_dev_organizations (id, name, slug, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&id)
    .bind(name)
    .bind(slug)
    .bind(created_by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let data = organization_json(&id, name, slug, created_by, now);
    webhooks::enqueue(&mut tx, "organization.created", &id, data).await?;
    tx.commit().await?;
    add_member(db, &id, created_by, "org:admin").await?;
    Ok(id)
}

/// Adds `user_id` to the organization with `role` (or changes their role).
pub async fn add_member(
    db: &Db,
    org_id: &str,
    user_id: &str,
    role: &str,
) -> Result<(), StoreError> {
    let now = now_millis();
    sqlx::query(
        "INSERT INTO clerk_dev_memberships (id, organization_id, user_id, role, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (organization_id, user_id) DO UPDATE SET role = $4, updated_at = $5",
    )
    .bind(new_id("orgmem"))
    .bind(org_id)
    .bind(user_id)
    .bind(role)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Deletes the organization and its memberships; queues
/// `organization.deleted` (the app then removes its posts). `false` when
/// there is no such organization.
pub async fn delete(db: &Db, id: &str) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM clerk_dev_memberships WHERE organization_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
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
    tx.commit().await?;
    Ok(deleted)
}

/// Removes the membership; `true` when there was one. The member's next
/// token no longer carries the organization.
pub async fn remove_member(db: &Db, org_id: &str, user_id: &str) -> Result<bool, StoreError> {
    let result = sqlx::query(
        "DELETE FROM clerk_dev_memberships WHERE organization_id = $1 AND user_id = $2",
    )
    .bind(org_id)
    .bind(user_id)
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected() > 0)
}

/// The user's membership in one organization.
pub async fn membership(
    db: &Db,
    org_id: &str,
    user_id: &str,
) -> Result<Option<Membership>, StoreError> {
    let row = sqlx::query_as::<_, Membership>(&format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM clerk_dev_memberships m \
         JOIN clerk_dev_organizations o ON o.id = m.organization_id \
         WHERE m.organization_id = $1 AND m.user_id = $2"
    ))
    .bind(org_id)
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row)
}

/// Every membership of the user, oldest first.
pub async fn memberships_of(db: &Db, user_id: &str) -> Result<Vec<Membership>, StoreError> {
    let rows = sqlx::query_as::<_, Membership>(&format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM clerk_dev_memberships m \
         JOIN clerk_dev_organizations o ON o.id = m.organization_id \
         WHERE m.user_id = $1 ORDER BY m.created_at, m.id"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows)
}

/// The organization a session has active, if it still is one its user
/// belongs to: a removed member's next token has none.
pub async fn active_membership(
    db: &Db,
    session: &SessionInfo,
) -> Result<Option<Membership>, StoreError> {
    match &session.active_organization_id {
        Some(org_id) => membership(db, org_id, &session.user_id).await,
        None => Ok(None),
    }
}

/// Sets (or, with `None`, clears) the session's active organization.
pub async fn set_active(db: &Db, session_id: &str, org_id: Option<&str>) -> Result<(), StoreError> {
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

/// Seeds "Acme" once: the admin demo user as `org:admin`, the pro demo
/// user as `org:member` (when those users exist).
pub async fn seed_acme(db: &Db) -> Result<(), StoreError> {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clerk_dev_organizations")
        .fetch_one(db.pool())
        .await?;
    if count > 0 {
        return Ok(());
    }
    let admin = super::store::find_by_email(db, "admin@inkpad.dev").await?;
    let pro = super::store::find_by_email(db, "pro@inkpad.dev").await?;
    if let (Some(admin), Some(pro)) = (admin, pro) {
        match create(db, "Acme", "acme", &admin.id).await {
            Ok(acme) => add_member(db, &acme, &pro.id, "org:member").await?,
            // Another server seeding the same database got there first.
            Err(_) if slug_taken(db, "acme").await? => {}
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

async fn slug_taken(db: &Db, slug: &str) -> Result<bool, StoreError> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM clerk_dev_organizations WHERE slug = $1")
            .bind(slug)
            .fetch_one(db.pool())
            .await?;
    Ok(n > 0)
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
        }
    }

    #[test]
    fn roles_grant_their_permissions_in_clerks_token_encoding() {
        let (o, fea) = membership("org:admin").claims();
        assert_eq!(fea, "o:posts");
        assert_eq!(
            o,
            json!({"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,create,manage", "fpm": "7"})
        );
        assert_eq!(membership("org:member").claims().0["fpm"], "3");
        assert_eq!(
            membership("org:member").permissions(),
            ["org:posts:read", "org:posts:create"]
        );
        assert!(membership("org:guest").permissions().is_empty());
        assert_eq!(membership("org:guest").claims().0["fpm"], "0");
    }

    #[test]
    fn the_app_decodes_the_instances_claims_into_the_same_permissions() {
        for role in ROLES {
            let m = membership(role);
            let (o, fea) = m.claims();
            let claims: crate::clerk::claims::SessionClaims =
                serde_json::from_value(json!({"v": 2, "fea": fea, "o": o})).unwrap();
            let org = claims.org().unwrap();
            assert_eq!(org.role.as_deref(), Some(role));
            assert_eq!(org.permissions, m.permissions(), "{role}");
        }
    }
}
