//! Receipts of applied webhook deliveries, keyed by `svix-id`.

use super::{now_millis, DbError};
use sqlx::AnyConnection;

/// Records the delivery inside the caller's transaction. `false` when it was
/// already recorded: a redelivery, to be acknowledged and not applied again.
/// On PostgreSQL a concurrent duplicate waits here for the first one's
/// transaction and then sees its receipt; SQLite runs one writer at a time.
pub async fn claim(
    conn: &mut AnyConnection,
    svix_id: &str,
    event_type: &str,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "INSERT INTO webhook_receipts (svix_id, event_type, received_at) VALUES ($1, $2, $3) \
         ON CONFLICT (svix_id) DO NOTHING",
    )
    .bind(svix_id)
    .bind(event_type)
    .bind(now_millis())
    .execute(conn)
    .await?;
    Ok(result.rows_affected() > 0)
}
