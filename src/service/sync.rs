//! Clerk's webhook events applied to the local database: users upserted in
//! event order (settling the admin changes they bring), deleted with their
//! posts, session events written to the audit log, organizations upserted
//! in event order and deleted with their posts, memberships recorded and
//! removed in event order. Invitation events are not kept: a membership is
//! what grants anything. Each delivery is applied
//! at most once, keyed by its `svix-id`, in one transaction with its receipt,
//! so a failure applies nothing and the sender's retry applies it exactly once.
//!
//! The caller has already verified the Svix signature over the raw body.

use crate::{
    clerk::backend::{ClerkSession, ClerkUser},
    db::{
        audit, organizations,
        organizations::{MembershipRecord, OrgRecord},
        receipts, users,
        users::UserRecord,
        Db, DbError,
    },
    error::AppError,
    model::AuditStatus,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Applied,
    /// Older than what the row already reflects; nothing changed.
    Stale,
    /// This `svix-id` was applied before; nothing changed.
    Duplicate,
    /// An event type this app does not use.
    Ignored,
}

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    event_type: String,
    /// An integer of unknown unit (milliseconds in practice): only compared.
    timestamp: i64,
    data: Value,
}

/// A delivery, read and checked in full before anything is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event_type: String,
    pub timestamp: i64,
    change: Change,
}

#[derive(Debug, Clone, PartialEq)]
enum Change {
    Upsert(UserRecord),
    Delete(String),
    Session { user_id: String, session_id: String },
    OrgUpsert(OrgRecord),
    OrgDelete(String),
    Membership(MembershipRecord),
    MembershipRemoved(MembershipRecord),
    Unknown,
}

/// The local record of a Clerk user as of `event_at`: the primary email
/// (by `primary_email_address_id`), role and plan from public metadata.
pub fn user_record(user: &ClerkUser, event_at: i64) -> UserRecord {
    let profile = crate::clerk::metadata::public_profile(user);
    UserRecord {
        id: profile.id,
        email: profile.email,
        first_name: profile.first_name,
        last_name: profile.last_name,
        image_url: profile.image_url,
        role: profile.role,
        plan: profile.plan,
        event_at,
    }
}

fn malformed(what: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!("Malformed webhook event: {what}"))
}

/// Reads a verified body. Malformed JSON, or an event of a known type whose
/// data is not what Clerk sends, is a 400: retrying would not help.
pub fn parse(body: &[u8]) -> Result<Event, AppError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(malformed)?;
    let id = || {
        envelope
            .data
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| malformed("data.id is missing"))
    };
    let change = match envelope.event_type.as_str() {
        "user.created" | "user.updated" => {
            let user: ClerkUser =
                serde_json::from_value(envelope.data.clone()).map_err(malformed)?;
            Change::Upsert(user_record(&user, envelope.timestamp))
        }
        "user.deleted" => Change::Delete(id()?),
        "session.created" | "session.ended" | "session.removed" | "session.revoked" => {
            let session: ClerkSession =
                serde_json::from_value(envelope.data.clone()).map_err(malformed)?;
            Change::Session {
                user_id: session.user_id,
                session_id: session.id,
            }
        }
        "organization.created" | "organization.updated" => {
            let text = |key: &str| {
                envelope
                    .data
                    .get(key)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            Change::OrgUpsert(OrgRecord {
                id: id()?,
                name: text("name"),
                slug: text("slug"),
                event_at: envelope.timestamp,
            })
        }
        "organization.deleted" => Change::OrgDelete(id()?),
        "organizationMembership.created" | "organizationMembership.updated" => {
            Change::Membership(membership_record(&envelope)?)
        }
        "organizationMembership.deleted" => {
            Change::MembershipRemoved(membership_record(&envelope)?)
        }
        _ => Change::Unknown,
    };
    Ok(Event {
        event_type: envelope.event_type,
        timestamp: envelope.timestamp,
        change,
    })
}

/// An `organization_membership` object: its organization's id, its
/// member's user id and role are required.
fn membership_record(envelope: &Envelope) -> Result<MembershipRecord, AppError> {
    let text = |value: Option<&Value>, what: &str| {
        value
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| malformed(format!("{what} is missing")))
    };
    let data = &envelope.data;
    Ok(MembershipRecord {
        organization_id: text(data.pointer("/organization/id"), "data.organization.id")?,
        user_id: text(
            data.pointer("/public_user_data/user_id"),
            "data.public_user_data.user_id",
        )?,
        role: text(data.get("role"), "data.role")?,
        event_at: envelope.timestamp,
    })
}

