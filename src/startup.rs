//! Start-up, kept apart from `main` so tests boot the real app on a random
//! port: configuration → telemetry → database → router → serve until a
//! shutdown signal.

use crate::{
    api,
    app::{shell, App},
    auth::{self, authenticate, Policy},
    clerk::backend::BackendApi,
    config::{Config, ConfigError},
    db::{Db, DbError},
    dev_instance,
    error::AppError,
    security::{
        client_ip::{self, TrustedProxies},
        csrf::{self, CsrfGuard},
        headers::{self, CspNonce, SecurityHeaders},
        limits,
        rate_limit::{self, RateLimiter},
    },
    state::{AppState, Shared},
    telemetry,
};
use axum::{
    http::HeaderName,
    middleware::{from_fn, from_fn_with_state},
    response::{IntoResponse, Response},
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::{
    future::Future,
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::Duration,
};
use tokio::net::TcpListener;
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

/// Why the server could not start; printed as one line by `main`.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("invalid Leptos settings (LEPTOS_* variables): {0}")]
    Leptos(String),
    #[error("invalid Clerk settings: {0}")]
    Clerk(String),
    #[error("cannot open the database: {0}")]
    Database(#[from] DbError),
    #[error("invalid rate-limit settings: {0}")]
    RateLimit(String),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// The application, bound to its port and ready to serve.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Db,
    /// The development instance's webhook deliverer, when it runs.
    background: Option<tokio::task::JoinHandle<()>>,
    request_timeout: Duration,
    /// Whether the local Clerk development instance runs in this process.
    development_instance: bool,
    /// `METRICS_ADDR`'s listener and its app, when configured.
    metrics: Option<(TcpListener, Router)>,
    /// The development instance's own origin, when it runs standalone:
    /// its listener, TLS settings, and the app's origin it serves.
    standalone: Option<(TcpListener, clerk_dev::standalone::TlsConfig, String)>,
}

impl Application {
    /// Opens and migrates the database, builds the router and binds
    /// `config.site_addr` (port 0 picks a free port).
    pub async fn build(
        config: Config,
        leptos_options: LeptosOptions,
    ) -> Result<Self, StartupError> {
        Self::build_with_policy(config, leptos_options, auth::policy::app()).await
    }

    /// As `build`, with another route policy (tests use `Policy::none()` to
    /// prove that handlers refuse on their own).
    pub async fn build_with_policy(
        mut config: Config,
        mut leptos_options: LeptosOptions,
        policy: Policy,
    ) -> Result<Self, StartupError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("inkpad/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| StartupError::Clerk(format!("HTTP client: {e}")))?;
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;

        let listener = TcpListener::bind(config.site_addr)
            .await
            .map_err(|e| StartupError::Bind(config.site_addr, e))?;
        let addr = listener.local_addr().map_err(StartupError::Serve)?;
        leptos_options.site_addr = addr;

        let started = dev_instance::start_if_unconfigured(&mut config, &db, addr, &http)
            .await
            .map_err(|e| StartupError::Clerk(e.to_string()))?;
        let auth = auth::service::build(&config.clerk, http.clone(), policy)
            .map_err(StartupError::Clerk)?;
        let (dev_clerk, background) = match started {
            Some(started) => (Some(started.running), started.deliverer),
            None => (None, None),
        };
        let standalone = match (&dev_clerk, &config.clerk.dev_standalone) {
            (Some(dev), Some(standalone)) => {
                let instance = &dev.instance;
                let tls = clerk_dev::standalone::tls_config(&standalone.host)
                    .map_err(|e| StartupError::Clerk(e.to_string()))?;
                let listener = TcpListener::bind(standalone.addr)
                    .await
                    .map_err(|e| StartupError::Bind(standalone.addr, e))?;
                Some((listener, tls, instance.app_url().to_owned()))
            }
            _ => None,
        };

        let clerk_api = config
            .clerk
            .secret_key
            .as_ref()
            .map(|sk| BackendApi::new(http.clone(), &config.clerk.api_url, sk.expose()));
        let limiter = RateLimiter::new(
            config.security.rate_limits.clone(),
            config.security.redis_url.as_deref(),
        )
        .map_err(StartupError::RateLimit)?;
        tracing::debug!(store = limiter.store_name(), "rate limits counted");
        let state = AppState::new(Shared {
            clerk_api,
            limiter: Arc::new(limiter),
            site_stats: Arc::default(),
            db: db.clone(),
            config: Arc::new(config),
            auth: Arc::new(auth),
            dev_clerk,
            http,
            leptos_options,
        });
        let request_timeout = state.config.security.request_timeout;
        let development_instance = state.dev_clerk.is_some();
        if state.config.metrics.enabled() {
            crate::metrics::install();
        }
        let metrics = match state.config.metrics.addr {
            Some(addr) => Some((
                TcpListener::bind(addr)
                    .await
                    .map_err(|e| StartupError::Bind(addr, e))?,
                api::metrics::private_router(state.clone()),
            )),
            None => None,
        };
        Ok(Application {
            listener,
            router: router(state),
            db,
            background,
            request_timeout,
            development_instance,
            metrics,
            standalone,
        })
    }

    /// The app's own pool (tests use it to seed data or take the database away).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Whether Clerk is the local development instance (no keys configured).
    pub fn development_instance(&self) -> bool {
        self.development_instance
    }

    /// Where the development instance's own origin listens, when standalone.
    pub fn standalone_addr(&self) -> Option<SocketAddr> {
        self.standalone
            .as_ref()
            .and_then(|(listener, _, _)| listener.local_addr().ok())
    }

    /// Where `/metrics` listens on its own (`METRICS_ADDR`), if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics
            .as_ref()
            .and_then(|(listener, _)| listener.local_addr().ok())
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish
    /// (for at most the request timeout and a little more) and closes the
    /// database pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        let metrics = self.metrics.map(|(listener, router)| {
            tokio::spawn(async move { axum::serve(listener, router).await })
        });
        let standalone = self.standalone.map(|(listener, tls, app_origin)| {
            let router = self.router.clone();
            tokio::spawn(clerk_dev::standalone::serve(
                listener, tls, router, app_origin,
            ))
        });
        crate::server::serve(self.listener, self.router, shutdown, self.request_timeout).await;
        for task in [
            metrics.map(|t| t.abort_handle()),
            standalone.map(|t| t.abort_handle()),
        ]
        .into_iter()
        .flatten()
        {
            task.abort();
        }
        // Undelivered webhooks stay in the outbox for the next start.
        if let Some(task) = self.background {
            task.abort();
        }
        self.db.close().await;
        Ok(())
    }
}

