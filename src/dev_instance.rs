//! Inkpad's use of the embedded development instance (`clerk-dev`): what
//! it tells the instance about the app (its name, pages, the `role` and
//! `plan` its console edits, the demo accounts, the Acme organization and
//! the `posts` permissions organization roles grant),
//! the security hooks it lends it (client address, CSP nonce, the per-email
//! sign-in budget), and starting it when no Clerk keys are configured.

use crate::{
    config::{AppEnv, ClerkConfig, Config},
    db::Db,
    model::{Plan, Role},
    security::{
        client_ip::ClientIp,
        headers::CspNonce,
        rate_limit::{Budget, RateLimiter},
    },
};
use axum::{http::Extensions, response::Response};
use clerk_dev::{
    host::HookFuture, AppPaths, DemoOrganization, DemoUser, DevInstance, DevInstanceError,
    MetadataField, OrganizationFeature, Settings,
};
use std::{net::IpAddr, net::SocketAddr, sync::Arc, time::Duration};

pub use clerk_dev::MOUNT;

/// The demo accounts: email, development password, first and last name,
/// role, plan. The README lists them; start-up prints them.
pub const DEMO_USERS: [(&str, &str, &str, &str, Role, Plan); 3] = [
    (
        "admin@inkpad.dev",
        "inkpad-admin-demo",
        "Ada",
        "Admin",
        Role::Admin,
        Plan::Pro,
    ),
    (
        "pro@inkpad.dev",
        "inkpad-pro-demo",
        "Paula",
        "Pro",
        Role::Member,
        Plan::Pro,
    ),
    (
        "free@inkpad.dev",
        "inkpad-free-demo",
        "Fred",
        "Free",
        Role::Member,
        Plan::Free,
    ),
];

/// The app's auth pages, as its Clerk settings name them.
pub fn paths(clerk: &ClerkConfig) -> AppPaths {
    AppPaths {
        sign_in_url: clerk.sign_in_url.clone(),
        sign_up_url: clerk.sign_up_url.clone(),
        after_sign_in_url: clerk.after_sign_in_url.clone(),
        after_sign_up_url: clerk.after_sign_up_url.clone(),
    }
}

/// What the instance is told about Inkpad.
pub fn settings(paths: AppPaths) -> Settings {
    Settings {
        app_name: "Inkpad".into(),
        paths,
        metadata_fields: vec![
            MetadataField::new(
                "role",
                "Role",
                &[Role::Member.as_str(), Role::Admin.as_str()],
            ),
            MetadataField::new("plan", "Plan", &[Plan::Free.as_str(), Plan::Pro.as_str()]),
        ],
        demo_users: DEMO_USERS
            .iter()
            .map(|(email, password, first, last, role, plan)| DemoUser {
                email: (*email).into(),
                password: (*password).into(),
                first_name: (*first).into(),
                last_name: (*last).into(),
                public_metadata: vec![
                    ("role".into(), role.as_str().into()),
                    ("plan".into(), plan.as_str().into()),
                ],
            })
            .collect(),
        demo_organizations: vec![DemoOrganization {
            name: "Acme".into(),
            slug: "acme".into(),
            members: vec![
                ("admin@inkpad.dev".into(), "org:admin".into()),
                ("pro@inkpad.dev".into(), "org:member".into()),
            ],
        }],
        // An organization's posts: members read and write them, admins
        // also manage everyone's (`org:posts:manage`, `auth::policy`).
        organization_feature: Some(OrganizationFeature::new(
            "posts",
            &["read", "create", "manage"],
            &["read", "create"],
        )),
        // As Clerk's default: a new address proves itself with a code,
        // which the instance's console shows in its mailbox.
        verify_email_at_sign_up: true,
    }
}

/// The app's security layers, lent to the instance's endpoints.
pub struct AppHost {
    pub limiter: Arc<RateLimiter>,
}

impl clerk_dev::Host for AppHost {
    fn client_address(&self, request: &Extensions) -> Option<IpAddr> {
        request.get::<ClientIp>().map(|ip| ip.0)
    }

    fn csp_nonce(&self, request: &Extensions) -> Option<String> {
        request.get::<CspNonce>().map(|n| n.0.to_string())
    }

    fn charge_sign_in_attempt<'a>(
        &'a self,
        identifier: &'a str,
        path: &'a str,
    ) -> HookFuture<'a, Result<(), Response>> {
        Box::pin(async move {
            self.limiter
                .enforce(
                    Budget::SignInIdentifier,
                    &format!("email:{identifier}"),
                    path,
                )
                .await
                .map(drop)
        })
    }
}

/// A running instance: its identity and its store (the app's pool).
#[derive(Clone)]
pub struct Running {
    pub instance: Arc<DevInstance>,
    pub db: clerk_dev::Db,
}

/// A started instance and its webhook deliverer (when deliveries are on).
pub struct Started {
    pub running: Running,
    pub deliverer: Option<tokio::task::JoinHandle<()>>,
}

/// Why the instance did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the development instance never runs in production")]
    Production,
    #[error(transparent)]
    Instance(#[from] DevInstanceError),
    #[error(transparent)]
    Store(#[from] clerk_dev::DbError),
}

/// Starts the instance when no Clerk keys are configured, pointing the
/// app's Clerk settings at it; does nothing when keys are set.
pub async fn start_if_unconfigured(
    config: &mut Config,
    db: &Db,
    addr: SocketAddr,
    http: &reqwest::Client,
) -> Result<Option<Started>, StartError> {
    if config.clerk.publishable_key.is_some() {
        return Ok(None);
    }
    // Configuration already refuses production without keys; this check
    // keeps the instance out of production whatever changes there.
    if config.app_env == AppEnv::Production {
        return Err(StartError::Production);
    }
    let store = clerk_dev::Db::new(db.pool().clone())?;
    let mut instance =
        DevInstance::load_or_create(&store, addr, settings(paths(&config.clerk))).await?;
    if let Some(standalone) = &config.clerk.dev_standalone {
        instance.set_standalone(&standalone.host);
    }
    configure(&mut config.clerk, &instance)?;
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
            let deliverer = clerk_dev::webhooks::Deliverer::new(
                store.clone(),
                http.clone(),
                endpoint,
                instance.webhook_secret()?,
                clerk_dev::webhooks::RetrySchedule::default(),
            );
            Some(tokio::spawn(deliverer.run(Duration::from_millis(500))))
        }
    };
    Ok(Some(Started {
        running: Running {
            instance: Arc::new(instance),
            db: store,
        },
        deliverer,
    }))
}

/// Points the app's Clerk settings at the instance, as an app's settings
/// would be copied from Clerk's dashboard.
pub fn configure(clerk: &mut ClerkConfig, instance: &DevInstance) -> Result<(), DevInstanceError> {
    let settings = instance.clerk_settings()?;
    clerk.publishable_key = Some(settings.publishable_key);
    clerk.secret_key = Some(settings.secret_key);
    clerk.api_url = settings.api_url;
    clerk.instance_path = Some(settings.instance_path);
    clerk.proxy_url = settings.proxy_url;
    if let Some(app) = settings.authorized_party {
        if !clerk.authorized_parties.contains(&app) {
            clerk.authorized_parties.push(app);
        }
    }
    clerk.webhook_signing_secret = Some(settings.webhook_signing_secret);
    Ok(())
}
