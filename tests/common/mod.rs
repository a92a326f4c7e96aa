//! Shared test harness: fresh databases on both backends and the real app
//! booted on a random port.
#![allow(dead_code)]

pub mod browser;
pub mod fault_proxy;
pub mod stub_clerk;

use inkpad::{
    auth::Policy,
    clerk::{
        keys::{InstanceKind, PublishableKey},
        mint::SigningKey,
        verify::unix_now,
    },
    config::Config,
    db::Db,
    startup::Application,
};
use leptos::prelude::LeptosOptions;
use std::{
    io::Write,
    net::SocketAddr,
    sync::{
        atomic::{AtomicU32, Ordering},
        Once, OnceLock,
    },
};
use tokio::sync::oneshot;

/// A database that exists only for one test.
pub struct TestDb {
    pub url: String,
    pub db: Db,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Another handle on an existing database (as a restarted server has).
    pub async fn reopen(url: &str) -> TestDb {
        let db = Db::connect(url).await.expect("reopen database");
        TestDb {
            url: url.to_owned(),
            db,
            _dir: None,
        }
    }
}

/// A migrated SQLite database in a temporary directory.
pub async fn sqlite_db() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let db = Db::connect(&url).await.expect("open SQLite");
    db.migrate().await.expect("migrate SQLite");
    TestDb {
        url,
        db,
        _dir: Some(dir),
    }
}

/// A migrated PostgreSQL schema of its own inside `TEST_DATABASE_URL`, or
/// `None` (with one visible line) when no PostgreSQL is configured on a
/// developer's machine. Under CI a missing or unreachable PostgreSQL fails
/// the test: skipping silently there would hide a broken backend.
pub async fn postgres_db() -> Option<TestDb> {
    let url = postgres_schema().await?;
    let db = Db::connect(&url).await.expect("connect to test schema");
    db.migrate().await.expect("migrate PostgreSQL");
    Some(TestDb {
        url,
        db,
        _dir: None,
    })
}

/// The URL of an empty PostgreSQL schema of its own (not migrated), or
/// `None` as for [`postgres_db`].
pub async fn postgres_schema() -> Option<String> {
    let Some(base) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but TEST_DATABASE_URL is not: the PostgreSQL tests must run in CI");
        }
        static SKIP_NOTICE: Once = Once::new();
        SKIP_NOTICE.call_once(|| {
            // Written past the test harness's capture so it is always seen.
            let _ = writeln!(
                std::io::stderr(),
                "note: PostgreSQL tests skipped — TEST_DATABASE_URL is not set"
            );
        });
        return None;
    };

    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "t{}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let admin = Db::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}"));
    // The migrations create pg_trgm if missing; tests migrating many schemas
    // at once would race to create it, so it is made once, up front.
    static EXTENSION: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    EXTENSION
        .get_or_init(|| async {
            sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
                .execute(admin.pool())
                .await
                .expect("create pg_trgm");
        })
        .await;
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(admin.pool())
        .await
        .expect("create test schema");
    admin.close().await;

    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options[search_path]={schema}"))
}

/// The real application, serving on 127.0.0.1 at a random port until dropped.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Db,
    /// Behaves as the app's own pages do in a browser: every request says
    /// it comes from the app's origin (`Origin`), as browsers do for every
    /// write. Redirects are not followed.
    pub client: reqwest::Client,
    /// A client that sends no `Origin` of its own: for requests from
    /// elsewhere (other sites, scripts), with whatever headers a test adds.
    pub bare_client: reqwest::Client,
    /// Where `/metrics` listens on its own (`METRICS_ADDR`), if configured.
    pub metrics_addr: Option<SocketAddr>,
    /// Where the development instance's own origin listens, when it runs
    /// standalone (`CLERK_DEV_STANDALONE_ADDR`).
    pub standalone_addr: Option<SocketAddr>,
    shutdown: Option<oneshot::Sender<()>>,
    _test_db: TestDb,
}

