//! Typed configuration, read once at start-up from the environment (and `.env`).
//!
//! Every variable is validated here, so a bad value stops the server with one
//! line naming the variable and what was expected — never a panic later.
//! `.env.example` documents each variable.

use crate::{
    clerk::keys::{PublishableKey, Secret, SecretKey, WebhookSecret},
    security::{
        client_ip::TrustedProxies,
        rate_limit::{Budget, Quota, RateLimitConfig},
    },
};
use ipnet::IpNet;
use std::{fmt, net::SocketAddr, time::Duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub app_env: AppEnv,
    pub database_url: String,
    /// Where the server listens (`LEPTOS_SITE_ADDR`, as cargo-leptos sets it).
    pub site_addr: SocketAddr,
    /// A `tracing` filter directive (`RUST_LOG`).
    pub log_filter: String,
    pub log_format: LogFormat,
    pub clerk: ClerkConfig,
    pub security: SecurityConfig,
    pub metrics: MetricsConfig,
}

/// Where `/metrics` is served: on a listener of its own (`METRICS_ADDR`),
/// and on the app's port only behind a bearer token (`METRICS_TOKEN`).
/// Neither by default: nothing serves metrics.
#[derive(Debug, Clone, Default)]
pub struct MetricsConfig {
    pub addr: Option<SocketAddr>,
    pub token: Option<Secret>,
}

impl MetricsConfig {
    /// Whether anything serves `/metrics` (else nothing is recorded).
    pub fn enabled(&self) -> bool {
        self.addr.is_some() || self.token.is_some()
    }

    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<MetricsConfig, ConfigError> {
        let addr = get("METRICS_ADDR")
            .filter(|v| !v.is_empty() && v != "off")
            .map(|v| {
                v.parse::<SocketAddr>().map_err(|_| {
                    invalid(
                        "METRICS_ADDR",
                        "an address and port such as 127.0.0.1:9100, or off",
                    )
                })
            })
            .transpose()?;
        let token = get("METRICS_TOKEN")
            .filter(|v| !v.is_empty())
            .map(|v| {
                // Never echo the value: it is a secret.
                if v.len() >= 24 && v.bytes().all(|b| b.is_ascii_graphic()) {
                    Ok(Secret::new(v))
                } else {
                    Err(invalid(
                        "METRICS_TOKEN",
                        "at least 24 printable characters without spaces",
                    ))
                }
            })
            .transpose()?;
        Ok(MetricsConfig { addr, token })
    }
}

/// How the app defends itself: who may set the client address, rate limits
/// and where they are counted, and how long a request may take.
#[derive(Debug, Clone)]
pub struct SecurityConfig {
    /// Peers whose `X-Forwarded-For`/`Forwarded` headers are believed
    /// (`TRUSTED_PROXIES`): the load balancers in front of the app.
    pub trusted_proxies: Vec<IpNet>,
    /// Shared rate-limit counters for several app nodes (`REDIS_URL`);
    /// without it each process counts on its own.
    pub redis_url: Option<String>,
    pub rate_limits: RateLimitConfig,
    /// A request (headers, body and answer) must finish within this
    /// (`REQUEST_TIMEOUT_SECS`).
    pub request_timeout: Duration,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            trusted_proxies: Vec::new(),
            redis_url: None,
            rate_limits: RateLimitConfig::default(),
            request_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECS),
        }
    }
}

/// The development instance's own origin: an HTTPS listener on `addr`,
/// reached by browsers as `https://<host>` (a name that resolves to it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevStandalone {
    pub addr: std::net::SocketAddr,
    pub host: String,
}

/// The frontend API host a standalone development instance takes unless
/// told otherwise: clerk-js keeps a dev browser only for frontend APIs
/// under Clerk's development domains (`*.lcl.dev` among them), and on the
/// default HTTPS port (the browser maps the name to the listener).
pub const DEFAULT_DEV_STANDALONE_HOST: &str = "inkpad.lcl.dev";

