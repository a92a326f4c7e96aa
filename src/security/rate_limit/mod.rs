//! Rate limiting: every request is charged to a budget (premium, admin,
//! writes, reads, sign-in attempts, webhooks), keyed by the verified user
//! when signed in and by the client address otherwise. Over budget: 429
//! JSON with `Retry-After` and the IETF `RateLimit` / `RateLimit-Policy`
//! headers (draft-ietf-httpapi-ratelimit-headers).
//!
//! Counters live in this process (`governor`) or, with `REDIS_URL`, in
//! Redis, so every app node spends from the same budget. When Redis cannot
//! be asked, budgets that guard money, privileges or passwords refuse (503)
//! and the others let requests through; either way it is logged and never
//! a 500.

pub mod budget;
mod memory;
mod redis;
pub mod routes;

pub use budget::{Budget, Quota, RateLimitConfig};

use crate::{auth::Auth, error::AppError, security::client_ip::ClientIp};
use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use std::{sync::Arc, time::Duration};

/// One rate-limit decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Requests left in the current allowance.
    pub remaining: u32,
    /// Until the allowance is whole again.
    pub reset: Duration,
    /// Until the next request is allowed (zero when allowed).
    pub retry_after: Duration,
}

/// What checking a budget concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The budget is not limited.
    Unlimited,
    Counted(Quota, Decision),
    /// The store could not be asked and the budget fails open.
    StoreDownAllowed,
    /// The store could not be asked and the budget fails closed.
    StoreDownRefused,
}

enum Store {
    Memory(Arc<memory::MemoryStore>),
    Redis(redis::RedisStore),
}

/// The budgets and where they are counted.
pub struct RateLimiter {
    config: RateLimitConfig,
    store: Store,
}

impl RateLimiter {
    /// Counts in this process, or in Redis when `redis_url` is given.
    pub fn new(config: RateLimitConfig, redis_url: Option<&str>) -> Result<Self, String> {
        let store = match redis_url {
            Some(url) => Store::Redis(redis::RedisStore::new(url).map_err(|e| e.to_string())?),
            None => Store::Memory(memory::MemoryStore::new(
                Budget::ALL
                    .into_iter()
                    .filter_map(|b| config.quota(b).map(|q| (b, q))),
            )),
        };
        Ok(RateLimiter { config, store })
    }

    /// Where the counters live, for the start-up log line.
    pub fn store_name(&self) -> &'static str {
        match self.store {
            Store::Memory(_) => "memory",
            Store::Redis(_) => "redis",
        }
    }

    /// Charges one request with `key` to `budget`.
    pub async fn check(&self, budget: Budget, key: &str) -> Verdict {
        let Some(quota) = self.config.quota(budget) else {
            return Verdict::Unlimited;
        };
        let decision = match &self.store {
            Store::Memory(store) => store.check(budget, key).ok_or(()),
            Store::Redis(store) => store.check(budget, quota, key).await.map_err(|err| {
                // One line per failure, not one per request while backing off.
                if !matches!(err, redis::RedisStoreError::BackingOff) {
                    tracing::warn!(budget = %budget, error = %err, "rate-limit store unavailable");
                }
            }),
        };
        match decision {
            Ok(decision) => Verdict::Counted(quota, decision),
            Err(()) if self.config.fails_open(budget) => Verdict::StoreDownAllowed,
            Err(()) => Verdict::StoreDownRefused,
        }
    }

    /// `Err` with the response to send when `budget` refuses `key` (for a
    /// request to `path`); `Ok` with the headers describing the allowance.
    pub async fn enforce(
        &self,
        budget: Budget,
        key: &str,
        path: &str,
    ) -> Result<RateHeaders, Response> {
        match self.check(budget, key).await {
            Verdict::Unlimited | Verdict::StoreDownAllowed => Ok(RateHeaders(None)),
            Verdict::StoreDownRefused => Err(super::refusal(
                path,
                AppError::Unavailable(
                    "This action is temporarily unavailable. Please try again shortly.".into(),
                ),
                "service_unavailable",
            )),
            Verdict::Counted(quota, decision) if decision.allowed => {
                Ok(RateHeaders(Some((budget, quota, decision))))
            }
            Verdict::Counted(quota, decision) => {
                tracing::info!(budget = %budget, "rate limit reached");
                crate::metrics::rate_limited(budget.as_str());
                let retry_after = ceil_secs(decision.retry_after).max(1);
                let mut response = super::refusal(
                    path,
                    AppError::RateLimited { retry_after },
                    "too_many_requests",
                );
                RateHeaders(Some((budget, quota, decision))).apply(&mut response);
                Err(response)
            }
        }
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// `RateLimit-Policy: "write";q=60;w=60` and `RateLimit: "write";r=12;t=5`.
pub struct RateHeaders(Option<(Budget, Quota, Decision)>);

impl RateHeaders {
    pub fn apply(&self, response: &mut Response) {
        let Some((budget, quota, decision)) = self.0 else {
            return;
        };
        let policy = format!(
            "\"{budget}\";q={};w={}",
            quota.limit,
            quota.period.as_secs()
        );
        let state = format!(
            "\"{budget}\";r={};t={}",
            decision.remaining,
            ceil_secs(decision.reset)
        );
        // A handler that charged a budget of its own (sign-in attempts per
        // account) has already described the one that refused it.
        let headers = response.headers_mut();
        if headers.contains_key("ratelimit") {
            return;
        }
        for (name, value) in [("ratelimit-policy", policy), ("ratelimit", state)] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
    }
}

/// Middleware (after the auth layer): charges the request to its budget.
pub async fn limit(
    State(limiter): State<Arc<RateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(route) = routes::classify(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let client = request
        .extensions()
        .get::<ClientIp>()
        .map(|c| c.0.to_string())
        .unwrap_or_else(|| "unknown".into());
    let key = match (route.by_address, request.extensions().get::<Auth>()) {
        (false, Some(Auth::SignedIn(session))) => format!("user:{}", session.user_id),
        _ => format!("ip:{client}"),
    };
    let path = request.uri().path().to_owned();
    match limiter.enforce(route.budget, &key, &path).await {
        Err(refusal) => refusal,
        Ok(headers) => {
            let mut response = next.run(request).await;
            headers.apply(&mut response);
            response
        }
    }
}