impl TestApp {
    /// Boots the app on a fresh SQLite database.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_on(sqlite_db().await).await
    }

    /// Boots the app on `test_db`, with `extra` environment settings.
    pub async fn spawn_on(test_db: TestDb) -> TestApp {
        TestApp::spawn_with(test_db, &[]).await
    }

    pub async fn spawn_with(test_db: TestDb, extra: &[(&str, &str)]) -> TestApp {
        TestApp::spawn_full(test_db, extra, inkpad::auth::policy::app()).await
    }

    /// Boots the app verifying tokens of the test Clerk instance.
    pub async fn spawn_with_clerk() -> TestApp {
        let clerk = TestClerk::get();
        TestApp::spawn_with(sqlite_db().await, &clerk.env()).await
    }

    pub async fn spawn_full(test_db: TestDb, extra: &[(&str, &str)], policy: Policy) -> TestApp {
        let url = test_db.url.clone();
        let config = Config::from_lookup(|name| match name {
            "DATABASE_URL" => Some(url.clone()),
            "LEPTOS_SITE_ADDR" => Some("127.0.0.1:0".into()),
            other => extra
                .iter()
                .find(|(k, _)| *k == other)
                .map(|(_, v)| v.to_string()),
        })
        .expect("test configuration");
        let site_root = extra
            .iter()
            .find(|(k, _)| *k == "LEPTOS_SITE_ROOT")
            .map_or("target/site", |(_, v)| *v);
        let options = LeptosOptions::builder()
            .output_name("inkpad")
            .site_root(site_root)
            .build();
        let app = Application::build_with_policy(config, options, policy)
            .await
            .expect("build app");
        let addr = app.local_addr();
        let metrics_addr = app.metrics_addr();
        let standalone_addr = app.standalone_addr();
        // From here on the app's own pool is the one that matters.
        test_db.db.close().await;
        let db = app.db().clone();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        let own_origin: reqwest::header::HeaderMap = [(
            reqwest::header::ORIGIN,
            reqwest::header::HeaderValue::from_str(&format!("http://{addr}")).unwrap(),
        )]
        .into_iter()
        .collect();
        TestApp {
            addr,
            db,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .default_headers(own_origin)
                .build()
                .unwrap(),
            bare_client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            metrics_addr,
            standalone_addr,
            shutdown: Some(tx),
            _test_db: test_db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `http://127.0.0.1:<port>`: the app's own origin.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A request to the app, with a Bearer session token when one is given.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }
}

/// A Clerk instance of the tests' own: a signing key and the publishable key
/// naming its frontend API, so the app verifies tokens minted here without
/// any network (networkless verification with `CLERK_JWT_KEY`). Its keys
/// are a production instance's (`pk_live_`); `development_env` gives the
/// same instance's development keys, whose frontend API on another site
/// knows browsers by their dev browser.
pub struct TestClerk {
    pub key: SigningKey,
    pub publishable_key: PublishableKey,
    pub development_key: PublishableKey,
    pem: String,
}

impl TestClerk {
    pub const HOST: &'static str = "clerk.inkpad.test";
    pub const ISSUER: &'static str = "https://clerk.inkpad.test";

    pub fn get() -> &'static TestClerk {
        static CLERK: OnceLock<TestClerk> = OnceLock::new();
        CLERK.get_or_init(|| {
            let key = SigningKey::generate("ins_inkpad_test").expect("test key");
            let pem = key.public_pem();
            TestClerk {
                key,
                publishable_key: PublishableKey::for_host(InstanceKind::Live, Self::HOST),
                development_key: PublishableKey::for_host(InstanceKind::Test, Self::HOST),
                pem,
            }
        })
    }

    pub fn env(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("CLERK_PUBLISHABLE_KEY", self.publishable_key.as_str()),
            ("CLERK_JWT_KEY", self.pem.as_str()),
        ]
    }

    /// The same instance with development keys.
    pub fn development_env(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("CLERK_PUBLISHABLE_KEY", self.development_key.as_str()),
            ("CLERK_JWT_KEY", self.pem.as_str()),
        ]
    }

    /// Valid v2 claims for `user_id`, issued now, merged with `extra`
    /// (a JSON null removes a claim).
    pub fn claims(&self, user_id: &str, extra: serde_json::Value) -> serde_json::Value {
        let now = unix_now();
        let mut claims = serde_json::json!({
            "iss": Self::ISSUER, "sub": user_id, "sid": format!("sess_{user_id}"),
            "iat": now, "nbf": now - 10, "exp": now + 60, "v": 2, "fva": [0, -1],
        });
        for (k, v) in extra.as_object().expect("an object") {
            if v.is_null() {
                claims.as_object_mut().unwrap().remove(k);
            } else {
                claims[k] = v.clone();
            }
        }
        claims
    }

    pub fn token(&self, user_id: &str, extra: serde_json::Value) -> String {
        self.key.sign(&self.claims(user_id, extra))
    }

    /// A member on the free plan.
    pub fn member(&self, user_id: &str) -> String {
        self.token(
            user_id,
            serde_json::json!({"metadata": {"role": "member", "plan": "free"}}),
        )
    }

    pub fn admin(&self, user_id: &str) -> String {
        self.token(
            user_id,
            serde_json::json!({"metadata": {"role": "admin", "plan": "pro"}}),
        )
    }

    pub fn pro(&self, user_id: &str) -> String {
        self.token(
            user_id,
            serde_json::json!({"metadata": {"role": "member", "plan": "pro"}}),
        )
    }
}