/// Clerk settings. Keys are optional here: without them the app runs its
/// local development instance (never in production).
#[derive(Debug, Clone)]
pub struct ClerkConfig {
    pub publishable_key: Option<PublishableKey>,
    pub secret_key: Option<SecretKey>,
    /// PEM public key for networkless session-token verification.
    pub jwt_key: Option<String>,
    pub api_url: String,
    /// Where browsers reach the frontend API when it is proxied through the
    /// app (`/__clerk`, or an absolute URL); the handshake goes there.
    pub proxy_url: Option<String>,
    pub webhook_signing_secret: Option<WebhookSecret>,
    /// Development instance only: where it delivers webhooks (`None`: the
    /// app's own `/api/webhooks/clerk`; `Some("off")`: nowhere).
    pub dev_webhook_url: Option<String>,
    /// Development instance only: where `scripts/bootstrap` put Clerk's
    /// official browser bundles (clerk-js, `@clerk/ui`), served under `/npm`.
    pub dev_bundles_dir: std::path::PathBuf,
    /// Development instance only: serve its frontend API on an origin of
    /// its own, as Clerk serves a development instance's
    /// (`CLERK_DEV_STANDALONE_ADDR`, `CLERK_DEV_STANDALONE_HOST`); `None`:
    /// on the app's own origin under `/__clerk` (the default).
    pub dev_standalone: Option<DevStandalone>,
    /// Where a development instance embedded in this app is mounted (its
    /// frontend API's pages, the handshake among them, are never sent
    /// through the handshake themselves). Set by the instance.
    pub instance_path: Option<String>,
    /// Origins allowed in a token's `azp` claim; empty means "not checked".
    pub authorized_parties: Vec<String>,
    pub sign_in_url: String,
    pub sign_up_url: String,
    pub after_sign_in_url: String,
    pub after_sign_up_url: String,
    pub clock_skew: Duration,
}

/// A variable that is set but unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub var: &'static str,
    pub expected: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: expected {}", self.var, self.expected)
    }
}

impl std::error::Error for ConfigError {}

fn invalid(var: &'static str, expected: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        expected: expected.into(),
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/app.db";
pub const DEFAULT_SITE_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_LOG_FILTER: &str = "info,inkpad=debug";
pub const DEFAULT_CLERK_API_URL: &str = "https://api.clerk.com";
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;

impl Config {
    /// Reads `.env` (if present) into the process environment, then the
    /// configuration from the environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        // A missing .env is normal; a malformed one is worth stopping for.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(err) if err.not_found() => {}
            Err(err) => {
                return Err(invalid(
                    ".env",
                    format!("a readable KEY=value file ({err})"),
                ))
            }
        }
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment in
    /// production, a map in tests). Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let app_env = match get("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") | Some("test") => AppEnv::Development,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(_) => return Err(invalid("APP_ENV", "\"development\" or \"production\"")),
        };

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        if !["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|p| database_url.starts_with(p))
        {
            return Err(invalid(
                "DATABASE_URL",
                "a URL starting with sqlite: or postgres:// (e.g. sqlite://data/app.db)",
            ));
        }

        let site_addr = get("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| DEFAULT_SITE_ADDR.into())
            .parse::<SocketAddr>()
            .map_err(|_| {
                invalid(
                    "LEPTOS_SITE_ADDR",
                    "an IP address and port such as 127.0.0.1:3000",
                )
            })?;

        let log_filter = get("RUST_LOG").unwrap_or_else(|| DEFAULT_LOG_FILTER.into());
        tracing_subscriber::EnvFilter::try_new(&log_filter).map_err(|_| {
            invalid(
                "RUST_LOG",
                "a tracing filter such as \"info\" or \"info,inkpad=debug\"",
            )
        })?;
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(_) => return Err(invalid("LOG_FORMAT", "\"text\" or \"json\"")),
        };

        let clerk = ClerkConfig::from_lookup(&get)?;
        let security = SecurityConfig::from_lookup(&get)?;
        let metrics = MetricsConfig::from_lookup(&get)?;
        if app_env == AppEnv::Production {
            let missing: Vec<&str> = [
                ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key.is_none()),
                ("CLERK_SECRET_KEY", clerk.secret_key.is_none()),
            ]
            .into_iter()
            .filter_map(|(name, absent)| absent.then_some(name))
            .collect();
            if !missing.is_empty() {
                return Err(ConfigError {
                    var: "APP_ENV",
                    expected: format!(
                        "Clerk keys in production (the local development instance never runs there); missing: {}",
                        missing.join(", ")
                    ),
                });
            }
        }

        Ok(Config {
            app_env,
            database_url,
            site_addr,
            log_filter,
            log_format,
            clerk,
            security,
            metrics,
        })
    }
}