/// Applies `event`, delivered as `svix_id`, exactly once.
pub async fn apply(db: &Db, svix_id: &str, event: &Event) -> Result<Outcome, AppError> {
    let mut tx = db.begin().await?;
    if !receipts::claim(&mut tx, svix_id, &event.event_type).await? {
        return Ok(Outcome::Duplicate);
    }
    let applied = match &event.change {
        Change::Upsert(record) => {
            let applied = users::apply_upsert(&mut tx, record).await?;
            if applied == users::Applied::Changed {
                audit::confirm_reflected(
                    &mut tx,
                    &record.id,
                    record.role.as_str(),
                    record.plan.as_str(),
                )
                .await?;
            }
            applied
        }
        Change::Delete(id) => users::apply_delete(&mut tx, id, event.timestamp).await?,
        Change::Session {
            user_id,
            session_id,
        } => {
            audit::record(
                &mut tx,
                &audit::NewEntry {
                    actor_id: Some(user_id),
                    subject_id: user_id,
                    action: &event.event_type,
                    detail: session_id,
                    new_value: None,
                    status: AuditStatus::Done,
                    at: event.timestamp,
                },
            )
            .await?;
            users::Applied::Changed
        }
        Change::OrgUpsert(org) => organizations::apply_upsert(&mut tx, org).await?,
        Change::OrgDelete(id) => organizations::apply_delete(&mut tx, id, event.timestamp).await?,
        Change::Membership(m) => organizations::apply_membership(&mut tx, m).await?,
        Change::MembershipRemoved(m) => organizations::apply_membership_removed(&mut tx, m).await?,
        Change::Unknown => {
            tx.commit().await.map_err(DbError::from)?;
            return Ok(Outcome::Ignored);
        }
    };
    tx.commit().await.map_err(DbError::from)?;
    Ok(match applied {
        users::Applied::Changed => Outcome::Applied,
        users::Applied::Stale => Outcome::Stale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Plan, Role};

    #[test]
    fn users_are_read_with_their_primary_email_role_and_plan() {
        let body = serde_json::json!({
            "type": "user.updated", "object": "event", "timestamp": 1700000000123_i64,
            "data": {
                "id": "user_1", "first_name": "Ada", "last_name": null, "image_url": "",
                "primary_email_address_id": "idn_2",
                "email_addresses": [
                    {"id": "idn_1", "email_address": "old@x.io"},
                    {"id": "idn_2", "email_address": "ada@x.io"}
                ],
                "public_metadata": {"role": "admin", "plan": "pro"},
                "private_metadata": {"stripe": "cus_secret"}
            }
        });
        let event = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(
            event.change,
            Change::Upsert(UserRecord {
                id: "user_1".into(),
                email: Some("ada@x.io".into()),
                first_name: Some("Ada".into()),
                last_name: None,
                image_url: None,
                role: Role::Admin,
                plan: Plan::Pro,
                event_at: 1700000000123,
            })
        );
    }

    #[test]
    fn malformed_events_are_bad_requests_and_unknown_types_are_not() {
        for body in [
            "not json",
            r#"{"type": "user.created", "data": {}}"#,
            r#"{"type": "user.created", "timestamp": 1, "data": {"first_name": "no id"}}"#,
            r#"{"type": "user.deleted", "timestamp": 1, "data": {"deleted": true}}"#,
            r#"{"type": "session.created", "timestamp": 1, "data": {"id": "sess_1"}}"#,
        ] {
            assert_eq!(parse(body.as_bytes()).unwrap_err().status(), 400, "{body}");
        }
        let event =
            parse(br#"{"type": "email.created", "timestamp": 1, "data": {"x": 1}}"#).unwrap();
        assert_eq!(event.change, Change::Unknown);
        for body in [
            r#"{"type": "organization.created", "timestamp": 1, "data": {"name": "no id"}}"#,
            r#"{"type": "organization.deleted", "timestamp": 1, "data": {"deleted": true}}"#,
        ] {
            assert_eq!(parse(body.as_bytes()).unwrap_err().status(), 400, "{body}");
        }
    }

    #[test]
    fn organizations_are_read_with_their_name_and_slug() {
        let body = br#"{"type": "organization.updated", "timestamp": 7,
            "data": {"object": "organization", "id": "org_1", "name": "Acme", "slug": "acme"}}"#;
        assert_eq!(
            parse(body).unwrap().change,
            Change::OrgUpsert(OrgRecord {
                id: "org_1".into(),
                name: Some("Acme".into()),
                slug: Some("acme".into()),
                event_at: 7,
            })
        );
        let body = br#"{"type": "organization.deleted", "timestamp": 8,
            "data": {"object": "organization", "id": "org_1", "deleted": true}}"#;
        assert_eq!(
            parse(body).unwrap().change,
            Change::OrgDelete("org_1".into())
        );
    }

    #[test]
    fn memberships_are_read_with_their_organization_member_and_role() {
        let body = br#"{"type": "organizationMembership.created", "timestamp": 9,
            "data": {"object": "organization_membership", "id": "orgmem_1", "role": "org:member",
                     "organization": {"id": "org_1", "name": "Acme"},
                     "public_user_data": {"user_id": "user_1", "identifier": "a@b.io"}}}"#;
        let record = MembershipRecord {
            organization_id: "org_1".into(),
            user_id: "user_1".into(),
            role: "org:member".into(),
            event_at: 9,
        };
        assert_eq!(
            parse(body).unwrap().change,
            Change::Membership(record.clone())
        );
        let removed = String::from_utf8_lossy(body).replace(".created", ".deleted");
        assert_eq!(
            parse(removed.as_bytes()).unwrap().change,
            Change::MembershipRemoved(record)
        );
        let no_user = br#"{"type": "organizationMembership.deleted", "timestamp": 9,
            "data": {"role": "org:member", "organization": {"id": "org_1"}}}"#;
        assert_eq!(parse(no_user).unwrap_err().status(), 400);
        let invitation = br#"{"type": "organizationInvitation.accepted", "timestamp": 9,
            "data": {"object": "organization_invitation", "id": "orginv_1"}}"#;
        assert_eq!(parse(invitation).unwrap().change, Change::Unknown);
    }
}
