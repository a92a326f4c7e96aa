//! Admin operations: the users list, role and plan changes, the audit log.
//!
//! A change is logged first (`requested`), then written to Clerk (public
//! metadata, merged), because Clerk is the source of truth that the next
//! session token is minted from; then to the local copy, settling the log
//! entry `done` in the same transaction. If that last step fails the caller
//! gets a 503, the change stands in Clerk, and Clerk's `user.updated` webhook
//! still brings the local copy up to date and settles the entry.

use super::{sync::user_record, PageRequest};
use crate::{
    auth::{Auth, RequireGrants, Reverification},
    clerk::{
        backend::{BackendApi, ClerkUser, MetadataUpdate},
        metadata::AppMetadata,
    },
    db::{audit, now_millis, users, Db},
    error::AppError,
    model::{AuditEntry, AuditStatus, Page, Plan, Role, User},
};

/// A change an admin can make to a user's access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessChange {
    Role(Role),
    Plan(Plan),
}

impl AccessChange {
    fn key(self) -> &'static str {
        match self {
            AccessChange::Role(_) => "role",
            AccessChange::Plan(_) => "plan",
        }
    }

    fn value(self) -> &'static str {
        match self {
            AccessChange::Role(role) => role.as_str(),
            AccessChange::Plan(plan) => plan.as_str(),
        }
    }

    fn current(self, user: &ClerkUser) -> &'static str {
        match self {
            AccessChange::Role(_) => user.role().as_str(),
            AccessChange::Plan(_) => user.plan().as_str(),
        }
    }
}

/// Local users, newest first, optionally searched by email or name.
pub async fn list_users(
    auth: &Auth,
    db: &Db,
    search: Option<&str>,
    page: PageRequest,
) -> Result<Page<User>, AppError> {
    auth.require_role(Role::Admin)?;
    if search.is_some_and(|s| s.chars().count() > 100) {
        return Err(AppError::BadRequest(
            "Searches can be at most 100 characters.".into(),
        ));
    }
    // PostgreSQL refuses NUL in text: a 400 here, not a 500 from the query.
    if search.is_some_and(|s| s.contains('\0')) {
        return Err(AppError::BadRequest(
            "Searches cannot contain NUL characters.".into(),
        ));
    }
    let (items, total) = users::page(db, search, page.per_page, page.offset()).await?;
    Ok(page.wrap(items, total))
}

/// Sets `user_id`'s role or plan; returns the updated local copy.
pub async fn change_access(
    auth: &Auth,
    db: &Db,
    clerk: Option<&BackendApi>,
    user_id: &str,
    change: AccessChange,
) -> Result<User, AppError> {
    let admin = auth.require_role(Role::Admin)?;
    // Changing anyone's access needs the password confirmed within ten
    // minutes: a session left open or stolen cannot hand out privileges.
    admin.require_reverification(Reverification::Strict)?;
    if !crate::model::is_user_id(user_id) {
        return Err(AppError::BadRequest("That is not a user id.".into()));
    }
    let clerk = super::clerk_api(clerk)?;
    if change == AccessChange::Role(Role::Member) && user_id == admin.user_id {
        // Nobody locks themselves out by accident; another admin can do it.
        return Err(AppError::BadRequest(
            "You cannot remove your own admin role.".into(),
        ));
    }
    let before = clerk.get_user(user_id).await?;
    let old = change.current(&before);
    if old == change.value() {
        // Nothing to change in Clerk; the local copy is brought up to date.
        users::apply_upsert(
            &mut *db.acquire().await?,
            &user_record(&before, before.updated_at),
        )
        .await?;
    } else {
        // Logged before Clerk is asked: a database that is down stops the
        // change here, and a change Clerk accepts is never missing from the
        // log even if the local write below then fails.
        let entry = audit::record(
            &mut *db.acquire().await?,
            &audit::NewEntry {
                actor_id: Some(&admin.user_id),
                subject_id: user_id,
                action: &format!("{}.changed", change.key()),
                detail: &format!("{old} → {}", change.value()),
                new_value: Some(change.value()),
                status: AuditStatus::Requested,
                at: now_millis(),
            },
        )
        .await?;
        let update = MetadataUpdate {
            public_metadata: Some(serde_json::json!({ change.key(): change.value() })),
            ..MetadataUpdate::default()
        };
        let after = match clerk.update_user_metadata(user_id, &update).await {
            Ok(after) => after,
            Err(err) => {
                // After a timeout or a 5xx Clerk may still have made the
                // change: the entry stays `requested` for its webhook to settle.
                if err.is_refusal() {
                    settle_failed(db, entry).await;
                }
                return Err(err.into());
            }
        };
        let mut tx = db.begin().await?;
        // Clerk's updated_at orders this write with the webhooks about the user.
        users::apply_upsert(&mut tx, &user_record(&after, after.updated_at)).await?;
        audit::settle(&mut tx, entry, AuditStatus::Done).await?;
        tx.commit().await.map_err(crate::db::DbError::from)?;
        tracing::info!(admin = %admin.user_id, user = %user_id, change = ?change, "access changed");
    }

    users::get(db, user_id)
        .await?
        .ok_or_else(|| AppError::NotFound("No such user.".into()))
}

/// Marks a logged change `failed` after Clerk refused it. Best effort: if the
/// database is what failed, the entry stays `requested`, which is still true.
async fn settle_failed(db: &Db, entry: i64) {
    let result = match db.acquire().await {
        Ok(mut conn) => audit::settle(&mut conn, entry, AuditStatus::Failed).await,
        Err(err) => Err(err),
    };
    if let Err(err) = result {
        tracing::warn!(entry, error = %err, "could not mark an audit entry failed");
    }
}

pub async fn audit_log(
    auth: &Auth,
    db: &Db,
    page: PageRequest,
) -> Result<Page<AuditEntry>, AppError> {
    auth.require_role(Role::Admin)?;
    let items = audit::list(db, page.per_page, page.offset()).await?;
    let total = audit::count(db).await?;
    Ok(page.wrap(items, total))
}
