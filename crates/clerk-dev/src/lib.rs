#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api_error;
mod backend;
mod backend_orgs;
mod bundles;
mod codes;
mod console;
mod console_api;
pub mod db;
mod email_addresses;
mod environment;
mod frontend;
mod frontend_emails;
mod frontend_orgs;
mod frontend_sign_ins;
mod frontend_sign_ups;
mod handshake;
pub mod host;
mod ids;
pub mod mailbox;
mod nonces;
pub mod orgs;
mod routes;
pub mod settings;
mod sign_ins;
mod sign_ups;
pub mod standalone;
mod state;
pub mod store;
pub mod testing;
pub mod webhooks;

pub use db::{Db, DbError};
pub use host::{Host, NoHost};
pub use routes::router;
pub use settings::{
    AppPaths, DemoOrganization, DemoUser, MetadataField, OrganizationFeature, Settings,
};

use base64::{engine::general_purpose::STANDARD, Engine};
use clerk_protocol::{
    keys::{InstanceKind, KeyError, PublishableKey, SecretKey, WebhookSecret},
    mint::SigningKey,
};
use db::now_millis;
use rand::{distributions::Alphanumeric, Rng, RngCore};
use std::net::SocketAddr;

/// Where the instance is mounted on the app's origin.
pub const MOUNT: &str = "/__clerk";
/// Where its Backend API is, under the mount point.
pub const API_PATH: &str = "/api";

/// The instance's persistent identity (its keys, stored in its tables)
/// and how the app configured it.
pub struct DevInstance {
    secret_key: SecretKey,
    webhook_secret: String,
    signing_key: SigningKey,
    /// `http://127.0.0.1:3000/__clerk`: where it is mounted in the app
    /// (its Backend API, and its frontend API unless standalone).
    base_url: String,
    /// Its frontend API's host on an origin of its own (`myapp.lcl.dev`,
    /// served over HTTPS), when it runs standalone.
    standalone_host: Option<String>,
    /// The app's name, paths, console fields and seeds.
    settings: Settings,
}

/// Why the instance could not start.
#[derive(Debug, thiserror::Error)]
pub enum DevInstanceError {
    /// Its store failed (unreachable, or a migration failed).
    #[error(transparent)]
    Database(#[from] DbError),
    /// Its stored keys do not parse, or seeding failed.
    #[error("stored development instance is unreadable: {0}")]
    Corrupt(String),
    /// The app's settings cannot be served (see [`Settings::check`]).
    #[error("development instance settings: {0}")]
    Settings(String),
}

/// What the app's Clerk settings become when the instance stands in for
/// Clerk: the same settings an app copies from Clerk's dashboard.
#[derive(Debug, Clone)]
pub struct ClerkSettings {
    /// `pk_test_…`, naming the instance's frontend API.
    pub publishable_key: PublishableKey,
    /// `sk_test_…`, for its Backend API.
    pub secret_key: SecretKey,
    /// The `whsec_…` secret its webhooks are signed with.
    pub webhook_signing_secret: WebhookSecret,
    /// Its Backend API's base URL (`…/__clerk/api`).
    pub api_url: String,
    /// Where it is mounted in the app (`/__clerk`): the app's auth layer
    /// never handshakes requests to it.
    pub instance_path: String,
    /// The proxy URL browsers reach its frontend API through (`/__clerk`),
    /// or `None` when it is on an origin of its own.
    pub proxy_url: Option<String>,
    /// When standalone, the app's origin: the one party its tokens are
    /// for (and whose pages may post to it).
    pub authorized_party: Option<String>,
}

fn random_alphanumeric(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

impl DevInstance {
    /// Migrates the instance's tables, then loads the instance stored in
    /// `db`, creating it (and seeding `settings`' demo users and
    /// organizations) on first start. `addr` is where the app listens; the
    /// instance lives under it, at [`MOUNT`].
    pub async fn load_or_create(
        db: &Db,
        addr: SocketAddr,
        settings: Settings,
    ) -> Result<Self, DevInstanceError> {
        settings.check().map_err(DevInstanceError::Settings)?;
        db.migrate().await?;
        let roles = orgs::RoleModel::new(settings.organization_feature.clone());
        if let Some(instance) = Self::load(db, addr, &settings).await? {
            // The app's organization feature may have changed since.
            roles.store(db).await?;
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
        roles.store(db).await?;
        store::seed_demo_users(db, &settings.demo_users)
            .await
            .map_err(|e| DevInstanceError::Corrupt(format!("seeding demo users: {e}")))?;
        orgs::seed_organizations(db, &settings.demo_organizations)
            .await
            .map_err(|e| DevInstanceError::Corrupt(format!("seeding organizations: {e}")))?;
        Self::load(db, addr, &settings)
            .await?
            .ok_or_else(|| DevInstanceError::Corrupt("row missing after insert".into()))
    }

    async fn load(
        db: &Db,
        addr: SocketAddr,
        settings: &Settings,
    ) -> Result<Option<Self>, DevInstanceError> {
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
                .map_err(|e: KeyError| corrupt(e.to_string()))?,
            webhook_secret,
            signing_key: SigningKey::from_pem(kid, &pem).map_err(|e| corrupt(e.to_string()))?,
            base_url: format!("http://{}{MOUNT}", loopback(addr)),
            standalone_host: None,
            settings: settings.clone(),
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

    /// The Backend API's secret key.
    pub fn secret_key(&self) -> &SecretKey {
        &self.secret_key
    }

    /// The key its session tokens are signed with.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }

    /// The app's Clerk settings pointing at this instance: its keys, its
    /// webhook secret, its Backend API (for the JWKS and user calls), and
    /// how browsers reach its frontend API.
    pub fn clerk_settings(&self) -> Result<ClerkSettings, DevInstanceError> {
        Ok(ClerkSettings {
            publishable_key: self.publishable_key(),
            secret_key: self.secret_key.clone(),
            webhook_signing_secret: self.webhook_secret()?,
            api_url: self.api_url(),
            instance_path: MOUNT.to_owned(),
            // As a Clerk development instance when standalone: no proxy,
            // the frontend API on another site. Otherwise browsers reach
            // it on whatever origin they use for the app.
            proxy_url: (!self.is_standalone()).then(|| MOUNT.to_owned()),
            authorized_party: self.is_standalone().then(|| self.app_url().to_owned()),
        })
    }

    /// The `whsec_` secret its webhooks are signed with.
    pub fn webhook_secret(&self) -> Result<WebhookSecret, DevInstanceError> {
        self.webhook_secret
            .parse()
            .map_err(|e: KeyError| DevInstanceError::Corrupt(e.to_string()))
    }

    /// How the app configured it.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The app's auth pages (from its settings).
    pub fn paths(&self) -> &AppPaths {
        &self.settings.paths
    }

    /// Where the app listens, reachable from this machine.
    pub fn app_url(&self) -> &str {
        self.base_url.trim_end_matches(MOUNT)
    }

    /// Where it is mounted (`http://127.0.0.1:3000/__clerk`).
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