/// The app's page routes, generated once per process.
///
/// Generating them renders the app with resource loading suppressed through
/// a process-global flag, so a page rendering at the same moment in another
/// app of the same process would never resolve its resources (Leptos issue
/// 4773). A server builds one app at start-up and never meets this; tests
/// booting many apps in one process would, intermittently.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// All routes and middleware.
pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let x_request_id = HeaderName::from_static("x-request-id");
    let auth = state.auth.clone();
    let limiter = state.limiter.clone();
    let security = &state.config.security;
    let csrf = Arc::new(CsrfGuard::new(
        state.config.clerk.authorized_parties.clone(),
    ));
    let proxies = Arc::new(TrustedProxies::new(security.trusted_proxies.clone()));
    let timeout = security.request_timeout;
    let security_headers = Arc::new(SecurityHeaders::new(
        &state.config.clerk,
        state.dev_clerk.is_some(),
        std::env::var_os("LEPTOS_WATCH").is_some(),
    ));

    let metrics_on = state.config.metrics.enabled();
    let mut app = Router::new()
        .merge(api::router())
        .merge(api::metrics::router(&state.config.metrics));
    if let Some(dev) = &state.dev_clerk {
        app = app.merge(clerk_dev::router(
            dev.instance.clone(),
            dev.db.clone(),
            Arc::new(dev_instance::AppHost {
                limiter: state.limiter.clone(),
            }),
            &state.config.clerk.dev_bundles_dir,
        ));
    }
    let app = app
        // leptos_axum provides `state` as context to every page render and
        // server function, so they reach the database with
        // `expect_context::<AppState>()`; the request's CSP nonce goes to
        // Leptos' inline scripts.
        .leptos_routes_with_context(&state, routes, provide_request_nonce, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_request_nonce, shell))
        .with_state(state)
        // Read bottom-up: every request gets an id, is logged in a span
        // carrying it, echoes it back and leaves with the security headers;
        // a panic becomes a plain 500; the request must finish within the
        // deadline; its client address is resolved, its body bounded,
        // forged cross-site requests refused, the caller authenticated (and
        // the route policy applied) and the request charged to its rate
        // budget — all before any handler, page or server function runs.
        // On the way out, a page that met an outage becomes the 503 error
        // page, and a server function's error carries its own status.
        .layer(from_fn(crate::rpc::error_status))
        .layer(from_fn(crate::pages::unavailable::replace_with_error_page))
        .layer(from_fn_with_state(limiter, rate_limit::limit))
        .layer(from_fn_with_state(
            auth,
            authenticate::<auth::Grants, auth::AppRule>,
        ))
        .layer(from_fn_with_state(csrf, csrf::protect))
        .layer(from_fn(limits::limit_body))
        .layer(from_fn_with_state(proxies, client_ip::resolve))
        .layer(from_fn_with_state(timeout, limits::deadline))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn_with_state(security_headers, headers::apply))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
        .layer(SetRequestIdLayer::new(
            x_request_id,
            telemetry::RandomRequestId,
        ));
    if metrics_on {
        // Outermost: counts and times each request as the client saw it.
        // Without a way to read them, nothing is counted at all.
        app.layer(from_fn(crate::metrics::track))
    } else {
        app
    }
}