impl SecurityConfig {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<SecurityConfig, ConfigError> {
        let mut config = SecurityConfig::default();
        if let Some(list) = get("TRUSTED_PROXIES") {
            config.trusted_proxies = list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|entry| {
                    TrustedProxies::parse_entry(entry).ok_or_else(|| {
                        invalid(
                            "TRUSTED_PROXIES",
                            "comma-separated IP addresses or CIDR ranges such as 10.0.0.0/8",
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(url) = get("REDIS_URL") {
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                // The URL may hold a password: never echo it.
                return Err(invalid(
                    "REDIS_URL",
                    "a URL starting with redis:// or rediss://",
                ));
            }
            config.redis_url = Some(url);
        }
        for budget in Budget::ALL {
            if let Some(value) = get(budget.env_var()) {
                let quota = Quota::parse(&value).map_err(|e| invalid(budget.env_var(), e))?;
                config.rate_limits.set_quota(budget, quota);
            }
        }
        if let Some(list) = get("RATE_LIMIT_FAIL_OPEN") {
            let open = list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "none")
                .map(|name| {
                    name.parse::<Budget>().map_err(|_| {
                        invalid(
                            "RATE_LIMIT_FAIL_OPEN",
                            "comma-separated budget names (premium, admin, write, read, \
                             sign_in, sign_in_identifier, webhook) or none",
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            config.rate_limits.set_fail_open(&open);
        }
        if let Some(value) = get("REQUEST_TIMEOUT_SECS") {
            config.request_timeout = value
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=600).contains(s))
                .map(Duration::from_secs)
                .ok_or_else(|| {
                    invalid("REQUEST_TIMEOUT_SECS", "whole seconds between 1 and 600")
                })?;
        }
        Ok(config)
    }
}

impl ClerkConfig {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<ClerkConfig, ConfigError> {
        // The messages below never echo the value: these may be secrets.
        let publishable_key = get("CLERK_PUBLISHABLE_KEY")
            .map(|v| v.parse::<PublishableKey>())
            .transpose()
            .map_err(|e| {
                invalid(
                    "CLERK_PUBLISHABLE_KEY",
                    format!("a Clerk publishable key ({e})"),
                )
            })?;
        let secret_key = get("CLERK_SECRET_KEY")
            .map(|v| v.parse::<SecretKey>())
            .transpose()
            .map_err(|e| invalid("CLERK_SECRET_KEY", format!("a Clerk secret key ({e})")))?;
        match (&publishable_key, &secret_key) {
            (Some(pk), Some(sk)) if pk.kind() != sk.kind() => return Err(invalid(
                "CLERK_SECRET_KEY",
                "a key of the same instance as CLERK_PUBLISHABLE_KEY (one is test, the other live)",
            )),
            (None, Some(_)) => return Err(invalid(
                "CLERK_PUBLISHABLE_KEY",
                "to be set whenever CLERK_SECRET_KEY is (both come from the same Clerk instance)",
            )),
            _ => {}
        }

        // PEM keys are often pasted into one line with literal "\n".
        let jwt_key = get("CLERK_JWT_KEY").map(|v| v.replace("\\n", "\n"));
        if let Some(pem) = &jwt_key {
            if !(pem.contains("-----BEGIN PUBLIC KEY-----")
                && pem.contains("-----END PUBLIC KEY-----"))
            {
                return Err(invalid(
                    "CLERK_JWT_KEY",
                    "a PEM public key (-----BEGIN PUBLIC KEY----- …)",
                ));
            }
        }

        let api_url = get("CLERK_API_URL").unwrap_or_else(|| DEFAULT_CLERK_API_URL.into());
        if !is_http_url(&api_url) {
            return Err(invalid(
                "CLERK_API_URL",
                "an http(s) URL such as https://api.clerk.com",
            ));
        }
        let api_url = api_url.trim_end_matches('/').to_owned();

        let proxy_url = get("CLERK_PROXY_URL")
            .map(|v| {
                if (v.starts_with('/') && !v.starts_with("//")) || is_http_url(&v) {
                    Ok(v.trim_end_matches('/').to_owned())
                } else {
                    Err(invalid(
                        "CLERK_PROXY_URL",
                        "a path starting with / or an http(s) URL",
                    ))
                }
            })
            .transpose()?;

        let dev_webhook_url = get("CLERK_DEV_WEBHOOK_URL")
            .map(|v| {
                if v == "off" || is_http_url(&v) {
                    Ok(v)
                } else {
                    Err(invalid("CLERK_DEV_WEBHOOK_URL", "an http(s) URL, or off"))
                }
            })
            .transpose()?;

        let dev_standalone = get("CLERK_DEV_STANDALONE_ADDR")
            .map(|addr| {
                let addr = addr.parse().map_err(|_| {
                    invalid(
                        "CLERK_DEV_STANDALONE_ADDR",
                        "an address such as 127.0.0.1:3443",
                    )
                })?;
                let host = get("CLERK_DEV_STANDALONE_HOST")
                    .unwrap_or_else(|| DEFAULT_DEV_STANDALONE_HOST.to_owned());
                let plain = !host.is_empty()
                    && host.len() <= 253
                    && host
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
                if !plain {
                    return Err(invalid(
                        "CLERK_DEV_STANDALONE_HOST",
                        "a host name such as inkpad.lcl.dev (no scheme, no port)",
                    ));
                }
                Ok(DevStandalone {
                    addr,
                    host: host.to_ascii_lowercase(),
                })
            })
            .transpose()?;

        let webhook_signing_secret = match get("CLERK_WEBHOOK_SIGNING_SECRET") {
            Some(v) => Some(("CLERK_WEBHOOK_SIGNING_SECRET", v)),
            None => get("CLERK_WEBHOOK_SECRET").map(|v| ("CLERK_WEBHOOK_SECRET", v)),
        }
        .map(|(var, v)| {
            v.parse::<WebhookSecret>()
                .map_err(|e| invalid(var, format!("a Svix signing secret whsec_<base64> ({e})")))
        })
        .transpose()?;

        let authorized_parties = get("CLERK_AUTHORIZED_PARTIES")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|origin| {
                        if is_origin(origin) {
                            Ok(origin.trim_end_matches('/').to_owned())
                        } else {
                            Err(invalid(
                                "CLERK_AUTHORIZED_PARTIES",
                                "comma-separated origins such as https://example.com,http://localhost:3000",
                            ))
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();

        let url = |var: &'static str, default: &str| -> Result<String, ConfigError> {
            let value = get(var).unwrap_or_else(|| default.to_owned());
            if (value.starts_with('/') && !value.starts_with("//")) || is_http_url(&value) {
                Ok(value)
            } else {
                Err(invalid(var, "a path starting with / or an http(s) URL"))
            }
        };

        let clock_skew = match get("CLERK_CLOCK_SKEW_SECS") {
            None => Duration::from_secs(5),
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|s| *s <= 300)
                .map(Duration::from_secs)
                .ok_or_else(|| {
                    invalid("CLERK_CLOCK_SKEW_SECS", "whole seconds between 0 and 300")
                })?,
        };

        Ok(ClerkConfig {
            publishable_key,
            secret_key,
            jwt_key,
            api_url,
            proxy_url,
            webhook_signing_secret,
            dev_webhook_url,
            dev_bundles_dir: get("CLERK_DEV_BUNDLES_DIR")
                .unwrap_or_else(|| "target/clerk-bundles".into())
                .into(),
            dev_standalone,
            instance_path: None,
            authorized_parties,
            sign_in_url: url("CLERK_SIGN_IN_URL", "/sign-in")?,
            sign_up_url: url("CLERK_SIGN_UP_URL", "/sign-up")?,
            after_sign_in_url: url("CLERK_AFTER_SIGN_IN_URL", "/dashboard")?,
            after_sign_up_url: url("CLERK_AFTER_SIGN_UP_URL", "/onboarding")?,
            clock_skew,
        })
    }
}

fn is_http_url(value: &str) -> bool {
    ["http://", "https://"].iter().any(|scheme| {
        value.strip_prefix(scheme).is_some_and(|rest| {
            !rest.is_empty() && !rest.starts_with('/') && !rest.contains(char::is_whitespace)
        })
    })
}

/// `scheme://host[:port]` with nothing after it (a trailing `/` is tolerated).
fn is_origin(value: &str) -> bool {
    is_http_url(value) && {
        let after_scheme = value.split_once("://").map_or("", |(_, rest)| rest);
        !after_scheme.trim_end_matches('/').contains(['/', '?', '#'])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    const PK: &str = "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk";
    const SK: &str = "sk_test_0123456789abcdefghij";

    #[test]
    fn defaults_are_the_embedded_ones() {
        let c = config(&[]).unwrap();
        assert_eq!(c.app_env, AppEnv::Development);
        assert_eq!(c.database_url, "sqlite://data/app.db");
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(c.clerk.publishable_key.is_none());
        assert_eq!(c.clerk.api_url, "https://api.clerk.com");
        assert_eq!(c.clerk.sign_in_url, "/sign-in");
        assert_eq!(c.clerk.after_sign_up_url, "/onboarding");
        assert_eq!(c.clerk.clock_skew, Duration::from_secs(5));
    }

    #[test]
    fn each_malformed_value_names_its_variable() {
        let cases: &[(&str, &str)] = &[
            ("APP_ENV", "staging"),
            ("DATABASE_URL", "mysql://x"),
            ("LEPTOS_SITE_ADDR", "localhost"),
            ("RUST_LOG", "info,[[["),
            ("LOG_FORMAT", "xml"),
            ("CLERK_PUBLISHABLE_KEY", "pk_nope"),
            ("CLERK_JWT_KEY", "not a pem"),
            ("CLERK_API_URL", "api.clerk.com"),
            ("CLERK_WEBHOOK_SIGNING_SECRET", "whsec_!!"),
            ("CLERK_WEBHOOK_SECRET", "secret"),
            (
                "CLERK_AUTHORIZED_PARTIES",
                "https://ok.com,https://bad.com/path",
            ),
            ("CLERK_SIGN_IN_URL", "//evil.com"),
            ("CLERK_PROXY_URL", "__clerk"),
            ("CLERK_DEV_WEBHOOK_URL", "sometimes"),
            ("CLERK_CLOCK_SKEW_SECS", "-1"),
            ("CLERK_CLOCK_SKEW_SECS", "3600"),
            ("TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal"),
            ("REDIS_URL", "http://127.0.0.1:6379"),
            ("RATE_LIMIT_WRITE", "many"),
            ("RATE_LIMIT_FAIL_OPEN", "reads"),
            ("REQUEST_TIMEOUT_SECS", "0"),
            ("METRICS_ADDR", "9100"),
            ("METRICS_TOKEN", "short"),
        ];
        for (var, value) in cases {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, *var, "{var}={value}: {err}");
            assert!(err
                .to_string()
                .starts_with(&format!("invalid {var}: expected ")));
        }
    }

    #[test]
    fn secret_values_are_never_echoed_in_errors() {
        let leaked = "sk_live_TOPSECRET";
        let err =
            config(&[("CLERK_PUBLISHABLE_KEY", PK), ("CLERK_SECRET_KEY", leaked)]).unwrap_err();
        assert_eq!(err.var, "CLERK_SECRET_KEY");
        assert!(!err.to_string().contains("TOPSECRET"), "{err}");
        let err = config(&[("CLERK_WEBHOOK_SIGNING_SECRET", "whsec_TOPSECRET!")]).unwrap_err();
        assert!(!err.to_string().contains("TOPSECRET"), "{err}");
        let err = config(&[("METRICS_TOKEN", "TOPSECRET with a space in it")]).unwrap_err();
        assert!(!err.to_string().contains("TOPSECRET"), "{err}");
    }

    #[test]
    fn metrics_are_off_unless_configured() {
        let c = config(&[]).unwrap();
        assert!(c.metrics.addr.is_none() && c.metrics.token.is_none());
        let c = config(&[("METRICS_ADDR", "off"), ("METRICS_TOKEN", "")]).unwrap();
        assert!(c.metrics.addr.is_none() && c.metrics.token.is_none());
        let c = config(&[
            ("METRICS_ADDR", "127.0.0.1:9100"),
            ("METRICS_TOKEN", "0123456789abcdefghijklmn"),
        ])
        .unwrap();
        assert_eq!(c.metrics.addr.unwrap().to_string(), "127.0.0.1:9100");
        assert!(!format!("{c:?}").contains("0123456789abcdefghijklmn"));
    }

    #[test]
    fn keys_of_different_instances_are_rejected() {
        let err = config(&[
            ("CLERK_PUBLISHABLE_KEY", PK),
            ("CLERK_SECRET_KEY", "sk_live_0123456789abcdefghij"),
        ])
        .unwrap_err();
        assert_eq!(err.var, "CLERK_SECRET_KEY");
        let err = config(&[("CLERK_SECRET_KEY", SK)]).unwrap_err();
        assert_eq!(err.var, "CLERK_PUBLISHABLE_KEY");
    }

    #[test]
    fn production_requires_clerk_keys_and_names_the_missing_ones() {
        let err = config(&[("APP_ENV", "production")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid APP_ENV: expected Clerk keys in production (the local development instance \
             never runs there); missing: CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY"
        );
        let c = config(&[
            ("APP_ENV", "production"),
            ("CLERK_PUBLISHABLE_KEY", PK),
            ("CLERK_SECRET_KEY", SK),
        ])
        .unwrap();
        assert_eq!(c.app_env, AppEnv::Production);
    }

    #[test]
    fn clerk_values_are_parsed() {
        let c = config(&[
            ("CLERK_PUBLISHABLE_KEY", PK),
            ("CLERK_SECRET_KEY", SK),
            (
                "CLERK_JWT_KEY",
                "-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----",
            ),
            ("CLERK_API_URL", "http://127.0.0.1:9999/"),
            (
                "CLERK_WEBHOOK_SECRET",
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            ),
            (
                "CLERK_AUTHORIZED_PARTIES",
                " https://a.com/, http://localhost:3000 ,",
            ),
            ("CLERK_CLOCK_SKEW_SECS", "10"),
            ("CLERK_PROXY_URL", "/__clerk/"),
        ])
        .unwrap();
        let pk = c.clerk.publishable_key.unwrap();
        assert_eq!(
            pk.frontend_api_url(),
            "https://foo-bar-13.clerk.accounts.dev"
        );
        assert_eq!(c.clerk.jwt_key.unwrap().lines().count(), 3);
        assert_eq!(c.clerk.api_url, "http://127.0.0.1:9999");
        assert!(c.clerk.webhook_signing_secret.is_some());
        assert_eq!(
            c.clerk.authorized_parties,
            ["https://a.com", "http://localhost:3000"]
        );
        assert_eq!(c.clerk.clock_skew, Duration::from_secs(10));
        assert_eq!(c.clerk.proxy_url.as_deref(), Some("/__clerk"));
    }

    #[test]
    fn security_values_are_parsed() {
        let c = config(&[
            ("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1 ,::1"),
            ("REDIS_URL", "redis://127.0.0.1:6379/0"),
            ("RATE_LIMIT_PREMIUM", "3/10s"),
            ("RATE_LIMIT_READ", "off"),
            ("RATE_LIMIT_FAIL_OPEN", "premium,read"),
            ("REQUEST_TIMEOUT_SECS", "5"),
        ])
        .unwrap()
        .security;
        assert_eq!(c.trusted_proxies.len(), 3);
        assert!(c.trusted_proxies[0].contains(&"10.1.2.3".parse::<std::net::IpAddr>().unwrap()));
        assert_eq!(c.redis_url.as_deref(), Some("redis://127.0.0.1:6379/0"));
        assert_eq!(
            c.rate_limits.quota(Budget::Premium),
            Some(Quota::new(3, Duration::from_secs(10)))
        );
        assert_eq!(c.rate_limits.quota(Budget::Read), None);
        assert!(c.rate_limits.fails_open(Budget::Premium));
        assert!(!c.rate_limits.fails_open(Budget::Write));
        assert_eq!(c.request_timeout, Duration::from_secs(5));

        let err = config(&[("REDIS_URL", "http://:hunter2@redis")]).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn empty_values_count_as_unset() {
        let c = config(&[("DATABASE_URL", ""), ("CLERK_PUBLISHABLE_KEY", "  ")]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert!(c.clerk.publishable_key.is_none());
    }
}
