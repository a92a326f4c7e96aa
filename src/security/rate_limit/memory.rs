//! Counting in this process, with `governor`'s keyed GCRA limiters: one
//! limiter per budget, idle keys swept once a minute so memory stays
//! bounded by the keys seen recently.

use super::{Budget, Decision, Quota};
use governor::{
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::keyed::DefaultKeyedStateStore,
    RateLimiter,
};
use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Weak},
    time::Duration,
};

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

pub struct MemoryStore {
    limiters: HashMap<Budget, (Quota, Keyed)>,
}

impl MemoryStore {
    pub fn new(quotas: impl IntoIterator<Item = (Budget, Quota)>) -> Arc<Self> {
        let limiters = quotas
            .into_iter()
            .map(|(budget, quota)| {
                let burst = NonZeroU32::new(quota.limit.max(1)).unwrap_or(NonZeroU32::MIN);
                let gcra =
                    governor::Quota::with_period(quota.interval().max(Duration::from_nanos(1)))
                        .expect("a positive interval")
                        .allow_burst(burst);
                let limiter =
                    RateLimiter::keyed(gcra).with_middleware::<StateInformationMiddleware>();
                (budget, (quota, limiter))
            })
            .collect();
        let store = Arc::new(MemoryStore { limiters });
        // Outside a runtime (unit tests) nothing sweeps; that is fine there.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(sweep(Arc::downgrade(&store)));
        }
        store
    }

    pub fn check(&self, budget: Budget, key: &str) -> Option<Decision> {
        let (quota, limiter) = self.limiters.get(&budget)?;
        let interval = quota.interval();
        Some(match limiter.check_key(&key.to_owned()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Decision {
                    allowed: true,
                    remaining,
                    reset: interval * quota.limit.saturating_sub(remaining),
                    retry_after: Duration::ZERO,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(limiter.clock().now());
                Decision {
                    allowed: false,
                    remaining: 0,
                    reset: wait.max(interval),
                    retry_after: wait,
                }
            }
        })
    }
}

/// Forgets keys whose allowance has fully come back, every minute, for as
/// long as the store exists.
async fn sweep(store: Weak<MemoryStore>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(store) = store.upgrade() else { return };
        for (_, limiter) in store.limiters.values() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_allows_its_burst_then_refuses_with_the_wait() {
        let store = MemoryStore::new([(Budget::Premium, Quota::new(3, Duration::from_secs(60)))]);
        let remaining: Vec<u32> = (0..3)
            .map(|_| store.check(Budget::Premium, "user_1").unwrap())
            .map(|d| {
                assert!(d.allowed);
                d.remaining
            })
            .collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = store.check(Budget::Premium, "user_1").unwrap();
        assert!(!refused.allowed);
        assert!(refused.retry_after > Duration::from_secs(15), "{refused:?}");
        assert!(
            refused.retry_after <= Duration::from_secs(20),
            "{refused:?}"
        );
        // Another key has its own allowance; an unlimited budget says nothing.
        assert!(store.check(Budget::Premium, "user_2").unwrap().allowed);
        assert!(store.check(Budget::Read, "user_1").is_none());
    }
}
