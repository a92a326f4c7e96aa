//! The named budgets and their quotas: how many requests a key may make in a
//! window, and what happens when the shared store cannot be asked.

use std::{fmt, str::FromStr, time::Duration};

/// One budget per kind of request, each with its own counter per key, so a
/// burst of one kind never spends another's allowance (webhooks in
/// particular are never starved by page traffic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Budget {
    /// The Pro export: expensive, per user.
    Premium,
    /// An admin changing someone's role or plan.
    Admin,
    /// Every other state-changing request.
    Write,
    /// Pages, reads through the API and read-only server functions.
    Read,
    /// The development instance's sign-in, sign-up and reverification
    /// attempts, per client address.
    SignIn,
    /// The same attempts per email address, whichever address they come from.
    SignInIdentifier,
    /// Clerk's webhook deliveries, per sending address.
    Webhook,
}

impl Budget {
    pub const ALL: [Budget; 7] = [
        Budget::Premium,
        Budget::Admin,
        Budget::Write,
        Budget::Read,
        Budget::SignIn,
        Budget::SignInIdentifier,
        Budget::Webhook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Budget::Premium => "premium",
            Budget::Admin => "admin",
            Budget::Write => "write",
            Budget::Read => "read",
            Budget::SignIn => "sign_in",
            Budget::SignInIdentifier => "sign_in_identifier",
            Budget::Webhook => "webhook",
        }
    }

    /// The environment variable that overrides this budget's quota.
    pub fn env_var(self) -> &'static str {
        match self {
            Budget::Premium => "RATE_LIMIT_PREMIUM",
            Budget::Admin => "RATE_LIMIT_ADMIN",
            Budget::Write => "RATE_LIMIT_WRITE",
            Budget::Read => "RATE_LIMIT_READ",
            Budget::SignIn => "RATE_LIMIT_SIGN_IN",
            Budget::SignInIdentifier => "RATE_LIMIT_SIGN_IN_IDENTIFIER",
            Budget::Webhook => "RATE_LIMIT_WEBHOOK",
        }
    }

    /// The default quota: tight where a request is expensive or guesses at
    /// secrets, loose for reads, generous for webhooks (Clerk retries, and a
    /// backlog after an outage arrives in bursts).
    pub fn default_quota(self) -> Quota {
        let minute = Duration::from_secs(60);
        match self {
            Budget::Premium => Quota::new(10, minute),
            Budget::Admin => Quota::new(30, minute),
            Budget::Write => Quota::new(60, minute),
            Budget::Read => Quota::new(1200, minute),
            Budget::SignIn => Quota::new(20, minute),
            Budget::SignInIdentifier => Quota::new(20, Duration::from_secs(10 * 60)),
            Budget::Webhook => Quota::new(600, minute),
        }
    }

    /// Whether requests go through when the shared store cannot be asked.
    /// Money, privileges and password guessing fail closed; reads, writes
    /// of one's own data and webhooks fail open (they have their own
    /// protections, and refusing them all would be an outage).
    pub fn default_fails_open(self) -> bool {
        matches!(self, Budget::Read | Budget::Write | Budget::Webhook)
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Budget {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Budget::ALL
            .into_iter()
            .find(|b| b.as_str() == s)
            .ok_or_else(|| format!("unknown budget {s:?}"))
    }
}

/// `limit` requests per `period`, with bursts of up to `limit` (a generic
/// cell rate: one request's allowance comes back every `period / limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub period: Duration,
}

impl Quota {
    pub const fn new(limit: u32, period: Duration) -> Self {
        Quota { limit, period }
    }

    /// Time for one request's allowance to come back.
    pub fn interval(&self) -> Duration {
        self.period / self.limit.max(1)
    }

    /// Reads `60/1m`, `10/30s`, `1000/1h`; `None` for `off`.
    pub fn parse(value: &str) -> Result<Option<Quota>, String> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let (limit, period) = value
            .split_once('/')
            .ok_or_else(|| "requests/period such as 60/1m, or off".to_owned())?;
        let limit: u32 = limit
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0 && *n <= 1_000_000)
            .ok_or_else(|| "a request count between 1 and 1000000".to_owned())?;
        let period = parse_duration(period.trim())
            .filter(|d| *d >= Duration::from_secs(1) && *d <= Duration::from_secs(86_400))
            .ok_or_else(|| "a period between 1s and 24h, such as 30s, 1m or 1h".to_owned())?;
        Ok(Some(Quota { limit, period }))
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.limit, self.period.as_secs())
    }
}

fn parse_duration(s: &str) -> Option<Duration> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: u64 = if number.is_empty() {
        1
    } else {
        number.parse().ok()?
    };
    let secs = match unit {
        "s" | "" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

/// Every budget's quota (`None`: not limited) and failure mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitConfig {
    quotas: Vec<(Budget, Option<Quota>, bool)>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            quotas: Budget::ALL
                .into_iter()
                .map(|b| (b, Some(b.default_quota()), b.default_fails_open()))
                .collect(),
        }
    }
}

impl RateLimitConfig {
    pub fn quota(&self, budget: Budget) -> Option<Quota> {
        self.entry(budget).1
    }

    pub fn fails_open(&self, budget: Budget) -> bool {
        self.entry(budget).2
    }

    fn entry(&self, budget: Budget) -> &(Budget, Option<Quota>, bool) {
        self.quotas
            .iter()
            .find(|(b, _, _)| *b == budget)
            .expect("every budget has an entry")
    }

    pub fn set_quota(&mut self, budget: Budget, quota: Option<Quota>) {
        if let Some(entry) = self.quotas.iter_mut().find(|(b, _, _)| *b == budget) {
            entry.1 = quota;
        }
    }

    /// Exactly the budgets in `open` fail open.
    pub fn set_fail_open(&mut self, open: &[Budget]) {
        for entry in &mut self.quotas {
            entry.2 = open.contains(&entry.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_read_requests_per_period_or_off() {
        assert_eq!(
            Quota::parse("60/1m").unwrap(),
            Some(Quota::new(60, Duration::from_secs(60)))
        );
        assert_eq!(
            Quota::parse(" 10 / 30s ").unwrap(),
            Some(Quota::new(10, Duration::from_secs(30)))
        );
        assert_eq!(
            Quota::parse("5/h").unwrap(),
            Some(Quota::new(5, Duration::from_secs(3600)))
        );
        assert_eq!(Quota::parse("OFF").unwrap(), None);
        for bad in [
            "", "60", "0/1m", "-1/1m", "60/0s", "60/2d", "60/1x", "a/1m", "60/25h",
        ] {
            assert!(Quota::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Quota::new(60, Duration::from_secs(60)).interval(),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn defaults_fail_closed_where_money_privilege_or_passwords_are_at_stake() {
        let config = RateLimitConfig::default();
        for budget in [
            Budget::Premium,
            Budget::Admin,
            Budget::SignIn,
            Budget::SignInIdentifier,
        ] {
            assert!(!config.fails_open(budget), "{budget}");
        }
        for budget in [Budget::Read, Budget::Write, Budget::Webhook] {
            assert!(config.fails_open(budget), "{budget}");
        }
        assert!(
            config.quota(Budget::Premium).unwrap().limit
                < config.quota(Budget::Read).unwrap().limit
        );
        for budget in Budget::ALL {
            assert_eq!(budget.as_str().parse::<Budget>().unwrap(), budget);
        }
    }
}