/// Hands the nonce the security-headers layer put in this request's
/// Content-Security-Policy to Leptos, which stamps it on the inline
/// scripts it renders (hydration, resources, live reload).
fn provide_request_nonce() {
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// A panic in a handler is a bug: log it, answer a generic 500 and never
/// send the panic message (it may hold internals) to the client.
fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = %detail, "handler panicked");
    AppError::Internal.into_response()
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

/// With content-hashed assets (`LEPTOS_HASH_FILES=true`, as cargo-leptos
/// builds them here) pages name their files from the hash file cargo-leptos
/// writes beside the binary; Leptos panics while rendering when it is
/// missing. Say so at start-up instead of failing every page.
fn check_hash_file(options: &leptos::config::LeptosOptions) -> Result<(), StartupError> {
    if !options.hash_files {
        return Ok(());
    }
    let path = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())));
    match path {
        Some(path) if path.is_file() => Ok(()),
        path => Err(StartupError::Leptos(format!(
            "LEPTOS_HASH_FILES is on but the hash file {} is missing: copy the \
             {} cargo-leptos wrote beside the release binary",
            path.map_or_else(|| "(unknown)".into(), |p| p.display().to_string()),
            options.hash_file
        ))),
    }
}

/// What a developer needs once `scripts/dev` is up: where the app and the
/// development instance's console are, and the demo accounts to sign in
/// with. Printed only when the development instance runs (never in
/// production, which refuses to start without Clerk keys).
fn development_banner(addr: SocketAddr) -> String {
    let mut banner = format!(
        "\n  Inkpad            http://{addr}\n  \
         Clerk console     http://{addr}{}/\n  \
         Demo accounts (development instance only, seeded on first start):\n",
        dev_instance::MOUNT
    );
    for (email, password, _, _, role, plan) in dev_instance::DEMO_USERS {
        banner.push_str(&format!("    {email:<18} {password:<19} {role}, {plan}\n"));
    }
    banner
}

/// The whole server, as `main` runs it.
pub async fn run() -> Result<(), StartupError> {
    let config = Config::from_env()?;
    telemetry::init(&config);
    let leptos_options = get_configuration(None)
        .map_err(|e| StartupError::Leptos(e.to_string()))?
        .leptos_options;
    check_hash_file(&leptos_options)?;
    let app = Application::build(config, leptos_options).await?;
    tracing::info!(
        addr = %app.local_addr(),
        database = app.db().backend().name(),
        "listening on http://{}",
        app.local_addr()
    );
    if app.development_instance() {
        println!("{}", development_banner(app.local_addr()));
    }
    app.run_until(shutdown_signal()).await
}
