//! A local Clerk-compatible development instance, mounted under `/__clerk`
//! when no Clerk keys are configured (never in production): it gives the app
//! a publishable key, a secret key, a webhook secret and a JWKS of its own,
//! so the app verifies tokens and calls the Backend API exactly as with Clerk.
//! The frontend API is at `/__clerk/v1/…`, the Backend API at
//! `/__clerk/api/v1/…`.

pub mod api_error;
pub mod backend;
pub mod backend_orgs;
pub mod bundles;
pub mod console;
pub mod console_api;
pub mod environment;
pub mod frontend;
pub mod frontend_orgs;
pub mod handshake;
pub mod ids;
pub mod nonces;
pub mod orgs;
pub mod routes;
pub mod sign_ins;
pub mod standalone;
pub mod state;
pub mod store;
pub mod webhooks;

use crate::{
    clerk::{
        keys::{InstanceKind, PublishableKey, SecretKey, WebhookSecret},
        mint::SigningKey,
    },
    config::{AppEnv, ClerkConfig, Config},
    db::{now_millis, Db, DbError},
};
use base64::{engine::general_purpose::STANDARD, Engine};
use rand::{distributions::Alphanumeric, Rng, RngCore};
use std::net::SocketAddr;
use std::{sync::Arc, time::Duration};

/// Where the instance is mounted on the app's own origin.
pub use crate::security::DEV_INSTANCE_PATH as MOUNT;
/// Where its Backend API is, under the mount point.
pub const API_PATH: &str = "/api";

/// The instance's persistent identity.
pub struct DevInstance {
    secret_key: SecretKey,
    webhook_secret: String,
    signing_key: SigningKey,
    /// `http://127.0.0.1:3000/__clerk`: where it is mounted in the app
    /// (its Backend API, and its frontend API unless standalone).
    base_url: String,
    /// Its frontend API's host on an origin of its own (`inkpad.lcl.dev`,
    /// served over HTTPS), when it runs standalone.
    standalone_host: Option<String>,
    /// The app's sign-in/up pages and where to go after them, as a Clerk
    /// instance's "Paths" settings hold them (its environment serves them).
    paths: AppPaths,
}

/// Where the app's auth pages are, and where users go after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPaths {
    pub sign_in_url: String,
    pub sign_up_url: String,
    pub after_sign_in_url: String,
    pub after_sign_up_url: String,
}

