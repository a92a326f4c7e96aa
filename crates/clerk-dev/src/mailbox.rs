//! The development instance's mailbox: what a real instance would email —
//! verification codes, organization invitations — kept in its own table
//! instead of sent, and shown by the console. Nothing leaves the machine.
//!
//! The messages are credentials (a code signs up an address, a link joins
//! an organization), as the emails they stand for would be; the console
//! that lists them is a development tool on the developer's own machine.
//! They are never logged: the log says only that a message is waiting.

use crate::{
    db::{now_millis, Db},
    ids::new_id,
    store::StoreError,
};
use serde::Serialize;
use sqlx::AnyConnection;

/// How many messages the mailbox keeps; older ones are pruned as it writes.
pub const KEPT: i64 = 200;

/// One message, as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// `msg_…`.
    pub id: String,
    /// The address it was sent to.
    pub to: String,
    /// Its subject line.
    pub subject: String,
    /// Its text, as the email would read.
    pub body: String,
    /// The one-time code it carries, if any.
    pub code: Option<String>,
    /// The link it carries, if any.
    pub link: Option<String>,
    /// When it was "sent" (unix ms).
    pub created_at: i64,
}

/// A message to put in the mailbox.
#[derive(Debug, Clone, Default)]
pub struct Outgoing<'a> {
    /// The address.
    pub to: &'a str,
    /// Its subject line.
    pub subject: String,
    /// Its text.
    pub body: String,
    /// The one-time code it carries.
    pub code: Option<&'a str>,
    /// The link it carries.
    pub link: Option<&'a str>,
}

/// Puts `message` in the mailbox through `conn` (so that a message and
/// what it is about — an invitation, say — are written together) and
/// prunes the mailbox to its newest [`KEPT`] messages.
pub async fn deliver(conn: &mut AnyConnection, message: Outgoing<'_>) -> Result<(), StoreError> {
    let id = new_id("msg");
    let to = message.to.trim().to_lowercase();
    sqlx::query(
        "INSERT INTO clerk_dev_mailbox (id, to_address, subject, body, code, link, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(&to)
    .bind(&message.subject)
    .bind(&message.body)
    .bind(message.code)
    .bind(message.link)
    .bind(now_millis())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM clerk_dev_mailbox WHERE id NOT IN \
         (SELECT id FROM clerk_dev_mailbox ORDER BY created_at DESC, id DESC LIMIT $1)",
    )
    .bind(KEPT)
    .execute(&mut *conn)
    .await?;
    // Only its id: the subject and body carry the code or the link.
    tracing::info!(
        message_id = %id,
        "development instance: a message is waiting in the mailbox (/__clerk/#mailbox)"
    );
    Ok(())
}

/// [`deliver`] on a connection of its own.
pub async fn send(db: &Db, message: Outgoing<'_>) -> Result<(), StoreError> {
    let mut conn = db.pool().acquire().await?;
    deliver(&mut conn, message).await
}

type Row = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
);

/// The newest `limit` messages, newest first; to `to` only when given.
pub async fn recent(db: &Db, to: Option<&str>, limit: i64) -> Result<Vec<Message>, StoreError> {
    let rows: Vec<Row> = match to {
        Some(to) => sqlx::query_as(
            "SELECT id, to_address, subject, body, code, link, created_at FROM clerk_dev_mailbox \
                 WHERE to_address = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(to.trim().to_lowercase())
        .bind(limit)
        .fetch_all(db.pool())
        .await?,
        None => sqlx::query_as(
            "SELECT id, to_address, subject, body, code, link, created_at FROM clerk_dev_mailbox \
                 ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(db.pool())
        .await?,
    };
    Ok(rows
        .into_iter()
        .map(|(id, to, subject, body, code, link, created_at)| Message {
            id,
            to,
            subject,
            body,
            code,
            link,
            created_at,
        })
        .collect())
}
