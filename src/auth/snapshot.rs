//! The public identity handed to the browser: the verified session's ids,
//! role, plan, active organization and features, with name and email from
//! the webhook-synced users table.

use super::Session;
use crate::{
    db::{users, Db, DbError},
    model::{AuthSnapshot, OrgSnapshot},
};

/// Role and plan always come from the verified token, never from the
/// database copy (which may lag behind a change).
pub async fn snapshot(session: &Session, db: &Db) -> Result<AuthSnapshot, DbError> {
    let profile = users::get(db, &session.user_id).await?;
    let (first_name, last_name, email, image_url) = profile
        .map(|u| (u.first_name, u.last_name, u.email, u.image_url))
        .unwrap_or_default();
    Ok(AuthSnapshot {
        user_id: session.user_id.clone(),
        session_id: session.session_id.clone(),
        role: session.metadata.role,
        plan: session.metadata.plan,
        first_name,
        last_name,
        email,
        image_url,
        permissions: session
            .org
            .as_ref()
            .map(|o| o.permissions.clone())
            .unwrap_or_default(),
        org: session.org.as_ref().map(|o| OrgSnapshot {
            id: o.id.clone(),
            slug: o.slug.clone(),
            role: o.role.clone(),
        }),
        features: scoped(|scope| session.claims.features(scope)),
        plans: scoped(|scope| session.claims.plans(scope)),
    })
}

/// A claim's user and organization entries, each with its scope
/// (`u:export`, `o:teams`).
fn scoped(read: impl Fn(&str) -> Vec<String>) -> Vec<String> {
    ["u", "o"]
        .into_iter()
        .flat_map(|scope| read(scope).into_iter().map(move |f| format!("{scope}:{f}")))
        .collect()
}
