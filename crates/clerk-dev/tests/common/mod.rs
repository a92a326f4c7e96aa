//! The instance on its own for the crate's tests: `clerk_dev::router` on a
//! random loopback port over a fresh SQLite file, configured as a small
//! "Notes" app would (no app around it: no Inkpad, no security layers but
//! what the instance does itself).
#![allow(dead_code)]

use axum::{extract::ConnectInfo, http::Extensions};
use clerk_dev::{
    testing::Served, AppPaths, Db, DemoOrganization, DemoUser, DevInstance, Host, MetadataField,
    OrganizationFeature, Settings,
};
use clerk_protocol::{
    jwks::{CachePolicy, JwksCache, JwksFetcher},
    verify::Verifier,
};
use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    sync::Arc,
    time::Duration,
};
use tokio::{net::TcpListener, sync::oneshot};

/// The demo accounts' password.
pub const DEMO_PASSWORD: &str = "a long development password";
/// The demo accounts: an organization admin with the `gold` tier, a member
/// of it, and someone in no organization.
pub const ANN: &str = "ann@notes.test";
pub const BOB: &str = "bob@notes.test";
pub const CAT: &str = "cat@notes.test";

/// What a small notes app tells its instance: its name, pages, one
/// metadata field (`tier`), three demo users and one organization.
pub fn settings() -> Settings {
    let user = |email: &str, first: &str, tier: &str| DemoUser {
        email: email.into(),
        password: DEMO_PASSWORD.into(),
        first_name: first.into(),
        last_name: "Demo".into(),
        public_metadata: vec![("tier".into(), tier.into())],
    };
    Settings {
        app_name: "Notes".into(),
        paths: AppPaths {
            sign_in_url: "/login".into(),
            sign_up_url: "/join".into(),
            after_sign_in_url: "/notes".into(),
            after_sign_up_url: "/welcome".into(),
        },
        metadata_fields: vec![MetadataField::new("tier", "Tier", &["basic", "gold"])],
        demo_users: vec![
            user(ANN, "Ann", "gold"),
            user(BOB, "Bob", "basic"),
            user(CAT, "Cat", "basic"),
        ],
        demo_organizations: vec![DemoOrganization {
            name: "Team".into(),
            slug: "team".into(),
            members: vec![
                (ANN.into(), "org:admin".into()),
                (BOB.into(), "org:member".into()),
            ],
        }],
        // Organization roles grant the `notes` feature: members read and
        // write, admins also manage.
        organization_feature: Some(OrganizationFeature::new(
            "notes",
            &["read", "write", "manage"],
            &["read", "write"],
        )),
        verify_email_at_sign_up: true,
    }
}

/// What a bare axum app lends the instance: the peer address (no proxies
/// to trust), no CSP nonce, no sign-in budget.
pub struct LoopbackHost;

impl Host for LoopbackHost {
    fn client_address(&self, request: &Extensions) -> Option<IpAddr> {
        request
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip())
    }
}

/// A database that outlives one server, so a test can restart on it: a
/// SQLite file, or a PostgreSQL schema of its own.
pub struct Store {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Store {
    /// A new SQLite file in a temporary directory.
    pub fn new() -> Store {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("dev.db").display());
        Store {
            url,
            _dir: Some(dir),
        }
    }

    /// An empty schema of its own inside `TEST_DATABASE_URL`, or `None`
    /// (with one visible line) on a machine without PostgreSQL. Under CI a
    /// missing PostgreSQL fails: skipping there would hide a broken backend.
    pub async fn postgres() -> Option<Store> {
        let Some(base) = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|v| !v.is_empty())
        else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but TEST_DATABASE_URL is not: the PostgreSQL tests must run in CI"
            );
            eprintln!("note: PostgreSQL tests skipped — TEST_DATABASE_URL is not set");
            return None;
        };
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let schema = format!(
            "clerk_dev_t{}_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_micros(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        sqlx::any::install_default_drivers();
        let admin = sqlx::AnyPool::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but unreachable: {e}"));
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .expect("create test schema");
        admin.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        Some(Store {
            url: format!("{base}{sep}options[search_path]={schema}"),
            _dir: None,
        })
    }

    pub async fn open(&self) -> Db {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.url)
            .await
            .expect("open SQLite");
        Db::new(pool).expect("the instance's store")
    }
}

/// The instance serving on 127.0.0.1 at a random port until dropped.
pub struct DevServer {
    pub addr: SocketAddr,
    pub db: Db,
    pub instance: Arc<DevInstance>,
    /// Sends the app's `Origin` with every request, as the app's pages do.
    /// Redirects are not followed.
    pub client: reqwest::Client,
    /// Sends no `Origin`: requests from elsewhere.
    pub bare_client: reqwest::Client,
    pub store: Arc<Store>,
    bundles: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
}

