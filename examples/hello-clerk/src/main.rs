//! hello-clerk's server: the embedded Clerk development instance (SQLite),
//! the auth layer with a one-line route table, and the Leptos pages.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    use axum::{middleware::from_fn_with_state, Router};
    use clerk_dev::{DemoUser, DevInstance, MetadataField, NoHost, Settings};
    use hello_clerk::{shell, App, Tier};
    use leptos::prelude::*;
    use leptos_axum::{generate_route_list, LeptosRoutes};
    use leptos_clerk::server::{authenticate, Access, AuthService, ClerkOptions, NoRule, Policy};
    use leptos_clerk::ClerkSettings;
    use std::sync::Arc;

    let leptos_options = get_configuration(None)?.leptos_options;
    let addr = leptos_options.site_addr;

    // The development instance: local, offline, never for production.
    sqlx::any::install_default_drivers();
    let url =
        std::env::var("DATABASE_URL").unwrap_or("sqlite://target/hello-clerk.db?mode=rwc".into());
    let db = clerk_dev::Db::new(sqlx::AnyPool::connect(&url).await?)?;
    let settings = Settings {
        app_name: "hello-clerk".into(),
        metadata_fields: vec![MetadataField::new("tier", "Tier", &["basic", "gold"])],
        demo_users: vec![DemoUser {
            email: "gold@hello.dev".into(),
            password: "hello-gold-demo".into(),
            first_name: "Goldie".into(),
            last_name: "Hello".into(),
            public_metadata: vec![("tier".into(), "gold".into())],
        }],
        ..Settings::default()
    };
    let instance = Arc::new(DevInstance::load_or_create(&db, addr, settings).await?);
    let dev = instance.clerk_settings()?;

    let options = ClerkOptions {
        publishable_key: Some(dev.publishable_key.clone()),
        secret_key: Some(dev.secret_key.clone()),
        api_url: dev.api_url.clone(),
        proxy_url: dev.proxy_url.clone(),
        instance_path: Some(dev.instance_path.clone()),
        ..ClerkOptions::default()
    };
    let policy = Policy::new(&[("/secret", Access::SignedIn)])?;
    let auth = Arc::new(AuthService::<Tier>::new(
        &options,
        reqwest::Client::new(),
        policy,
    )?);
    let _ = hello_clerk::BROWSER.set(ClerkSettings::from_key(
        &dev.publishable_key,
        dev.proxy_url.as_deref(),
    ));

    let bundles =
        std::env::var("CLERK_DEV_BUNDLES_DIR").unwrap_or("../../target/clerk-bundles".into());
    let app = Router::new()
        .merge(clerk_dev::router(
            instance,
            db,
            Arc::new(NoHost),
            bundles.as_ref(),
        ))
        .leptos_routes(&leptos_options, generate_route_list(App), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .layer(from_fn_with_state(auth, authenticate::<Tier, NoRule>))
        .with_state(leptos_options);
    println!("hello-clerk on http://{addr} (demo: gold@hello.dev / hello-gold-demo)");
    axum::serve(tokio::net::TcpListener::bind(addr).await?, app).await?;
    Ok(())
}

#[cfg(not(feature = "ssr"))]
fn main() {}
