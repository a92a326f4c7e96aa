//! The app and its development instance: the app starts it when no Clerk
//! keys are set (never in production, never with keys), verifies its tokens
//! over HTTP exactly as it would Clerk's, configures it with Inkpad's demo
//! accounts, roles and plans, keeps its secrets off every page, and guards
//! its console with the app's own CSRF layer. (The instance's own protocol
//! is tested beside it, in `crates/clerk-dev/tests`.)

mod common;

use clerk_dev::DevInstance;
use common::{sqlite_db, TestApp};
use inkpad::clerk::{
    metadata::{public_profile, AppMetadata},
    verify::unix_now,
};
use reqwest::header;
use serde_json::{json, Value};

async fn instance_of(app: &TestApp) -> DevInstance {
    common::dev_instance(&app.db, app.addr).await
}

#[tokio::test]
async fn without_keys_the_app_runs_the_instance_and_serves_its_jwks() {
    let app = TestApp::spawn().await;
    let dev = instance_of(&app).await;
    let res = app.get("/__clerk/.well-known/jwks.json").await;
    assert_eq!(res.status(), 200);
    let jwks: Value = res.json().await.unwrap();
    assert_eq!(jwks["keys"][0]["kid"], dev.signing_key().kid());
}

#[tokio::test]
async fn the_app_verifies_the_instances_tokens_through_its_jwks() {
    let app = TestApp::spawn().await;
    let dev = instance_of(&app).await;
    let pk = dev.publishable_key();
    assert_eq!(
        pk.frontend_api_url(),
        format!("http://{}/__clerk", app.addr)
    );

    let now = unix_now();
    let claims = json!({
        "iss": pk.frontend_api_url(), "sub": "user_dev", "sid": "sess_dev",
        "iat": now, "nbf": now - 10, "exp": now + 60, "v": 2, "metadata": {"role": "admin", "plan": "pro"}
    });
    let token = dev.signing_key().sign(&claims);
    let res = app
        .client
        .get(app.url("/api/session"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["user_id"].as_str(), body["role"].as_str()),
        (Some("user_dev"), Some("admin"))
    );

    // A token claiming to be from the instance but signed elsewhere is not.
    let forged = inkpad::clerk::mint::SigningKey::generate(dev.signing_key().kid())
        .unwrap()
        .sign(&claims);
    let res = app
        .client
        .get(app.url("/api/session"))
        .bearer_auth(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn the_instances_secrets_never_reach_a_page() {
    let app = TestApp::spawn().await;
    let dev = instance_of(&app).await;
    let (webhook_secret,): (String,) =
        sqlx::query_as("SELECT webhook_secret FROM clerk_dev_instance")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    for path in [
        "/",
        "/no/such/page",
        "/unauthorized",
        "/__clerk/.well-known/jwks.json",
    ] {
        let body = app.get(path).await.text().await.unwrap();
        assert!(!body.contains(dev.secret_key().expose()), "{path}");
        assert!(!body.contains(&webhook_secret), "{path}");
        assert!(!body.contains("PRIVATE KEY"), "{path}");
    }
}

#[tokio::test]
async fn configured_clerk_keys_keep_the_instance_off() {
    let app = TestApp::spawn_with_clerk().await;
    assert_eq!(
        app.get("/__clerk/.well-known/jwks.json").await.status(),
        404
    );
}

/// The app's reading of the Backend API's users: Inkpad's demo accounts
/// come with its roles and plans. (The Backend API itself is tested beside
/// the instance, with the protocol crate's client.)
#[tokio::test]
async fn demo_users_are_seeded_with_inkpads_roles_and_plans() {
    use clerk_dev::store;
    use inkpad::{
        clerk::backend::{BackendApi, ListUsers},
        model::{Plan, Role},
    };
    let app = TestApp::spawn().await;
    let dev = instance_of(&app).await;
    let api = BackendApi::new(
        reqwest::Client::new(),
        &dev.api_url(),
        dev.secret_key().expose(),
    );
    let oldest_first = ListUsers {
        order_by: Some("created_at".into()),
        ..Default::default()
    };
    let users = api.list_users(&oldest_first).await.unwrap();
    let seeded: Vec<_> = users
        .iter()
        .map(|u| (u.primary_email().unwrap(), u.role(), u.plan()))
        .collect();
    assert_eq!(
        seeded,
        [
            ("admin@inkpad.dev", Role::Admin, Plan::Pro),
            ("pro@inkpad.dev", Role::Member, Plan::Pro),
            ("free@inkpad.dev", Role::Member, Plan::Free),
        ]
    );
    assert_eq!(
        public_profile(&users[0]).image_url,
        None,
        "an empty image URL is no image"
    );
    let stored = store::find_by_email(&common::dev_store(&app.db), "admin@inkpad.dev")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.password_matches("inkpad-admin-demo"));
}

/// The browser loads Clerk's scripts from where the app's settings say:
/// the instance's entry paths on the app's own origin.
#[tokio::test]
async fn the_apps_clerk_settings_load_clerks_scripts_from_the_instance() {
    let app = TestApp::spawn().await;
    let settings: serde_json::Value = app
        .client
        .post(app.url("/api/clerk_settings"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (key, path) in [
        (
            "script_url",
            "/__clerk/npm/@clerk/clerk-js@6/dist/clerk.browser.js",
        ),
        (
            "ui_script_url",
            "/__clerk/npm/@clerk/ui@1/dist/ui.browser.js",
        ),
    ] {
        assert_eq!(settings[key], path);
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    // The console's page lists the demo passwords, never the secret key.
    let html = app.get("/__clerk/").await.text().await.unwrap();
    assert!(html.contains("inkpad-free-demo"));
    assert!(!html.contains(instance_of(&app).await.secret_key().expose()));
}

mod console {
    //! The console as Inkpad configures it: its `role` and `plan` fields,
    //! changes that reach the app without signing out, and writes from
    //! other sites refused by the app's layers.

    use super::*;
    use clerk_dev::store;

    fn post(app: &TestApp, path: &str) -> reqwest::RequestBuilder {
        app.client
            .post(app.url(path))
            .header(header::ORIGIN, format!("http://{}", app.addr))
            .header(header::CONTENT_TYPE, "application/json")
    }

    async fn token_for(app: &TestApp, email: &str, password: &str) -> (String, String) {
        let signed_in = app.sign_in(email, password).await;
        (signed_in.client_cookie, signed_in.session_id)
    }

    async fn claims(app: &TestApp, cookie: &str, sid: &str) -> reqwest::Response {
        app.client
            .post(app.url(&format!("/__clerk/v1/client/sessions/{sid}/tokens")))
            .header(header::COOKIE, cookie)
            .send()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn users_are_listed_with_role_plan_and_sessions() {
        let app = TestApp::spawn_with(sqlite_db().await, &[("CLERK_DEV_WEBHOOK_URL", "off")]).await;
        token_for(&app, "pro@inkpad.dev", "inkpad-pro-demo").await;
        let users: Value = app
            .get("/__clerk/console/api/users")
            .await
            .json()
            .await
            .unwrap();
        let summary: Vec<_> = users
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["email"].as_str().unwrap(),
                    u["role"].as_str().unwrap(),
                    u["plan"].as_str().unwrap(),
                    u["sessions"].as_array().unwrap().len(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("admin@inkpad.dev", "admin", "pro", 0),
                ("pro@inkpad.dev", "member", "pro", 1),
                ("free@inkpad.dev", "member", "free", 0)
            ]
        );
    }

    #[tokio::test]
    async fn a_plan_change_in_the_console_reaches_the_app_without_signing_out() {
        let app = TestApp::spawn_with(sqlite_db().await, &[("CLERK_DEV_WEBHOOK_URL", "off")]).await;
        let (cookie, sid) = token_for(&app, "free@inkpad.dev", "inkpad-free-demo").await;
        let user = store::find_by_email(&common::dev_store(&app.db), "free@inkpad.dev")
            .await
            .unwrap()
            .unwrap();
        let res = post(
            &app,
            &format!("/__clerk/console/api/users/{}/access", user.id),
        )
        .json(&json!({"plan": "pro", "role": "admin"}))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), 200);

        let jwt = claims(&app, &cookie, &sid)
            .await
            .json::<Value>()
            .await
            .unwrap()["jwt"]
            .as_str()
            .unwrap()
            .to_owned();
        let me: Value = app
            .client
            .get(app.url("/api/session"))
            .bearer_auth(jwt)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (me["role"].as_str(), me["plan"].as_str()),
            (Some("admin"), Some("pro")),
            "without signing out"
        );
    }

    #[tokio::test]
    async fn writes_from_other_sites_are_refused() {
        let app = TestApp::spawn_with(sqlite_db().await, &[("CLERK_DEV_WEBHOOK_URL", "off")]).await;
        let user = store::find_by_email(&common::dev_store(&app.db), "free@inkpad.dev")
            .await
            .unwrap()
            .unwrap();
        let path = format!("/__clerk/console/api/users/{}/access", user.id);
        let attempts = [
            (
                app.bare_client
                    .post(app.url(&path))
                    .header(header::ORIGIN, "https://evil.example")
                    .json(&json!({"role": "admin"})),
                403,
            ),
            (
                app.bare_client
                    .post(app.url(&path))
                    .header("sec-fetch-site", "cross-site")
                    .json(&json!({"role": "admin"})),
                403,
            ),
            (
                app.bare_client
                    .post(app.url(&path))
                    .json(&json!({"role": "admin"})),
                403,
            ),
            // Same origin but not JSON: the handler cannot read it.
            (
                app.client
                    .post(app.url(&path))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body("role=admin"),
                415,
            ),
        ];
        for (attempt, status) in attempts {
            assert_eq!(attempt.send().await.unwrap().status(), status);
        }
        let after = store::get_user(&common::dev_store(&app.db), &user.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.public_metadata["role"], "member", "nothing changed");
    }
}

#[tokio::test]
async fn the_instance_refuses_to_start_in_production() {
    // Configuration already refuses production without keys; even if keys
    // went missing after that check, the instance itself says no.
    let clerk = common::TestClerk::get();
    let mut config = inkpad::config::Config::from_lookup(|name| match name {
        "APP_ENV" => Some("production".into()),
        "CLERK_PUBLISHABLE_KEY" => Some(clerk.publishable_key.as_str().into()),
        "CLERK_SECRET_KEY" => Some("sk_live_0123456789abcdefghij".into()),
        _ => None,
    })
    .unwrap();
    config.clerk.publishable_key = None;
    let test_db = sqlite_db().await;
    let started = inkpad::dev_instance::start_if_unconfigured(
        &mut config,
        &test_db.db,
        "127.0.0.1:3000".parse().unwrap(),
        &reqwest::Client::new(),
    )
    .await;
    assert!(matches!(
        started,
        Err(inkpad::dev_instance::StartError::Production)
    ));
    // Not even its tables: the instance migrates its store only once it
    // is allowed to run.
    let (tables,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'clerk_dev_%'",
    )
    .fetch_one(test_db.db.pool())
    .await
    .unwrap();
    assert_eq!(tables, 0, "nothing was generated");
}

/// `scripts/dev` ends its start-up with where everything is: the app, the
/// development instance's console and the demo accounts to sign in with —
/// and a server with real Clerk keys prints none of it.
#[tokio::test]
async fn the_development_server_says_where_it_is_and_how_to_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("app.db").display());
    let server = common::Server::start(&[
        ("DATABASE_URL", db.as_str()),
        ("CLERK_DEV_WEBHOOK_URL", "off"),
    ])
    .await;
    let console = format!("http://{}/__clerk/", server.addr);
    let output = common::eventually("the banner", 10, || async {
        let output = server.output();
        output.contains("Demo accounts").then_some(output)
    })
    .await;
    assert!(
        output.contains(&format!("Inkpad            http://{}", server.addr)),
        "{output}"
    );
    assert!(
        output.contains(&format!("Clerk console     {console}")),
        "{output}"
    );
    for (email, password) in [
        ("admin@inkpad.dev", "inkpad-admin-demo"),
        ("pro@inkpad.dev", "inkpad-pro-demo"),
        ("free@inkpad.dev", "inkpad-free-demo"),
    ] {
        let line = output
            .lines()
            .find(|l| l.contains(email))
            .unwrap_or_else(|| panic!("{email} listed: {output}"));
        assert!(line.contains(password), "{line}");
    }
    // The console it names answers.
    let res = reqwest::get(&console).await.unwrap();
    assert_eq!(res.status(), 200);

    let clerk = common::TestClerk::get();
    let with_keys = common::Server::start(&[
        ("DATABASE_URL", db.as_str()),
        ("CLERK_PUBLISHABLE_KEY", clerk.publishable_key.as_str()),
        ("CLERK_JWT_KEY", &clerk.key.public_pem()),
    ])
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let output = with_keys.output();
    assert!(!output.contains("Demo accounts"), "{output}");
    assert!(!output.contains("inkpad-admin-demo"), "{output}");
}