impl DevServer {
    /// A new instance with the notes app's [`settings`].
    pub async fn spawn() -> DevServer {
        DevServer::spawn_with(settings()).await
    }

    /// A new instance configured with `settings`.
    pub async fn spawn_with(settings: Settings) -> DevServer {
        DevServer::spawn_on(Arc::new(Store::new()), settings, None, bundles_dir()).await
    }

    /// A new instance on `store` (see [`on_both_backends`]).
    pub async fn spawn_on_store(store: Store) -> DevServer {
        DevServer::spawn_on(Arc::new(store), settings(), None, bundles_dir()).await
    }

    /// A new instance serving Clerk's bundles from `bundles`.
    pub async fn spawn_with_bundles(bundles: &std::path::Path) -> DevServer {
        DevServer::spawn_on(Arc::new(Store::new()), settings(), None, bundles.into()).await
    }

    /// The instance kept in `store` (created there on first start),
    /// listening at `addr` when given (a restart on the same address).
    pub async fn spawn_on(
        store: Arc<Store>,
        settings: Settings,
        addr: Option<SocketAddr>,
        bundles: PathBuf,
    ) -> DevServer {
        let listener = TcpListener::bind(addr.unwrap_or_else(|| "127.0.0.1:0".parse().unwrap()))
            .await
            .expect("bind");
        let addr = listener.local_addr().unwrap();
        let db = store.open().await;
        let instance = Arc::new(
            DevInstance::load_or_create(&db, addr, settings)
                .await
                .expect("the instance starts"),
        );
        let app: axum::Router = clerk_dev::router(
            instance.clone(),
            db.clone(),
            Arc::new(LoopbackHost),
            &bundles,
        );
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        let origin = format!("http://{addr}");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(
                [(reqwest::header::ORIGIN, origin.parse().unwrap())]
                    .into_iter()
                    .collect(),
            )
            .build()
            .unwrap();
        let bare_client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        DevServer {
            addr,
            db,
            instance,
            client,
            bare_client,
            store,
            bundles,
            shutdown: Some(tx),
        }
    }

    /// Stops this server (its store stays) and starts another on the same
    /// address and file, as a restarted app would.
    pub async fn restart(mut self) -> DevServer {
        let (store, addr, settings, bundles) = (
            self.store.clone(),
            self.addr,
            self.instance.settings().clone(),
            self.bundles.clone(),
        );
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        drop(self);
        // The port is free again once the old listener has closed.
        for _ in 0..50 {
            if std::net::TcpListener::bind(addr).is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        DevServer::spawn_on(store, settings, Some(addr), bundles).await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// A Backend API request with the instance's secret key.
    pub fn backend(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.bare_client
            .request(method, self.url(&format!("/__clerk/api{path}")))
            .bearer_auth(self.instance.secret_key().expose())
    }
}

impl DevServer {
    /// Verifies session tokens as an app would: against the instance's
    /// published JWKS, for its issuer, with the app as authorized party.
    pub fn verifier(&self) -> Verifier {
        self.verifier_for(vec![self.origin()])
    }

    /// The same, for `authorized_parties` (none: `azp` is not checked, as
    /// for the tokens the Backend API mints, which name no party).
    pub fn verifier_for(&self, authorized_parties: Vec<String>) -> Verifier {
        let issuer = self.instance.publishable_key().frontend_api_url();
        let fetcher = JwksFetcher::frontend_api(reqwest::Client::new(), &issuer);
        Verifier::with_jwks(
            Arc::new(JwksCache::new(fetcher, CachePolicy::default())),
            &issuer,
            authorized_parties,
            Duration::from_secs(5),
        )
    }
}

impl Served for DevServer {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Clerk's bundles as `npm pack` left them (`CLERK_DEV_BUNDLES_DIR`, else
/// the workspace's `target/clerk-bundles`); a missing directory serves the
/// instance's own fallback script.
pub fn bundles_dir() -> PathBuf {
    std::env::var_os("CLERK_DEV_BUNDLES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/clerk-bundles")
        })
}

/// Retries `check` until it yields a value, for up to `secs` seconds.
pub async fn eventually<T, F, Fut>(what: &str, secs: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Runs each named `async fn(Store)` once on SQLite and once on PostgreSQL
/// (when `TEST_DATABASE_URL` is set).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::common::Store::new()).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(store) = $crate::common::Store::postgres().await {
                    super::$name(store).await;
                }
            }
        }
    )+};
}

/// The first error's code in Clerk's `{"errors": [...]}` body, or "".
pub fn error_code(body: &serde_json::Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap_or_default()
}

/// A six-digit code other than `right`.
pub fn wrong(right: &str) -> &'static str {
    if right == "000000" {
        "000001"
    } else {
        "000000"
    }
}