/// A browser signed in through the development instance's frontend API.
pub struct SignedIn {
    /// `__client=…`, ready for a `Cookie` header.
    pub client_cookie: String,
    pub session_id: String,
    pub user_id: String,
}

impl TestApp {
    /// Signs in through the development instance, as its browser script does.
    pub async fn sign_in(&self, email: &str, password: &str) -> SignedIn {
        let res = self
            .client
            .post(self.url("/__clerk/v1/client/sign_ins"))
            .json(&serde_json::json!({"identifier": email, "password": password}))
            .send()
            .await
            .expect("sign-in request");
        assert_eq!(res.status(), 200, "sign-in as {email}");
        let client_cookie = res.headers()[reqwest::header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let body: serde_json::Value = res.json().await.unwrap();
        let client = &body["client"];
        SignedIn {
            client_cookie,
            session_id: client["last_active_session_id"]
                .as_str()
                .unwrap()
                .to_owned(),
            user_id: client["sessions"][0]["user"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        }
    }
}

impl SignedIn {
    /// A fresh session token, as the browser script gets one.
    pub async fn token(&self, app: &TestApp) -> String {
        let res = app
            .client
            .post(app.url(&format!(
                "/__clerk/v1/client/sessions/{}/tokens",
                self.session_id
            )))
            .header(reqwest::header::COOKIE, &self.client_cookie)
            .header(reqwest::header::ORIGIN, format!("http://{}", app.addr))
            .send()
            .await
            .expect("token request");
        assert_eq!(res.status(), 200, "token for {}", self.user_id);
        let body: serde_json::Value = res.json().await.unwrap();
        body["jwt"].as_str().expect("a jwt").to_owned()
    }
}

/// Polls `check` every 50 ms until it returns `Some`, for up to `secs`
/// seconds; panics naming `what` otherwise.
pub async fn eventually<T, F, Fut>(what: &str, secs: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {secs} s waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Runs one async test body against SQLite and against PostgreSQL, as two
/// tests named `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let test_db = $crate::common::sqlite_db().await;
                super::$name(test_db).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(test_db) = $crate::common::postgres_db().await {
                    super::$name(test_db).await;
                }
            }
        }
    )+};
}

/// The real server binary, started as a separate process (as production
/// runs it), on a random port of 127.0.0.1.
pub struct Server {
    pub addr: SocketAddr,
    child: tokio::process::Child,
    output: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `target/…/inkpad` with `env` and waits until it listens.
    pub async fn start(env: &[(&str, &str)]) -> Server {
        use tokio::io::AsyncBufReadExt;
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_inkpad"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("LEPTOS_OUTPUT_NAME", "inkpad")
            .env("LEPTOS_SITE_ROOT", "target/site")
            .env("RUST_LOG", "info")
            .env("LOG_FORMAT", "text")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("start the server binary");
        let stdout = child.stdout.take().unwrap();
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let addr = tokio::time::timeout(std::time::Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                output.lock().unwrap().push(line.clone());
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    return rest.split_whitespace().next().unwrap().parse().unwrap();
                }
            }
            panic!("the server exited before listening");
        })
        .await
        .expect("the server listens within 30 s");
        // Keep reading its output so it never blocks on a full pipe.
        let kept = output.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                kept.lock().unwrap().push(line);
            }
        });
        Server {
            addr,
            child,
            output,
        }
    }

    /// Everything the server printed on stdout so far (its logs, and the
    /// development banner).
    pub fn output(&self) -> String {
        self.output.lock().unwrap().join("\n")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Sends SIGTERM, as a process manager does.
    pub fn terminate(&self) {
        let pid = self.child.id().expect("still running");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit.
    pub async fn wait(&mut self, limit: std::time::Duration) -> std::process::ExitStatus {
        tokio::time::timeout(limit, self.child.wait())
            .await
            .expect("the server exits in time")
            .unwrap()
    }
}

/// The development instance's store on a test database (the app's pool).
pub fn dev_store(db: &Db) -> clerk_dev::Db {
    clerk_dev::Db::new(db.pool().clone()).expect("the development instance's store")
}

/// The development instance a server on `addr` with this database runs
/// (Inkpad's settings): its keys sign tokens and call its Backend API.
pub async fn dev_instance(db: &Db, addr: SocketAddr) -> clerk_dev::DevInstance {
    clerk_dev::DevInstance::load_or_create(
        &dev_store(db),
        addr,
        inkpad::dev_instance::settings(clerk_dev::AppPaths::default()),
    )
    .await
    .expect("development instance")
}
