//! The development instance's webhooks: every change to a user or session
//! queues a Clerk event in an outbox, in the same transaction as the change,
//! and a deliverer POSTs each one to the app signed with the instance's
//! `whsec_` secret (the Svix scheme), retrying failures with back-off, in
//! order per user, recording every attempt. Undelivered events survive
//! restarts; a delivered one is never sent again.

use super::ids::new_id;
use crate::db::{now_millis, Db, DbError};
use clerk_protocol::{keys::WebhookSecret, webhook::sign};
use serde_json::{json, Value};
use sqlx::AnyConnection;
use std::time::Duration;

/// Queues an event through `conn` (the caller's transaction). `subject_id`
/// is the user the event is about: events of one user go out in order.
pub async fn enqueue(
    conn: &mut AnyConnection,
    event_type: &str,
    subject_id: &str,
    data: Value,
) -> Result<(), DbError> {
    let now = now_millis();
    let (instance_id,): (String,) =
        sqlx::query_as("SELECT signing_kid FROM clerk_dev_instance WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or_else(|| ("ins_unknown".into(),));
    let payload = json!({
        "data": data,
        "object": "event",
        "type": event_type,
        "timestamp": now,
        "instance_id": instance_id,
        "event_attributes": {"http_request": {"client_ip": "127.0.0.1", "user_agent": "clerk-dev-instance"}},
    });
    sqlx::query(
        "INSERT INTO clerk_dev_webhook_events (id, event_type, subject_id, payload, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(new_id("msg"))
    .bind(event_type)
    .bind(subject_id)
    .bind(payload.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The outbox's backlog: events not yet delivered, and how long the oldest
/// of them has waited (zero when there is none).
pub async fn outbox_backlog(db: &Db) -> Result<(i64, Duration), DbError> {
    let (depth, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(created_at) FROM clerk_dev_webhook_events WHERE delivered_at IS NULL",
    )
    .fetch_one(db.pool())
    .await?;
    let age = oldest.map_or(0, |created| now_millis().saturating_sub(created).max(0));
    Ok((depth, Duration::from_millis(age as u64)))
}

/// Waits between attempts: after the first failure the first delay, and so
/// on; the last one repeats. Clerk (Svix) spreads retries over days; a
/// development instance compresses them.
#[derive(Debug, Clone)]
pub struct RetrySchedule(pub Vec<Duration>);

impl Default for RetrySchedule {
    fn default() -> Self {
        RetrySchedule(
            [1, 5, 30, 120, 600]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
        )
    }
}

impl RetrySchedule {
    fn after(&self, failures: i64) -> Duration {
        let index = (failures.max(1) as usize - 1).min(self.0.len().saturating_sub(1));
        self.0
            .get(index)
            .copied()
            .unwrap_or(Duration::from_secs(600))
    }
}

/// Delivers the outbox to one endpoint.
pub struct Deliverer {
    db: Db,
    http: reqwest::Client,
    endpoint: String,
    secret: WebhookSecret,
    schedule: RetrySchedule,
}

#[derive(sqlx::FromRow)]
struct Pending {
    id: String,
    payload: String,
    attempts: i32,
}

impl Deliverer {
    /// A deliverer of the queued events to `endpoint`, signed with `secret`, retried on `schedule`.
    pub fn new(
        db: Db,
        http: reqwest::Client,
        endpoint: String,
        secret: WebhookSecret,
        schedule: RetrySchedule,
    ) -> Self {
        Deliverer {
            db,
            http,
            endpoint,
            secret,
            schedule,
        }
    }

    /// One pass: for each user with undelivered events, tries the oldest
    /// one if it is due. Returns how many were delivered.
    pub async fn deliver_due(&self) -> Result<usize, DbError> {
        let due: Vec<Pending> = sqlx::query_as(
            "SELECT id, payload, attempts FROM clerk_dev_webhook_events e \
             WHERE delivered_at IS NULL AND next_attempt_at <= $1 \
               AND seq = (SELECT MIN(seq) FROM clerk_dev_webhook_events o \
                          WHERE o.subject_id = e.subject_id AND o.delivered_at IS NULL) \
             ORDER BY seq LIMIT 50",
        )
        .bind(now_millis())
        .fetch_all(self.db.pool())
        .await?;
        let mut delivered = 0;
        for event in due {
            if self.attempt(&event).await? {
                delivered += 1;
            }
        }
        Ok(delivered)
    }

    async fn attempt(&self, event: &Pending) -> Result<bool, DbError> {
        let timestamp = now_millis() / 1000;
        let signature = sign(&self.secret, &event.id, timestamp, &event.payload);
        let result = self
            .http
            .post(&self.endpoint)
            .timeout(Duration::from_secs(10))
            .header("content-type", "application/json")
            .header("svix-id", &event.id)
            .header("svix-timestamp", timestamp.to_string())
            .header("svix-signature", signature)
            .body(event.payload.clone())
            .send()
            .await;
        let (status, error) = match &result {
            Ok(response) => (Some(i32::from(response.status().as_u16())), None),
            Err(err) => (None, Some(format!("{err}"))),
        };
        let ok = status.is_some_and(|s| (200..300).contains(&s));
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        sqlx::query("INSERT INTO clerk_dev_webhook_attempts (event_id, attempted_at, status, error) VALUES ($1, $2, $3, $4)")
            .bind(&event.id)
            .bind(now)
            .bind(status)
            .bind(&error)
            .execute(&mut *tx)
            .await?;
        if ok {
            sqlx::query("UPDATE clerk_dev_webhook_events SET attempts = attempts + 1, delivered_at = $2 WHERE id = $1")
                .bind(&event.id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        } else {
            let failures = i64::from(event.attempts) + 1;
            let next = now + self.schedule.after(failures).as_millis() as i64;
            sqlx::query("UPDATE clerk_dev_webhook_events SET attempts = attempts + 1, next_attempt_at = $2 WHERE id = $1")
                .bind(&event.id)
                .bind(next)
                .execute(&mut *tx)
                .await?;
            tracing::debug!(event = %event.id, ?status, ?error, "webhook delivery failed; will retry");
        }
        tx.commit().await?;
        Ok(ok)
    }

    /// Delivers forever, checking for due events every `poll`.
    pub async fn run(self, poll: Duration) {
        loop {
            if let Err(err) = self.deliver_due().await {
                tracing::warn!(error = %err, "webhook deliverer could not read the outbox");
            }
            tokio::time::sleep(poll).await;
        }
    }
}

/// An outbox entry as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct EventSummary {
    /// Its id.
    pub id: String,
    /// The event's type (`user.created`).
    pub event_type: String,
    /// What it is about (a user or organization id).
    pub subject_id: String,
    /// When it was made (unix ms).
    pub created_at: i64,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// When a delivery succeeded (unix ms).
    pub delivered_at: Option<i64>,
    /// When it is next tried (unix ms).
    pub next_attempt_at: i64,
}

/// The newest events first.
pub async fn recent_events(db: &Db, limit: i64) -> Result<Vec<EventSummary>, DbError> {
    let rows = sqlx::query_as::<_, EventSummary>(
        "SELECT id, event_type, subject_id, created_at, attempts, delivered_at, next_attempt_at \
         FROM clerk_dev_webhook_events ORDER BY seq DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows)
}

/// Queues an event for delivery again now, delivered or not (receivers
/// must be idempotent on `svix-id`, as with Svix's resend). `false` when
/// there is no such event.
pub async fn redeliver(db: &Db, event_id: &str) -> Result<bool, DbError> {
    let result = sqlx::query("UPDATE clerk_dev_webhook_events SET delivered_at = NULL, next_attempt_at = $2 WHERE id = $1")
        .bind(event_id)
        .bind(now_millis())
        .execute(db.pool())
        .await?;
    Ok(result.rows_affected() > 0)
}

/// One recorded delivery attempt, newest first (for the console and tests).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Attempt {
    /// The event.
    pub event_id: String,
    /// When (unix ms).
    pub attempted_at: i64,
    /// The HTTP status the endpoint answered.
    pub status: Option<i32>,
    /// What failed, when no status came back.
    pub error: Option<String>,
}

/// Every delivery attempt of event `event_id`, oldest first.
pub async fn attempts(db: &Db, event_id: &str) -> Result<Vec<Attempt>, DbError> {
    let rows = sqlx::query_as::<_, Attempt>(
        "SELECT event_id, attempted_at, status, error FROM clerk_dev_webhook_attempts \
         WHERE event_id = $1 ORDER BY attempted_at DESC",
    )
    .bind(event_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_backs_off_then_repeats_its_last_step() {
        let s = RetrySchedule::default();
        let secs: Vec<u64> = (1..=7).map(|n| s.after(n).as_secs()).collect();
        assert_eq!(secs, [1, 5, 30, 120, 600, 600, 600]);
    }
}