impl Default for AppPaths {
    fn default() -> Self {
        AppPaths {
            sign_in_url: "/sign-in".into(),
            sign_up_url: "/sign-up".into(),
            after_sign_in_url: "/dashboard".into(),
            after_sign_up_url: "/onboarding".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DevInstanceError {
    #[error("the development instance never runs in production")]
    Production,
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("stored development instance is unreadable: {0}")]
    Corrupt(String),
}

fn random_alphanumeric(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

impl DevInstance {
    /// Loads the instance stored in `db`, creating it on first start.
    /// `addr` is where the app listens; the instance lives under it.
    pub async fn load_or_create(db: &Db, addr: SocketAddr) -> Result<Self, DevInstanceError> {
        if let Some(instance) = Self::load(db, addr).await? {
            return Ok(instance);
        }
        let key = SigningKey::generate(format!("ins_{}", random_alphanumeric(27)))
            .map_err(|e| DevInstanceError::Corrupt(e.to_string()))?;
        let mut webhook_key = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut webhook_key);
        // Two servers starting on one database race here; the first row wins
        // and both then read it.
        sqlx::query(
            "INSERT INTO clerk_dev_instance \
             (id, secret_key, webhook_secret, signing_kid, signing_key_pem, created_at) \
             VALUES (1, $1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
        )
        .bind(format!("sk_test_{}", random_alphanumeric(40)))
        .bind(format!("whsec_{}", STANDARD.encode(webhook_key)))
        .bind(key.kid())
        .bind(key.private_pem())
        .bind(now_millis())
        .execute(db.pool())
        .await
        .map_err(DbError::from)?;
        store::seed_demo_users(db)
            .await
            .map_err(|e| DevInstanceError::Corrupt(format!("seeding demo users: {e}")))?;
        orgs::seed_acme(db)
            .await
            .map_err(|e| DevInstanceError::Corrupt(format!("seeding Acme: {e}")))?;
        Self::load(db, addr)
            .await?
            .ok_or_else(|| DevInstanceError::Corrupt("row missing after insert".into()))
    }

    async fn load(db: &Db, addr: SocketAddr) -> Result<Option<Self>, DevInstanceError> {
        let row: Option<(String, String, String, String)> = sqlx::query_as(
            "SELECT secret_key, webhook_secret, signing_kid, signing_key_pem \
             FROM clerk_dev_instance WHERE id = 1",
        )
        .fetch_optional(db.pool())
        .await
        .map_err(DbError::from)?;
        let Some((secret_key, webhook_secret, kid, pem)) = row else {
            return Ok(None);
        };
        let corrupt = |e: String| DevInstanceError::Corrupt(e);
        Ok(Some(DevInstance {
            secret_key: secret_key
                .parse()
                .map_err(|e: crate::clerk::keys::KeyError| corrupt(e.to_string()))?,
            webhook_secret,
            signing_key: SigningKey::from_pem(kid, &pem).map_err(|e| corrupt(e.to_string()))?,
            base_url: format!("http://{}{MOUNT}", loopback(addr)),
            standalone_host: None,
            paths: AppPaths::default(),
        }))
    }

    /// The publishable key naming this instance's frontend API: its own
    /// host when standalone, else its place in the app.
    pub fn publishable_key(&self) -> PublishableKey {
        let host = match &self.standalone_host {
            Some(host) => host.as_str(),
            None => self.base_url.trim_start_matches("http://"),
        };
        PublishableKey::for_host(InstanceKind::Test, host)
    }

    /// Serves the frontend API as `https://<host>` (see `standalone`).
    pub fn set_standalone(&mut self, host: &str) {
        self.standalone_host = Some(host.to_owned());
    }

    /// Is its frontend API on an origin of its own?
    pub fn is_standalone(&self) -> bool {
        self.standalone_host.is_some()
    }

    pub fn secret_key(&self) -> &SecretKey {
        &self.secret_key
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }

    /// Points the app's Clerk settings at this instance: its keys, its
    /// webhook secret, and its Backend API (for the JWKS and user calls);
    /// takes the app's auth pages as the instance's paths.
    pub fn configure(&mut self, clerk: &mut ClerkConfig) -> Result<(), DevInstanceError> {
        self.paths = AppPaths {
            sign_in_url: clerk.sign_in_url.clone(),
            sign_up_url: clerk.sign_up_url.clone(),
            after_sign_in_url: clerk.after_sign_in_url.clone(),
            after_sign_up_url: clerk.after_sign_up_url.clone(),
        };
        clerk.publishable_key = Some(self.publishable_key());
        clerk.secret_key = Some(self.secret_key.clone());
        clerk.api_url = self.api_url();
        clerk.instance_path = Some(MOUNT.to_owned());
        if self.is_standalone() {
            // As a Clerk development instance: no proxy, the frontend API on
            // another site, and the app the one party its tokens are for
            // (and whose pages may post to it).
            clerk.proxy_url = None;
            let app = self.app_url().to_owned();
            if !clerk.authorized_parties.contains(&app) {
                clerk.authorized_parties.push(app);
            }
        } else {
            // Browsers reach the instance on whatever origin they use for the app.
            clerk.proxy_url = Some(MOUNT.to_owned());
        }
        clerk.webhook_signing_secret = Some(self.webhook_secret()?);
        Ok(())
    }

    /// The `whsec_` secret its webhooks are signed with.
    pub fn webhook_secret(&self) -> Result<WebhookSecret, DevInstanceError> {
        self.webhook_secret
            .parse()
            .map_err(|e: crate::clerk::keys::KeyError| DevInstanceError::Corrupt(e.to_string()))
    }

    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    /// Where the app listens, reachable from this machine.
    pub fn app_url(&self) -> &str {
        self.base_url.trim_end_matches(MOUNT)
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Its Backend API (`…/__clerk/api`, under which `/v1/users` etc.).
    /// Apart from the frontend API, as Clerk's `api.clerk.com` is apart
    /// from an instance's frontend API host: both have `/v1/organizations`.
    pub fn api_url(&self) -> String {
        format!("{}{API_PATH}", self.base_url)
    }
}

/// A started instance and its webhook deliverer (when deliveries are on).
pub struct Started {
    pub instance: Arc<DevInstance>,
    pub deliverer: Option<tokio::task::JoinHandle<()>>,
}

/// Starts the instance when no Clerk keys are configured, pointing the
/// app's Clerk settings at it; does nothing when keys are set.
pub async fn start_if_unconfigured(
    config: &mut Config,
    db: &Db,
    addr: SocketAddr,
    http: &reqwest::Client,
) -> Result<Option<Started>, DevInstanceError> {
    if config.clerk.publishable_key.is_some() {
        return Ok(None);
    }
    // Configuration already refuses production without keys; this check
    // keeps the instance out of production whatever changes there.
    if config.app_env == AppEnv::Production {
        return Err(DevInstanceError::Production);
    }
    let mut instance = DevInstance::load_or_create(db, addr).await?;
    if let Some(standalone) = &config.clerk.dev_standalone {
        instance.set_standalone(&standalone.host);
    }
    instance.configure(&mut config.clerk)?;
    tracing::info!(
        "Clerk development instance at {}/ — local and offline, for development only; \
         set CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY to use Clerk",
        instance.base_url()
    );
    if let Some(standalone) = &config.clerk.dev_standalone {
        tracing::info!(
            "its frontend API also at https://{} (listening on {}), as Clerk serves a \
             development instance's: browsers must resolve that name to this listener",
            standalone.host,
            standalone.addr
        );
    }
    let deliverer = match config.clerk.dev_webhook_url.as_deref() {
        Some("off") => None,
        endpoint => {
            let endpoint = endpoint
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{}/api/webhooks/clerk", instance.app_url()));
            let deliverer = webhooks::Deliverer::new(
                db.clone(),
                http.clone(),
                endpoint,
                instance.webhook_secret()?,
                webhooks::RetrySchedule::default(),
            );
            Some(tokio::spawn(deliverer.run(Duration::from_millis(500))))
        }
    };
    Ok(Some(Started {
        instance: Arc::new(instance),
        deliverer,
    }))
}

/// The address to reach a listener on this machine: an unspecified bind
/// address (0.0.0.0, ::) is reached through loopback.
fn loopback(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_bind_addresses_are_reached_through_loopback() {
        assert_eq!(
            loopback("0.0.0.0:3000".parse().unwrap()).to_string(),
            "127.0.0.1:3000"
        );
        assert_eq!(
            loopback("[::]:8080".parse().unwrap()).to_string(),
            "127.0.0.1:8080"
        );
        assert_eq!(
            loopback("127.0.0.1:3000".parse().unwrap()).to_string(),
            "127.0.0.1:3000"
        );
    }

    #[test]
    fn generated_secrets_have_clerks_shapes() {
        let sk = format!("sk_test_{}", random_alphanumeric(40));
        assert!(sk.parse::<SecretKey>().is_ok());
        let mut key = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut key);
        assert!(format!("whsec_{}", STANDARD.encode(key))
            .parse::<WebhookSecret>()
            .is_ok());
    }
}
