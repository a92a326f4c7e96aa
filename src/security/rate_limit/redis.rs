//! Counting in Redis, so several app nodes share one budget per key. One Lua
//! script runs the generic cell rate algorithm atomically on the server,
//! with the server's clock (nodes' clocks never disagree about a window):
//! the key holds the "theoretical arrival time" of the next request and
//! expires when the allowance has fully come back.

use super::{Budget, Decision, Quota};
use redis::{aio::ConnectionManager, Client, Script};
use std::{
    sync::atomic::{AtomicI64, Ordering},
    time::Duration,
};

const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - limit * interval
if now < allow_at then
  return {0, 0, allow_at - now, tat - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now)
return {1, math.floor((now - allow_at) / interval), 0, new_tat - now}
";

/// How long to stop asking Redis after it failed, so an outage costs one
/// timeout per second rather than one per request.
const BACK_OFF_MS: i64 = 1_000;

pub struct RedisStore {
    connection: ConnectionManager,
    script: Script,
    /// Keys are namespaced, so one Redis can serve several apps.
    prefix: String,
    down_until_ms: AtomicI64,
}

#[derive(Debug, thiserror::Error)]
pub enum RedisStoreError {
    #[error("Redis is unavailable: {0}")]
    Unavailable(String),
    /// Redis failed a moment ago; not asked again yet (already logged).
    #[error("Redis failed a moment ago")]
    BackingOff,
}

impl RedisStore {
    /// Connects lazily: the app starts even while Redis is down, and each
    /// budget then follows its failure mode until Redis is back.
    pub fn new(url: &str) -> Result<Self, RedisStoreError> {
        let client = Client::open(url).map_err(|e| RedisStoreError::Unavailable(e.to_string()))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(1);
        let connection = client
            .get_connection_manager_lazy(config)
            .map_err(|e| RedisStoreError::Unavailable(e.to_string()))?;
        Ok(RedisStore {
            connection,
            script: Script::new(GCRA),
            prefix: "inkpad:rl".into(),
            down_until_ms: AtomicI64::new(0),
        })
    }

    pub async fn check(
        &self,
        budget: Budget,
        quota: Quota,
        key: &str,
    ) -> Result<Decision, RedisStoreError> {
        let now = crate::db::now_millis();
        if now < self.down_until_ms.load(Ordering::Relaxed) {
            return Err(RedisStoreError::BackingOff);
        }
        let interval_ms = (quota.interval().as_millis() as i64).max(1);
        let mut connection = self.connection.clone();
        let result: Result<(i64, i64, i64, i64), _> = self
            .script
            .key(format!("{}:{}:{key}", self.prefix, budget.as_str()))
            .arg(interval_ms)
            .arg(quota.limit)
            .invoke_async(&mut connection)
            .await;
        match result {
            Ok((allowed, remaining, retry_ms, reset_ms)) => Ok(Decision {
                allowed: allowed == 1,
                remaining: remaining.clamp(0, i64::from(u32::MAX)) as u32,
                retry_after: Duration::from_millis(retry_ms.max(0) as u64),
                reset: Duration::from_millis(reset_ms.max(0) as u64),
            }),
            Err(err) => {
                self.down_until_ms
                    .store(now + BACK_OFF_MS, Ordering::Relaxed);
                Err(RedisStoreError::Unavailable(err.to_string()))
            }
        }
    }
}
