//! The admin page's calls: users, role and plan changes, the audit log.

use crate::{
    error::AppError,
    model::{AuditEntry, Page, Plan, Role, User},
};
use leptos::prelude::*;

#[server(endpoint = "admin/list_users")]
pub async fn list_users(search: Option<String>, page: i64) -> Result<Page<User>, AppError> {
    use crate::service::{admin, PageRequest};
    super::with_auth(|state, auth| async move {
        let page = PageRequest::new(Some(page), None)?;
        admin::list_users(&auth, &state.db, search.as_deref(), page).await
    })
    .await
}

#[server(endpoint = "admin/set_role")]
pub async fn set_role(user_id: String, role: Role) -> Result<User, AppError> {
    use crate::service::admin::{self, AccessChange};
    super::with_auth(|state, auth| async move {
        let clerk = state.clerk_api.as_ref();
        admin::change_access(&auth, &state.db, clerk, &user_id, AccessChange::Role(role)).await
    })
    .await
}

#[server(endpoint = "admin/set_plan")]
pub async fn set_plan(user_id: String, plan: Plan) -> Result<User, AppError> {
    use crate::service::admin::{self, AccessChange};
    super::with_auth(|state, auth| async move {
        let clerk = state.clerk_api.as_ref();
        admin::change_access(&auth, &state.db, clerk, &user_id, AccessChange::Plan(plan)).await
    })
    .await
}

#[server(endpoint = "admin/audit_log")]
pub async fn audit_log(page: i64) -> Result<Page<AuditEntry>, AppError> {
    use crate::service::{admin, PageRequest};
    super::with_auth(|state, auth| async move {
        admin::audit_log(&auth, &state.db, PageRequest::new(Some(page), None)?).await
    })
    .await
}
